"""Class 4 of issue 12 (and part of 8): what is already in OUTDIR is not trusted.

Links planted at ``.appeal-gen/``, its lock or journal, ``letters/`` or
``combined/`` are refused before anything is touched; a planted journal
cannot pull an outside file into a run; a file appeal-gen did not write (or
that changed since) is never deleted or overwritten; a full disk at the end
of a run leaves no ``.part`` file and names the file it was writing.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
from pathlib import Path

import pytest

from ..conftest import DATA, EXAMPLE, pdf_text
from .conftest import cli

LIST = "id,name\na,A. Official\nb,B. Official\n"


def batch(capsys, tmp_path: Path, out: Path, *extra: str, text: str = LIST) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    lst = tmp_path / "list.csv"
    lst.write_text(text, encoding="utf-8")
    args = ["batch", str(DATA / "minimal.yaml"), "--recipients", str(lst), "-o", str(out), "--jobs", "1"]
    return cli(capsys, *args, "--format", "pdf", *extra)  # type: ignore[no-any-return]


def snapshot(path: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under *path* (a file: itself), with bytes and mtime."""
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    return {p.as_posix(): (p.read_bytes(), p.stat().st_mtime_ns) for p in files}


def outside_file(tmp_path: Path) -> Path:
    victim = tmp_path / "outside" / "important.txt"
    victim.parent.mkdir()
    victim.write_bytes(b"the user's own file, not appeal-gen's\n")
    os.utime(victim, ns=(1_000_000_000, 1_000_000_000))
    return victim


# (entry in OUTDIR, what it is made: "dir" a link to an outside folder, "file" a link to an outside file,
#  "hard" a hard link to it)
PLANTED = [
    (".appeal-gen", "dir"),
    ("letters", "dir"),
    ("combined", "dir"),
    (".appeal-gen/layouts", "dir"),
    (".appeal-gen/lock", "file"),
    (".appeal-gen/journal.jsonl", "file"),
    (".appeal-gen/lock", "hard"),
    (".appeal-gen/journal.jsonl", "hard"),
    ("combined/test-001.en.pdf", "file"),
]


