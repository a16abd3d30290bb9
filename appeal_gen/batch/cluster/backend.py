"""The cluster backend: the rows' letters rendered on Dask workers, everything else in this process.

The client (this process) keeps what it owns in a local run: the journal,
the manifest, the combined PDFs and the writing of every file; workers get
tasks and return bytes, so they need no shared file system. The pipeline
takes outcomes in list order, so the files, the combined PDFs and the
manifest are the bytes a local run writes.

Tasks travel in chunks of ``CHUNK`` rows: one Dask task costs the client
and the scheduler about a millisecond of CPU, as much as a letter, so one
per row would make the client the bottleneck. At most ``capacity`` rows
(``PER_THREAD`` per worker thread) are between submitting and writing, so
the client's memory stays flat however long the list. Dask runs a task
again when the worker that had it dies (up to its
``distributed.scheduler.allowed-failures``); the pipeline takes each line's
outcome once, so nothing is written twice.

Before it writes a worker's letters the client checks that the worker
would make the same bytes (``identity``): when it connects, every worker
there; then each chunk carries its worker's digest, which covers workers
that join later.
"""

from __future__ import annotations

import hashlib
import pickle
import re
import uuid
from typing import Any

from ...errors import InputError
from ...spec import Spec
from ..model import BatchOptions, BatchWorkerError, Outcome, Task
from .identity import differences, digest, identity
from .tasks import Chunk, Run, render_chunk, worker_identity

#: Rows per Dask task.
CHUNK = 4
#: Rows in flight per worker thread: enough that a worker never waits for the client.
PER_THREAD = 16
#: How long to wait for the scheduler, and for a first worker.
CONNECT_TIMEOUT = 30

LOCAL = re.compile(r"local:([0-9]+)")


class ClusterError(InputError):
    """The cluster cannot be used: not reachable, no workers, or a worker that would write other bytes."""


def check_address(address: str) -> None:
    """``local:N`` or a scheduler's ``tcp://HOST:PORT`` / ``tls://HOST:PORT``; a ``ClusterError`` otherwise."""
    m = LOCAL.fullmatch(address)
    if m and int(m.group(1)) >= 1:
        return
    if re.fullmatch(r"(tcp|tls)://[^\s/]+:[0-9]+", address):
        return
    raise ClusterError(f"--cluster: expected tcp://HOST:PORT, tls://HOST:PORT or local:N (N >= 1), not '{address}'")


def dask() -> Any:
    """The ``distributed`` module, or a ``ClusterError`` saying how to install it (it is an optional extra)."""
    try:
        import distributed
    except ImportError:
        raise ClusterError("--cluster needs Dask, which is not installed: pip install 'appeal-gen[cluster]'") from None
    return distributed


class ClusterBackend:
    """The ``backend.Backend`` of ``--cluster ADDRESS``: connects when the first task comes.

    Not before: a rerun that reuses every letter needs no cluster.
    """

    def __init__(self, address: str, spec: Spec, options: BatchOptions) -> None:
        check_address(address)
        self.address = address
        self.run = Run(hashlib.sha256(pickle.dumps((spec, options))).hexdigest(), spec, options)
        self.capacity = CHUNK * 8  # until the workers are counted
        self.client: Any = None
        self.cluster: Any = None
        self.shared: Any = None  # the Run, on every worker
        self.name = (
            f"appeal-gen-{self.run.key[:12]}-{uuid.uuid4().hex[:12]}"  # its tasks' keys: unique on a shared scheduler
        )
        self.mine = identity()
        self.expected = digest(self.mine)
        self.batch: list[Task] = []  # submitted, not sent yet
        self.chunks: dict[int, Any] = {}  # line -> the future of its chunk
        self.done: dict[int, Outcome] = {}

    def connect(self) -> None:
        distributed = dask()
        m = LOCAL.fullmatch(self.address)
        try:
            if m:
                import logging

                self.cluster = distributed.LocalCluster(
                    n_workers=int(m.group(1)),
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                    silence_logs=logging.ERROR,
                )
                self.client = distributed.Client(self.cluster, set_as_default=False)
            else:
                self.client = distributed.Client(self.address, timeout=CONNECT_TIMEOUT, set_as_default=False)
            self.client.wait_for_workers(1, timeout=CONNECT_TIMEOUT)
        except (OSError, TimeoutError) as exc:
            self.close()
            raise ClusterError(f"--cluster {self.address}: {exc}") from None
        self.check(self.client.run(worker_identity))
        threads = sum(w["nthreads"] for w in self.client.scheduler_info()["workers"].values())
        self.capacity = max(threads * PER_THREAD, 2 * CHUNK)
        self.shared = self.client.scatter(self.run, broadcast=True, hash=False)

    def check(self, workers: dict[str, dict[str, str]]) -> None:
        """Refuse the first worker (by address) whose ``identity`` is not this machine's."""
        for address, theirs in sorted(workers.items()):
            diff = differences(self.mine, theirs)
            if diff:
                raise ClusterError(
                    f"--cluster {self.address}: worker {address} would write other bytes than this machine: {diff}; "
                    "install the same appeal-gen, libraries and fonts on every worker (docs/cluster.md)"
                )

    def submit(self, task: Task) -> None:
        if self.client is None:
            self.connect()
        self.batch.append(task)
        if len(self.batch) >= CHUNK:
            self._send()

    def _send(self) -> None:
        if not self.batch:
            return
        tasks = pickle.dumps(self.batch, protocol=pickle.HIGHEST_PROTOCOL)
        key = f"{self.name}-{self.batch[0].line}"
        future = self.client.submit(render_chunk, self.shared, tasks, key=key, pure=False)
        for task in self.batch:
            self.chunks[task.line] = future
        self.batch = []

    def ready(self, line: int) -> bool:
        if line in self.done:
            return True
        future = self.chunks.get(line)
        if future is None or not future.done():
            return False
        self._collect(future)
        return True

    def take(self, line: int) -> Outcome:
        if line not in self.done:
            if line not in self.chunks:
                self._send()
            assert line in self.chunks, f"line {line} was never submitted"
            self._collect(self.chunks[line])
        return self.done.pop(line)

    def _collect(self, future: Any) -> None:
        """The outcomes of a chunk, from a worker checked to write this machine's bytes."""
        try:
            chunk: Chunk = future.result()
        except Exception as exc:  # noqa: BLE001 - KilledWorker, a lost scheduler: the run stops, a rerun resumes
            raise BatchWorkerError(
                f"the cluster lost the task of line {self._first(future)} ({type(exc).__name__}: {exc}); "
                "the letters written so far are kept: rerun the same command to finish"
            ) from None
        if chunk.identity != self.expected:
            self.check(self.client.run(worker_identity, workers=[chunk.worker]))
        outcomes: list[Outcome] = pickle.loads(chunk.outcomes)
        for out in outcomes:
            self.done[out.line] = out
            del self.chunks[out.line]

    def _first(self, future: Any) -> int:
        return min(line for line, f in self.chunks.items() if f is future)

    def close(self) -> None:
        """Every task was taken: disconnect (and stop the cluster of ``local:N``)."""
        self.chunks.clear()
        if self.client is not None:
            self.client.close()
        if self.cluster is not None:
            self.cluster.close()
        self.client = self.cluster = None

    def kill(self) -> None:
        """The run stops: cancel what the workers still have, then disconnect."""
        if self.client is not None and self.chunks:
            try:
                self.client.cancel(list({id(f): f for f in self.chunks.values()}.values()))
            except Exception:  # noqa: BLE001 - the cluster may be gone already; the run stops anyway
                pass
        self.close()
