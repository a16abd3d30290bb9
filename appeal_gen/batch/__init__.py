"""Batch: one personalised letter per row of a recipient list, resumable.

The package, by seam (docs/batch.md says how a run behaves):

- ``model``: options, a row's ``Task`` and ``Outcome``, the ``BatchResult``;
- ``planning``: rows to tasks (language, file stem, fingerprint, reuse);
- ``worker``: ``LetterRenderer``, the unit of work (task in, bytes out, no files);
- ``backend``: the ``Backend`` protocol and the inline backend; ``local``:
  worker processes from a warmed-up fork server;
- ``pipeline``: ``run_batch``, the loop between them;
- ``sink`` (letters and combined PDFs), ``state`` (lock, journal, OUTDIR
  checks), ``manifest``;
- ``events``: what a run tells its watcher (the CLI draws the progress bar).

Resuming: the journal (``OUTDIR/.appeal-gen/journal.jsonl``) records each
finished row's fingerprint (spec, row, options, catalogs, template and code)
and the sha256 of each file. A rerun reuses a row only when its fingerprint
matches and every file on disk still has the recorded hash. Files are
renamed into place before the journal names them, so a kill at any moment
leaves at worst a letter that is rendered again and a temporary ``.part``
file that the next run removes. A lock (``fcntl.flock``) keeps a second run
out of the same OUTDIR.
"""

from __future__ import annotations

from .backend import Backend, InlineBackend
from .events import Event, Finished, Listener, Message, RowDone, Started
from .model import BatchLockedError, BatchOptions, BatchResult, BatchWorkerError, Outcome, Task
from .pipeline import BackendFactory, run_batch
from .worker import LetterRenderer

__all__ = [
    "Backend",
    "BackendFactory",
    "BatchLockedError",
    "BatchOptions",
    "BatchResult",
    "BatchWorkerError",
    "Event",
    "Finished",
    "InlineBackend",
    "LetterRenderer",
    "Listener",
    "Message",
    "Outcome",
    "RowDone",
    "Started",
    "Task",
    "run_batch",
]
