"""Red-team pass 2 over issue 12: variants the first tests did not try, each a bypass found on main.

Each test reproduces one input that got through (a traceback, unbounded
memory, ...) and checks what a user sees instead: one line, the exit code,
the letters still made.
"""

from __future__ import annotations

import resource
from pathlib import Path

import pytest

from .test_outdir import batch


def _plant_line(out: Path, line: bytes) -> Path:
    """The journal of a finished run with *line* added before its rows."""
    journal = out / ".appeal-gen" / "journal.jsonl"
    rows = journal.read_bytes().splitlines(keepends=True)
    journal.write_bytes(rows[0] + line + b"\n" + b"".join(rows[1:]))
    return journal


@pytest.mark.parametrize(
    "line",
    [b"[" * 100_000 + b"]" * 100_000, b'{"stem": ' + b"[" * 100_000, b'{"stem": {"a": ' * 50_000],
    ids=["deep-list", "deep-cut", "deep-objects"],
)
def test_a_journal_line_nested_too_deep_is_skipped_not_a_traceback(line: bytes, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """The JSON decoder's RecursionError is not a ValueError: it escaped as a traceback (exit 1)."""
    out = tmp_path / "out"
    assert batch(capsys, tmp_path, out)[0] == 0
    _plant_line(out, line)
    code, _, err = batch(capsys, tmp_path, out)
    assert code == 0, err
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1].startswith("batch: 2 rows: 2 letters (2 reused), 0 failed")


def test_a_journal_line_of_many_megabytes_is_skipped_without_being_read_whole(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """A planted 200 MB line was read into memory (and decoded) before the entry was looked at."""
    out = tmp_path / "out"
    assert batch(capsys, tmp_path, out)[0] == 0
    journal = _plant_line(out, b'{"files": {}, "stem": "')
    with journal.open("ab") as fh:  # the long line goes last, written in pieces: the test itself stays small
        for _ in range(200):
            fh.write(b"a" * (1024 * 1024))
        fh.write(b'"}\n')
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    code, _, err = batch(capsys, tmp_path, out)
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert code == 0, err
    assert err.strip().splitlines()[-1].startswith("batch: 2 rows: 2 letters (2 reused), 0 failed")
    assert grown_mb < 100, f"peak memory grew by {grown_mb:.0f} MB reading a {journal.stat().st_size} byte journal"
