"""Local worker processes, each fed through a pipe of its own; tasks handed out by language.

concurrent.futures moved every task and every result (120 KB of files)
through two threads of the parent, which took the GIL from the loop that
writes the letters and cost the parent more CPU than it spent on them.
Here the pipeline's loop itself sends and receives (``Workers``).
"""

from __future__ import annotations

import select
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ...spec import Spec
from ..model import BatchOptions, BatchWorkerError, Outcome, Task
from ..worker import LetterRenderer
from .forkserver import fork_server, take_prepared


def serve(conn: Any, spec: Spec, options: BatchOptions, layouts: str, token: str | None = None) -> None:
    """A worker: render each task its pipe brings, in order, until the parent closes the pipe or dies.

    The spec comes parsed, as the parent parsed it: unpickling it takes a
    fraction of a millisecond, parsing the YAML again 40 ms of each worker's
    start. Ctrl-C reaches every process of the terminal's group; the parent
    alone answers it, and stops the workers.
    """
    import signal

    from ...render import pdf

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Laid-out letters shared by this run's workers (render/pdf.py).
    pdf.set_default_context(pdf.PdfContext(layout_dir=Path(layouts)))
    worker = take_prepared(token) or LetterRenderer(spec, options)
    try:
        while True:
            conn.send(worker.render(conn.recv()))
    except (EOFError, OSError):
        pass  # the parent is gone (or done): nothing is left to render for


def pick(
    queued: Sequence[tuple[str, int]],
    pending: Sequence[int],
    langs: Sequence[set[str]],
    cost: Mapping[str, float],
    depth: int,
    small: int,
) -> tuple[int, int] | None:
    """The next task to send, as (worker, its place in *queued*), or None when no worker should take one.

    *queued* holds each waiting task's language and pickled size, in list
    order; *pending*, how many tasks each worker has; *langs*, the languages
    each has rendered; *cost*, how long a language's first letter took.

    A worker's first letter of a language costs it 50-350 ms (the
    language's text, fonts and template; Chinese the most), in every worker
    again. So a worker with room takes the earliest task of a language no
    worker knows yet (someone has to learn it, the sooner the better), else
    the earliest of a language it knows; it learns a language another
    worker knows only when it would otherwise wait, the one that was
    cheapest to learn (one still being learnt, whose worker is laying its
    letter out, only when nothing else is left). A task bigger than *small*
    goes only to an idle worker (see ``Workers``).
    """
    everyone = set().union(*langs)
    for i in sorted(range(len(pending)), key=pending.__getitem__):
        if pending[i] >= depth:
            continue
        idle = pending[i] == 0
        mine = None
        for k, (lang, size) in enumerate(queued):
            if size > small and not idle:
                continue
            if lang not in everyone:
                return i, k
            if mine is None and lang in langs[i]:
                mine = k
        if mine is not None:
            return i, mine
        if idle and queued:
            return i, min(range(len(queued)), key=lambda k: (cost.get(queued[k][0], float("inf")), k))
    return None


