"""Reading the first sheet of an .xlsx recipient list, within bounds, merged cells filled.

An .xlsx is a zip of XML that openpyxl trusts: it pads every row to the
sheet's declared ``<dimension>`` and fills in every row number skipped, so a
5 KB file naming the last cell of the sheet, or a 1 MB one that inflates to
gigabytes, would run for hours. The zip is checked from its central
directory before openpyxl opens it (zipfile never inflates an entry past the
size declared there), and rows are read with our own bounds.

Merged cells: a spreadsheet shows a merged range's value across all its
cells (a group name merged down ten rows), but the file stores it in the
top-left cell only, and openpyxl's streaming reader does not say which
cells are merged. ``merged_ranges`` reads the ``<mergeCell>`` list from the
sheet's XML and ``sheet_rows`` fills each cell of a range with the value of
its top-left cell, as the user sees it.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from .listfiles import RecipientListError

#: Compressed size of the workbook file.
MAX_XLSX_BYTES = 64 * 1024 * 1024
#: All entries unpacked, as declared in the zip's central directory.
MAX_XLSX_UNCOMPRESSED = 128 * 1024 * 1024
#: Compression ratio of an entry over 1 MiB (honest sheets are 5-20:1).
MAX_XLSX_RATIO = 100
#: Entries in the zip (a workbook has a dozen or so, plus one per sheet).
MAX_XLSX_ENTRIES = 10_000
#: The shared-strings part, which openpyxl reads whole into memory.
MAX_XLSX_SHARED_STRINGS = 64 * 1024 * 1024
#: Columns read in a row; cells to the right of them are refused if not empty.
MAX_XLSX_COLUMNS = 200
#: Rows read, blank ones included (Excel's own maximum).
MAX_XLSX_ROWS = 1_048_576


def check_zip(path: str) -> None:
    """Refuse a workbook whose zip would unpack to more than a list can be.

    Read from the central directory only; zipfile stops (with an error) an
    entry that inflates past the size declared there, so these sizes bound
    everything openpyxl will unpack.
    """
    import os
    import zipfile

    size = os.path.getsize(path)
    if size > MAX_XLSX_BYTES:
        raise RecipientListError(
            f"the workbook is {size:,} bytes, more than the limit of {MAX_XLSX_BYTES:,}", file=path
        )
    with zipfile.ZipFile(path) as zf:
        entries = zf.infolist()
    if len(entries) > MAX_XLSX_ENTRIES:
        raise RecipientListError(
            f"the workbook holds {len(entries):,} files, more than the limit of {MAX_XLSX_ENTRIES:,}", file=path
        )
    total = 0
    for e in entries:
        total += e.file_size
        if e.file_size > 1024 * 1024 and e.file_size > MAX_XLSX_RATIO * max(e.compress_size, 1):
            raise RecipientListError(
                f"{e.filename} would unpack {e.file_size // max(e.compress_size, 1):,} times larger than it is "
                f"(more than {MAX_XLSX_RATIO}:1); refused as a zip bomb",
                file=path,
            )
        if e.filename.lower().endswith("sharedstrings.xml") and e.file_size > MAX_XLSX_SHARED_STRINGS:
            raise RecipientListError(
                f"{e.filename} unpacks to {e.file_size:,} bytes, more than the limit of {MAX_XLSX_SHARED_STRINGS:,}",
                file=path,
            )
    if total > MAX_XLSX_UNCOMPRESSED:
        raise RecipientListError(
            f"the workbook unpacks to {total:,} bytes, more than the limit of {MAX_XLSX_UNCOMPRESSED:,}", file=path
        )


def sheet_rows(path: str, columns: int) -> Iterator[tuple[int, tuple[Any, ...], tuple[Any, ...]]]:
    """(row number, the first *columns* values as stored, as shown) of the first sheet, streamed, blank rows too.

    *As shown*: each merged range's cells filled with its top-left value,
    and a ``FarCell`` last in a row with a value right of *columns*
    (``sheet_extras``); the header is read as stored. The sheet's
    ``<dimension>`` is ignored (``reset_dimensions``) and rows are cut at
    *columns*, so a cell declared at XFD1048576 costs nothing. Whatever a
    broken file makes openpyxl, zipfile or the XML parser raise becomes one
    ``RecipientListError``: this is where the user's bytes are read, and the
    exceptions of a third-party parser are not a closed set.
    """
    from openpyxl import load_workbook

    try:
        check_zip(path)
        merged, far = sheet_extras(path, columns)
        with warnings.catch_warnings():
            # openpyxl warns about spreadsheet features it ignores (data
            # validation, styles); the values are all a list needs.
            warnings.simplefilter("ignore")
            wb = load_workbook(path, read_only=True, data_only=True)
        try:
            if not wb.worksheets:
                return
            ws = wb.worksheets[0]
            ws.reset_dimensions()
            rows = ws.iter_rows(max_col=columns, max_row=MAX_XLSX_ROWS + 1, values_only=True)
            filler = _Filler(merged, columns)
            for number, cells in enumerate(rows, 1):
                if number > MAX_XLSX_ROWS:
                    raise RecipientListError(f"the first sheet has more than {MAX_XLSX_ROWS:,} rows", file=path)
                shown = filler.fill(number, cells) if merged else cells
                if number in far:
                    shown = (*shown, *([None] * (columns - len(shown))), FarCell(far[number]))
                yield number, cells, shown
        finally:
            wb.close()
    except RecipientListError:
        raise
    except Exception as exc:  # noqa: BLE001 - see the docstring
        detail = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        raise RecipientListError(f"cannot read the spreadsheet: {detail}", file=path) from None


@dataclass(frozen=True)
class Sheet:
    """The first sheet, read in one pass: its header (as stored) and the rows below it (as shown)."""

    header: list[str]
    line: int
    #: (row number, cells) of each row below the header that is not blank.
    rows: list[tuple[int, tuple[Any, ...]]]


#: Rows looked at for a header when none is named (a title or notes above it are passed over).
HEADER_SEARCH_ROWS = 50


def read_sheet(path: str, header_row: int | None, is_header: Callable[[list[str]], bool]) -> Sheet:
    """The first sheet's header and rows, parsed once.

    openpyxl's parse is nearly all a list's reading costs, so the header is
    found (the row *header_row*, else the first that *is_header*, else the
    first non-empty one among the first ``HEADER_SEARCH_ROWS``) in the same
    pass that reads the rows, and the rows are kept in memory for the
    count and the letters. That pass also reads the whole sheet before any
    letter is made, so a sheet that cannot be read to the end, or has too
    many rows, is refused before anything is written. The memory is bounded
    by ``check_zip``'s limits on what the sheet unpacks to.
    """
    header: tuple[list[str], int] | None = None
    first: tuple[list[str], int] | None = None
    rows: list[tuple[int, tuple[Any, ...]]] = []
    for number, cells, shown in sheet_rows(path, MAX_XLSX_COLUMNS + 1):
        found = _header_candidate(path, number, cells, header_row) if header is None else None
        if found is not None:
            if header_row is not None or is_header(found):
                header, rows = (found, number), []  # the rows above a header are not the list's
                continue
            first = first or (found, number)
            if number >= HEADER_SEARCH_ROWS:  # no header among them: the first non-empty row is
                header = first
                rows = [r for r in rows if r[0] > first[1]]
        if shown.count(None) != len(shown):
            rows.append((number, _kept(shown, len(header[0])) if header else shown))
    if header is None and header_row is not None:
        raise RecipientListError(f"--header-row {header_row}: the first sheet has fewer rows", file=path)
    header = header or first
    if header is None:
        raise RecipientListError("the first sheet is empty; its first row must name the columns", file=path)
    return Sheet(header[0], header[1], [r for r in rows if r[0] > header[1]])


def _kept(cells: tuple[Any, ...], width: int) -> tuple[Any, ...]:
    """*cells* as a row is kept: cut to the header's *width* (openpyxl pads every row to the columns read, and
    a list kept whole would take eight bytes a column a row), unless a value lies beyond it, to be reported."""
    beyond = cells[width:]
    return cells[:width] if beyond.count(None) == len(beyond) else cells


def _header_candidate(path: str, number: int, cells: tuple[Any, ...], header_row: int | None) -> list[str] | None:
    """Row *number*'s cells as a header's text; None for a row that cannot be it (blank, above --header-row)."""
    if header_row is not None and number < header_row:
        return None
    text = [cell_text(c) for c in cells]
    if not any(t.strip() for t in text):
        if header_row is not None:
            raise RecipientListError(f"--header-row {header_row}: that row is empty", file=path, line=number)
        return None
    while text and not text[-1].strip():
        text.pop()
    if len(text) > MAX_XLSX_COLUMNS:
        raise RecipientListError(f"the header has more than {MAX_XLSX_COLUMNS} columns", file=path, line=number)
    return text


#: Merged ranges read from a sheet (an honest list has a few; each costs a little on every row it spans).
MAX_MERGED_RANGES = 10_000
#: A cell with a value (not an empty styled one) in a column of two or three letters.
# Both start with a literal (any namespace prefix comes before it), which the regex engine finds fast.
_WIDE_VALUE = re.compile(rb'c r="([A-Z]{2,3})([0-9]{1,7})"[^>]*[^/]>\s*<(?:\w+:)?(?:v|is)>')
_MERGE = re.compile(rb'mergeCell\s[^>]*?ref="([A-Z]{1,3})([0-9]{1,7}):([A-Z]{1,3})([0-9]{1,7})"')


@dataclass(frozen=True)
class FarCell:
    """Stands last in a row that has a value beyond the columns read (in *column*), so it is reported."""

    column: int


def sheet_extras(path: str, columns: int) -> tuple[list[tuple[int, int, int, int]], dict[int, int]]:
    """The merged ranges of the first sheet, and the rows with a value right of *columns* (row -> its column).

    Ranges are (first row, first column, last row, last column), 1-based,
    read from the sheet's ``<mergeCells>``; far values from the cells' own
    references. Both by patterns over the streamed XML (the merge list
    follows the rows, so the whole part is read once; zipfile bounds it by
    the declared sizes that ``check_zip`` has accepted). openpyxl reads rows
    only as far as asked, so without this a value in column 300 would be
    dropped without a word.
    """
    import zipfile

    far: dict[int, int] = {}
    with zipfile.ZipFile(path) as zf:
        name = _first_sheet(zf)
        if name is None:
            return [], far
        found: list[tuple[int, int, int, int]] = []
        tail = b""
        with zf.open(name) as fh:
            while chunk := fh.read(1 << 20):
                data = tail + chunk
                last = 0
                for m in _MERGE.finditer(data):
                    c1, r1, c2, r2 = m.groups()
                    found.append((int(r1), _column(c1), int(r2), _column(c2)))
                    last = m.end()
                    if len(found) > MAX_MERGED_RANGES:
                        raise RecipientListError(
                            f"the first sheet has more than {MAX_MERGED_RANGES:,} merged ranges; unmerge them",
                            file=path,
                        )
                for m in _WIDE_VALUE.finditer(data):
                    column, row = _column(m.group(1)), int(m.group(2))
                    if column > columns and row not in far and len(far) < MAX_MERGED_RANGES:
                        far[row] = column
                tail = data[max(last, len(data) - 200) :]
    return sorted(set(found)), far


def _first_sheet(zf: Any) -> str | None:
    """The zip entry of the workbook's first sheet, as workbook.xml and its relationships name it."""
    try:
        book = zf.read("xl/workbook.xml")
        rels = zf.read("xl/_rels/workbook.xml.rels")
    except KeyError:
        return None
    sheet = re.search(rb"<(?:\w+:)?sheet\s[^>]*?\b\w+:id=\"([^\"]+)\"", book)
    if sheet is None:
        return None
    for rel in re.finditer(rb"<(?:\w+:)?Relationship\s[^>]*>", rels):
        attrs = dict(re.findall(rb'(\w+)="([^"]*)"', rel.group()))
        if attrs.get(b"Id") == sheet.group(1) and b"Target" in attrs:
            target = attrs[b"Target"].decode("utf-8", "replace")
            return target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return None


