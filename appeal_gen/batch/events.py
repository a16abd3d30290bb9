"""What a batch tells whoever watches it, as it happens: a stream of small events.

The library draws nothing: the CLI turns these events into a tqdm bar and
lines on stderr (``cli_progress``), and a web page or a distributed runner
can consume the same stream. Events come in this order: one ``Started``,
then a ``RowDone`` per row in list order with ``Message``\\ s between them,
and one ``Finished`` when the run completed (none when it raised).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .model import BatchResult


@dataclass(frozen=True)
class Started:
    """The list is open and the run about to render: *total* rows (as the list counts them)."""

    total: int


@dataclass(frozen=True)
class RowDone:
    """One row written (or reused, or failed), in list order."""

    line: int
    #: "ok", "reused" or "error".
    status: str


@dataclass(frozen=True)
class Message:
    """A line for the user, as the CLI prints it (``warning: ...``, ``note: ...``, ``LIST:LINE: ...``)."""

    text: str
    #: "warning", "note" or "error" (a row's error; the run goes on).
    level: str = "warning"


@dataclass(frozen=True)
class Finished:
    """The run is complete: its result (the manifest and combined PDFs are in place)."""

    result: BatchResult


Event = Started | RowDone | Message | Finished
Listener = Callable[[Event], None]


def ignore(_event: Event) -> None:
    """The listener of a run nobody watches."""
