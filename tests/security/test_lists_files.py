"""Mailing lists from CRMs and spreadsheets, and the file names made from them.

One hostile list is run once through ``appeal-gen batch``; each row's
outcome is then checked: its manifest record (status, exact message), the
file it produced (always inside OUTDIR, never colliding) and the text the
letter prints.
"""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from pathlib import Path

import pytest

from ..conftest import DATA, pdf_text
from .conftest import cli

NFC = unicodedata.normalize("NFC", "Zoë Ångström")
NFD = unicodedata.normalize("NFD", "Zoë Ångström")

NO_NAME = (
    "no name: fill in 'name' (or 'office' or 'organisation') for the person the letter is to, "
    "or 'signatory_name' for a supporter who signs it"
)

# (id, name, language) -> expected (status, message or None, file stem or None, text the letter prints)
ROWS: list[tuple[list[str], tuple[str, str | None, str | None, str | None]]] = [
    (["../../etc/passwd", "A. Official", "en"], ("ok", None, "etc-passwd", "A. Official")),
    (["/root/.ssh/id", "B. Official", "en"], ("ok", None, "root-ssh-id", "B. Official")),
    (["CON", "C. Official", "en"], ("ok", None, "con_", "C. Official")),
    (["aux.txt", "D. Official", "en"], ("ok", None, "aux-txt", "D. Official")),
    (
        ["", '=HYPERLINK("http://x.example","click")', "en"],
        ("ok", None, None, '=HYPERLINK("http://x.example","click")'),
    ),
    (["", "+cmd|' /C calc'!A0", "en"], ("ok", None, None, "+cmd|' /C calc'!A0")),
    (["", "@SUM(1+1)", "en"], ("ok", None, None, "@SUM(1+1)")),
    (["", "-2+3", "en"], ("ok", None, None, "-2+3")),
    (["", NFC, "en"], ("ok", None, "zoë-ångström", NFC)),
    (["", NFD, "en"], ("ok", None, "zoë-ångström-2", NFC)),
    (["", "Anna Berg", "en"], ("ok", None, "anna-berg", "Anna Berg")),
    (["", "ANNA BERG", "en"], ("ok", None, "anna-berg-2", "ANNA BERG")),
    (["", "x" * 300, "en"], ("ok", None, "x" * 80, None)),
    (["", "<b>bold</b> & {{ 7*7 }}", "en"], ("ok", None, "b-bold-b-7-7", "<b>bold</b> & {{ 7*7 }}")),
    (["", "", "en"], ("error", NO_NAME, None, None)),
    (["", "E. Official", "tlh"], ("error", "unknown language 'tlh'; this appeal has: en", None, None)),
    (["", "F. Official", "xx_YY"], ("error", "unknown language 'xx_YY'; this appeal has: en", None, None)),
    (["dup", "G. Official", "en"], ("ok", None, "dup", "G. Official")),
    (["dup", "H. Official", "en"], ("error", "id 'dup' is already used on line 19; ids must be unique", None, None)),
]


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    tmp = tmp_path_factory.mktemp("hostile-list")
    lst = tmp / "list.csv"
    with open(lst, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "name", "language"])
        w.writerows(r for r, _ in ROWS)
    out = tmp / "out"
    capsys_out = io.StringIO()
    import contextlib

    from appeal_gen.cli import main

    with contextlib.redirect_stderr(capsys_out), contextlib.redirect_stdout(io.StringIO()):
        options = ["--format", "pdf", "--jobs", "1", "--quiet"]
        code = main(["batch", str(DATA / "minimal.yaml"), "--recipients", str(lst), "-o", str(out), *options])
    records = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["rows"]
    return code, out, records, capsys_out.getvalue()


def test_the_run_exits_1_because_some_rows_failed(hostile_run) -> None:  # type: ignore[no-untyped-def]
    code, _, records, _ = hostile_run
    assert code == 1
    assert len(records) == len(ROWS)


@pytest.mark.parametrize("i", range(len(ROWS)), ids=[f"line{i + 2}" for i in range(len(ROWS))])
def test_each_hostile_row_has_its_exact_outcome(i: int, hostile_run) -> None:  # type: ignore[no-untyped-def]
    _, out, records, _ = hostile_run
    status, message, stem, printed = ROWS[i][1]
    rec = records[i]
    assert rec["line"] == i + 2
    assert rec["status"] == status
    if message is not None:
        assert rec["message"] == message
    if status != "ok":
        assert rec["files"] == {}
        return
    path = (out / rec["files"]["pdf"]["path"]).resolve()
    assert path.is_relative_to((out / "letters").resolve())
    assert len(path.name.encode()) < 255
    if stem is not None:
        assert path.name == f"{stem}.en.pdf"
    if printed is not None:
        assert printed in pdf_text(path.read_bytes())


