"""The pipeline: rows in, files and manifest out, whatever backend renders the letters.

The parent process alone touches OUTDIR. It streams the rows, plans each
one (``planning``), submits those to render to a ``backend.Backend`` and
keeps a bounded window of rows in flight, writes each letter as it finishes
in list order (``sink``), appends it to the journal (``state``) and to the
manifest (``manifest``), and at the end puts the combined PDFs and the
manifest in place. What happens is told through ``events``.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path

from ..document import Correspondent
from ..errors import UsageError
from ..mailheaders import shown
from ..output import OutputError, safe_path
from ..recipients import RecipientList, Row, open_list
from ..spec import Spec, parse_spec
from .backend import Backend, InlineBackend
from .events import Finished, Listener, Message, RowDone, Started, ignore
from .manifest import Manifest
from .model import LETTERS_DIR, STATE_DIR, BatchOptions, BatchResult, Outcome
from .planning import Planner, display_name
from .sink import Sink
from .state import JOURNAL, Journal, Lock, check_outdir, clean_temporaries, read_journal
from .worker import ATTACHED, LetterRenderer

#: Rows read ahead of the one being written, per worker: room for a worker to take the tasks of
#: languages it knows while another lays out its first letter of a language (results held for
#: writing in list order: about 4 MB per worker).
WINDOW = 32

#: Makes the backend of a run from its parsed spec and options (``run_batch(backend=...)``).
BackendFactory = Callable[[Spec, BatchOptions], Backend]


def run_batch(
    spec_path: str,
    list_path: str,
    outdir: Path,
    options: BatchOptions,
    *,
    events: Listener | None = None,
    backend: BackendFactory | None = None,
) -> BatchResult:
    """Render one letter per row into *outdir*, telling *events* what happens (``events``); see docs/batch.md.

    *backend* makes where the letters are rendered (``backend.Backend``);
    by default inline for ``--jobs 1``, else local worker processes.
    """
    from .. import _yaml

    start = time.monotonic()
    if options.eml and ATTACHED not in options.formats:
        raise UsageError(f"--eml attaches each letter's PDF: add {ATTACHED} to --format")
    spec_text = _yaml.read_spec_text(spec_path)
    options = _with_theme(spec_text, spec_path, options)
    if backend is None and (options.jobs or cpus()) > 1:
        from . import local

        local.start(spec_text, spec_path, options)
    listener = events or ignore
    result = _run_batch(spec_path, spec_text, list_path, outdir, options, listener, backend)
    result.seconds = time.monotonic() - start
    listener(Finished(result))
    return result


def _with_theme(spec_text: str, spec_path: str, options: BatchOptions) -> BatchOptions:
    """*options* naming the run's theme file (``--theme``, else the spec's), read and checked once here.

    Before the workers start: a bad theme is one exit-2 error, not a failed
    row per letter, and the fingerprints of finished letters hold the theme
    the workers will use.
    """
    from ..render.stationery import load_stationery
    from ..theme import DEFAULT_PAGE, load_theme, theme_path

    path = None
    if options.theme is not None or "theme" in spec_text:  # no spec parse for the usual run without a theme
        path = theme_path(parse_spec(spec_text, spec_path), options.theme)
    theme = load_theme(path) if path is not None else None
    if options.stationery:
        load_stationery(options.stationery).check_size(theme.page_size if theme else DEFAULT_PAGE)
    return options if path is None else dataclasses.replace(options, theme=path)


def _run_batch(
    spec_path: str,
    spec_text: str,
    list_path: str,
    outdir: Path,
    options: BatchOptions,
    listener: Listener,
    backend: BackendFactory | None,
) -> BatchResult:
    spec = parse_spec(spec_text, spec_path)
    if options.eml:
        from ..mail import check_spec

        check_spec(spec)
    lst = open_list(list_path, delimiter=options.delimiter, encoding=options.encoding, header_row=options.header_row)
    _check_templates(spec, options)
    result = BatchResult(warnings=list(lst.warnings))
    run = _Run(spec, spec_text, lst, outdir, options, listener, result, backend)
    for note in lst.notes:
        run.say(f"note: {note}")
    for w in lst.warnings:
        run.say(f"warning: {w}")

    check_outdir(outdir)
    with Lock(outdir):
        run.open()
        clean_temporaries(outdir)
        try:
            run.execute()
        except OSError as exc:
            # Writing the manifest, the journal or a combined PDF failed (a
            # full disk): one line, naming the file where the error knows it; temporaries are gone.
            raise OutputError.from_os(exc, str(outdir)) from None
    return result


def _skipped(run: _Run, row: Row) -> None:
    assert row.skip is not None
    run.result.skipped.append({"line": row.line, "message": row.skip})
    run.say(f"note: {run.lst.path}:{row.line}: {row.skip}")


def _check_templates(spec: Spec, options: BatchOptions) -> None:
    """A DOCX template without the recipient block would drop every address silently."""
    if "docx" not in options.formats:
        return
    from .. import ooxml, sandbox
    from ..render.docx import check_template_source, default_template

    paths = {Path(options.template)} if options.template else {default_template(x) for x in spec.content_languages()}
    for path in sorted(paths):
        # Zip limits, DOCTYPEs, external relationships and field codes, before anything is inflated.
        sandbox.check_template_file(path)
        with ooxml.open_package(path, str(path)) as z:
            body = z.read("word/document.xml")
        if b"recipient" not in body:
            raise UsageError(
                "this template has no recipient block, so letters would print without their address, "
                "salutation and signature; add the recipient tags described in docs/batch.md",
                file=str(path),
            )
        check_template_source(path)


def cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def make_backend(run: _Run, layouts: Path) -> Backend:
    """Inline for ``--jobs 1``, else the local process pool (its workers share *layouts*)."""
    jobs = run.options.jobs or cpus()
    if jobs == 1:
        return InlineBackend(LetterRenderer(run.spec, run.options), capacity=WINDOW)
    from .local import LocalBackend
    from .local.forkserver import warm_languages, warm_token

    def token() -> str:
        languages = warm_languages(run.spec)
        return warm_token(run.spec_text, run.spec.path, run.options, languages, run.planner.environment)

    return LocalBackend(jobs, run.spec, run.options, layouts, token, capacity=jobs * WINDOW)


def language_note(planner: Planner, say: Callable[[str], None], path: str, line: int) -> str:
    """The manifest's note on the language of a row's letter when it is not the row's own, also said on stderr.

    Never silent: a letter written down the fallback chain (batch/languages.py) says so where the user looks.
    """
    note = planner.notes.pop(line, "")
    if note:
        say(shown(f"note: {path}:{line}: {note}"))
    return note


def _row_message(row: Row, *more: str | None) -> str:
    """A row's manifest ``message``: its warnings, how its cells were read (``Row.notes``), then *more*."""
    return "; ".join(filter(None, (*row.warnings, *row.notes, *more)))


