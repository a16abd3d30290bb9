"""What the batch modules pass each other: options, a row's task and outcome, the run's result.

Plain data, importable by every module of the package (and picklable: tasks
and outcomes cross process boundaries), so that planning, the workers, the
backends and the sink share types without importing one another.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..document import Correspondent
from ..errors import AppealGenError

#: The folder of appeal-gen's own files in OUTDIR: the lock, the journal, the workers' shared layouts.
STATE_DIR = ".appeal-gen"
LETTERS_DIR = "letters"
COMBINED_DIR = "combined"


class BatchLockedError(AppealGenError):
    """Another batch is writing to the same output folder."""


class BatchWorkerError(AppealGenError):
    """A worker process died (killed, out of memory): the run stops; a rerun resumes it."""


@dataclass(frozen=True)
class BatchOptions:
    formats: tuple[str, ...] = ("pdf", "docx")
    eml: bool = False
    allow_fallback: bool = False
    template: str | None = None
    #: The theme file (theme.py): ``--theme``, or the spec's, resolved by ``run_batch`` before anything starts.
    theme: str | None = None
    #: ``--stationery``: FILE.pdf or FIRST.pdf,REST.pdf under the PDFs' pages (render/stationery.py).
    stationery: str | None = None
    pdf_standard: str | None = None  #: --pdf-standard ("pdfa-2b"), or None
    jobs: int = 0  # 0: one per CPU
    delimiter: str | None = None
    encoding: str = "utf-8"
    header_row: int | None = None  #: the list's header line (--header-row); None: found (recipients.open_list)
    allow_stale: bool = False  #: print stale translations (staleness.py), noted on each row
    sender: str | None = None  #: the drafts' From (--from), instead of the spec's issuer's address
    reply_to: str | None = None  #: the drafts' Reply-To (--reply-to)
    #: A row's kind of letter when its ``letter`` cell is empty (letters.KIND_CHOICES).
    letter_kind: str = "auto"
    #: "preferred": a supporter's letter to the appeal's authority in its preferred language (languages.py).
    letter_language: str = "row"
    #: --fallback: the languages a row's letter falls back to, in place of the default chain's end.
    fallback: tuple[str, ...] = ()


@dataclass(frozen=True)
class Task:
    """One row ready to render: everything a worker needs, and picklable."""

    line: int
    stem: str
    lang: str
    who: Correspondent
    email: str
    fingerprint: str = ""


@dataclass
class Outcome:
    """What became of one row: file bytes (or hashes of reused files), or an error."""

    line: int
    stem: str = ""
    lang: str = ""
    files: dict[str, bytes] = field(default_factory=dict)
    error: str | None = None
    column: str | None = None
    warnings: list[str] = field(default_factory=list)
    fingerprint: str = ""
    #: For a row reused from an earlier run: format -> [path, sha256].
    reused: dict[str, list[str]] | None = None


@dataclass
class BatchResult:
    rows: int = 0
    ok: int = 0
    failed: int = 0
    reused: int = 0
    removed: int = 0
    combined: dict[str, Path] = field(default_factory=dict)
    #: Combined PDFs not made because a file appeal-gen did not write (or that changed) has their name.
    kept: list[str] = field(default_factory=list)
    manifest: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: Rows of the list that are no recipient (a "Total" footer): {"line", "message"}, in manifest.json.
    skipped: list[dict[str, object]] = field(default_factory=list)
    seconds: float = 0.0
