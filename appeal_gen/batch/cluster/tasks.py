"""What a Dask worker runs: a chunk of tasks in, their outcomes out, with the renderer kept between chunks.

A worker process prepares each language once (its letter resolved, fonts
registered, DOCX template compiled: 50-350 ms) and then only renders, as a
local worker does. The renderer of a run lives here, in the worker
process, between tasks: ``RENDERERS`` keyed by ``Run.key`` (a digest of
the spec and the options), so the next run of the same appeal on the same
cluster finds its languages ready too, and a few runs of other appeals
(several clients sharing a cluster) do not evict each other at once.

reportlab's font registry and the PDF caches are process-wide, so one
process renders one letter at a time (``LOCK``): workers are meant to be
started with one thread each (``dask worker --nthreads 1 --nworkers N``).
"""

from __future__ import annotations

import pickle
import threading
from collections import OrderedDict
from dataclasses import dataclass

from ...spec import Spec
from ..model import BatchOptions, Outcome, Task
from ..worker import LetterRenderer
from .identity import digest, identity, look

#: Renderers of the most recent runs this worker served (``Run.key`` -> renderer).
RENDERERS: OrderedDict[str, LetterRenderer] = OrderedDict()
#: How many runs' renderers a worker keeps.
KEEP = 4
LOCK = threading.Lock()


@dataclass(frozen=True)
class Run:
    """What every task of a run shares: sent to each worker once (``Client.scatter``), not with every task."""

    key: str
    spec: Spec
    options: BatchOptions


@dataclass(frozen=True)
class Chunk:
    """A chunk's outcomes, and who rendered them (the worker's address and ``identity.digest``)."""

    worker: str
    identity: str
    outcomes: bytes  # the pickled list of outcomes, in the chunk's order


def renderer(run: Run) -> LetterRenderer:
    """The run's renderer in this process, made on its first chunk (call with ``LOCK`` held)."""
    found = RENDERERS.get(run.key)
    if found is None:
        found = RENDERERS[run.key] = LetterRenderer(run.spec, run.options)
        while len(RENDERERS) > KEEP:
            RENDERERS.popitem(last=False)
    RENDERERS.move_to_end(run.key)
    return found


def render_chunk(run: Run, tasks: bytes) -> Chunk:
    """Render a pickled list of tasks, in order (``LetterRenderer.render`` raises nothing)."""
    from distributed import get_worker

    todo: list[Task] = pickle.loads(tasks)
    with LOCK:
        letters = renderer(run)
        outcomes: list[Outcome] = [letters.render(task) for task in todo]
    data = pickle.dumps(outcomes, protocol=pickle.HIGHEST_PROTOCOL)
    return Chunk(get_worker().address, digest({**identity(), **look(run.options.theme)}), data)


def worker_identity(theme: str | None = None) -> dict[str, str]:
    """This worker's ``identity`` (run on every worker by ``Client.run`` when the client connects), with
    *theme*'s files as this worker reads them (``look``) when a run names one."""
    return {**identity(), **look(theme)}