class Workers:
    """Worker processes, each fed through a pipe of its own, read by the parent when it is ready.

    Tasks wait in the parent until a worker has room (``DEPTH``: the task it
    renders and the next, so that it never waits for the parent), and are
    handed out by language (``_dispatch``); results wait until the rows
    before theirs are written.

    The workers come from the fork server, which starts from a clean
    interpreter: a worker left over after the parent is killed cannot keep
    the output folder locked, and reads the end of its pipe and exits.

    Neither side can wait on the other forever: a task goes only to a
    worker with room in its pipe for it (a big one, to an idle worker), so
    the parent blocks only waiting for a result of a worker that has work.
    """

    DEPTH = 2
    #: A pickled task up to this size fits in a pipe with ``DEPTH - 1`` others (64 KB at the least).
    SMALL = 16 * 1024

    def __init__(self, jobs: int, spec: Spec, options: BatchOptions, layouts: Path, token: str | None = None) -> None:
        ctx = fork_server()
        self.conns: list[Any] = []
        self.procs: list[Any] = []
        self.pending: list[deque[int]] = []  # each worker's lines, in the order it renders them
        self.done: dict[int, Outcome] = {}
        # One poll object for the whole run: multiprocessing.connection.wait builds a selector on
        # every call. A worker's pipe is readable with a result, or at its end when the worker died.
        self.poll = select.poll()
        self.fds: dict[int, int] = {}  # file descriptor -> worker
        self.queued: deque[tuple[Task, bytes]] = deque()  # not sent yet, in list order, pickled
        self.waiting: deque[tuple[str, int]] = deque()  # the same tasks' languages and sizes, for pick
        self.langs: list[set[str]] = [set() for _ in range(jobs)]  # the languages each worker has rendered
        self.learning: dict[int, tuple[str, float]] = {}  # line -> its language and when it was sent
        self.cost: dict[str, float] = {}  # language -> seconds its first letter took
        self.finished = [0.0] * jobs  # when each worker's last result came
        try:
            for _ in range(jobs):
                mine, theirs = ctx.Pipe()
                proc = ctx.Process(target=serve, args=(theirs, spec, options, str(layouts), token), daemon=True)
                proc.start()
                theirs.close()
                self.poll.register(mine.fileno(), select.POLLIN)
                self.fds[mine.fileno()] = len(self.conns)
                self.conns.append(mine)
                self.procs.append(proc)
                self.pending.append(deque())
        except BaseException:
            self.kill()
            raise

    def submit(self, task: Task) -> None:
        import pickle

        data = pickle.dumps(task, protocol=pickle.HIGHEST_PROTOCOL)
        self.queued.append((task, data))
        self.waiting.append((task.lang, len(data)))
        self._dispatch()

    def ready(self, line: int) -> bool:
        if line not in self.done:
            self._collect(0)
        return line in self.done

    def take(self, line: int) -> Outcome:
        while line not in self.done:
            self._dispatch()
            assert any(self.pending), f"line {line} was never submitted"
            self._collect(None)
        return self.done.pop(line)

    def _dispatch(self) -> None:
        """Send queued tasks to the workers with room for them, as ``pick`` chooses."""
        while self.queued and any(len(p) < self.DEPTH for p in self.pending):
            choice = pick(self.waiting, [len(p) for p in self.pending], self.langs, self.cost, self.DEPTH, self.SMALL)
            if choice is None:
                return
            i, k = choice
            task, data = self.queued[k]
            del self.queued[k]
            del self.waiting[k]
            if task.lang not in self.langs[i]:
                self.langs[i].add(task.lang)
                self.learning[task.line] = (task.lang, time.monotonic())
            self.pending[i].append(task.line)
            try:
                self.conns[i].send_bytes(data)
            except OSError:
                raise self._died(i) from None

    def _collect(self, timeout: float | None) -> None:
        """Receive the results that are there (or, with no *timeout*, wait for at least one)."""
        if not any(self.pending):
            return
        for fd, _event in self.poll.poll(None if timeout is None else timeout * 1000):
            i = self.fds[fd]
            try:
                out: Outcome = self.conns[i].recv()
            except (EOFError, OSError):
                raise self._died(i) from None
            if not self.pending[i]:
                raise self._died(i)  # a result nobody asked for: not a worker of ours any more
            line = self.pending[i].popleft()
            self.done[line] = out
            now = time.monotonic()
            if line in self.learning:
                # The worker began it when it was sent, or when it finished the task before it.
                lang, sent = self.learning.pop(line)
                self.cost.setdefault(lang, now - max(sent, self.finished[i]))
            self.finished[i] = now
        self._dispatch()

    def _died(self, i: int) -> BatchWorkerError:
        proc = self.procs[i]
        proc.join(5)
        code = proc.exitcode
        how = f"was killed by signal {-code}" if code is not None and code < 0 else f"stopped (exit code {code})"
        doing = f"while rendering line {self.pending[i][0]}" if self.pending[i] else "between letters"
        return BatchWorkerError(
            f"a worker process {how} {doing}; the letters written so far are kept: rerun the same command to finish"
        )

    def close(self) -> None:
        """Every task is done: the workers read the end of their pipes and exit."""
        for conn in self.conns:
            conn.close()
        for proc in self.procs:
            proc.join()

    def kill(self) -> None:
        for proc in self.procs:
            proc.kill()
        for conn in self.conns:
            conn.close()
        for proc in self.procs:
            proc.join()


class LocalBackend:
    """The ``backend.Backend`` of ``--jobs N`` (N > 1): ``Workers``, started when the first task comes.

    Not before: a rerun that reuses every letter starts no process. *token*
    gives the run's ``forkserver.warm_token``, computed then too.
    """

    def __init__(
        self,
        jobs: int,
        spec: Spec,
        options: BatchOptions,
        layouts: Path,
        token: Callable[[], str | None],
        capacity: int,
    ) -> None:
        self.jobs = jobs
        self.spec = spec
        self.options = options
        self.layouts = layouts
        self.token = token
        self.capacity = capacity
        self.workers: Workers | None = None

    def submit(self, task: Task) -> None:
        if self.workers is None:
            self.workers = Workers(self.jobs, self.spec, self.options, self.layouts, self.token())
        self.workers.submit(task)

    def ready(self, line: int) -> bool:
        return self.workers is not None and self.workers.ready(line)

    def take(self, line: int) -> Outcome:
        assert self.workers is not None, f"line {line} was never submitted"
        return self.workers.take(line)

    def close(self) -> None:
        if self.workers is not None:
            self.workers.close()

    def kill(self) -> None:
        if self.workers is not None:
            self.workers.kill()
