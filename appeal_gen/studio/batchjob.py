"""A batch run started from the browser: one thread, its progress read by server-sent events.

``run`` is the one adapter to ``batch.run_batch`` (its ``progress``
callback and ``report`` messages today; the batch package's events API
when it lands): everything else in the studio sees only ``Job``.
"""

from __future__ import annotations

import io
import re
import threading
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import AppealGenError


@dataclass
class Job:
    id: str
    spec: Path
    recipients: Path
    outdir: Path
    eml: bool = False
    label: str = "recipients"  #: the list's name as uploaded, shown in place of the studio's copy
    total: int = 0
    done: int = 0
    state: str = "running"  #: running, finished, failed
    problems: list[str] = field(default_factory=list)  #: "FILE:LINE: message" of each bad row, as batch says it
    notes: list[str] = field(default_factory=list)
    summary: str = ""
    started: float = field(default_factory=time.monotonic)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def snapshot(self) -> dict[str, object]:
        with self.lock:
            return {"done": self.done, "total": self.total, "state": self.state, "problems": len(self.problems)}


def run(job: Job) -> None:
    """Run *job* to the end in this thread (the adapter to ``batch.run_batch``)."""
    from ..batch import BatchOptions, run_batch
    from ..batch.events import Event, Message, RowDone, Started

    def listen(event: Event) -> None:
        # The batch's own progress events (batch/events.py), as the CLI's bar has them.
        with job.lock:
            if isinstance(event, Started):
                job.total = event.total
            elif isinstance(event, RowDone):
                job.done += 1
            elif isinstance(event, Message):
                (job.problems if event.level == "error" else job.notes).append(event.text)

    try:
        result = run_batch(
            str(job.spec),
            str(job.recipients),
            job.outdir,
            BatchOptions(eml=job.eml, jobs=1),
            events=listen,
        )
    except AppealGenError as exc:
        with job.lock:
            job.problems.append(exc.format())
            job.state = "failed"
        return
    except Exception as exc:  # noqa: BLE001 - shown to the person waiting, not swallowed
        with job.lock:
            job.problems.append(f"the batch stopped: {exc!r}")
            job.state = "failed"
        return
    with job.lock:
        job.summary = (
            f"{result.rows} rows: {result.ok} letters ({result.reused} reused), {result.failed} failed, "
            f"in {result.seconds:.1f} s"
        )
        job.state = "finished"


def start(job: Job) -> threading.Thread:
    thread = threading.Thread(target=run, args=(job,), name=f"batch-{job.id}", daemon=True)
    thread.start()
    return thread


def zip_outdir(outdir: Path) -> bytes:
    """The batch's letters, combined PDFs and manifests as one zip (appeal-gen's own state files left out)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for path in sorted(outdir.rglob("*")):
            rel = path.relative_to(outdir).as_posix()
            if path.is_file() and not path.is_symlink() and not re.match(r"^\.|.*/\.", rel):
                z.write(path, rel)
    return out.getvalue()
