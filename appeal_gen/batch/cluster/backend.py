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
from ...mailheaders import shown
from ...spec import Spec
from ..model import BatchOptions, BatchWorkerError, Outcome, Task
from .identity import differences, digest, identity, look
from .tasks import Chunk, Run, render_chunk, worker_identity

#: Rows per Dask task.
CHUNK = 8
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
    raise ClusterError(
        f"--cluster: expected tcp://HOST:PORT, tls://HOST:PORT or local:N (N >= 1), not '{shown(address)}'"
    )


def dask() -> Any:
    """The ``distributed`` module, or a ``ClusterError`` saying how to install it (it is an optional extra)."""
    try:
        import distributed
    except ImportError:
        raise ClusterError("--cluster needs Dask, which is not installed: pip install 'appeal-gen[cluster]'") from None
    return distributed


class Cluster:
    """A connection to a Dask cluster (``--cluster ADDRESS``), its workers checked; the ``run_batch(backend=...)``.

    Connected before the run touches OUTDIR (``with Cluster(address) as
    cluster: run_batch(..., backend=cluster)``), so that a cluster that
    cannot be used is an error with nothing written. ``local:N`` starts a
    LocalCluster of N worker processes (one thread each) for this run.
    """

    def __init__(self, address: str) -> None:
        check_address(address)
        self.address = address
        self.client: Any = None
        self.local: Any = None  # the LocalCluster of local:N
        self.scratch: Any = None  # its workers' scratch folder
        self.mine = identity()
        self.expected = digest(self.mine)
        self.threads = 0

    def __enter__(self) -> Cluster:
        distributed = dask()
        m = LOCAL.fullmatch(self.address)
        try:
            if m:
                import logging
                import tempfile

                # The scheduler's and workers' scratch folder (Dask's default: one shared in /tmp); removed at the end.
                self.scratch = tempfile.TemporaryDirectory(prefix="appeal-gen-dask-")
                self.local = distributed.LocalCluster(
                    local_directory=self.scratch.name,
                    scheduler_kwargs={"local_directory": self.scratch.name},
                    n_workers=int(m.group(1)),
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=":0",
                    silence_logs=logging.ERROR,
                )
                self.client = distributed.Client(self.local, set_as_default=False)
            else:
                self.client = distributed.Client(self.address, timeout=CONNECT_TIMEOUT, set_as_default=False)
            self.client.wait_for_workers(1, timeout=CONNECT_TIMEOUT)
            self.check(self.client.run(worker_identity, on_error="return"))
            self.threads = sum(w["nthreads"] for w in self.client.scheduler_info()["workers"].values())
        except (OSError, TimeoutError) as exc:
            self.close()
            raise ClusterError(f"--cluster {self.address}: {exc}") from None
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Disconnect (and stop the cluster of ``local:N``)."""
        if self.client is not None:
            self.client.close()
        if self.local is not None:
            self.local.close()
        if self.scratch is not None:
            self.scratch.cleanup()
        self.client = self.local = self.scratch = None

    def __call__(self, spec: Spec, options: BatchOptions) -> ClusterBackend:
        assert self.client is not None, "use the cluster inside 'with'"
        return ClusterBackend(self, spec, options)

    def check(self, workers: dict[str, dict[str, str] | BaseException], mine: dict[str, str] | None = None) -> None:
        """Refuse the first worker (by address) whose ``identity`` is not this machine's (*mine*: with a run's
        theme files, ``look``), or that cannot tell it.

        A worker without appeal-gen, or with a version too old to have this
        module, cannot even run the handshake: that is a difference too.
        """
        for address, theirs in sorted(workers.items()):
            if isinstance(theirs, BaseException):
                raise ClusterError(
                    f"--cluster {self.address}: worker {address} cannot run appeal-gen's tasks "
                    f"({type(theirs).__name__}: {theirs}); "
                    "install the same appeal-gen on every worker (docs/cluster.md)"
                )
            diff = differences(self.mine if mine is None else mine, theirs)
            if diff:
                raise ClusterError(
                    f"--cluster {self.address}: worker {address} would write other bytes than this machine: {diff}; "
                    "install the same appeal-gen, libraries and fonts on every worker (docs/cluster.md)"
                )


def look_files(options: BatchOptions) -> tuple[str, ...]:
    """Digests of the theme (with its logo) and the stationery files a run's options name."""
    out: list[str] = []
    if options.theme:
        from ...theme import theme_digest

        out.append(theme_digest(options.theme))
    if options.stationery:
        from ...render.stationery import stationery_files

        out.extend(hashlib.sha256(path.read_bytes()).hexdigest() for path in stationery_files(options.stationery))
    return tuple(out)


