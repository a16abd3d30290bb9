"""Output safety: a full disk leaves no partial file, and a rerun completes."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import pytest

from appeal_gen import output

from ..conftest import DATA, EXAMPLE
from .conftest import cli


class _FullDisk:
    """os.fdopen whose files fail with ENOSPC after *allowed* successful writes."""

    def __init__(self, allowed: int) -> None:
        self.allowed = allowed
        self.real = os.fdopen

    def __call__(self, fd: int, mode: str = "r", *args, **kwargs):  # type: ignore[no-untyped-def]
        fh = self.real(fd, mode, *args, **kwargs)
        return _Handle(fh, self) if "b" in mode else fh


class _Handle:
    def __init__(self, fh, disk: _FullDisk) -> None:  # type: ignore[no-untyped-def]
        self.fh, self.disk = fh, disk

    def __enter__(self):  # type: ignore[no-untyped-def]
        return self

    def __exit__(self, *exc):  # type: ignore[no-untyped-def]
        self.fh.close()

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        return getattr(self.fh, name)

    def write(self, data: bytes) -> int:
        if self.disk.allowed <= 0:
            raise OSError(errno.ENOSPC, "No space left on device")
        self.disk.allowed -= 1
        return int(self.fh.write(data))


def test_disk_full_during_build_leaves_nothing_and_a_rerun_completes(tmp_path: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "out"
    monkeypatch.setattr(output.os, "fdopen", _FullDisk(allowed=1))
    code, _, err = cli(capsys, "build", str(EXAMPLE), "-o", str(out))
    assert code == 1
    assert err == f"{out / 'fld-kh-cchr-2017.en.docx'}: cannot write output: No space left on device\n"
    assert list(out.iterdir()) == []  # neither the finished PDF nor a .part file
    monkeypatch.undo()
    code, _, err = cli(capsys, "build", str(EXAMPLE), "-o", str(out))
    assert (code, err) == (0, "")
    assert sorted(p.name for p in out.iterdir()) == ["fld-kh-cchr-2017.en.docx", "fld-kh-cchr-2017.en.pdf"]


def test_an_existing_file_is_never_half_overwritten(tmp_path: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "out"
    assert cli(capsys, "build", str(EXAMPLE), "-o", str(out), "--format", "pdf")[0] == 0
    before = (out / "fld-kh-cchr-2017.en.pdf").read_bytes()
    monkeypatch.setattr(output.os, "fdopen", _FullDisk(allowed=0))
    assert cli(capsys, "build", str(EXAMPLE), "-o", str(out), "--format", "pdf")[0] == 1
    assert (out / "fld-kh-cchr-2017.en.pdf").read_bytes() == before
    assert [p.name for p in out.iterdir()] == ["fld-kh-cchr-2017.en.pdf"]


@pytest.mark.slow
def test_disk_full_mid_batch_stops_cleanly_and_a_rerun_completes(tmp_path: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    lst = tmp_path / "list.csv"
    lst.write_text("id,name\n" + "".join(f"r{i},Official {i}\n" for i in range(8)), encoding="utf-8")
    out = tmp_path / "out"
    args = ["batch", str(DATA / "minimal.yaml"), "--recipients", str(lst), "-o", str(out), "--format", "pdf"]
    args += ["--jobs", "1", "--quiet"]
    monkeypatch.setattr(output.os, "fdopen", _FullDisk(allowed=6))
    code, _, err = cli(capsys, *args)
    assert code == 1
    assert err.splitlines()[-1].endswith(": cannot write output: No space left on device")
    leftovers = [p for p in out.rglob("*") if p.name.endswith(".part")]
    assert leftovers == []
    written = sorted(p.name for p in (out / "letters").iterdir())
    assert 0 < len(written) < 8
    monkeypatch.undo()
    code, _, err = cli(capsys, *args)
    assert code == 0, err
    assert sorted(p.name for p in (out / "letters").iterdir()) == [f"r{i}.en.pdf" for i in range(8)]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert [r["status"] for r in manifest["rows"]] == ["ok"] * 8


def test_a_temporary_name_already_taken_is_skipped_never_followed(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Temporary names are predictable (process id, counter): one taken, even by a symbolic link, is passed over."""
    import itertools

    monkeypatch.setattr(output, "_TEMPORARIES", itertools.count(7))
    victim = tmp_path / "victim.txt"
    victim.write_bytes(b"keep me")
    pid = os.getpid()
    (tmp_path / f".letter.pdf.{pid}-7.part").write_bytes(b"left by a killed run")
    (tmp_path / f".letter.pdf.{pid}-8.part").symlink_to(victim)
    output.write_all({tmp_path / "letter.pdf": b"%PDF new", tmp_path / "more" / "letter.docx": b"PK new"})
    assert (tmp_path / "letter.pdf").read_bytes() == b"%PDF new"
    assert (tmp_path / "more" / "letter.docx").read_bytes() == b"PK new"  # a missing folder is made
    assert victim.read_bytes() == b"keep me"
    assert (tmp_path / f".letter.pdf.{pid}-7.part").read_bytes() == b"left by a killed run"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [f".letter.pdf.{pid}-7.part", f".letter.pdf.{pid}-8.part", "letter.pdf", "more", "victim.txt"]
    )
