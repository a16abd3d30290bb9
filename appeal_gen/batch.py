"""Batch: one personalised letter per row of a recipient list, resumable.

The unit of work is ``LetterRenderer.render``: one prepared row in, the
bytes of its files and its warnings out, with no file system access. Each
worker process builds one renderer (spec parsed, each language's letter
resolved, fonts registered, once) and then only renders, so the same unit
could run on a distributed engine. The parent process alone touches
OUTDIR: it streams the rows, keeps a bounded window of rows in flight,
writes each letter atomically as it finishes (in list order), appends it to
a journal and to its language's combined PDF (``combine``, streamed to a
temporary file), and at the end renames the combined PDFs and the manifest
into place.

Resuming: the journal (``OUTDIR/.appeal-gen/journal.jsonl``) records each
finished row's fingerprint (spec, row, options, catalogs, template and code)
and the sha256 of each file. A rerun reuses a row only when its fingerprint
matches and every file on disk still has the recorded hash; anything else is
rendered again. Files are renamed into place before the journal names them,
so a kill at any moment leaves at worst a letter that is rendered again and
a temporary ``.part`` file that the next run removes. A lock
(``fcntl.flock``) keeps a second run out of the same OUTDIR.
"""

from __future__ import annotations

import csv
import fcntl
import hashlib
import json
import os
import re
import select
import shutil
import stat
import sys
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from . import __version__
from .combine import CombinedPdf
from .document import Correspondent, Letter, build_letter, personalise
from .errors import AppealGenError, UsageError
from .filenames import Namer
from .locale import LocaleInfo, catalog_path, fallback_chain
from .mailheaders import check_addr_spec, shown
from .output import OutputError, UnsafeOutputError, safe_path, write_all
from .recipients import RecipientList, Row, canonical_language, open_list
from .spec import Spec, parse_spec

STATE_DIR = ".appeal-gen"
#: Rows read ahead of the one being written, per worker: room for a worker to take the tasks of
#: languages it knows while another lays out its first letter of a language (results held for
#: writing in list order: about 4 MB per worker).
WINDOW = 32
LETTERS_DIR = "letters"
COMBINED_DIR = "combined"
#: The manifest columns, in order (docs/batch.md).
MANIFEST_COLUMNS = (
    "line",
    "id",
    "name",
    "language",
    "status",
    "message",
    "pdf",
    "pdf_sha256",
    "docx",
    "docx_sha256",
    "eml",
    "eml_sha256",
)
EMAIL = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;]+$")


class BatchLockedError(AppealGenError):
    """Another batch is writing to the same output folder."""


@dataclass(frozen=True)
class BatchOptions:
    formats: tuple[str, ...] = ("pdf", "docx")
    eml: bool = False
    allow_fallback: bool = False
    template: str | None = None
    jobs: int = 0  # 0: one per CPU
    delimiter: str | None = None
    encoding: str = "utf-8"
    allow_stale: bool = False  #: print stale translations (staleness.py), noted on each row


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
    seconds: float = 0.0


# --------------------------------------------------------------------------
# The unit of work


class LetterRenderer:
    """Everything one process needs to render letters, loaded once."""

    def __init__(self, spec: Spec, options: BatchOptions) -> None:
        self.spec = spec
        self.options = options
        self._letters: dict[str, tuple[LocaleInfo, Letter]] = {}
        #: DOCX templates compiled once per language (render.docx.CompiledTemplate).
        self._templates: dict[str, Any] = {}

    def base(self, lang: str) -> tuple[LocaleInfo, Letter]:
        if lang not in self._letters:
            loc = LocaleInfo(lang)
            self._letters[lang] = (loc, build_letter(self.spec, loc, allow_fallback=self.options.allow_fallback))
        return self._letters[lang]

    def render(self, task: Task) -> Outcome:
        """One row's files as bytes; errors become the row's error, never raise."""
        out = Outcome(task.line, task.stem, task.lang, fingerprint=task.fingerprint)
        try:
            loc, base = self.base(task.lang)
            letter = personalise(base, self.spec, loc, task.who)
            out.warnings = list(letter.warnings)
            pdf = None
            for fmt in self.options.formats:
                if fmt == "pdf":
                    from .render.pdf import render_pdf

                    pdf = out.files["pdf"] = render_pdf(letter)
                else:
                    out.files["docx"] = self._docx(letter)
            if self.options.eml and task.email and pdf is not None:
                from .mail import draft

                sender = next((i.email for i in self.spec.issuers if i.email), None)
                out.files["eml"] = draft(
                    letter,
                    to=task.email,
                    sender=sender,
                    date=self.spec.date,
                    attachment=pdf,
                    filename=f"{task.stem}.{task.lang}.pdf",
                )
        except AppealGenError as exc:
            out.files = {}
            out.error, out.column = _row_message(exc, self.spec)
        except Exception as exc:  # noqa: BLE001 - one row's failure must not stop thousands of others
            out.files = {}
            out.error = f"internal error, please report it: {type(exc).__name__}: {exc}"
        return out

    def prepare(self, lang: str) -> None:
        """Everything a letter in *lang* needs but its recipient: the letter, its fonts, its DOCX template."""
        _, base = self.base(lang)
        if "pdf" in self.options.formats:
            from .render.pdf import register_fonts

            register_fonts(base)
        if "docx" in self.options.formats:
            self._template(base)

    def _template(self, letter: Letter) -> Any:
        from .render.docx import CompiledTemplate, default_template

        compiled = self._templates.get(letter.lang)
        if compiled is None:
            path = Path(self.options.template) if self.options.template else default_template(letter.lang)
            compiled = self._templates[letter.lang] = CompiledTemplate(path, letter)
        return compiled

    def _docx(self, letter: Letter) -> bytes:
        from .render.docx import DocxOptions

        compiled = self._template(letter)
        return bytes(compiled.render(letter, DocxOptions(template=compiled.path, date=self.spec.date)))


def _row_message(exc: AppealGenError, spec: Spec) -> tuple[str, str | None]:
    if exc.field and exc.field.startswith("row."):
        return exc.message, exc.field[4:]
    if exc.file is None and exc.field:
        exc.file = spec.path
        exc.line, exc.column = spec.locate(exc.field)
    return exc.format(), None


