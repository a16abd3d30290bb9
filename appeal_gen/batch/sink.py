"""The sink: the only writer of letters and combined PDFs, every path made by ``output.safe_path``.

Letters are written as they finish, in list order; a file at a letter's
name is replaced only when it is missing, what the journal recorded there,
or these very bytes (a file of the user's is kept and the row says so).
Each language's combined PDF (``combine.CombinedPdf``) grows in a temporary
file and is put in place at the end, under the same rule. Files of rows no
longer in the list are removed only while unchanged since appeal-gen wrote
them.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Callable
from pathlib import Path

from ..combine import CombinedPdf
from ..output import OutputError, UnsafeOutputError, safe_path, write_all
from ..spec import Spec
from .manifest import Manifest
from .model import COMBINED_DIR, LETTERS_DIR, BatchResult, Outcome
from .state import TEMPORARY, Journal, JournalRecord, sha256_file

#: The format the combined PDFs gather.
COMBINED_FORMAT = "pdf"


class Sink:
    """Where finished rows' files go: letters written (or kept), combined PDFs grown, stale files removed."""

    def __init__(
        self,
        outdir: Path,
        spec: Spec,
        journal: JournalRecord,
        report: Callable[[str], None],
        pdf_standard: str | None = None,
    ) -> None:
        self.outdir = outdir
        self.spec = spec
        #: The files the last run's journal recorded: path -> sha256.
        self.owned = journal.owned
        self.report = report
        #: Files this run wrote or reused (OUTDIR-relative).
        self.produced: set[str] = set()
        #: Files this run kept because they are not what appeal-gen wrote there.
        self.kept: list[str] = []
        self.combined = Combined(outdir, spec, journal, self.kept, report, pdf_standard)

    def write(self, out: Outcome) -> dict[str, list[str]] | None:
        """A rendered row's files put in place: format -> [path, sha256]; None when the row failed (its error set).

        A full disk raises: every later row would fail the same way.
        """
        rels = {fmt: f"{LETTERS_DIR}/{out.stem}.{out.lang}.{fmt}" for fmt in out.files}
        try:
            paths = {fmt: safe_path(self.outdir, LETTERS_DIR, rel[len(LETTERS_DIR) + 1 :]) for fmt, rel in rels.items()}
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
            return None
        except OutputError as exc:
            if exc.disk_full:
                # Every later row would fail the same way: stop here. The
                # journal holds the rows already written; a rerun reuses them.
                raise
            out.error = exc.format()
            return None
        return {fmt: [rel, hashlib.sha256(out.files[fmt]).hexdigest()] for fmt, rel in rels.items()}

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
        digest = sha256_file(path)
        return digest == self.owned.get(rel) or (size == len(data) and digest == hashlib.sha256(data).hexdigest())

    def done(self, out: Outcome, files: dict[str, list[str]], name: str = "") -> None:
        """A row's letter is in place (written or reused): it is kept, and joins its language's combined PDF.

        Its bookmark there says *name* (the manifest's) and the letter's file name.
        """
        self.produced.update(rel for rel, _ in files.values())
        if COMBINED_FORMAT in files:
            rel, digest = files[COMBINED_FORMAT]
            pdf = out.files.get(COMBINED_FORMAT)
            if pdf is None:  # reused: read back from the letter the journal vouched for
                pdf = safe_path(self.outdir, *rel.split("/"), make_folders=False).read_bytes()
            title = f"{name} ({out.stem})" if name else out.stem
            self.combined.add(out.lang, pdf, f"{rel}:{digest}", title)

    def remove_stale(self, result: BatchResult) -> None:
        """Letters and combined PDFs of rows no longer in the list (or now failing).

        Only files the journal recorded, still with the recorded hash: a file
        of the user's, or one they changed, is left alone and named on stderr.
        """
        keep = set(self.produced) | {f"{COMBINED_DIR}/{p.name}" for p in result.combined.values()}
        left: list[str] = []  # the files kept in place of a row's letter are named on their rows
        for folder in (LETTERS_DIR, COMBINED_DIR):
            path = safe_path(self.outdir, folder, make_folders=False)
            if not path.is_dir():
                continue
            for p in sorted(path.iterdir()):
                rel = f"{folder}/{p.name}"
                if rel in keep or rel in self.kept or TEMPORARY.fullmatch(p.name):
                    continue
                st = p.lstat()
                if stat.S_ISREG(st.st_mode) and rel in self.owned and sha256_file(p) == self.owned[rel]:
                    p.unlink()
                    result.removed += 1
                elif rel not in left:
                    left.append(rel)
        if left:
            left.sort()
            shown = ", ".join(left[:5]) + (f" and {len(left) - 5} more" if len(left) > 5 else "")
            message = (
                f"{self.outdir}: left alone {len(left)} file(s) appeal-gen did not write or that changed since: {shown}"
            )
            result.warnings.append(message)
            self.report(f"note: {message}")

    def combine(self, manifest: Manifest, journal: Journal, result: BatchResult) -> None:
        """The combined PDFs put in place (``Combined.commit``)."""
        self.combined.commit(manifest, journal, result)

    def discard(self) -> None:
        """The run failed: the combined PDFs' temporary files go."""
        self.combined.discard()


