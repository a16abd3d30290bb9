"""Recipient lists (CSV or XLSX) read row by row, with the line of each row.

Lists come from spreadsheets and CRMs and are never clean, so a problem in
one row (bytes that are not UTF-8, a quote that is never closed, more cells
than columns) is reported on that row, with its line, and the reader goes
on with the next one: a stray quote must not silently merge the following
rows into one, as Python's csv module would. Problems with the file as a
whole (unreadable, no header, no column to address or sign a letter) raise
``RecipientListError`` before anything is produced.

CSV rows are streamed: the reader holds one row at a time, however long the
list. An XLSX is parsed once, header and rows together, and its rows kept
(``xlsxfiles.read_sheet``): openpyxl's parse is nearly all such a list costs.

The rooms around it: ``listfiles`` settles a CSV's encoding, delimiter and
header line; ``xlsxfiles`` reads a sheet within bounds; ``listheaders`` says
what each header means (CRM aliases) and joins names and addresses given in
parts; ``langnames`` reads language cells given by name. Here they meet:
each row's cells become the values a letter is made from.
"""

from __future__ import annotations

import csv
import difflib
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from . import sanitize
from .addressing import courtesy_title, title_of
from .document import Correspondent
from .langnames import language_code
from .listfiles import RecipientListError, find_header, open_lines, text_encoding
from .listheaders import (
    ADDRESS_N,
    COLUMNS,
    TOTAL_WORDS,
    HeaderPlan,
    column_for,
    is_known,
    is_total_row,
    looks_like_header,
    normalise_header,
)
from .xlsxfiles import FarCell, cell_text, read_sheet

__all__ = ["ADDRESS_N", "COLUMNS", "RecipientList", "RecipientListError", "Row", "normalise_header", "open_list"]

#: A list needs at least one of these to say whom a letter is to or from.
WHO_COLUMNS = ("name", "office", "organisation", "signatory_name")
#: The note of a skipped footer row (manifest.json's ``skipped``, and stderr).
TOTAL_NOTE = "a 'Total' row (its first cell says so and the rest are empty or numbers): skipped, not a recipient"
#: First characters a footer row's first cell can start with (either case; blank: looked at closely).
_MAYBE_TOTAL = frozenset({"", " ", "\t", "\u00a0", *(w[0] for w in TOTAL_WORDS), *(w[0].upper() for w in TOTAL_WORDS)})


@dataclass(frozen=True)
class Row:
    """One data row: its values by column, or the reason it cannot be read."""

    line: int
    values: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    column: str | None = None
    warnings: tuple[str, ...] = ()
    #: Why this row is not a recipient at all (a footer row), so neither a letter nor an error.
    skip: str | None = None
    #: How a cell was read otherwise than as written (a courtesy title in ``salutation``): the manifest's
    #: message, said once a run on stderr, not a warning on every row of an export.
    notes: tuple[str, ...] = ()

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
            family_name=one["family_name"],
            extra=extra,
        )