_WORKER: LetterRenderer | None = None


def _init_worker(spec: Spec, options: BatchOptions, layouts: str | None = None, token: str | None = None) -> None:
    global _WORKER
    if layouts is not None:
        from .render import pdf

        pdf.set_default_context(pdf.PdfContext(layout_dir=Path(layouts)))
    _WORKER = _take_prepared(token) or LetterRenderer(spec, options)


def _take_prepared(token: str | None) -> LetterRenderer | None:
    """The renderer the fork server prepared (``_warmup``), if it was made for this run."""
    warm = sys.modules.get("appeal_gen._warmup")
    ready = getattr(warm, "READY", None)
    if token is None or ready is None or ready[0] != token:
        return None
    renderer: LetterRenderer = ready[1]
    return renderer


#: Holds what the fork server is to prepare (``_request_warmup``; read by ``_warmup``).
WARMUP_ENV = "APPEAL_GEN_WARMUP"


def _warm_token(
    spec_text: str,
    spec_path: str,
    options: BatchOptions,
    languages: tuple[str, ...],
    environment: Callable[[str], str] | None = None,
) -> str:
    """What a prepared renderer was made from: spec, options, and each language's catalogs, template and code.

    *environment* gives a language's ``_environment_hash``; the parent passes
    the one its fingerprints already computed, rather than read every
    catalog and template again.
    """
    h = hashlib.sha256(f"{spec_path}\0{languages}\0".encode())
    for lang in languages:
        h.update((environment(lang) if environment else _environment_hash(spec_text, lang, options)).encode())
    return h.hexdigest()


def _warm_languages(spec: Spec) -> tuple[str, ...]:
    """The languages the fork server prepares: the appeal's, which a campaign's rows mostly ask for."""
    return spec.content_languages()


#: The largest request passed to the fork server (its environment holds at most 128 KB a variable).
WARMUP_MAX = 100_000


def _request_warmup(spec_text: str, spec_path: str, options: BatchOptions) -> str | None:
    """What the fork server, about to start, is to prepare (``_warmup``): spec and options, packed.

    It travels in the fork server's environment, so that nothing is written
    anywhere (a run killed with kill -9 leaves nothing behind). A spec too
    big for that is not prepared in advance: its workers prepare themselves.
    """
    import base64
    import pickle
    import zlib

    request = pickle.dumps({"spec_text": spec_text, "spec_path": spec_path, "options": options})
    packed = base64.b64encode(zlib.compress(request, 6)).decode("ascii")
    return packed if len(packed) <= WARMUP_MAX else None


def _serve(conn: Any, spec: Spec, options: BatchOptions, layouts: str, token: str | None = None) -> None:
    """A worker: render each task its pipe brings, in order, until the parent closes the pipe or dies.

    The spec comes parsed, as the parent parsed it: unpickling it takes a
    fraction of a millisecond, parsing the YAML again 40 ms of each worker's
    start. Ctrl-C reaches every process of the terminal's group; the parent
    alone answers it, and stops the workers.
    """
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _init_worker(spec, options, layouts, token)
    assert _WORKER is not None
    try:
        while True:
            conn.send(_WORKER.render(conn.recv()))
    except (EOFError, OSError):
        pass  # the parent is gone (or done): nothing is left to render for


# --------------------------------------------------------------------------
# The parent: rows in, files and manifest out


def run_batch(
    spec_path: str,
    list_path: str,
    outdir: Path,
    options: BatchOptions,
    *,
    report: Callable[[str], None] | None = None,
    progress: Callable[[int], Progress] | None = None,
) -> BatchResult:
    """Render one letter per row into *outdir*; see the module docstring."""
    from . import _yaml

    start = time.monotonic()
    if options.eml and "pdf" not in options.formats:
        raise UsageError("--eml attaches each letter's PDF: add pdf to --format")
    spec_text = _yaml.read_spec_text(spec_path)
    warmup = None
    if (options.jobs or _cpus()) > 1:
        warmup = _request_warmup(spec_text, spec_path, options)
        _fork_server(warmup)
    return _run_batch(spec_path, spec_text, list_path, outdir, options, start, report, progress)


def _run_batch(
    spec_path: str,
    spec_text: str,
    list_path: str,
    outdir: Path,
    options: BatchOptions,
    start: float,
    report: Callable[[str], None] | None,
    progress: Callable[[int], Progress] | None,
) -> BatchResult:
    spec = parse_spec(spec_text, spec_path)
    if options.eml:
        from .mail import check_spec

        check_spec(spec)
    lst = open_list(list_path, delimiter=options.delimiter, encoding=options.encoding)
    _check_templates(spec, options)
    report = report or (lambda _msg: None)
    result = BatchResult(warnings=list(lst.warnings))
    for w in lst.warnings:
        report(f"warning: {w}")

    _check_outdir(outdir)
    with _locked(outdir):
        run = _Run(spec, spec_text, lst, outdir, options, report, result)
        run.clean_temporaries()
        try:
            run.execute(progress or (lambda total: Progress(total, sys.stderr, enabled=False)))
        except OSError as exc:
            # Writing the manifest, the journal or a combined PDF failed (a
            # full disk): one line, naming the file where the error knows it; temporaries are gone.
            raise OutputError.from_os(exc, str(outdir)) from None
    result.seconds = time.monotonic() - start
    return result


