"""Recipient lists (CSV or XLSX) read row by row, with the line of each row.

Lists come from spreadsheets and CRMs and are never clean, so a problem in
one row (bytes that are not UTF-8, a quote that is never closed, more cells
than columns) is reported on that row, with its line, and the reader goes
on with the next one: a stray quote must not silently merge the following
rows into one, as Python's csv module would. Problems with the file as a
whole (unreadable, no header, no column to address or sign a letter) raise
``RecipientListError`` before anything is produced.

Rows are streamed: the reader holds one row at a time, however long the list.
"""

from __future__ import annotations

import csv
import difflib
import re
import unicodedata
import warnings
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from . import sanitize
from .document import Correspondent
from .errors import InputError

#: The documented columns (docs/batch.md). Headers are matched without regard
#: to case, surrounding spaces, or spaces and hyphens versus underscores.
COLUMNS = (
    "id",
    "language",
    "honorific",
    "name",
    "office",
    "organisation",
    "address",
    "email",
    "salutation",
    "signatory_name",
    "signatory_city",
    # Issue 14 (letters.py, addressing.py): the kind of letter, and the addressee's gender and rank.
    "letter",
    "gender",
    "rank",
)
#: ``address_1``, ``address_2`` ...: one address line each, in number order.
ADDRESS_N = re.compile(r"^address_(\d{1,2})$")
#: A list needs at least one of these to say whom a letter is to or from.
WHO_COLUMNS = ("name", "office", "organisation", "signatory_name")
DELIMITERS = ",;\t|"

# XLSX limits. An .xlsx is a zip of XML that openpyxl trusts: it pads every
# row to the sheet's declared ``<dimension>`` and fills in every row number
# skipped, so a 5 KB file naming the last cell of the sheet, or a 1 MB one
# that inflates to gigabytes, would run for hours. The zip is checked from its
# central directory before openpyxl opens it (zipfile never inflates an
# entry past the size declared there), and rows are read with our own bounds.

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


class RecipientListError(InputError):
    """The recipient list as a whole cannot be used (exit 2, nothing written)."""


@dataclass(frozen=True)
class Row:
    """One data row: its values by column, or the reason it cannot be read."""

    line: int
    values: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    column: str | None = None
    warnings: tuple[str, ...] = ()

    def get(self, column: str) -> str:
        return self.values.get(column, "")

    @property
    def address(self) -> tuple[str, ...]:
        lines = [ln.strip() for ln in self.get("address").splitlines()]
        numbered = sorted(
            (int(m.group(1)), c) for c in self.values if (m := ADDRESS_N.match(c)) and self.values[c].strip()
        )
        lines += [self.values[c].strip() for _, c in numbered]
        return tuple(ln for ln in lines if ln)

    def correspondent(self) -> Correspondent:
        one = {c: " ".join(self.get(c).split()) for c in COLUMNS if c != "address"}
        extra = tuple((c, v) for c, v in self.values.items() if c not in COLUMNS and not ADDRESS_N.match(c))
        return Correspondent(
            honorific=one["honorific"],
            name=one["name"],
            office=one["office"],
            organisation=one["organisation"],
            address=self.address,
            salutation=one["salutation"],
            signatory_name=one["signatory_name"],
            signatory_city=one["signatory_city"],
            kind=one["letter"].lower().replace("organization", "organisation"),
            gender=one["gender"],
            rank=one["rank"],
            extra=extra,
        )


def normalise_header(name: str) -> str:
    """The column name templates and the manifest use.

    >>> normalise_header(" Signatory Name ")
    'signatory_name'
    >>> normalise_header("Address-1")
    'address_1'
    """
    return re.sub(r"[\s\-]+", "_", name.strip().lower()).strip("_")