@dataclass
class RecipientList:
    """An opened list: its header checked, its rows readable one at a time."""

    path: str
    columns: tuple[str, ...]
    header_line: int
    delimiter: str | None
    encoding: str
    warnings: list[str] = field(default_factory=list)
    #: Each column's header as the file writes it ("E-mail Address" for ``email``).
    shown: tuple[str, ...] = ()
    #: Notes on how the header was read (aliases, name and address parts): said once a run, not warnings.
    notes: list[str] = field(default_factory=list)
    plan: HeaderPlan = field(default_factory=HeaderPlan)
    #: Positions of columns without a name in the header: a value there is noted on its row.
    unnamed: tuple[int, ...] = ()
    _languages: dict[str, str] = field(default_factory=dict, repr=False)  # cell -> token, once per distinct cell
    _compose: bool = False  # the plan joins parts (set with it)
    _sheet: list[tuple[int, tuple[object, ...]]] = field(default_factory=list, repr=False)  # an XLSX's rows, read once
    _counted: int | None = field(default=None, repr=False)  # an XLSX's rows, counted once

    @property
    def extra_columns(self) -> tuple[str, ...]:
        return tuple(c for c in self.columns if not is_known(c))

    def rows(self) -> Iterator[Row]:
        """Every data row in file order; blank rows are skipped, a footer row comes with ``skip`` set."""
        if self.delimiter is None:
            yield from self._xlsx_rows()
        else:
            for record in self._csv_records():
                if isinstance(record, Row):
                    yield record
                elif (record[1][0][:1] if record[1] else "") in _MAYBE_TOTAL and is_total_row(record[1]):
                    yield Row(record[0], skip=TOTAL_NOTE)
                else:
                    yield self._row(*record)

    def count(self) -> int:
        """How many rows ``rows`` gives but footers, without cleaning values (a progress bar's total)."""
        return _count(self)

    # CSV ---------------------------------------------------------------------
    def _csv_records(self) -> Iterator[Row | tuple[int, list[str], bool]]:
        """Each row as (line, cells, whether it had NUL characters), or as a Row with the error that split it off."""
        assert self.delimiter is not None
        ncols = len(self.columns)
        with open(self.path, "rb") as fh:
            lines = open_lines(fh, self.encoding)
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
        if self.unnamed:
            notes += _unnamed_notes(self, values)
        lang = values.get("language")
        if lang:
            # "English", "Français", "EN": the canonical token; a cell naming no language stays for planning to report.
            code = self._languages.get(lang)
            if code is None:
                code = self._languages[lang] = language_code(lang) or lang
            if code != lang:
                values["language"] = code
        if self._compose:
            self.plan.compose(values)
        return Row(line, values, warnings=tuple(notes), notes=_reinterpreted(values))

    # XLSX --------------------------------------------------------------------
    def _xlsx_rows(self) -> Iterator[Row]:
        ncols = len(self.columns)
        limit = csv.field_size_limit()
        for number, cells in self._sheet:
            if number <= self.header_line or cells.count(None) == len(cells):
                continue
            if cells and isinstance(cells[-1], FarCell):
                yield Row(number, error=f"a value in column {cells[-1].column}, but the header has {ncols} columns")
                continue
            extra = cells[ncols:]
            stray = None
            if extra.count(None) != len(extra):  # rare: only then is each cell looked at
                stray = next((i for i in range(ncols, len(cells)) if cell_text(cells[i]).strip()), None)
            if stray is not None:
                yield Row(number, error=f"a value in column {stray + 1}, but the header has {ncols} columns")
                continue
            text = [cell_text(c) for c in cells[:ncols]]
            long = next((i for i, t in enumerate(text) if len(t) > limit), None)
            if long is not None:
                yield Row(
                    number,
                    column=self.columns[long],
                    error=f"a cell longer than {limit:,} characters; no address or name is that long "
                    "(a column pasted by mistake?)",
                )
                continue
            if _is_total(text):
                yield Row(number, skip=TOTAL_NOTE)
            elif any(t.strip() for t in text):
                yield self._row(number, text, False)


def open_list(
    path: str, *, delimiter: str | None = None, encoding: str = "utf-8", header_row: int | None = None
) -> RecipientList:
    """Open *path* and check its header; rows are read later, one at a time.

    *header_row*: the line (CSV) or row (XLSX) that names the columns;
    without it, the first that names at least two known columns (a title or
    notes above it are passed over), else the first non-empty one.
    """
    p = Path(path)
    if not p.is_file():
        raise RecipientListError("cannot read recipient list: No such file or directory", file=path)
    if header_row is not None and header_row < 1:
        raise RecipientListError(f"--header-row must be a line number (1 or more), not {header_row}", file=path)
    suffix = p.suffix.lower()
    if suffix in (".xls", ".ods", ".numbers"):
        raise RecipientListError(f"'{suffix}' files are not read; save the list as .xlsx or as CSV UTF-8", file=path)
    if suffix in (".xlsx", ".xlsm"):
        # One parse of the whole sheet, header and rows (xlsxfiles.read_sheet): a sheet openpyxl
        # cannot read to the end, or one with too many rows, is refused before anything is written.
        sheet = read_sheet(path, header_row, looks_like_header)
        lst = _checked(RecipientList(path, (), sheet.line, None, "xlsx"), sheet.header)
        lst._sheet = sheet.rows
        return lst
    if delimiter is not None and len(delimiter) != 1:
        raise RecipientListError(f"--delimiter must be one character, not '{delimiter}'")
    encoding = text_encoding(path, encoding)
    with open(p, "rb") as fh:
        lines = open_lines(fh, encoding)
        line, delimiter, cells = find_header(lines, delimiter, header_row, _header_cells, _names_columns, path)
    if any(re.search(r"[\udc80-\udcff]", c) for c in cells):
        raise RecipientListError(
            f"the header has bytes that are not {encoding}; save the list as 'CSV UTF-8' or give --encoding",
            file=path,
            line=line,
        )
    return _checked(RecipientList(path, (), line, delimiter, encoding), cells)


def _header_cells(text: str, delimiter: str) -> list[str]:
    return next(csv.reader([text], delimiter=delimiter), [])


def _names_columns(cells: list[str]) -> bool:
    return looks_like_header(cells)


