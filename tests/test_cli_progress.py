"""The CLI's progress: a tqdm bar on a terminal, plain lines otherwise, drawn from the batch's events."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from appeal_gen.batch import BatchResult, Finished, Message, RowDone, Started
from appeal_gen.cli import main
from appeal_gen.cli_progress import Progress, ProgressListener

from .conftest import DATA, EXAMPLE


class Tty(io.StringIO):
    """A terminal, as far as tqdm can tell."""

    def isatty(self) -> bool:
        return True


def test_progress_lines_when_not_a_terminal() -> None:
    buf = io.StringIO()
    p = Progress(3, buf, every=0.0)
    for _ in range(3):
        p.step()
    p.close()
    lines = buf.getvalue().splitlines()
    assert [line.split(",")[0] for line in lines] == ["batch: 1/3 rows", "batch: 2/3 rows", "batch: 3/3 rows"]
    assert lines[-1].endswith("ETA 0s")


def test_progress_bar_on_a_terminal() -> None:
    buf = Tty()
    p = Progress(4, buf)
    for _ in range(4):
        p.step()
    p.write("a message")
    p.close()
    text = buf.getvalue()
    assert "4/4" in text and "letter/s" in text and "a message" in text


# --------------------------------------------------------------------------
# The batch's events, as the CLI shows them


def test_the_listener_steps_once_a_row_and_prints_messages_in_between() -> None:
    buf = io.StringIO()
    listener = ProgressListener(buf, every=0.0)
    listener(Message("warning: before the rows"))
    listener(Started(3))
    listener(RowDone(2, "ok"))
    listener(Message("list.csv:3: language: unknown language 'xx'", "error"))
    listener(RowDone(3, "error"))
    listener(RowDone(4, "reused"))
    listener(Finished(BatchResult(rows=3, ok=2, failed=1)))
    lines = buf.getvalue().splitlines()
    assert [line.split(",")[0] for line in lines] == [
        "warning: before the rows",
        "batch: 1/3 rows",
        "list.csv:3: language: unknown language 'xx'",
        "batch: 2/3 rows",
        "batch: 3/3 rows",
    ]


def test_the_cli_bar_counts_every_row_of_a_batch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lst = DATA / "recipients" / "unknown_language.csv"
    terminal = Tty()
    monkeypatch.setattr(sys, "stderr", terminal)
    argv = ["batch", str(EXAMPLE), "--recipients", str(lst), "-o", str(tmp_path / "out"), "--format", "pdf"]
    assert main([*argv, "--jobs", "1"]) == 1
    text = terminal.getvalue()
    # The bar starts at 0/3 and ends at 3/3 (tqdm skips redraws within 0.1 s); the row's error is above it.
    assert "0/3" in text and "3/3" in text and "4/3" not in text
    assert f"{lst}:3: language: unknown language 'xx'" in text
    assert text.splitlines()[-1].startswith("batch: 3 rows: 2 letters (0 reused), 1 failed, in ")
