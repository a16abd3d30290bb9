"""Recipient lists as text: the encoding, the delimiter and the header line, found before any row is read.

Lists come out of Excel and CRMs in whatever their settings say: UTF-8 with
or without a byte-order mark, "Unicode text" (UTF-16 with a BOM, tab
separated), a European Excel's semicolons, or a Windows code page. The
encoding is settled for the whole file before any letter is made
(``text_encoding``): a file that is not UTF-8 stops the run with one error
naming the encoding it most likely is (charset-normalizer's guess) and the
``--encoding`` to give, instead of one error per row. Notes or a title above
the header are skipped (``find_header``), and line numbers stay the file's.
"""

from __future__ import annotations

import codecs
import re
from collections import deque
from collections.abc import Callable
from typing import IO

from . import sanitize
from .errors import InputError

DELIMITERS = ",;\t|"
#: Lines looked at for the header when it is not the first (a title, notes, a blank line or two).
HEADER_SEARCH_LINES = 50
#: Bytes given to the encoding detector (enough for its statistics, whatever the file's size).
DETECT_BYTES = 1 << 20


class RecipientListError(InputError):
    """The recipient list as a whole cannot be used (exit 2, nothing written)."""


def text_encoding(path: str, asked: str) -> str:
    """The codec the CSV at *path* is read with.

    A UTF-16 byte-order mark decides (Excel's "Unicode text"); otherwise the
    encoding asked for, and for UTF-8 (the default) the whole file is checked
    first, so that a Windows code page is named at once rather than on every
    row with an accent.
    """
    name = _codec(asked, path)
    with open(path, "rb") as fh:
        head = fh.read(4)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) and name in ("utf-8", "utf-16"):
        return "utf-16"
    if name == "utf-8":
        _check_utf8(path)
    return name


def open_lines(fh: IO[bytes], encoding: str) -> Lines:
    """The lines of *fh*; UTF-16 and UTF-32 are recoded to UTF-8 on the way, line by line, so the reader sees one
    form."""
    if encoding.startswith(("utf-16", "utf-32")):  # lines are not split at b"\n" in these
        return Lines(codecs.EncodedFile(fh, "utf-8", encoding), "utf-8")
    return Lines(fh, encoding)


_BAD = re.compile(r"[\udc80-\udcff]+")
_HIGH_BYTES = bytes(range(128, 256))
#: Bad bytes per valid non-ASCII letter above which a file is taken to be in another encoding.
_FOREIGN_RATIO = 10


def _check_utf8(path: str) -> None:
    """Refuse a file in another encoding, naming its first bad line; a UTF-8 file with a bad row or two passes.

    A list whose bytes are UTF-8 except for a few (a pasted value, a cell
    from another file) is a UTF-8 list with broken rows: those rows fail on
    their own, as before. Text in a Windows code page almost never holds a
    valid UTF-8 sequence by chance ("Ã©" is rare in any language), so a list
    in which the bytes that are not UTF-8 outnumber the letters that are
    UTF-8 by far (``_FOREIGN_RATIO``) is in another encoding, and every row
    with an accent would fail: that is one error, now.
    """
    first: tuple[int, bytes, str] | None = None
    bad = good = 0
    line = 1
    carry = b""
    with open(path, "rb") as fh:
        while True:
            chunk = fh.read(1 << 20)
            data = carry + chunk
            if chunk:
                # Whole lines only, so that no character is split between two reads.
                cut = data.rfind(b"\n") + 1 or len(data)
                data, carry = data[:cut], data[cut:]
            if not data:
                break
            if not data.isascii():
                ascii_bytes = len(data.translate(None, _HIGH_BYTES))
                try:
                    text = data.decode("utf-8")
                except UnicodeDecodeError:
                    text = data.decode("utf-8", "surrogateescape")
                    for m in _BAD.finditer(text):
                        bad += len(m.group())
                        good -= len(m.group())
                        if first is None:
                            head = text[: m.start()]
                            before = head.rsplit("\n", 1)[-1][-20:]
                            first = (line + head.count("\n"), m.group().encode("utf-8", "surrogateescape")[:4], before)
                good += len(text) - ascii_bytes
            line += data.count(b"\n")
            if not chunk:
                break
    if first is not None and bad > _FOREIGN_RATIO * good:
        _not_utf8(path, *first)


def _not_utf8(path: str, line: int, bad: bytes, before: str) -> None:
    where = f"{bad!r} after '{before}'" if before else f"{bad!r} at the start of the line"
    guess = guess_encoding(path)
    fix = (
        f"it looks like {guess}: run again with --encoding {guess}, or save the list as 'CSV UTF-8'"
        if guess
        else "save the list as 'CSV UTF-8', or give its encoding with --encoding"
    )
    raise RecipientListError(f"the list is not UTF-8 (bytes {where}); {fix}", file=path, line=line)