class _Run:
    def __init__(
        self,
        spec: Spec,
        spec_text: str,
        lst: RecipientList,
        outdir: Path,
        options: BatchOptions,
        report: Callable[[str], None],
        result: BatchResult,
    ) -> None:
        self.spec = spec
        self.spec_text = spec_text
        self.lst = lst
        self.outdir = outdir
        self.options = options
        self.report = report
        self.result = result
        self.namer = Namer()
        self.ids: dict[str, int] = {}
        self.langs: dict[str, str | None] = {}  # language -> why it cannot be built (None: fine)
        self.stale_notes: dict[str, str] = {}  # language -> manifest note of its stale fields (--allow-stale)
        self.fingerprints: dict[str, str] = {}
        self.journal_old, self.owned, ignored, self.journal_marked = _read_journal(outdir)
        if ignored:
            message = (
                f"{safe_path(outdir, STATE_DIR, JOURNAL)}: ignored {ignored} journal entr"
                f"{'y' if ignored == 1 else 'ies'} naming a file appeal-gen does not write there"
            )
            result.warnings.append(message)
            report(f"warning: {message}")
        self.produced: set[str] = set()
        #: language -> its combined PDF, written as the letters finish (in list order).
        self.combined: dict[str, CombinedPdf] = {}
        self.seen_warnings: set[str] = set()
        self.letters = safe_path(outdir, LETTERS_DIR, make_folders=False)
        #: Files in letters/ this run kept because they are not what appeal-gen wrote there.
        self.kept: list[str] = []

    # Housekeeping -----------------------------------------------------------
    def clean_temporaries(self) -> None:
        """Remove ``.part`` files a killed run left (the lock says none is running).

        Only names appeal-gen's temporaries have, and only files (``_check_outdir``
        refused links at the folders).
        """
        for folder in (self.outdir, self.letters, self.outdir / COMBINED_DIR, self.outdir / STATE_DIR):
            if folder.is_dir():
                for p in folder.iterdir():
                    if _TEMPORARY.fullmatch(p.name) and stat.S_ISREG(p.lstat().st_mode):
                        p.unlink()

    # Rows -------------------------------------------------------------------
    def prepare(self, row: Row, who: Correspondent) -> Task | Outcome:
        if row.error:
            return Outcome(row.line, error=row.error, column=row.column)
        if not who.has_addressee and not who.signatory_name:
            return Outcome(
                row.line,
                column="name",
                error="no name: fill in 'name' (or 'office' or 'organisation') for the person the letter is to, "
                "or 'signatory_name' for a supporter who signs it",
            )
        asked = row.get("language") or self.spec.language
        # The canonical identifier, never the cell: it becomes part of the letter's file name.
        lang = canonical_language(asked)
        if lang is None:
            have = ", ".join(self.spec.content_languages())
            return Outcome(
                row.line, column="language", error=f"unknown language '{asked.strip()}'; this appeal has: {have}"
            )
        problem = self._language_problem(lang)
        if problem:
            return Outcome(row.line, error=problem, column="language")
        email = row.get("email").strip()
        if email and not EMAIL.match(email):
            error = f"'{shown(email)}' is not an email address (name@example.org)"
            return Outcome(row.line, column="email", error=error)
        if email and (problem := check_addr_spec(email)):
            # The rule of the draft's To header (mailheaders), so that the row fails here, by its own cell.
            return Outcome(row.line, column="email", error=f"'{shown(email)}' {problem}")
        rid = row.get("id")
        if rid:
            if rid in self.ids:
                return Outcome(
                    row.line,
                    column="id",
                    error=f"id '{rid}' is already used on line {self.ids[rid]}; ids must be unique",
                )
            self.ids[rid] = row.line
        wanted = rid or who.name or who.signatory_name or who.organisation or who.office
        stem = self.namer.take(wanted, f"row-{row.line}")
        task = Task(row.line, stem, lang, who, email, self.fingerprint(lang, stem, email, who))
        return self._reuse(task) or task

    def _language_problem(self, lang: str) -> str | None:
        if lang not in self.langs:
            from .errors import InputError

            try:
                loc = LocaleInfo(lang)
            except InputError:
                have = ", ".join(self.spec.content_languages())
                self.langs[lang] = f"unknown language '{lang}'; this appeal has: {have}"
            else:
                self.langs[lang] = None
                lang = loc.lang
                missing = self.spec.missing_translations(lang)
                if missing and lang != self.spec.language and not self.options.allow_fallback:
                    have = ", ".join(self.spec.content_languages())
                    self.langs[lang] = (
                        f"the appeal has no '{lang}' text ({len(missing)} fields missing); it has: {have}; "
                        "translate it, or run with --allow-fallback to print those fields in "
                        f"{self.spec.language}"
                    )
                if self.langs[lang] is None:
                    self.langs[lang] = self._stale_problem(lang)
        return self.langs[lang]

    def _stale_problem(self, lang: str) -> str | None:
        """Once per language: refuse its stale translations, or note them on every row that prints them."""
        from .staleness import stale

        fields = ", ".join(s.text.path for s in stale(self.spec, lang))
        if not fields:
            return None
        if self.options.allow_stale:
            self.stale_notes[lang] = f"stale {lang} translation printed (--allow-stale): {fields}"
            self.report(f"warning: {lang}: the {self.spec.language} text changed since these were translated: {fields}")
            return None
        return (
            f"the '{lang}' translation is stale, the {self.spec.language} text changed since it was made: {fields}; "
            "review it (translate export), or run with --allow-stale"
        )

    def environment(self, lang: str) -> str:
        """``_environment_hash`` of a language, computed once a run."""
        if lang not in self.fingerprints:
            self.fingerprints[lang] = _environment_hash(self.spec_text, lang, self.options)
        return self.fingerprints[lang]

    def fingerprint(self, lang: str, stem: str, email: str, who: Correspondent) -> str:
        # vars(), not dataclasses.asdict(): the same JSON (every value is a string or a tuple of them), without
        # asdict's deep copy.
        data = json.dumps([self.environment(lang), stem, email, vars(who)], ensure_ascii=False)
        return hashlib.sha256(data.encode()).hexdigest()

    def _reuse(self, task: Task) -> Outcome | None:
        old = self.journal_old.get(task.stem)
        if not old or old.get("fingerprint") != task.fingerprint:
            return None
        files: dict[str, list[str]] = old.get("files", {})
        if sorted(files) != sorted(self._expected_formats(task)):
            return None
        for fmt, (rel, digest) in files.items():
            # Only the file this row's letter has: a journal is read from OUTDIR, which is not trusted.
            if rel != f"{LETTERS_DIR}/{task.stem}.{task.lang}.{fmt}":
                return None
            try:
                path = safe_path(self.outdir, LETTERS_DIR, rel.split("/", 1)[1], make_folders=False)
            except UnsafeOutputError:
                return None  # a link planted there: the row is rendered, and its writing says so
            if not path.is_file() or _sha256_file(path) != digest:
                return None
        return Outcome(task.line, task.stem, task.lang, fingerprint=task.fingerprint, reused=files)

    def _expected_formats(self, task: Task) -> list[str]:
        return [*self.options.formats, *(["eml"] if self.options.eml and task.email else [])]

    # The loop ---------------------------------------------------------------
    def execute(self, progress: Callable[[int], Progress]) -> None:
        self.letters.mkdir(exist_ok=True)
        manifest = _Manifest(self.outdir, self.spec.path, self.lst.path)
        try:
            journal = _Journal(safe_path(self.outdir, STATE_DIR, JOURNAL))
        except BaseException:
            manifest.discard()
            raise
        jobs = self.options.jobs or _cpus()
        window: deque[Outcome | int] = deque()  # in list order: an outcome, or the line a worker renders
        rows: dict[int, tuple[Row, str]] = {}  # line -> the row and the name the manifest shows
        workers = None
        inline = LetterRenderer(self.spec, self.options) if jobs == 1 else None
        # Laid-out letters shared by this run's workers (render/pdf.py); only
        # this run's, so fonts or code changed since never reach a letter.
        layouts = safe_path(self.outdir, STATE_DIR, "layouts", make_folders=False)
        shutil.rmtree(layouts, ignore_errors=True)
        layouts.mkdir(parents=True, exist_ok=True)
        bar: Progress | None = None
        try:
            bar = progress(self.lst.count())

            def ready(item: Outcome | int) -> bool:
                return isinstance(item, Outcome) or (workers is not None and workers.ready(item))

            def take(item: Outcome | int) -> Outcome:
                if isinstance(item, Outcome):
                    return item
                assert workers is not None
                return workers.take(item)

            for row in self.lst.rows():
                who = Correspondent() if row.error else row.correspondent()
                prepared = self.prepare(row, who)
                rows[row.line] = (row, who.name or who.signatory_name or who.organisation or who.office)
                if isinstance(prepared, Outcome):
                    window.append(prepared)
                elif inline is not None:
                    window.append(inline.render(prepared))
                else:
                    if workers is None:  # not before a row needs one: a rerun may have nothing to render
                        languages = _warm_languages(self.spec)
                        token = _warm_token(self.spec_text, self.spec.path, self.options, languages, self.environment)
                        workers = _Workers(jobs, self.spec, self.options, layouts, token)
                    workers.submit(prepared)
                    window.append(prepared.line)
                while window and (len(window) >= jobs * WINDOW or ready(window[0])):
                    out = take(window.popleft())
                    self.finish(out, *rows.pop(out.line), manifest, journal)
                    bar.step()
            while window:
                out = take(window.popleft())
                self.finish(out, *rows.pop(out.line), manifest, journal)
                bar.step()
            if workers is not None:
                workers.close()
        except BaseException:
            if workers is not None:
                workers.kill()
            manifest.discard()
            journal.close()
            for combined in self.combined.values():
                combined.discard()
            raise
        finally:
            if bar is not None:
                bar.close()
            shutil.rmtree(layouts, ignore_errors=True)
        try:
            self.combine(manifest, journal)
            self.remove_stale()
            self.result.manifest = manifest.commit(self.result)
            journal.compact()
        except BaseException:
            # A full disk at the very end: no temporary file stays behind either.
            manifest.discard()
            journal.close()
            for combined in self.combined.values():
                combined.discard()
            raise

    def finish(self, out: Outcome, row: Row, name: str, manifest: _Manifest, journal: _Journal) -> None:
        res = self.result
        res.rows += 1
        record = {
            "line": row.line,
            "id": row.get("id"),
            "name": name,
            # As the row asked for it, also when the row failed before rendering.
            "language": out.lang or row.get("language"),
            "status": "ok",
            "message": "; ".join(
                [*row.warnings, *([self.stale_notes[out.lang]] if out.lang in self.stale_notes else [])]
            ),
            "files": {},
        }
        for w in out.warnings:
            if w not in self.seen_warnings:
                self.seen_warnings.add(w)
                res.warnings.append(f"{out.lang}: {w}")
                self.report(f"warning: {out.lang}: {w}")
        if row.warnings:
            self.report(f"warning: {self.lst.path}:{row.line}: {'; '.join(row.warnings)}")
        reused = out.reused
        if out.error is None and reused is None:
            rels = {fmt: f"{LETTERS_DIR}/{out.stem}.{out.lang}.{fmt}" for fmt in out.files}
            try:
                paths = {
                    fmt: safe_path(self.outdir, LETTERS_DIR, rel[len(LETTERS_DIR) + 1 :]) for fmt, rel in rels.items()
                }
                kept = [rels[fmt] for fmt, path in paths.items() if not self._ours(path, rels[fmt], out.files[fmt])]
                if kept:
                    self.kept.extend(kept)
                    raise UnsafeOutputError(
                        f"{', '.join(kept)}: kept as it is: it was changed after appeal-gen wrote it, "
                        "or appeal-gen did not write it; move it away and run again to make this letter"
                    )
                # Not fsynced one by one: a letter is reused only when its file still has the
                # hash the journal recorded, so a letter lost in a power cut is rendered again.
                write_all({paths[fmt]: data for fmt, data in out.files.items()}, durable=False)
            except UnsafeOutputError as exc:
                out.error = exc.format()
            except OutputError as exc:
                if exc.disk_full:
                    # Every later row would fail the same way: stop here. The
                    # journal holds the rows already written; a rerun reuses them.
                    raise
                out.error = exc.format()
            else:
                reused = {fmt: [rel, hashlib.sha256(out.files[fmt]).hexdigest()] for fmt, rel in rels.items()}
                journal.append({"stem": out.stem, "fingerprint": out.fingerprint, "files": reused})
        elif reused is not None:
            res.reused += 1
            journal.append({"stem": out.stem, "fingerprint": out.fingerprint, "files": reused})
        if out.error is not None:
            res.failed += 1
            record["status"] = "error"
            record["message"] = out.error
            where = f"{out.column}: " if out.column else ""
            # One line per row whatever the message quotes (manifest.json keeps the message as it is).
            self.report(shown(f"{self.lst.path}:{row.line}: {where}{out.error}"))
        else:
            assert reused is not None
            res.ok += 1
            record["files"] = {fmt: {"path": rel, "sha256": digest} for fmt, (rel, digest) in reused.items()}
            self.produced.update(rel for rel, _ in reused.values())
            if "pdf" in reused:
                rel, digest = reused["pdf"]
                pdf = out.files.get("pdf") or safe_path(self.outdir, *rel.split("/"), make_folders=False).read_bytes()
                combined = self._combined(out.lang)
                try:
                    combined.add(pdf, f"{rel}:{digest}")
                except OSError as exc:
                    raise OutputError.from_os(exc, str(combined.path)) from None
        manifest.add(record)

    def _ours(self, path: Path, rel: str, data: bytes) -> bool:
        """May *path* be replaced: missing, or what the journal recorded there, or these very bytes.

        A letter the user edited after a run (or a file of theirs with a
        letter's name) is never overwritten: its row fails and says so. The
        same bytes are the letter of a run killed before its journal line.
        """
        try:
            size = os.lstat(path).st_size
        except FileNotFoundError:
            return True
        if not path.is_file():
            return False
        digest = _sha256_file(path)
        return digest == self.owned.get(rel) or (size == len(data) and digest == hashlib.sha256(data).hexdigest())

    # The end ----------------------------------------------------------------
    def _combined(self, lang: str) -> CombinedPdf:
        if lang not in self.combined:
            path = safe_path(self.outdir, COMBINED_DIR, f"{self.spec.slug}.{lang}.pdf")
            try:
                self.combined[lang] = CombinedPdf(path, title=f"{self.spec.reference.code} ({lang})")
            except OSError as exc:
                raise OutputError.from_os(exc, str(path)) from None
        return self.combined[lang]

    def combine(self, manifest: _Manifest, journal: _Journal) -> None:
        """One print-ready PDF per language: every letter, each from a new page.

        Each is recorded in the journal with its hash, so that a later run
        may remove it (``remove_stale``) only while it is unchanged.
        """
        for lang, combined in sorted(self.combined.items()):
            rel = f"{COMBINED_DIR}/{combined.path.name}"
            if not self._may_replace(combined.path, rel):
                combined.discard()
                self.kept.append(rel)
                self.result.kept.append(rel)
                message = (
                    f"{self.outdir / rel}: kept as it is: it was changed after appeal-gen wrote it, or appeal-gen "
                    f"did not write it; the combined PDF of {lang} was not made: move the file away and run again"
                )
                self.result.warnings.append(message)
                self.report(f"warning: {message}")
                continue
            try:
                digest, _pages = combined.commit()
            except OSError as exc:
                raise OutputError.from_os(exc, str(combined.path)) from None
            self.result.combined[lang] = combined.path
            manifest.combined[lang] = {"path": rel, "sha256": digest, "letters": combined.letters}
            journal.append({"combined": rel, "sha256": digest})

    def _may_replace(self, path: Path, rel: str) -> bool:
        """May a combined PDF be put in place of *path*: missing, or as the journal recorded it.

        A journal written before combined PDFs were recorded in it (without
        ``JOURNAL_MARK``): its combined PDFs are replaced, as they were then,
        so that upgrading does not stop a campaign's reruns.
        """
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            return True
        if not stat.S_ISREG(st.st_mode):
            return False
        if self.journal_old and not self.journal_marked:
            return True
        return rel in self.owned and _sha256_file(path) == self.owned[rel]

    def remove_stale(self) -> None:
        """Letters and combined PDFs of rows no longer in the list (or now failing).

        Only files the journal recorded, still with the recorded hash: a file
        of the user's, or one they changed, is left alone and named on stderr.
        """
        keep = set(self.produced) | {f"{COMBINED_DIR}/{p.name}" for p in self.result.combined.values()}
        left: list[str] = []  # the files kept in place of a row's letter are named on their rows
        for folder in (LETTERS_DIR, COMBINED_DIR):
            path = safe_path(self.outdir, folder, make_folders=False)
            if not path.is_dir():
                continue
            for p in sorted(path.iterdir()):
                rel = f"{folder}/{p.name}"
                if rel in keep or rel in self.kept or _TEMPORARY.fullmatch(p.name):
                    continue
                st = p.lstat()
                if stat.S_ISREG(st.st_mode) and rel in self.owned and _sha256_file(p) == self.owned[rel]:
                    p.unlink()
                    self.result.removed += 1
                elif rel not in left:
                    left.append(rel)
        if left:
            left.sort()
            shown = ", ".join(left[:5]) + (f" and {len(left) - 5} more" if len(left) > 5 else "")
            message = (
                f"{self.outdir}: left alone {len(left)} file(s) appeal-gen did not write or that changed since: {shown}"
            )
            self.result.warnings.append(message)
            self.report(f"note: {message}")


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


