"""manifest.csv cells that a spreadsheet in any locale would run as formulas (issue 12, class 8).

A spreadsheet splits a CSV line on its locale's separator (a comma, or a
semicolon in much of Europe, or a tab), skips spaces, and runs a field that
starts with = + - @ (or their full-width forms). ``reads_as_formula`` does
what such a spreadsheet does to one cell, for every separator; no cell of a
manifest made from hostile names may give a formula, and manifest.json
keeps every name as it was.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from appeal_gen.batch import _spreadsheet_safe

from ..conftest import DATA
from .conftest import cli

SIGNS = tuple("=+-@\t\r\n\uff1d\uff0b\uff0d\uff20")

HOSTILE = [
    "=1+1",
    "1;=cmd|' /C calc'!A0",
    'Ann,=HYPERLINK("http://x.example")',
    "Ann\t=1",
    "x|=1",
    "  =1+1",
    '"=1+1"',
    ' " "@SUM(1)',
    "\uff1dSUM(1)",
    "\uff0b1",
    "\uff0d1",
    "\u3000=1",
    "\u00a0+1",
    "\t=1",
    "\r=1",
    "a\n-1",
    '1; "=2',
    "-",
]


def reads_as_formula(cell: str) -> bool:
    """Whether some spreadsheet, splitting on some separator, would read a formula in *cell*.

    A field that starts with ``'`` (after spaces) is text; otherwise spaces and CSV quotes are skipped
    and the first character decides.
    """
    for sep in (None, ",", ";", "\t", "|", "\r", "\n"):
        for part in [cell] if sep is None else cell.split(sep)[1:]:
            start = part.lstrip(" \u00a0\u3000")
            if not start.startswith("'") and start.lstrip(' \u00a0\u3000"').startswith(SIGNS):
                return True
    return False


@pytest.mark.parametrize("cell", HOSTILE)
def test_no_cell_reads_as_a_formula(cell: str) -> None:
    assert reads_as_formula(cell)  # the checker sees the danger in the raw cell
    assert not reads_as_formula(_spreadsheet_safe(cell))


@pytest.mark.parametrize("cell", ["Chea Vannak", "Jérôme Lefèvre", "letters/a-b.en.pdf", "4f68a3b8", "O'Brien", ""])
def test_ordinary_cells_are_unchanged(cell: str) -> None:
    assert _spreadsheet_safe(cell) == cell


def test_a_manifest_of_hostile_names_has_no_formula_and_json_keeps_them(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    # The list reader turns tabs and line breaks in a name into spaces; the unit tests above have them.
    names = [h.replace("\r", "").replace("\n", " ").replace("\t", " ") or "x" for h in HOSTILE]
    lst = tmp_path / "list.csv"
    with open(lst, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "name"])
        w.writerows([f"r{i}", n] for i, n in enumerate(names))
    out = tmp_path / "out"
    code, _, _ = cli(capsys, "batch", str(DATA / "minimal.yaml"), "--recipients", str(lst), "-o", str(out),
                     "--format", "pdf", "--jobs", "1", "--quiet")  # fmt: skip
    assert code == 0
    with open(out / "manifest.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert len(rows) == len(names) + 1 and all(len(r) == len(rows[0]) for r in rows)
    assert [c for r in rows for c in r if reads_as_formula(c)] == []
    records = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["rows"]
    assert [r["name"] for r in records] == [n.strip() for n in names]
