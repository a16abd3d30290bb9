"""What issue 12's first pass left (SECURITY.md "Seen and left"), now refused cleanly.

- ``-o`` naming a file (or a path under one): ``build`` gave a traceback and
  ``batch`` an OS message, exit 1; now one line naming the file in the way,
  exit 2, and the file untouched.
- ``und`` ("undetermined"): babel guesses a language for it (``und`` ->
  ``en_US``, ``und-KH`` -> ``km_KH``), so a list cell or a spec saying "we do
  not know" got a letter in a guessed language.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from appeal_gen.locale import canonical_language

from .conftest import DATA, cli, minimal_spec


@pytest.mark.parametrize("below", ["", "sub", "sub/deeper"])
@pytest.mark.parametrize("command", ["build", "batch"])
def test_an_output_folder_that_is_a_file_is_one_line_exit_2(capsys, tmp_path: Path, command: str, below: str) -> None:  # type: ignore[no-untyped-def]
    blocker = tmp_path / "notes.txt"
    blocker.write_text("my notes\n", encoding="utf-8")
    out = blocker / below if below else blocker
    args = [command, str(DATA / "minimal.yaml"), "-o", str(out)]
    if command == "batch":
        lst = tmp_path / "list.csv"
        lst.write_text("id,name\na,A. Official\n", encoding="utf-8")
        args += ["--recipients", str(lst), "--jobs", "1", "--format", "pdf"]
    code, _, err = cli(capsys, *args)
    assert code == 2
    tail = "" if not below else f", so {out} cannot be the output folder"
    assert err == f"{blocker}: is a file, not a folder{tail}; give a folder to -o\n"
    assert blocker.read_text(encoding="utf-8") == "my notes\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["notes.txt"] + (["list.csv"] if command == "batch" else [])
    )


@pytest.mark.parametrize("cell", ["und", "UND", "und-KH", "und_Arab", "und-Latn-US", "root"])
def test_undetermined_is_no_language(cell: str) -> None:
    assert canonical_language(cell) is None


@pytest.mark.parametrize(("cell", "token"), [("iw", "he_IL"), ("EN-gb", "en_GB"), ("km", "km"), ("zh-Hans", "zh_Hans")])
def test_languages_babel_knows_still_read(cell: str, token: str) -> None:
    assert canonical_language(cell) == token


def test_a_list_row_in_an_undetermined_language_is_that_rows_error(capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    lst = tmp_path / "list.csv"
    lst.write_text("id,language,name\na,und,A. Official\nb,en,B. Official\n", encoding="utf-8")
    out = tmp_path / "out"
    code, _, err = cli(
        capsys,
        "batch",
        str(DATA / "minimal.yaml"),
        "--recipients",
        str(lst),
        "-o",
        str(out),
        "--jobs",
        "1",
        "--format",
        "pdf",
    )
    assert code == 1
    assert f"{lst}:2: language: unknown language 'und'" in err
    assert sorted(p.name for p in (out / "letters").iterdir()) == ["b.en.pdf"]


def test_a_spec_in_an_undetermined_language_is_refused(capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    spec = minimal_spec(tmp_path, language="language: und")
    code, _, err = cli(capsys, "check", str(spec))
    assert code == 2
    assert f"{spec}:" in err
    assert "language: 'und' means an undetermined language; give a language code such as en or km" in err