class Combined:
    """Each language's combined PDF: grown as its letters are written, put in place at the end if it may be."""

    def __init__(
        self,
        outdir: Path,
        spec: Spec,
        journal: JournalRecord,
        kept: list[str],
        report: Callable[[str], None],
        pdf_standard: str | None = None,
    ) -> None:
        self.outdir = outdir
        self.pdf_standard = pdf_standard
        self.spec = spec
        self.owned = journal.owned
        self.journal_old = bool(journal.entries)
        self.journal_marked = journal.marked
        #: The sink's list of files kept in place (a combined PDF not made joins it).
        self.kept = kept
        self.report = report
        #: language -> its combined PDF, written as the letters finish (in list order).
        self.combined: dict[str, CombinedPdf] = {}

    def add(self, lang: str, pdf: bytes, label: str, title: str | None = None) -> None:
        combined = self._pdf(lang)
        try:
            combined.add(pdf, label, title)
        except OSError as exc:
            raise OutputError.from_os(exc, str(combined.path)) from None

    def _pdf(self, lang: str) -> CombinedPdf:
        if lang not in self.combined:
            path = safe_path(self.outdir, COMBINED_DIR, f"{self.spec.slug}.{lang}.pdf")
            try:
                self.combined[lang] = CombinedPdf(
                    path,
                    title=f"{self.spec.reference.code} ({lang})",
                    standard=self.pdf_standard,
                    date=self.spec.date,
                )
            except OSError as exc:
                raise OutputError.from_os(exc, str(path)) from None
        return self.combined[lang]

    def commit(self, manifest: Manifest, journal: Journal, result: BatchResult) -> None:
        """One print-ready PDF per language: every letter, each from a new page.

        Each is recorded in the journal with its hash, so that a later run
        may remove it (``Sink.remove_stale``) only while it is unchanged.
        """
        for lang, combined in sorted(self.combined.items()):
            rel = f"{COMBINED_DIR}/{combined.path.name}"
            if not self.may_replace(combined.path, rel):
                combined.discard()
                self.kept.append(rel)
                result.kept.append(rel)
                message = (
                    f"{self.outdir / rel}: kept as it is: it was changed after appeal-gen wrote it, or appeal-gen "
                    f"did not write it; the combined PDF of {lang} was not made: move the file away and run again"
                )
                result.warnings.append(message)
                self.report(f"warning: {message}")
                continue
            try:
                digest, _pages = combined.commit()
            except OSError as exc:
                raise OutputError.from_os(exc, str(combined.path)) from None
            result.combined[lang] = combined.path
            manifest.combined[lang] = {"path": rel, "sha256": digest, "letters": combined.letters}
            journal.append({"combined": rel, "sha256": digest})

    def may_replace(self, path: Path, rel: str) -> bool:
        """May a combined PDF be put in place of *path*: missing, or as the journal recorded it.

        A journal written before combined PDFs were recorded in it (without
        ``state.JOURNAL_MARK``): its combined PDFs are replaced, as they were then,
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
        return rel in self.owned and sha256_file(path) == self.owned[rel]

    def discard(self) -> None:
        for combined in self.combined.values():
            combined.discard()
