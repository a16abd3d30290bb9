"""A run tells its listener what happens, in order: Started, a RowDone per row with messages between, Finished."""

from __future__ import annotations

from pathlib import Path

import pytest

from appeal_gen.batch import BatchOptions, Event, Finished, Message, RowDone, Started, run_batch
from appeal_gen.spec import load_spec

from ..conftest import DATA, EXAMPLE

#: Three rows, the second in a language the appeal has no text for.
LIST = DATA / "recipients" / "unknown_language.csv"


@pytest.mark.parametrize("jobs", [1, 2])
def test_events_come_in_list_order_with_the_run_s_counts(tmp_path: Path, jobs: int) -> None:
    lst = LIST
    out = tmp_path / "out"
    have = ", ".join(load_spec(str(EXAMPLE)).content_languages())
    events: list[Event] = []
    result = run_batch(str(EXAMPLE), str(lst), out, BatchOptions(formats=("pdf",), jobs=jobs), events=events.append)

    assert events == [
        Started(3),
        RowDone(2, "ok"),
        Message(f"{lst}:3: language: unknown language 'xx'; this appeal has: {have}", "error"),
        RowDone(3, "error"),
        RowDone(4, "ok"),
        Finished(result),
    ]
    assert (result.rows, result.ok, result.failed) == (3, 2, 1)

    # A rerun reuses both letters, and says so row by row.
    events.clear()
    again = run_batch(str(EXAMPLE), str(lst), out, BatchOptions(formats=("pdf",), jobs=jobs), events=events.append)
    assert [e for e in events if isinstance(e, RowDone)] == [
        RowDone(2, "reused"),
        RowDone(3, "error"),
        RowDone(4, "reused"),
    ]
    assert events[0] == Started(3) and events[-1] == Finished(again) and again.reused == 2


def test_warnings_reach_the_listener_before_the_rows(tmp_path: Path) -> None:
    """The list's own warnings (here a misspelt column) come before any row."""
    lst = DATA / "recipients" / "misspelt_column.csv"
    events: list[Event] = []
    run_batch(str(EXAMPLE), str(lst), tmp_path / "out", BatchOptions(formats=("pdf",), jobs=1), events=events.append)
    assert events[0] == Message(
        f"warning: {lst}:1: column 'langauge' is not a documented column (did you mean 'language'?); "
        "it is only available to templates as extra.langauge",
        "warning",
    )
    assert [type(e) for e in events[1:]] == [Started, RowDone, Finished]


def test_a_run_that_fails_sends_no_finished(tmp_path: Path) -> None:
    """A run that raises (here: the output folder is a file) ends without ``Finished``."""
    out = tmp_path / "out"
    out.write_text("not a folder")
    events: list[Event] = []
    with pytest.raises(Exception):  # noqa: B017 - the error itself is tested in tests/security
        run_batch(str(EXAMPLE), str(LIST), out, BatchOptions(formats=("pdf",), jobs=1), events=events.append)
    assert not any(isinstance(e, Finished) for e in events)