@dataclass
class RecipientList:
    """An opened list: its header checked, its rows readable one at a time."""

    path: str
    columns: tuple[str, ...]
    header_line: int
    delimiter: str | None
    encoding: str
    warnings: list[str] = field(default_factory=list)

    @property
    def extra_columns(self) -> tuple[str, ...]:
        return tuple(c for c in self.columns if c not in COLUMNS and not ADDRESS_N.match(c))

    def rows(self) -> Iterator[Row]:
        """Every data row in file order; blank rows are skipped."""
        if self.delimiter is None:
            yield from self._xlsx_rows()
        else:
            for record in self._csv_records():
                yield record if isinstance(record, Row) else self._row(*record)

    def count(self) -> int:
        """How many rows ``rows`` gives, without checking and cleaning their values (a progress bar's total)."""
        if self.delimiter is None:
            return sum(1 for _ in self._xlsx_rows())
        return sum(1 for _ in self._csv_records())

    # CSV ---------------------------------------------------------------------
    def _csv_records(self) -> Iterator[Row | tuple[int, list[str], bool]]:
        """Each row as (line, cells, whether it had NUL characters), or as a Row with the error that split it off."""
        assert self.delimiter is not None
        ncols = len(self.columns)
        with open(self.path, "rb") as fh:
            lines = _Lines(fh, self.encoding)
            reader = csv.reader(lines, delimiter=self.delimiter, strict=True)
            while True:
                start = lines.lineno + 1
                lines.begin_record()
                try:
                    cells = next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:
                    raw = lines.record()
                    lines.push_back(raw[1:])
                    yield Row(start, error=_quote_error(exc, start, len(raw)))
                    continue
                raw = lines.record()
                if lines.lineno <= self.header_line:
                    continue
                swallowed = next((i for i, r in enumerate(raw[1:], 1) if _looks_like_row(r, self.delimiter, ncols)), 0)
                if swallowed:
                    lines.push_back(raw[1:])
                    yield Row(
                        start,
                        error=f'a quote (") opened on this line is not closed before line {start + swallowed}, '
                        'which would be read as part of this row; close the quote, or double it ("") '
                        "inside a quoted value",
                    )
                    continue
                if not any(c.strip() for c in cells):
                    continue
                yield start, cells, lines.nul_lines_in(start, start + len(raw))

    def _row(self, line: int, cells: list[str], nul: bool) -> Row:
        ncols = len(self.columns)
        if len(cells) > ncols and any(c.strip() for c in cells[ncols:]):
            return Row(
                line,
                error=f"{len(cells)} cells, but the header has {ncols} columns; a value containing "
                f"'{_show_delimiter(self.delimiter)}' must be quoted",
            )
        values: dict[str, str] = {}
        notes: list[str] = ["this row: replaced NUL characters (U+0000) with U+FFFD"] if nul else []
        for column, cell in zip(self.columns, cells, strict=False):
            bad = re.search(r"[\udc80-\udcff]+", cell)
            if bad:
                raw = bad.group().encode("utf-8", "surrogateescape")
                return Row(
                    line,
                    column=column,
                    error=f"bytes that are not {self.encoding} ({raw!r}{_after(cell[: bad.start()])}); "
                    "save the list as 'CSV UTF-8', or give its encoding with --encoding",
                )
            # The rule of sanitize.py, as for spec values: replaced, noted.
            clean, replaced = sanitize.clean(cell)
            if replaced:
                notes.append(sanitize.warning(f"column '{column}'", replaced))
            values[column] = unicodedata.normalize("NFC", clean.strip())
        return Row(line, values, warnings=tuple(notes))

    # XLSX --------------------------------------------------------------------
    def _xlsx_rows(self) -> Iterator[Row]:
        ncols = len(self.columns)
        limit = csv.field_size_limit()
        for number, cells in _sheet_rows(self.path, max(ncols, MAX_XLSX_COLUMNS) + 1):
            if number <= self.header_line or cells.count(None) == len(cells):
                continue
            extra = cells[ncols:]
            stray = None
            if extra.count(None) != len(extra):  # rare: only then is each cell looked at
                stray = next((i for i in range(ncols, len(cells)) if _cell_text(cells[i]).strip()), None)
            if stray is not None:
                yield Row(number, error=f"a value in column {stray + 1}, but the header has {ncols} columns")
                continue
            text = [_cell_text(c) for c in cells[:ncols]]
            long = next((i for i, t in enumerate(text) if len(t) > limit), None)
            if long is not None:
                yield Row(
                    number,
                    column=self.columns[long],
                    error=f"a cell longer than {limit:,} characters; no address or name is that long "
                    "(a column pasted by mistake?)",
                )
                continue
            if any(t.strip() for t in text):
                yield self._row(number, text, False)