def _checked(lst: RecipientList, cells: list[str]) -> RecipientList:
    """The columns of header *cells*: aliases resolved, each once, someone to write to or from."""
    seen: dict[str, int] = {}
    columns: list[str] = []
    unnamed: list[int] = []
    for i, written in enumerate(cells):
        c = column_for(written)
        if not c:
            c = f"column_{i + 1}"
            unnamed.append(i)
        if c in seen:
            j = seen[c]
            if normalise_header(cells[j]) == normalise_header(written):
                message = f"column '{c}' appears twice (columns {j + 1} and {i + 1}); rename or remove one"
            else:
                message = (
                    f"columns '{cells[j].strip()}' (column {j + 1}) and '{written.strip()}' (column {i + 1}) "
                    f"both mean '{c}'; rename or remove one"
                )
            raise RecipientListError(message, file=lst.path, line=lst.header_line)
        seen[c] = i
        columns.append(c)
    lst.columns = tuple(columns)
    lst.shown = tuple(cells)
    lst.unnamed = tuple(unnamed)
    shown = {c: cells[i].strip() for c, i in seen.items()}
    lst.plan = HeaderPlan.of(lst.columns, shown)
    lst._compose = lst.plan.active
    if not any(c in seen for c in WHO_COLUMNS) and not lst.plan.name_to:
        raise RecipientListError(
            "no column says whom the letters are to or from: the header needs 'name' (or 'office', "
            f"'organisation', 'signatory_name', or 'First Name' and 'Last Name'); found: "
            f"{', '.join(c.strip() or f'column_{i + 1}' for i, c in enumerate(cells))}",
            file=lst.path,
            line=lst.header_line,
        )
    where = f"{lst.path}:{lst.header_line}"
    aliased = [f"'{shown[c]}' as '{c}'" for c in columns if is_known(c) and normalise_header(shown[c]) != c]
    if aliased:
        lst.notes.append(f"{where}: read {', '.join(aliased)}")
    lst.notes.extend(f"{where}: {n}" for n in lst.plan.notes)
    documented = [*COLUMNS, *(f"address_{n}" for n in range(1, 10))]
    for c in lst.extra_columns:
        near = difflib.get_close_matches(c, documented, n=1, cutoff=0.8)
        if near:
            lst.warnings.append(
                f"{where}: column '{c}' is not a documented column (did you mean "
                f"'{near[0]}'?); it is only available to templates as extra.{c}"
            )
    return lst


def _count(lst: RecipientList) -> int:
    if lst.delimiter is None:
        if lst._counted is None:
            lst._counted = sum(1 for r in lst._xlsx_rows() if r.skip is None)
        return lst._counted
    return sum(1 for r in lst._csv_records() if isinstance(r, Row) or not _is_total(r[1]))


def _reinterpreted(values: dict[str, str]) -> tuple[str, ...]:
    """Cells read otherwise than as written, changed in place, each with its note (a courtesy title)."""
    title = courtesy_title(values.get("salutation", ""))
    return (title_as_honorific(values, title),) if title else ()


def title_as_honorific(values: dict[str, str], title: str) -> str:
    """Move a ``salutation`` that is only a courtesy title ("Mr.", Salesforce's Salutation) to the honorific.

    It is how the addressee is titled (and what gender), not how a letter
    opens: printed as the greeting it would read "Mr.,". The honorific keeps
    a title of its own ("H.E. Ms"); otherwise the title goes in front of the
    name ("Ms. Ines Moreau"). Says what was done, for the manifest.
    """
    honorific = values.get("honorific", "")
    values["salutation"] = ""
    if honorific and title_of(honorific):
        return f"salutation '{title}' is a courtesy title, not a greeting; the honorific '{honorific}' already has one"
    values["honorific"] = f"{honorific} {title}" if honorific else title
    return f"salutation '{title}' is a courtesy title, not a greeting: read as the honorific"


def _unnamed_notes(lst: RecipientList, values: dict[str, str]) -> list[str]:
    return [
        f"a value in column {i + 1}, which has no name in the header ('{values[lst.columns[i]][:40]}'); "
        f"only templates see it (as extra.{lst.columns[i]}): name the column, or delete the value"
        for i in lst.unnamed
        if values.get(lst.columns[i])
    ]


def _is_total(cells: list[str]) -> bool:
    """A footer row; the first cell's initial rules out almost every row at the cost of one set lookup."""
    return (cells[0][:1] if cells else "") in _MAYBE_TOTAL and is_total_row(cells)


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


def _show_delimiter(d: str | None) -> str:
    return "\\t" if d == "\t" else (d or ",")