@pytest.mark.parametrize(("rel", "kind"), PLANTED)
def test_a_planted_link_is_refused_and_nothing_is_touched(rel: str, kind: str, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    victim = outside_file(tmp_path)
    out = tmp_path / "out"
    (out / ".appeal-gen").mkdir(parents=True)
    planted = out / rel
    planted.parent.mkdir(exist_ok=True)
    if planted.exists():
        planted.rmdir()
    if kind == "dir":
        planted.symlink_to(victim.parent, target_is_directory=True)
    elif kind == "file":
        planted.symlink_to(victim)
    else:
        os.link(victim, planted)
    before_out = sorted(p.relative_to(out).as_posix() for p in out.rglob("*"))
    before = snapshot(victim.parent)
    code, stdout, err = batch(capsys, tmp_path, out)
    why = "is linked to another file" if kind == "hard" else "is a symbolic link; appeal-gen does not follow links"
    assert (code, stdout) == (2, "")
    assert err.startswith(f"{out}/{rel}: {why}")
    assert err.count("\n") == 1
    assert snapshot(victim.parent) == before  # bytes and mtime, no new file
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == before_out


@pytest.mark.parametrize("where", ["/etc/passwd", "../outside.pdf", "letters/../../outside.pdf", "combined/a.en.pdf"])
def test_a_journal_naming_another_file_is_ignored_and_never_read(where: str, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "out"
    assert batch(capsys, tmp_path, out)[0] == 0
    # An outside PDF with text of its own, listed in the journal with its true hash, in place of a's letter.
    outside = tmp_path / "outside.pdf"
    assert cli(capsys, "build", str(EXAMPLE), "--format", "pdf", "-o", str(tmp_path / "ex"))[0] == 0
    outside.write_bytes((tmp_path / "ex" / "fld-kh-cchr-2017.en.pdf").read_bytes())
    listed = Path(where) if where.startswith("/") else out / where
    if where.startswith("combined/"):
        listed.write_bytes(outside.read_bytes())
    journal = out / ".appeal-gen" / "journal.jsonl"
    entries = [json.loads(line) for line in journal.read_text(encoding="utf-8").splitlines()]
    for e in entries:
        if e.get("stem") == "a":
            e["files"]["pdf"] = [where, hashlib.sha256(listed.read_bytes()).hexdigest()]
    journal.write_text("".join(json.dumps(e) + "\n" for e in entries), encoding="utf-8")
    before = snapshot(outside)
    code, _, err = batch(capsys, tmp_path, out)
    assert code == 0, err
    assert err.splitlines()[0] == (
        f"warning: {journal}: ignored 1 journal entry naming a file appeal-gen does not write there"
    )
    assert "2 rows: 2 letters (1 reused)" in err
    combined = pdf_text((out / "combined" / "test-001.en.pdf").read_bytes())
    assert "CCHR" not in combined and "A. Official" in combined
    assert snapshot(outside) == before
    assert Path("/etc/passwd").is_file()


def test_files_of_the_users_own_in_letters_and_combined_are_left_alone(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "out"
    assert batch(capsys, tmp_path, out)[0] == 0
    mine = {
        out / "letters" / "notes.txt": b"call the embassy first",
        out / "letters" / "c.en.pdf": b"%PDF-1.4 a letter of my own",
        out / "combined" / "cover.pdf": b"%PDF-1.4 my cover page",
    }
    for path, data in mine.items():
        path.write_bytes(data)
    # b leaves the list: its letter, which the journal recorded unchanged, goes.
    code, _, err = batch(capsys, tmp_path, out, text="id,name\na,A. Official\n")
    assert code == 0, err
    assert err.splitlines()[0] == (
        f"note: {out}: left alone 3 file(s) appeal-gen did not write or that changed since: "
        "combined/cover.pdf, letters/c.en.pdf, letters/notes.txt"
    )
    assert {p: p.read_bytes() for p in mine} == mine
    assert sorted(p.name for p in (out / "letters").iterdir()) == ["a.en.pdf", "c.en.pdf", "notes.txt"]


def test_a_letter_edited_after_a_run_is_kept_and_its_row_says_so(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "out"
    assert batch(capsys, tmp_path, out)[0] == 0
    edited = out / "letters" / "a.en.pdf"
    edited.write_bytes(edited.read_bytes() + b"% signed by hand\n")
    before = snapshot(edited)
    # The row changes, so its letter would be made again.
    code, _, err = batch(capsys, tmp_path, out, text="id,name\na,A. Officer\nb,B. Official\n")
    assert code == 1
    assert (
        f"{tmp_path / 'list.csv'}:2: letters/a.en.pdf: kept as it is: it was changed after appeal-gen wrote it, "
        "or appeal-gen did not write it; move it away and run again to make this letter\n"
    ) in err
    assert snapshot(edited) == before
    rows = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["rows"]
    assert [r["status"] for r in rows] == ["error", "ok"]
    assert rows[0]["message"].startswith("letters/a.en.pdf: kept as it is")


class _FullDiskAt:
    """os.replace that fails with ENOSPC (and no file name) when it would put *name* in place."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.real = os.replace

    def __call__(self, src, dst, *args, **kwargs):  # type: ignore[no-untyped-def]
        if os.fspath(dst).endswith(self.name):
            raise OSError(errno.ENOSPC, "No space left on device")
        return self.real(src, dst, *args, **kwargs)


@pytest.mark.parametrize("name", ["combined/test-001.en.pdf", "manifest.csv", "manifest.json"])
def test_a_full_disk_at_the_end_names_the_file_and_leaves_no_part_file(
    name: str, tmp_path: Path, capsys, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "out"
    monkeypatch.setattr(os, "replace", _FullDiskAt(name))
    code, _, err = batch(capsys, tmp_path, out, "--quiet")
    assert code == 1
    assert err == f"{out / name}: cannot write output: No space left on device\n"
    assert [p.name for p in out.rglob("*.part")] == []
    monkeypatch.undo()
    code, _, err = batch(capsys, tmp_path, out, "--quiet")
    assert code == 0 and err.startswith("batch: 2 rows: 2 letters (2 reused), 0 failed"), err
    assert sorted(p.name for p in (out / "letters").iterdir()) == ["a.en.pdf", "b.en.pdf"]


def test_a_combined_pdf_edited_after_a_run_is_kept_and_the_run_says_so(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "out"
    assert batch(capsys, tmp_path, out)[0] == 0
    combined = out / "combined" / "test-001.en.pdf"
    combined.write_bytes(combined.read_bytes() + b"% annotated by hand\n")
    before = snapshot(combined)
    code, stdout, err = batch(capsys, tmp_path, out, text="id,name\na,A. Officer\nb,B. Official\n")
    assert code == 1
    assert err.splitlines()[0] == (
        f"warning: {combined}: kept as it is: it was changed after appeal-gen wrote it, or appeal-gen did not "
        "write it; the combined PDF of en was not made: move the file away and run again"
    )
    assert snapshot(combined) == before
    assert str(combined) not in stdout
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8"))["combined"] == {}
    combined.unlink()
    code, _, err = batch(capsys, tmp_path, out, text="id,name\na,A. Officer\nb,B. Official\n")
    assert code == 0, err
    assert "A. Officer" in pdf_text(combined.read_bytes())


def test_a_file_of_the_users_at_a_combined_pdfs_name_is_kept_after_a_docx_only_run(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """A journal that recorded no combined PDF (a DOCX-only run) gives no licence to replace one."""
    out = tmp_path / "out"
    lst = tmp_path / "list.csv"
    lst.write_text(LIST, encoding="utf-8")
    args = ["batch", str(DATA / "minimal.yaml"), "--recipients", str(lst), "-o", str(out), "--jobs", "1"]
    assert cli(capsys, *args, "--format", "docx")[0] == 0
    mine = out / "combined" / "test-001.en.pdf"
    mine.parent.mkdir()
    mine.write_bytes(b"%PDF-1.4 my own compilation")
    code, _, err = cli(capsys, *args, "--format", "pdf")
    assert code == 1
    assert f"warning: {mine}: kept as it is" in err
    assert mine.read_bytes() == b"%PDF-1.4 my own compilation"