#: What the fork server imports once for every worker: the renderers and what they import on a
#: worker's first letters (about 0.2 s of CPU that each worker would spend again). A name that
#: is no longer there is skipped.
PRELOAD = (
    "appeal_gen.batch",
    "appeal_gen.render.pdf",
    "appeal_gen.render.docx",
    "appeal_gen.render.compose",
    "appeal_gen.mail",
    "appeal_gen.sandbox",
    "reportlab.platypus",
    "reportlab.pdfbase.ttfonts",
    "docx",
    "docxtpl",
    "jinja2.sandbox",
    "lxml.etree",
    "fontTools.ttLib",
    "uharfbuzz",
    "icu4py.breakers",
    "arabic_reshaper",
    "bidi.algorithm",
    "babel.dates",
    "babel.numbers",
    "PIL.Image",
    "email.policy",
)


def _fork_server(warmup: str | None = None) -> Any:
    """The fork server, started if it is not running yet (it returns at once: the server imports in the background).

    run_batch starts it first thing, so that its start-up (an interpreter
    and ``PRELOAD``) overlaps the parent's reading of the spec and the list.
    """
    import multiprocessing
    from multiprocessing import forkserver

    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload([*PRELOAD, "appeal_gen._warmup"])
    if warmup is None:
        forkserver.ensure_running()
        return ctx
    # The fork server takes the environment it starts with: _warmup reads
    # the request from it (a server already running keeps what it has).
    os.environ[WARMUP_ENV] = warmup
    try:
        forkserver.ensure_running()
    finally:
        os.environ.pop(WARMUP_ENV, None)
    return ctx