def _column(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


class _Filler:
    """Fills each cell of a merged range with its top-left cell's value, row by row in sheet order."""

    def __init__(self, ranges: list[tuple[int, int, int, int]], columns: int) -> None:
        self.ranges = [r for r in ranges if r[1] <= columns]  # sorted by first row
        self.next = 0
        self.active: list[tuple[int, int, int, int]] = []
        self.columns = columns
        self.values: dict[tuple[int, int], Any] = {}

    def fill(self, number: int, cells: tuple[Any, ...]) -> tuple[Any, ...]:
        while self.next < len(self.ranges) and self.ranges[self.next][0] <= number:
            self.active.append(self.ranges[self.next])
            self.next += 1
        if not self.active:
            return cells
        self.active = [r for r in self.active if r[2] >= number]
        row = list(cells) + [None] * max(0, self.columns - len(cells))
        for r1, c1, _r2, c2 in self.active:
            if number == r1:
                self.values[(r1, c1)] = row[c1 - 1]
            value = self.values.get((r1, c1))
            for c in range(c1, min(c2, self.columns) + 1):
                if (number, c) != (r1, c1):
                    row[c - 1] = value
        return tuple(row)


def cell_text(value: object) -> str:
    """A spreadsheet cell as the text a user sees (7, not 7.0; dates as ISO)."""
    import datetime as _dt

    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, _dt.datetime):
        return value.date().isoformat() if value.time() == _dt.time(0) else value.isoformat(sep=" ")
    if isinstance(value, _dt.date):
        return value.isoformat()
    return str(value)
