"""Where letters are rendered: the ``Backend`` protocol the pipeline is written against, and the inline one.

The pipeline submits tasks in list order and takes their outcomes in the
same order, writing each as soon as it and every row before it are done.
A backend decides only where ``worker.LetterRenderer.render`` runs: in this
process (``InlineBackend``, ``--jobs 1``), in local worker processes
(``local.LocalBackend``), or elsewhere (a distributed engine) — any object
with these methods will do.
"""

from __future__ import annotations

from typing import Protocol

from .model import Outcome, Task
from .worker import LetterRenderer


class Backend(Protocol):
    #: Rows the pipeline may hold between submitting and writing (results wait to be written in list order).
    capacity: int

    def submit(self, task: Task) -> None:
        """Start rendering *task* (it may be done at once, or later)."""

    def ready(self, line: int) -> bool:
        """Is the outcome of the task of *line* there, without waiting?"""

    def take(self, line: int) -> Outcome:
        """The outcome of the task of *line*, waiting for it if need be (once per task)."""

    def close(self) -> None:
        """Every task was taken: release the workers."""

    def kill(self) -> None:
        """The run is stopping (an error, Ctrl-C): stop the workers now, outcomes are not wanted."""


class InlineBackend:
    """Renders each task in this process, when it is submitted."""

    def __init__(self, renderer: LetterRenderer, capacity: int) -> None:
        self.renderer = renderer
        self.capacity = capacity
        self.done: dict[int, Outcome] = {}

    def submit(self, task: Task) -> None:
        self.done[task.line] = self.renderer.render(task)

    def ready(self, line: int) -> bool:
        return line in self.done

    def take(self, line: int) -> Outcome:
        return self.done.pop(line)

    def close(self) -> None:
        self.done.clear()

    def kill(self) -> None:
        self.done.clear()