def _pick(
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
    goes only to an idle worker (see ``_Workers``).
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


class BatchWorkerError(AppealGenError):
    """A worker process died (killed, out of memory): the run stops; a rerun resumes it."""


class _Workers:
    """Worker processes, each fed through a pipe of its own, read by the parent when it is ready.

    concurrent.futures moved every task and every result (120 KB of files)
    through two threads of the parent, which took the GIL from the loop that
    writes the letters and cost the parent more CPU than it spent on them.
    Here the loop itself sends and receives. Tasks wait in the parent until
    a worker has room (``DEPTH``: the task it renders and the next, so that
    it never waits for the parent), and are handed out by language
    (``_dispatch``); results wait until the rows before theirs are written.

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
        ctx = _fork_server()
        self.conns: list[Any] = []
        self.procs: list[Any] = []
        self.pending: list[deque[int]] = []  # each worker's lines, in the order it renders them
        self.done: dict[int, Outcome] = {}
        # One poll object for the whole run: multiprocessing.connection.wait builds a selector on
        # every call. A worker's pipe is readable with a result, or at its end when the worker died.
        self.poll = select.poll()
        self.fds: dict[int, int] = {}  # file descriptor -> worker
        self.queued: deque[tuple[Task, bytes]] = deque()  # not sent yet, in list order, pickled
        self.waiting: deque[tuple[str, int]] = deque()  # the same tasks' languages and sizes, for _pick
        self.langs: list[set[str]] = [set() for _ in range(jobs)]  # the languages each worker has rendered
        self.learning: dict[int, tuple[str, float]] = {}  # line -> its language and when it was sent
        self.cost: dict[str, float] = {}  # language -> seconds its first letter took
        self.finished = [0.0] * jobs  # when each worker's last result came
        try:
            for _ in range(jobs):
                mine, theirs = ctx.Pipe()
                proc = ctx.Process(target=_serve, args=(theirs, spec, options, str(layouts), token), daemon=True)
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
        """Send queued tasks to the workers with room for them, as ``_pick`` chooses."""
        while self.queued and any(len(p) < self.DEPTH for p in self.pending):
            choice = _pick(self.waiting, [len(p) for p in self.pending], self.langs, self.cost, self.DEPTH, self.SMALL)
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


def _check_templates(spec: Spec, options: BatchOptions) -> None:
    """A DOCX template without the recipient block would drop every address silently."""
    if "docx" not in options.formats:
        return
    from . import ooxml, sandbox
    from .render.docx import check_template_source, default_template

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


def _environment_hash(spec_text: str, lang: str, options: BatchOptions) -> str:
    """Everything besides the row that decides a letter's bytes, for one language."""
    h = hashlib.sha256()
    h.update(f"{__version__}\0{lang}\0{options.formats}\0{options.eml}\0{options.allow_fallback}\0".encode())
    h.update(spec_text.encode())
    h.update(_code_hash().encode())
    for code in fallback_chain(lang):
        p = catalog_path(code)
        if p.is_file():
            h.update(p.read_bytes())
    if "docx" in options.formats:
        from .render.docx import default_template

        h.update(Path(options.template or default_template(lang)).read_bytes())
    return h.hexdigest()


_CODE_HASH: list[str] = []


def _code_hash() -> str:
    """appeal-gen's own source: a changed renderer must not reuse old letters."""
    if not _CODE_HASH:
        h = hashlib.sha256()
        root = Path(__file__).resolve().parent
        for p in sorted(root.rglob("*.py")):
            h.update(p.read_bytes())
        _CODE_HASH.append(h.hexdigest())
    return _CODE_HASH[0]


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# --------------------------------------------------------------------------
# Lock, journal, manifest


class _locked:  # noqa: N801 - used as a context manager
    def __init__(self, outdir: Path) -> None:
        self.outdir = outdir
        self.fd: int | None = None

    def __enter__(self) -> None:
        try:
            self.outdir.mkdir(parents=True, exist_ok=True)
            fd = _open_state(safe_path(self.outdir, STATE_DIR, "lock"), os.O_RDWR | os.O_CREAT)
        except OSError as exc:
            raise OutputError(f"cannot create the output folder: {exc.strerror}", file=str(self.outdir)) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 200).decode("utf-8", "replace").strip()
            os.close(fd)
            raise BatchLockedError(
                f"another appeal-gen batch is writing to this folder ({holder or 'process unknown'}); "
                "wait for it to finish, or give another -o folder",
                file=str(self.outdir),
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"pid {os.getpid()}, started {time.strftime('%Y-%m-%d %H:%M:%S')}\n".encode())
        self.fd = fd

    def __exit__(self, *exc: object) -> None:
        if self.fd is not None:
            os.close(self.fd)  # closing releases the lock


