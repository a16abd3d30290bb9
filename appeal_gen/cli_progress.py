"""The batch's progress on stderr: the CLI's reading of ``batch.events``.

The library emits events and draws nothing; this module turns them into a
tqdm bar (count, rate, ETA) on a terminal, or a plain line every few seconds
otherwise, and prints the run's messages without tearing the bar.
"""

from __future__ import annotations

import sys
import time
from typing import IO, Any

from .batch.events import Event, Finished, Message, RowDone, Started


class Progress:
    """A bar (count, rate, ETA) on a terminal; a plain line every few seconds otherwise."""

    def __init__(self, total: int, stream: IO[str], *, enabled: bool = True, every: float = 5.0) -> None:
        self.total = total
        self.stream = stream
        self.enabled = enabled
        self.every = every
        self.count = 0
        self.start = time.monotonic()
        self.last = self.start
        self.bar: Any = None
        if enabled and stream.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=total, file=stream, unit="letter", dynamic_ncols=True)

    def write(self, message: str) -> None:
        """A message that does not tear the bar."""
        if self.bar is not None:
            self.bar.write(message, file=self.stream)
        else:
            print(message, file=self.stream, flush=True)

    def step(self) -> None:
        self.count += 1
        if self.bar is not None:
            self.bar.update(1)
            return
        now = time.monotonic()
        if self.enabled and now - self.last >= self.every:
            self.last = now
            print(self.line(now), file=self.stream, flush=True)

    def line(self, now: float) -> str:
        elapsed = max(now - self.start, 1e-9)
        rate = self.count / elapsed
        left = (self.total - self.count) / rate if rate else 0.0
        return f"batch: {self.count}/{self.total} rows, {rate:.1f} rows/s, ETA {_duration(left)}"

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


class ProgressListener:
    """A ``batch.events.Listener``: the bar from ``Started``, a step per ``RowDone``, each ``Message`` printed.

    ``close`` ends the bar also when the run raised (no ``Finished`` then).
    """

    def __init__(self, stream: IO[str] | None = None, *, enabled: bool = True, every: float = 5.0) -> None:
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.every = every
        self.progress: Progress | None = None

    def __call__(self, event: Event) -> None:
        if isinstance(event, RowDone):
            if self.progress is not None:
                self.progress.step()
        elif isinstance(event, Message):
            if self.progress is not None:
                self.progress.write(event.text)
            else:
                print(event.text, file=self.stream, flush=True)
        elif isinstance(event, Started):
            self.progress = Progress(event.total, self.stream, enabled=self.enabled, every=self.every)
        elif isinstance(event, Finished):
            self.close()

    def close(self) -> None:
        if self.progress is not None:
            self.progress.close()


def _duration(seconds: float) -> str:
    """
    >>> _duration(75)
    '1m15s'
    """
    s = round(seconds)
    return f"{s // 60}m{s % 60:02d}s" if s >= 60 else f"{s}s"