def _say_row(run: _Run, row: Row) -> None:
    """A row's warnings on stderr; a note on how its cells were read once a run (an export repeats it on every row)."""
    if row.warnings:
        run.say(f"warning: {run.lst.path}:{row.line}: {'; '.join(row.warnings)}")
    for n in row.notes:
        if n not in run.seen_warnings:
            run.seen_warnings.add(n)
            run.say(f"note: {run.lst.path}:{row.line}: {n} (and on every such row; see manifest.json)")


class _Run:
    """One run inside its lock: the loop of rows through the backend, and each finished row's record."""

    def __init__(
        self,
        spec: Spec,
        spec_text: str,
        lst: RecipientList,
        outdir: Path,
        options: BatchOptions,
        listener: Listener,
        result: BatchResult,
        backend: BackendFactory | None = None,
    ) -> None:
        self.spec = spec
        self.spec_text = spec_text
        self.lst = lst
        self.outdir = outdir
        self.options = options
        self.listener = listener
        self.result = result
        self.backend = backend
        self.seen_warnings: set[str] = set()

    def say(self, text: str) -> None:
        """A line for the listener, as the CLI prints it; its level is the line's prefix (a row's error has none)."""
        level = "warning" if text.startswith("warning: ") else "note" if text.startswith("note: ") else "error"
        self.listener(Message(text, level))

    def open(self) -> None:
        """Read what the last run left (inside the lock): its journal decides what is reused and what is ours."""
        journal = read_journal(self.outdir)
        if journal.ignored:
            message = (
                f"{safe_path(self.outdir, STATE_DIR, JOURNAL)}: ignored {journal.ignored} journal entr"
                f"{'y' if journal.ignored == 1 else 'ies'} naming a file appeal-gen does not write there"
            )
            self.result.warnings.append(message)
            self.say(f"warning: {message}")
        self.planner = Planner(self.spec, self.spec_text, self.outdir, self.options, journal.entries, self.say)
        self.sink = Sink(self.outdir, self.spec, journal, self.say, pdf_standard=self.options.pdf_standard)

    def execute(self) -> None:
        safe_path(self.outdir, LETTERS_DIR, make_folders=False).mkdir(exist_ok=True)
        manifest = Manifest(self.outdir, self.spec.path, self.lst.path)
        try:
            journal = Journal(safe_path(self.outdir, STATE_DIR, JOURNAL))
        except BaseException:
            manifest.discard()
            raise
        window: deque[Outcome | int] = deque()  # in list order: an outcome, or the line a backend renders
        rows: dict[int, tuple[Row, str]] = {}  # line -> the row and the name the manifest shows
        # Laid-out letters shared by this run's workers (render/pdf.py); only
        # this run's, so fonts or code changed since never reach a letter.
        layouts = safe_path(self.outdir, STATE_DIR, "layouts", make_folders=False)
        # Starts nothing yet: the pool starts with its first task.
        backend = self.backend(self.spec, self.options) if self.backend else make_backend(self, layouts)
        shutil.rmtree(layouts, ignore_errors=True)
        layouts.mkdir(parents=True, exist_ok=True)
        try:
            self.listener(Started(self.lst.count()))

            def take(item: Outcome | int) -> Outcome:
                return item if isinstance(item, Outcome) else backend.take(item)

            for row in self.lst.rows():
                if row.skip:  # a "Total" row: no letter, no error; said, and listed in manifest.json
                    _skipped(self, row)
                    continue
                who = Correspondent() if row.error else row.correspondent()
                prepared = self.planner.prepare(row, who)
                rows[row.line] = (row, display_name(who))
                if isinstance(prepared, Outcome):
                    window.append(prepared)
                else:
                    backend.submit(prepared)
                    window.append(prepared.line)
                while window and (
                    len(window) >= backend.capacity or isinstance(window[0], Outcome) or backend.ready(window[0])
                ):
                    out = take(window.popleft())
                    self.finish(out, *rows.pop(out.line), manifest, journal)
            while window:
                out = take(window.popleft())
                self.finish(out, *rows.pop(out.line), manifest, journal)
            backend.close()
        except BaseException:
            backend.kill()
            self._discard(manifest, journal)
            raise
        finally:
            shutil.rmtree(layouts, ignore_errors=True)
        try:
            self.sink.combine(manifest, journal, self.result)
            self.sink.remove_stale(self.result)
            self.result.manifest = manifest.commit(self.result)
            journal.compact()
        except BaseException:
            # A full disk at the very end: no temporary file stays behind either.
            self._discard(manifest, journal)
            raise

    def _discard(self, manifest: Manifest, journal: Journal) -> None:
        manifest.discard()
        journal.close()
        self.sink.discard()

    def finish(self, out: Outcome, row: Row, name: str, manifest: Manifest, journal: Journal) -> None:
        res = self.result
        res.rows += 1
        note = language_note(self.planner, self.say, self.lst.path, row.line)
        record = {
            "line": row.line,
            "id": row.get("id"),
            "name": name,
            # As the row asked for it, also when the row failed before rendering.
            "language": out.lang or row.get("language"),
            "status": "ok",
            "message": _row_message(row, note, self.planner.stale_notes.get(out.lang)),
            "files": {},
        }
        for w in out.warnings:
            if w not in self.seen_warnings:
                self.seen_warnings.add(w)
                res.warnings.append(f"{out.lang}: {w}")
                self.say(f"warning: {out.lang}: {w}")
        _say_row(self, row)
        files = out.reused
        if out.error is None and files is None:
            files = self.sink.write(out)
        elif files is not None:
            res.reused += 1
        if files is not None:
            journal.append({"stem": out.stem, "fingerprint": out.fingerprint, "files": files})
        if out.error is not None:
            res.failed += 1
            record["status"] = "error"
            record["message"] = out.error
            where = f"{out.column}: " if out.column else ""
            # One line per row whatever the message quotes (manifest.json keeps the message as it is).
            self.say(shown(f"{self.lst.path}:{row.line}: {where}{out.error}"))
        else:
            assert files is not None
            res.ok += 1
            record["files"] = {fmt: {"path": rel, "sha256": digest} for fmt, (rel, digest) in files.items()}
            self.sink.done(out, files, name)
        manifest.add(record)
        status = "error" if out.error is not None else "ok" if out.reused is None else "reused"
        self.listener(RowDone(row.line, status))