#: Code pages spreadsheets save in (Excel's "CSV" on Windows in each region), preferred among equal guesses:
#: the detector cannot tell cp1250 from cp1252 by "é" alone, and Excel in western Europe writes cp1252.
PREFERRED_ENCODINGS = (
    "cp1252", "cp1251", "cp1256", "cp1250", "gb18030", "big5", "shift_jis", "cp949",
    "cp1253", "cp1254", "cp1255", "cp1257", "cp1258", "cp874", "koi8_r", "mac_roman",
)  # fmt: skip
#: How much more "chaos" (charset-normalizer's mess ratio) a preferred code page may show than the best guess.
_NEAR = 0.05


def guess_encoding(path: str) -> str | None:
    """The encoding the bytes of *path* most likely are (charset-normalizer), or None.

    Among the guesses that read the bytes about as well as the best one, an
    encoding spreadsheets actually write is named (``PREFERRED_ENCODINGS``).
    """
    from charset_normalizer import from_bytes

    with open(path, "rb") as fh:
        sample = fh.read(DETECT_BYTES)
    matches = list(from_bytes(sample))
    if not matches:
        return None
    best = min(m.chaos for m in matches)
    near = {e for m in matches if m.chaos <= best + _NEAR for e in (m.encoding, *m.could_be_from_charset)}
    name = next((e for e in PREFERRED_ENCODINGS if e in near), matches[0].encoding)
    if name in ("utf_8", "ascii"):
        return None
    return codecs.lookup(name).name


def find_header(
    lines: Lines,
    delimiter: str | None,
    header_row: int | None,
    parse: Callable[[str, str], list[str]],
    looks_like_header: Callable[[list[str]], bool],
    path: str,
) -> tuple[int, str, list[str]]:
    """(line, delimiter, cells) of the header: line *header_row*, else the first that names known columns.

    Without a line that does within ``HEADER_SEARCH_LINES``, the first
    non-empty line is the header (its problems are then reported as such).
    Lines before the header are passed over; the caller reads on from it.
    """
    first: tuple[int, str, list[str]] | None = None
    seen = 0
    for text in lines:
        if header_row is not None:
            if lines.lineno < header_row:
                continue
            if not text.strip():
                raise RecipientListError(f"--header-row {header_row}: that line is empty", file=path, line=header_row)
            d = delimiter or sniff(text)
            return lines.lineno, d, parse(text, d)
        if not text.strip():
            continue
        d = delimiter or sniff(text)
        cells = parse(text, d)
        if first is None:
            first = (lines.lineno, d, cells)
        if looks_like_header(cells):
            return lines.lineno, d, cells
        seen += 1
        if seen >= HEADER_SEARCH_LINES:
            break
    if header_row is not None:
        raise RecipientListError(f"--header-row {header_row}: the list has only {lines.lineno} lines", file=path)
    if first is None:
        raise RecipientListError("the recipient list is empty; its first line must name the columns", file=path)
    return first


class Lines:
    """Lines of a byte stream, decoded, counted and able to be re-read.

    When a quote is found never to close, the lines it swallowed are pushed
    back and read again as rows of their own.
    """

    def __init__(self, fh: IO[bytes], encoding: str) -> None:
        self.fh = fh
        self.encoding = encoding
        self.lineno = 0
        self._pending: deque[bytes] = deque()
        self._record: list[bytes] = []
        self._nul: set[int] = set()

    def __iter__(self) -> Lines:
        return self

    def __next__(self) -> str:
        raw = self._pending.popleft() if self._pending else self.fh.readline()
        if not raw:
            raise StopIteration
        self.lineno += 1
        self._record.append(raw)
        text = raw.decode(self.encoding, "surrogateescape")
        if self.lineno == 1:
            text = text.removeprefix("\ufeff")
        if "\x00" in text:
            # The csv module refuses NUL outright: replaced here (sanitize.py's
            # rule), and the row notes it.
            self._nul.add(self.lineno)
            text = text.replace("\x00", sanitize.REPLACEMENT)
        return text

    def begin_record(self) -> None:
        self._record = []

    def record(self) -> list[bytes]:
        return list(self._record)

    def push_back(self, raw: list[bytes]) -> None:
        self._pending.extendleft(reversed(raw))
        self.lineno -= len(raw)

    def nul_lines_in(self, start: int, stop: int) -> bool:
        return any(n in self._nul for n in range(start, stop))


def sniff(header: str) -> str:
    """The delimiter of the header line: the candidate it holds most of."""
    counts = {d: header.count(d) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _codec(encoding: str, path: str) -> str:
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        raise RecipientListError(f"--encoding: unknown encoding '{encoding}'", file=path) from None
    # The byte-order mark is stripped from the first line whatever is asked.
    return "utf-8" if name in ("utf-8", "utf-8-sig") else name
