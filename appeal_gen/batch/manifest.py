"""manifest.csv and manifest.json: one entry per row, streamed as rows finish, put in place at the end.

The CSV is opened by campaigners in spreadsheets, so every cell is written
as text a spreadsheet will not run (``_spreadsheet_safe``).
"""

from __future__ import annotations

import csv
import json
import os
import re
from pathlib import Path
from typing import IO, Any

from ..output import OutputError, safe_path
from ..resources import __version__
from .model import BatchResult

#: The manifest columns, in order (docs/batch.md).
MANIFEST_COLUMNS = (
    "line",
    "id",
    "name",
    "language",
    "status",
    "message",
    "pdf",
    "pdf_sha256",
    "docx",
    "docx_sha256",
    "eml",
    "eml_sha256",
)


#: What makes a spreadsheet read a cell as a formula: = + - @ (and their full-width forms, which some
#: locales' spreadsheets take too), or a tab, CR or LF in front of one.
_FORMULA_SIGNS = "=+\\-@\t\r\n\uff1d\uff0b\uff0d\uff20"
#: Where a formula can begin: at the start of the cell, and after any character a spreadsheet may split a
#: line on (a semicolon-locale Excel splits "1;=cmd|..." into "1" and a formula), past spaces and quotes.
_FORMULA_START = re.compile(f"(?:^|(?<=[,;|\t\r\n]))(?=[ \u00a0\u3000'\"]*[{_FORMULA_SIGNS}])")


def _spreadsheet_safe(value: object) -> str:
    """A manifest.csv cell that no spreadsheet, in any locale, runs as a formula.

    A ``'`` goes in front of every place a formula could begin (OWASP's
    advice for CSV injection); the cell stays one CSV field (the writer
    quotes it), and manifest.json keeps the value as it is.

    >>> _spreadsheet_safe("=HYPERLINK(\\"http://x\\")")
    '\\'=HYPERLINK("http://x")'
    >>> _spreadsheet_safe("-5")
    "'-5"
    >>> _spreadsheet_safe("1;=cmd|' /C calc'!A0")
    "1;'=cmd|' /C calc'!A0"
    >>> _spreadsheet_safe("Chea Vannak")
    'Chea Vannak'
    """
    text = "" if value is None else str(value)
    return _FORMULA_START.sub("'", text) if text else text


class Manifest:
    """manifest.csv and manifest.json, streamed to temporary files, renamed at the end."""

    def __init__(self, outdir: Path, spec: str, recipients: str) -> None:
        import tempfile

        self.outdir = outdir
        self.combined: dict[str, dict[str, Any]] = {}
        self.temps: list[tuple[str, Path]] = []
        self.files: list[IO[str]] = []
        files = self.files
        for name in ("manifest.csv", "manifest.json"):
            path = safe_path(outdir, name)
            try:
                fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".part", dir=outdir)
            except OSError as exc:
                self.discard()
                raise OutputError.from_os(exc, str(path)) from None
            self.temps.append((tmp, path))
            files.append(os.fdopen(fd, "w", encoding="utf-8", newline=""))
        self.csv_fh, self.json_fh = files
        self.csv = csv.writer(self.csv_fh)
        self.csv.writerow(MANIFEST_COLUMNS)
        head = {"appeal_gen": __version__, "spec": spec, "recipients": recipients}
        self.json_fh.write(json.dumps(head, ensure_ascii=False)[:-1] + ', "rows": [')
        self.first = True

    def add(self, record: dict[str, Any]) -> None:
        files = record["files"]
        cells = [record[c] for c in MANIFEST_COLUMNS[:6]]
        for fmt in ("pdf", "docx", "eml"):
            f = files.get(fmt, {})
            cells += [f.get("path", ""), f.get("sha256", "")]
        try:
            self.csv.writerow([_spreadsheet_safe(c) for c in cells])
        except OSError as exc:
            raise OutputError.from_os(exc, str(self.temps[0][1])) from None
        try:
            self.json_fh.write(("\n" if self.first else ",\n") + json.dumps(record, ensure_ascii=False))
        except OSError as exc:
            raise OutputError.from_os(exc, str(self.temps[1][1])) from None
        self.first = False

    def commit(self, result: BatchResult) -> list[Path]:
        summary = {"rows": result.rows, "ok": result.ok, "failed": result.failed}
        # "skipped" only when a row was (a footer row): other manifests keep their bytes.
        skipped = f', "skipped": {json.dumps(result.skipped, ensure_ascii=False)}' if result.skipped else ""
        end = (
            f'\n], "combined": {json.dumps(self.combined, ensure_ascii=False)}{skipped}, '
            f'"summary": {json.dumps(summary)}}}\n'
        )
        for i, fh in enumerate((self.csv_fh, self.json_fh)):
            try:
                if i:
                    fh.write(end)
                fh.flush()
                os.fsync(fh.fileno())
                fh.close()
            except OSError as exc:
                raise OutputError.from_os(exc, str(self.temps[i][1])) from None
        for tmp, path in self.temps:
            try:
                os.replace(tmp, path)
            except OSError as exc:
                raise OutputError.from_os(exc, str(path)) from None
        return [path for _, path in self.temps]

    def discard(self) -> None:
        for fh in self.files:
            try:
                fh.close()
            except OSError:
                pass  # a full disk: the buffered rest is lost with the file
        for tmp, _ in self.temps:
            Path(tmp).unlink(missing_ok=True)