class ClusterBackend:
    """The ``backend.Backend`` of one run on a ``Cluster``: the run's spec and options go to the workers once."""

    def __init__(self, cluster: Cluster, spec: Spec, options: BatchOptions) -> None:
        self.cluster = cluster
        self.client = cluster.client
        # The theme's and stationery's contents too (issue 21): a worker keeps a run's renderer, and
        # one made with an earlier version of those files must not serve a run with the new one.
        files = look_files(options)
        self.run = Run(hashlib.sha256(pickle.dumps((spec, options, files))).hexdigest(), spec, options)
        #: This machine's identity with the run's theme files (its fonts): what every chunk's must be.
        self.mine = {**cluster.mine, **look(options.theme)}
        self.expected = digest(self.mine)
        # Its tasks' keys: unique on a scheduler that several clients share.
        self.name = f"appeal-gen-{self.run.key[:12]}-{uuid.uuid4().hex[:12]}"
        self.capacity = max(cluster.threads * PER_THREAD, 2 * CHUNK)
        self.shared: Any = None  # the Run, on every worker (sent with the first task)
        self.batch: list[Task] = []  # submitted, not sent yet
        self.chunks: dict[int, Any] = {}  # line -> the future of its chunk
        self.done: dict[int, Outcome] = {}

    def submit(self, task: Task) -> None:
        self.batch.append(task)
        if len(self.batch) >= CHUNK:
            self._send()

    def _send(self) -> None:
        if not self.batch:
            return
        if self.shared is None:
            if self.run.options.theme:
                # Every worker reads the theme from its own disk: checked before its first letter
                # (here, not when the backend is made: the run's files are open by then, closed on errors).
                theme = self.run.options.theme
                self.cluster.check(self.client.run(worker_identity, theme, on_error="return"), self.mine)
            self.shared = self.client.scatter(self.run, broadcast=True, hash=False)
        tasks = pickle.dumps(self.batch, protocol=pickle.HIGHEST_PROTOCOL)
        future = self.client.submit(
            render_chunk, self.shared, tasks, key=f"{self.name}-{self.batch[0].line}", pure=False
        )
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
            why = str(exc).split(". ")[0]  # Dask's messages go on with advice for its own users
            raise BatchWorkerError(
                f"the cluster lost the task of line {self._first(future)} ({type(exc).__name__}: {why}); "
                "the letters written so far are kept: rerun the same command to finish"
            ) from None
        if chunk.identity != self.expected:
            theme = self.run.options.theme
            self.cluster.check(
                self.client.run(worker_identity, theme, workers=[chunk.worker], on_error="return"), self.mine
            )
        outcomes: list[Outcome] = pickle.loads(chunk.outcomes)
        for out in outcomes:
            self.done[out.line] = out
            del self.chunks[out.line]

    def _first(self, future: Any) -> int:
        return min(line for line, f in self.chunks.items() if f is future)

    def close(self) -> None:
        """Every task was taken: the workers may forget the run's spec (they keep its renderer)."""
        self.chunks.clear()
        if self.shared is not None:
            self.shared.release()
            self.shared = None

    def kill(self) -> None:
        """The run stops: cancel what the workers still have."""
        if self.chunks:
            try:
                self.client.cancel(list({id(f): f for f in self.chunks.values()}.values()))
            except Exception:  # noqa: BLE001 - the cluster may be gone already; the run stops anyway
                pass
        self.batch = []
        self.close()