def test_failed_rows_keep_the_language_they_asked_for(hostile_run) -> None:  # type: ignore[no-untyped-def]
    _, _, records, _ = hostile_run
    assert [r["language"] for r in records if r["status"] == "error"] == ["en", "tlh", "xx_YY", "en"]


def test_no_two_rows_share_a_file_whatever_the_case_or_normalisation(hostile_run) -> None:  # type: ignore[no-untyped-def]
    _, out, records, _ = hostile_run
    names = [r["files"]["pdf"]["path"] for r in records if r["status"] == "ok"]
    assert len({unicodedata.normalize("NFC", n).casefold() for n in names}) == len(names)
    assert {p.parent.name for p in out.rglob("*.pdf")} == {"letters", "combined"}


def test_manifest_csv_cells_cannot_run_as_formulas(hostile_run) -> None:  # type: ignore[no-untyped-def]
    _, out, _, _ = hostile_run
    with open(out / "manifest.csv", encoding="utf-8", newline="") as fh:
        cells = [c for row in csv.reader(fh) for c in row]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@")]
    assert '\'=HYPERLINK("http://x.example","click")' in cells


LISTS = {
    # file bytes -> the exact one-line error, exit 2
    "empty.csv": (b"", "the recipient list is empty; its first line must name the columns"),
    "old.xls": (b"\xd0\xcf\x11\xe0", "'.xls' files are not read; save the list as .xlsx or as CSV UTF-8"),
}


@pytest.mark.parametrize("name", list(LISTS))
def test_unusable_list_is_refused_whole_and_nothing_is_written(name: str, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    data, message = LISTS[name]
    lst = tmp_path / name
    lst.write_bytes(data)
    out = tmp_path / "out"
    code, _, err = cli(capsys, "batch", str(DATA / "minimal.yaml"), "--recipients", str(lst), "-o", str(out), "--quiet")
    assert code == 2
    assert err == f"{lst}: {message}\n"
    assert not out.exists() or not list((out).rglob("*.pdf"))


def test_a_list_in_another_encoding_is_refused_whole_naming_it(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    lst = tmp_path / "list.csv"
    lst.write_bytes("id,name,language\n1,Ann,en\n2,José,en\n3,Renée Dupré,fr\n".encode("cp1252"))
    out = tmp_path / "out"
    code, _, err = cli(capsys, "batch", str(DATA / "minimal.yaml"), "--recipients", str(lst), "-o", str(out), "--quiet")
    assert code == 2
    assert err == (
        f"{lst}:3: the list is not UTF-8 (bytes b'\\xe9' after '2,Jos'); it looks like cp1252: "
        "run again with --encoding cp1252, or save the list as 'CSV UTF-8'\n"
    )
    assert not out.exists()


def test_bad_bytes_in_a_utf8_list_and_a_stray_quote_fail_only_their_rows(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    lst = tmp_path / "list.csv"
    # UTF-8 ("Zoë") with one row pasted from elsewhere: that row fails, the others are letters.
    lst.write_bytes(b'id,name,language\n1,Ann,en\n2,Jos\xe9,en\n3,"Bob,en\n4,Zo\xc3\xab,en\n')
    out = tmp_path / "out"
    args = ["--recipients", str(lst), "-o", str(out), "--format", "pdf", "--jobs", "1", "--quiet"]
    code, _, _ = cli(capsys, "batch", str(DATA / "minimal.yaml"), *args)
    assert code == 1
    records = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["rows"]
    assert [(r["line"], r["status"]) for r in records] == [(2, "ok"), (3, "error"), (4, "error"), (5, "ok")]
    assert records[1]["message"] == (
        "bytes that are not utf-8 (b'\\xe9' after 'Jos'); save the list as 'CSV UTF-8', or give its encoding with "
        "--encoding"
    )
    assert "quote" in records[2]["message"]


def test_a_runaway_cell_fails_its_row_with_what_happened(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    lst = tmp_path / "list.csv"
    lst.write_text("id,name\n1," + "x" * 200_000 + "\n2,Bob\n", encoding="utf-8")
    out = tmp_path / "out"
    args = ["--recipients", str(lst), "-o", str(out), "--format", "pdf", "--jobs", "1", "--quiet"]
    code, _, err = cli(capsys, "batch", str(DATA / "minimal.yaml"), *args)
    assert code == 1
    assert f"{lst}:2: a cell longer than 131,072 characters; no address or name is that long" in err
    assert sorted(p.name for p in (out / "letters").iterdir()) == ["2.en.pdf"]
