"""A recipient list's columns, mapped to the documented ones (docs/batch.md).

Lists come from address books and spreadsheets with their own headers
("E-mail", "Full name", "Lang"). ``suggest`` proposes the documented
column each header most likely means; a person confirms or corrects it;
``rename`` writes a copy of the list whose header says so, changing
nothing else, so every row keeps its line number and the batch's messages
still point into the user's file.
"""

from __future__ import annotations

import csv
import difflib
import io
from pathlib import Path

from .errors import InputError
from .listheaders import COLUMNS, PARTS, column_for, is_known, normalise_header
from .recipients import open_list

#: Headers the batch does not take as they are, but which a person most likely means as these.
SYNONYMS = {
    "title": "honorific",
    "full_name": "name",
    "recipient": "name",
}
EXTRA = ""  #: the mapping of a column kept as it is (an extra column, for templates and the manifest)


def documented() -> list[str]:
    """The columns a header can be renamed to: the documented ones, then the parts a batch joins (first_name ...)."""
    return [*COLUMNS, *(f"address_{i}" for i in range(1, 7)), *PARTS]


def suggest(columns: list[str] | tuple[str, ...]) -> dict[str, str]:
    """Each column -> the documented column it most likely means, or ``EXTRA``; no target twice."""
    out: dict[str, str] = {}
    taken: set[str] = set()
    for c in columns:
        n = normalise_header(c)
        # The batch's own reading first (listheaders.ALIASES: "E-mail Address", "First Name", "Mailing City").
        known = column_for(c)
        guess = SYNONYMS.get(n) or (known if is_known(known) else None)
        if guess is None:
            close = difflib.get_close_matches(n, COLUMNS, n=1, cutoff=0.8)
            guess = close[0] if close else EXTRA
        if guess in taken:
            guess = EXTRA
        if guess:
            taken.add(guess)
        out[c] = guess
    return out


def header(path: str) -> list[str]:
    """The column names of the list at *path*, as written but normalised (checked as ``batch`` checks them)."""
    lst = open_list(path)
    return _written(lst.shown)


def _written(cells: tuple[str, ...]) -> list[str]:
    return [normalise_header(c) or f"column_{i + 1}" for i, c in enumerate(cells)]


def rename(src: Path, dst: Path, mapping: dict[str, str]) -> None:
    """Write *src* to *dst* with each column named by *mapping* (``EXTRA``: unchanged); rows untouched."""
    targets = [t for t in mapping.values() if t]
    twice = sorted({t for t in targets if targets.count(t) > 1})
    if twice:
        raise InputError(f"two columns are mapped to {', '.join(twice)}: choose one", file=src.name)
    lst = open_list(str(src))
    new = [mapping.get(c) or c for c in _written(lst.shown)]
    if lst.delimiter is None:
        from openpyxl import load_workbook

        wb = load_workbook(src)
        ws = wb.worksheets[0]
        for cell, name in zip(ws[lst.header_line], new, strict=False):
            cell.value = name
        wb.save(dst)
        return
    data = src.read_bytes()
    if lst.encoding == "utf-16":
        # Excel's "Unicode text": rewritten whole, as the same UTF-16 with its byte-order mark.
        text_lines = data.decode("utf-16").split("\n")
        out = io.StringIO()
        csv.writer(out, delimiter=lst.delimiter, lineterminator="").writerow(new)
        end = "\r" if text_lines[lst.header_line - 1].endswith("\r") else ""
        text_lines[lst.header_line - 1] = out.getvalue() + end
        dst.write_bytes("\n".join(text_lines).encode("utf-16"))
        return
    lines = data.split(b"\n")
    i = lst.header_line - 1
    ending = b"\r" if lines[i].endswith(b"\r") else b""
    buf = io.StringIO()
    csv.writer(buf, delimiter=lst.delimiter, lineterminator="").writerow(new)
    bom = b"\xef\xbb\xbf" if i == 0 and data.startswith(b"\xef\xbb\xbf") else b""
    lines[i] = bom + buf.getvalue().encode(lst.encoding if lst.encoding != "utf-8-sig" else "utf-8") + ending
    dst.write_bytes(b"\n".join(lines))