JOURNAL = "journal.jsonl"
#: The first line of a finished run's journal: it records combined PDFs too (``_Run._may_replace``).
JOURNAL_MARK = {"journal": 2}
#: The names of appeal-gen's temporary files: ``output._create_temporary``'s and ``tempfile.mkstemp``'s.
_TEMPORARY = re.compile(r"\..+\.(?:[0-9]+-[0-9]+|[a-z0-9_]{8})\.part")
#: A file a journal entry may name: ``letters/<stem>.<lang>.<format>`` or ``combined/<slug>.<lang>.pdf``.
_JOURNAL_PATH = re.compile(
    r"(?:letters/[^/]+\.[a-z]{2,3}(?:_[A-Z][a-z]{3})?(?:_(?:[A-Z]{2}|[0-9]{3}))?\.(?:pdf|docx|eml)"
    r"|combined/[a-z0-9-]+\.[a-z]{2,3}(?:_[A-Z][a-z]{3})?(?:_(?:[A-Z]{2}|[0-9]{3}))?\.pdf)"
)
_SHA256 = re.compile(r"[0-9a-f]{64}")


def _check_outdir(outdir: Path) -> None:
    """Refuse an output folder whose own entries are links (or not what they should be), touching nothing.

    OUTDIR's contents are not trusted: a link planted at ``.appeal-gen``,
    its lock or journal, ``letters`` or ``combined`` would make a run write,
    append to or delete files elsewhere. OUTDIR itself is the user's choice.
    """
    entries = {
        STATE_DIR: stat.S_ISDIR,
        LETTERS_DIR: stat.S_ISDIR,
        COMBINED_DIR: stat.S_ISDIR,
        f"{STATE_DIR}/lock": stat.S_ISREG,
        f"{STATE_DIR}/{JOURNAL}": stat.S_ISREG,
        f"{STATE_DIR}/layouts": stat.S_ISDIR,
        "manifest.csv": stat.S_ISREG,
        "manifest.json": stat.S_ISREG,
    }
    try:
        # A handful of combined PDFs, read once a run (letters are checked one by one as they are written).
        entries.update(
            (f"{COMBINED_DIR}/{e.name}", stat.S_ISREG) for e in os.scandir(outdir / COMBINED_DIR) if e.is_symlink()
        )
    except OSError:
        pass  # no combined/ yet, or not a folder: said below
    for rel, is_kind in entries.items():
        path = outdir / rel
        try:
            st = os.lstat(path)
        except (FileNotFoundError, NotADirectoryError):
            continue
        except OSError as exc:
            raise OutputError.from_os(exc, str(path)) from None
        mode = st.st_mode
        if stat.S_ISLNK(mode):
            raise UnsafeOutputError(
                "is a symbolic link; appeal-gen does not follow links inside its output folder: "
                "remove it, or give another -o folder",
                file=str(path),
            )
        if rel.startswith(f"{STATE_DIR}/") and stat.S_ISREG(mode) and st.st_nlink > 1:
            raise UnsafeOutputError("is linked to another file; remove it, or give another -o folder", file=str(path))
        if not is_kind(mode):
            kind = "folder" if is_kind is stat.S_ISDIR else "file"
            raise UnsafeOutputError(
                f"is not a {kind} appeal-gen made; remove it, or give another -o folder", file=str(path)
            )