def open_list(path: str, *, delimiter: str | None = None, encoding: str = "utf-8") -> RecipientList:
    """Open *path* and check its header; rows are read later, one at a time."""
    p = Path(path)
    if not p.is_file():
        raise RecipientListError("cannot read recipient list: No such file or directory", file=path)
    suffix = p.suffix.lower()
    if suffix in (".xls", ".ods", ".numbers"):
        raise RecipientListError(f"'{suffix}' files are not read; save the list as .xlsx or as CSV UTF-8", file=path)
    if suffix in (".xlsx", ".xlsm"):
        header, line = _xlsx_header(path)
        lst = _checked(RecipientList(path, header, line, None, "xlsx"))
        # One pass over the whole sheet now, so that a sheet openpyxl cannot
        # parse to the end, or one with too many rows, is refused before
        # anything is written rather than when its rows are reached. It costs
        # about as much as reading one column of every row, once a run.
        for _ in _sheet_rows(path, 1):
            pass
        return lst
    encoding = _encoding(encoding, path)
    with open(p, "rb") as fh:
        head = fh.read(4)
        if head.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise RecipientListError("the list is UTF-16 text; save it as 'CSV UTF-8'", file=path)
        fh.seek(0)
        lines = _Lines(fh, encoding)
        first = next(lines, None)
        while first is not None and not first.strip():
            first = next(lines, None)
        if first is None:
            raise RecipientListError("the recipient list is empty; its first line must name the columns", file=path)
        header_line = lines.lineno
        if delimiter is None:
            delimiter = _sniff(first)
        elif len(delimiter) != 1:
            raise RecipientListError(f"--delimiter must be one character, not '{delimiter}'")
        try:
            cells = next(csv.reader([first], delimiter=delimiter, strict=True))
        except csv.Error as exc:
            raise RecipientListError(f"cannot read the header: {exc}", file=path, line=header_line) from None
    if any(re.search(r"[\udc80-\udcff]", c) for c in cells):
        raise RecipientListError(
            f"the header has bytes that are not {encoding}; save the list as 'CSV UTF-8' or give --encoding",
            file=path,
            line=header_line,
        )
    return _checked(RecipientList(path, tuple(normalise_header(c) for c in cells), header_line, delimiter, encoding))


def _checked(lst: RecipientList) -> RecipientList:
    seen: dict[str, int] = {}
    columns = list(lst.columns)
    for i, c in enumerate(columns):
        if not c:
            columns[i] = c = f"column_{i + 1}"
        if c in seen:
            raise RecipientListError(
                f"column '{c}' appears twice (columns {seen[c] + 1} and {i + 1}); rename or remove one",
                file=lst.path,
                line=lst.header_line,
            )
        seen[c] = i
    lst.columns = tuple(columns)
    if not any(c in seen for c in WHO_COLUMNS):
        raise RecipientListError(
            "no column says whom the letters are to or from: the header needs 'name' (or 'office', "
            f"'organisation', 'signatory_name'); found: {', '.join(columns)}",
            file=lst.path,
            line=lst.header_line,
        )
    documented = [*COLUMNS, *(f"address_{n}" for n in range(1, 10))]
    for c in lst.extra_columns:
        near = difflib.get_close_matches(c, documented, n=1, cutoff=0.8)
        if near:
            lst.warnings.append(
                f"{lst.path}:{lst.header_line}: column '{c}' is not a documented column (did you mean "
                f"'{near[0]}'?); it is only available to templates as extra.{c}"
            )
    return lst


