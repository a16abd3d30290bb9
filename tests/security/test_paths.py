"""Class 1 of issue 12: a value from a list or the command line never becomes a path.

babel reads ``en.x/../../x`` as ``en`` and keeps ``en@../../x`` whole, so a
language cell that babel accepts used to flow raw into
``letters/<stem>.<lang>.pdf``: folders were made and files outside OUTDIR
written. Now every name is made of canonical tokens and checked by
``output.safe_path``.
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import pytest

from appeal_gen.output import UnsafeOutputError, safe_path

from ..conftest import DATA
from .conftest import cli

#: Language cells that name a path, each a different way of getting past a parser.
HOSTILE_LANGUAGES = [
    "en.x/../../x",
    "en@../../x",
    "en_US.UTF-8/..",
    "en.UTF-8/../../../escaped",
    "en@x/../../../escaped",
    "en/../../x",
    "en\u2215..\u2215x",  # DIVISION SLASH
    "en\uff0f..\uff0fx",  # FULLWIDTH SOLIDUS
    "en\\..\\x",
    "en.",
    "..",
]


def tree(root: Path, skip: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under *root* but those in *skip*: bytes and mtime, to prove nothing changed."""
    found = {}
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            p = Path(dirpath, name)
            if skip not in p.parents:
                found[p.relative_to(root).as_posix()] = (p.read_bytes(), p.stat().st_mtime_ns)
    return found


def test_a_language_cell_naming_a_path_fails_its_row_and_writes_nothing_outside(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    work = tmp_path / "a" / "b"
    work.mkdir(parents=True)
    lst = work / "list.csv"
    with open(lst, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "name", "language"])
        w.writerow(["ok", "A. Official", "en"])
        for i, lang in enumerate(HOSTILE_LANGUAGES):
            w.writerow([f"r{i}", "B. Official", lang])
    (tmp_path / "escaped.pdf").write_bytes(b"the user's own file")
    out = work / "out"
    before = tree(tmp_path, out)
    code, _, err = cli(capsys, "batch", str(DATA / "minimal.yaml"), "--recipients", str(lst), "-o", str(out))
    assert code == 1
    for i, lang in enumerate(HOSTILE_LANGUAGES):
        assert f"{lst}:{i + 3}: language: unknown language '{lang}'; this appeal has: en\n" in err
    assert tree(tmp_path, out) == before  # nothing made, changed or written outside OUTDIR
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if ".appeal-gen" not in p.parts) == [
        "combined",
        "combined/test-001.en.pdf",
        "letters",
        "letters/ok.en.docx",
        "letters/ok.en.pdf",
        "manifest.csv",
        "manifest.json",
    ]
    rows = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["rows"]
    assert [r["status"] for r in rows] == ["ok"] + ["error"] * len(HOSTILE_LANGUAGES)


def test_a_language_cell_becomes_babels_canonical_identifier(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    lst = tmp_path / "list.csv"
    lst.write_text("id,name,language\nup,A. Official,EN\nspaced,B. Official, en \n", encoding="utf-8")
    out = tmp_path / "out"
    args = ["batch", str(DATA / "minimal.yaml"), "--recipients", str(lst), "-o", str(out), "--format", "pdf"]
    code, _, err = cli(capsys, *args)
    assert code == 0, err
    assert sorted(p.name for p in (out / "letters").iterdir()) == ["spaced.en.pdf", "up.en.pdf"]
    assert sorted(p.name for p in (out / "combined").iterdir()) == ["test-001.en.pdf"]


@pytest.mark.parametrize("lang", ["en@../../escaped", "en.x/../../escaped", "en_US.UTF-8/../../escaped"])
def test_build_refuses_a_language_naming_a_path(lang: str, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "a" / "out"
    args = ["build", str(DATA / "minimal.yaml"), "--lang", lang, "--allow-fallback", "-o", str(out)]
    code, stdout, err = cli(capsys, *args)
    assert (code, stdout, err) == (2, "", f"unknown language '{lang}'\n")
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")) == []


@pytest.mark.parametrize(
    "components",
    [("..", "x.pdf"), ("letters", "../x.pdf"), ("a/b",), ("x\0.pdf",), ("",), (".",), ("a\u2215b",), ("a\\b",)],
)
def test_safe_path_refuses_anything_but_plain_names(components: tuple[str, ...], tmp_path: Path) -> None:
    with pytest.raises(UnsafeOutputError, match="not one plain file name"):
        safe_path(tmp_path, *components)
    assert list(tmp_path.iterdir()) == []


def test_safe_path_refuses_a_link_on_the_way_or_at_the_end(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "x.pdf").write_bytes(b"keep")
    out = tmp_path / "out"
    out.mkdir()
    (out / "letters").symlink_to(outside)
    (out / "combined").mkdir()
    (out / "combined" / "x.pdf").symlink_to(outside / "x.pdf")
    with pytest.raises(UnsafeOutputError) as e:
        safe_path(out, "letters", "x.pdf")
    assert str(e.value) == (
        f"{out}/letters: is a symbolic link inside the output folder; appeal-gen does not follow links there: "
        "remove it, or give another -o folder"
    )
    with pytest.raises(UnsafeOutputError, match="is a symbolic link"):
        safe_path(out, "combined", "x.pdf")
    assert safe_path(out, "new", "x.pdf") == out / "new" / "x.pdf"  # a missing folder is made, a real one
    assert (out / "new").is_dir() and not (out / "new").is_symlink()
    assert (outside / "x.pdf").read_bytes() == b"keep"