def _open_state(path: Path, flags: int) -> int:
    """A state file opened without following a link, refused when it is another file's second name.

    A hard link planted at ``.appeal-gen/lock`` or ``journal.jsonl`` would
    have the run truncate or append to a file elsewhere.
    """
    fd = os.open(path, flags | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode) or st.st_nlink > 1:
        os.close(fd)
        raise UnsafeOutputError("is linked to another file; remove it, or give another -o folder", file=str(path))
    return fd


def _read_journal(outdir: Path) -> tuple[dict[str, dict[str, Any]], dict[str, str], int, bool]:
    """The last run's rows by stem, the files it recorded (path -> sha256), how many entries were ignored,
    and whether it records combined PDFs (``JOURNAL_MARK``; journals of earlier versions do not).

    The journal lies in OUTDIR, which is not trusted: an entry naming any
    file but ``letters/<stem>.<lang>.<format>`` or ``combined/<slug>.<lang>.pdf``
    (``/etc/passwd``, ``../outside.pdf``) is ignored, and never read or removed.
    """
    entries: dict[str, dict[str, Any]] = {}
    owned: dict[str, str] = {}
    ignored = 0
    marked = False
    path = safe_path(outdir, STATE_DIR, JOURNAL, make_folders=False)
    try:
        fd = _open_state(path, os.O_RDONLY)
    except FileNotFoundError:
        return entries, owned, ignored, marked
    except OSError as exc:
        raise OutputError.from_os(exc, str(path)) from None
    with open(fd, encoding="utf-8", errors="replace") as fh:
        for line in _journal_lines(fh):
            try:
                entry = json.loads(line)
            except (ValueError, RecursionError):
                # The last line of a killed run may be cut short; a planted one may nest
                # deeper than the JSON decoder's recursion allows.
                continue
            if not isinstance(entry, dict):
                continue
            if entry == JOURNAL_MARK:
                marked = True
                continue
            if isinstance(entry.get("combined"), str):
                rel, digest = entry["combined"], entry.get("sha256")
                if _JOURNAL_PATH.fullmatch(rel) and rel.startswith(f"{COMBINED_DIR}/") and isinstance(digest, str):
                    owned[rel] = digest
                else:
                    ignored += 1
                continue
            stem = entry.get("stem")
            if not isinstance(stem, str):
                continue
            files = entry.get("files")
            if not isinstance(files, dict) or not all(_journal_file(stem, fmt, f) for fmt, f in files.items()):
                ignored += 1
                continue
            entries[stem] = entry
            owned.update((rel, digest) for rel, digest in files.values())
    return entries, owned, ignored, marked


#: The longest journal line read: appeal-gen writes one row's stem, status and three file names and
#: hashes (under 2 KB); a longer line is a planted one, skipped unread so memory stays bounded.
MAX_JOURNAL_LINE = 64 * 1024


def _journal_lines(fh: IO[str]) -> Iterator[str]:
    """The journal's lines, each at most ``MAX_JOURNAL_LINE`` characters; longer ones are skipped whole.

    ``for line in fh`` would read a planted gigabyte line into memory before
    the entry is looked at (the journal lies in OUTDIR, which is not trusted).
    """
    while line := fh.readline(MAX_JOURNAL_LINE + 1):
        if len(line) <= MAX_JOURNAL_LINE:
            yield line
            continue
        while line and not line.endswith("\n"):  # the rest of the long line, in bounded pieces
            line = fh.readline(MAX_JOURNAL_LINE + 1)


def _journal_file(stem: str, fmt: object, value: object) -> bool:
    """Is *value* ``[letters/<stem>.<lang>.<fmt>, sha256]``, as appeal-gen writes it?"""
    if not (isinstance(value, list) and len(value) == 2 and all(isinstance(v, str) for v in value)):
        return False
    rel, digest = value
    return (
        isinstance(fmt, str)
        and rel.startswith(f"{LETTERS_DIR}/{stem}.")
        and rel.endswith(f".{fmt}")
        and _JOURNAL_PATH.fullmatch(rel) is not None
        and _SHA256.fullmatch(digest) is not None
    )