class _Lines:
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

    def __iter__(self) -> _Lines:
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


def _looks_like_row(raw: bytes, delimiter: str, ncols: int) -> bool:
    """A continuation line of a quoted value that is really the next row.

    Real multi-line values (addresses typed with Alt+Enter) rarely hold as
    many delimiters as a row has, so such a line means a quote ran away.
    """
    if ncols < 3:
        return False
    return raw.count(delimiter.encode()) >= ncols - 1


def _quote_error(exc: csv.Error, start: int, nlines: int) -> str:
    fix = 'close it, or double it ("") inside a quoted value'
    if "field larger than field limit" in str(exc):
        return (
            f"a cell longer than {csv.field_size_limit():,} characters; no address or name is that long "
            "(a column pasted by mistake?)"
        )
    if "unexpected end of data" in str(exc):
        return f'a quote (") opened on this line is never closed; {fix}'
    if nlines > 1:
        return f'a quote (") opened on this line is not closed until line {start + nlines - 1}; {fix}'
    return f'misplaced quote ({exc}); a value with a quote inside must be quoted, with the quote doubled ("")'


def _after(text: str) -> str:
    return f" after '{text[-20:]}'" if text else " at the start"


def _sniff(header: str) -> str:
    """The delimiter of the header line: the candidate it holds most of."""
    counts = {d: header.count(d) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _show_delimiter(d: str | None) -> str:
    return "\\t" if d == "\t" else (d or ",")


def _encoding(encoding: str, path: str) -> str:
    import codecs

    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        raise RecipientListError(f"--encoding: unknown encoding '{encoding}'", file=path) from None
    # The byte-order mark is stripped from the first line whatever is asked.
    return "utf-8" if name in ("utf-8", "utf-8-sig") else name


def _check_zip(path: str) -> None:
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


def _sheet_rows(path: str, columns: int) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """(row number, the first *columns* values) of the first sheet, streamed, blank rows included.

    The sheet's ``<dimension>`` is ignored (``reset_dimensions``) and rows
    are cut at *columns*, so a cell declared at XFD1048576 costs nothing.
    Whatever a broken file makes openpyxl, zipfile or the XML parser raise
    becomes one ``RecipientListError``: this is where the user's bytes are
    read, and the exceptions of a third-party parser are not a closed set.
    """
    from openpyxl import load_workbook

    try:
        _check_zip(path)
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
            for number, cells in enumerate(rows, 1):
                if number > MAX_XLSX_ROWS:
                    raise RecipientListError(f"the first sheet has more than {MAX_XLSX_ROWS:,} rows", file=path)
                yield number, cells
        finally:
            wb.close()
    except RecipientListError:
        raise
    except Exception as exc:  # noqa: BLE001 - see the docstring
        detail = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        raise RecipientListError(f"cannot read the spreadsheet: {detail}", file=path) from None


def _xlsx_header(path: str) -> tuple[tuple[str, ...], int]:
    for number, cells in _sheet_rows(path, MAX_XLSX_COLUMNS + 1):
        if cells.count(None) == len(cells):
            continue
        text = [_cell_text(c) for c in cells]
        if any(t.strip() for t in text):
            while text and not text[-1].strip():
                text.pop()
            if len(text) > MAX_XLSX_COLUMNS:
                raise RecipientListError(f"the header has more than {MAX_XLSX_COLUMNS} columns", file=path, line=number)
            return tuple(normalise_header(t) for t in text), number
    raise RecipientListError("the first sheet is empty; its first row must name the columns", file=path)


def _cell_text(value: object) -> str:
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