class _Journal:
    """Append-only record of finished rows, each line written after its files are renamed into place.

    Each line reaches the operating system at once (a killed process loses
    nothing) and the disk at least once a second: fsyncing every line and
    every letter cost more than rendering them. After a power cut the journal
    may name a letter whose file did not reach the disk; the rerun's hash
    check then renders it again.
    """

    SYNC_SECONDS = 1.0

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fh: IO[str] | None = open(_open_state(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT), "a", encoding="utf-8")
        self.lines: list[str] = []
        self.synced = time.monotonic()

    def append(self, entry: dict[str, Any]) -> None:
        assert self.fh is not None
        line = json.dumps(entry, ensure_ascii=False) + "\n"
        try:
            self.fh.write(line)
            self.fh.flush()
            now = time.monotonic()
            if now - self.synced >= self.SYNC_SECONDS:
                os.fsync(self.fh.fileno())
                self.synced = now
        except OSError as exc:
            raise OutputError.from_os(exc, str(self.path)) from None
        self.lines.append(line)

    def close(self) -> None:
        if self.fh is not None:
            self.fh.close()
            self.fh = None

    def compact(self) -> None:
        """Keep only this run's rows, so the journal never grows across reruns."""
        self.close()
        write_all({self.path: (json.dumps(JOURNAL_MARK) + "\n" + "".join(self.lines)).encode()})


#: What makes a spreadsheet read a cell as a formula: = + - @ (and their full-width forms, which some
#: locales' spreadsheets take too), or a tab, CR or LF in front of one.
_FORMULA_SIGNS = "=+\\-@\t\r\n\uff1d\uff0b\uff0d\uff20"
#: Where a formula can begin: at the start of the cell, and after any character a spreadsheet may split a
#: line on (a semicolon-locale Excel splits "1;=cmd|..." into "1" and a formula), past spaces and quotes.
_FORMULA_START = re.compile(f"(?:^|(?<=[,;|\t\r\n]))(?=[ \u00a0\u3000'\"]*[{_FORMULA_SIGNS}])")


def _spreadsheet_safe(value: object) -> str:
    """A manifest.csv cell that no spreadsheet, in any locale, runs as a formula.

    A ``'`` goes in front of every place a formula could begin (OWASP's
    advice for CSV injection); the cell stays one CSV field (the writer
    quotes it), and manifest.json keeps the value as it is.

    >>> _spreadsheet_safe("=HYPERLINK(\\"http://x\\")")
    '\\'=HYPERLINK("http://x")'
    >>> _spreadsheet_safe("-5")
    "'-5"
    >>> _spreadsheet_safe("1;=cmd|' /C calc'!A0")
    "1;'=cmd|' /C calc'!A0"
    >>> _spreadsheet_safe("Chea Vannak")
    'Chea Vannak'
    """
    text = "" if value is None else str(value)
    return _FORMULA_START.sub("'", text) if text else text


class _Manifest:
    """manifest.csv and manifest.json, streamed to temporary files, renamed at the end."""

    def __init__(self, outdir: Path, spec: str, recipients: str) -> None:
        import tempfile

        self.outdir = outdir
        self.combined: dict[str, dict[str, Any]] = {}
        self.temps: list[tuple[str, Path]] = []
        self.files: list[IO[str]] = []
        files = self.files
        for name in ("manifest.csv", "manifest.json"):
            path = safe_path(outdir, name)
            try:
                fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".part", dir=outdir)
            except OSError as exc:
                self.discard()
                raise OutputError.from_os(exc, str(path)) from None
            self.temps.append((tmp, path))
            files.append(os.fdopen(fd, "w", encoding="utf-8", newline=""))
        self.csv_fh, self.json_fh = files
        self.csv = csv.writer(self.csv_fh)
        self.csv.writerow(MANIFEST_COLUMNS)
        head = {"appeal_gen": __version__, "spec": spec, "recipients": recipients}
        self.json_fh.write(json.dumps(head, ensure_ascii=False)[:-1] + ', "rows": [')
        self.first = True

    def add(self, record: dict[str, Any]) -> None:
        files = record["files"]
        cells = [record[c] for c in MANIFEST_COLUMNS[:6]]
        for fmt in ("pdf", "docx", "eml"):
            f = files.get(fmt, {})
            cells += [f.get("path", ""), f.get("sha256", "")]
        try:
            self.csv.writerow([_spreadsheet_safe(c) for c in cells])
        except OSError as exc:
            raise OutputError.from_os(exc, str(self.temps[0][1])) from None
        try:
            self.json_fh.write(("\n" if self.first else ",\n") + json.dumps(record, ensure_ascii=False))
        except OSError as exc:
            raise OutputError.from_os(exc, str(self.temps[1][1])) from None
        self.first = False

    def commit(self, result: BatchResult) -> list[Path]:
        summary = {"rows": result.rows, "ok": result.ok, "failed": result.failed}
        end = f'\n], "combined": {json.dumps(self.combined, ensure_ascii=False)}, "summary": {json.dumps(summary)}}}\n'
        for i, fh in enumerate((self.csv_fh, self.json_fh)):
            try:
                if i:
                    fh.write(end)
                fh.flush()
                os.fsync(fh.fileno())
                fh.close()
            except OSError as exc:
                raise OutputError.from_os(exc, str(self.temps[i][1])) from None
        for tmp, path in self.temps:
            try:
                os.replace(tmp, path)
            except OSError as exc:
                raise OutputError.from_os(exc, str(path)) from None
        return [path for _, path in self.temps]

    def discard(self) -> None:
        for fh in self.files:
            try:
                fh.close()
            except OSError:
                pass  # a full disk: the buffered rest is lost with the file
        for tmp, _ in self.temps:
            Path(tmp).unlink(missing_ok=True)


# --------------------------------------------------------------------------
# Progress


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


def _duration(seconds: float) -> str:
    """
    >>> _duration(75)
    '1m15s'
    """
    s = round(seconds)
    return f"{s // 60}m{s % 60:02d}s" if s >= 60 else f"{s}s"
