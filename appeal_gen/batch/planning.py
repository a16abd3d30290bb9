"""Planning: rows to tasks, once per row in the parent, before any rendering.

Each row gets its language token (canonical, never the cell: it becomes
part of file names), its file stem (``filenames.Namer``), its fingerprint
(everything that decides its letter's bytes) and the decision whether the
letter an earlier run wrote can be reused. What is the same for every row
of a language (is it buildable, is its translation stale, its environment
hash) is decided once per language.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..document import Correspondent
from ..filenames import Namer
from ..letters import KINDS, choose_kind, summary_names_target
from ..locale import canonical_language, catalog_path, fallback_chain
from ..mailheaders import check_addr_spec, shown
from ..output import UnsafeOutputError, safe_path
from ..recipients import Row
from ..resources import __version__
from ..spec import Spec
from .languages import Usable, choose
from .model import LETTERS_DIR, BatchOptions, Outcome, Task
from .state import sha256_file

EMAIL = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;]+$")


def display_name(who: Correspondent) -> str:
    """The name a row's manifest entry shows."""
    return who.name or who.signatory_name or who.organisation or who.office


class Planner:
    """Turns rows into tasks (or into outcomes decided without rendering: a bad row, a reused letter)."""

    def __init__(
        self,
        spec: Spec,
        spec_text: str,
        outdir: Path,
        options: BatchOptions,
        journal: dict[str, dict[str, Any]],
        report: Callable[[str], None],
    ) -> None:
        self.spec = spec
        self.spec_text = spec_text
        self.outdir = outdir
        self.options = options
        #: The last run's rows by stem (``state.read_journal``).
        self.journal = journal
        self.report = report
        self.namer = Namer()
        self.ids: dict[str, int] = {}  # id, case-folded -> its line
        self.ids_as_written: dict[str, str] = {}
        self.langs: dict[str, str | None] = {}  # language -> why it cannot be built (None: fine)
        self.stale_notes: dict[str, str] = {}  # language -> manifest note of its stale fields (--allow-stale)
        self.fingerprints: dict[str, str] = {}
        self.usable = Usable(spec, options.allow_fallback)
        self.warn_opening = OpeningWarning(spec, report)
        #: line -> the manifest's note on the language a row's letter is written in (languages.py).
        self.notes: dict[int, str] = {}

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
        who_or_error = with_kind(row.line, who, self.options.letter_kind, self.warn_opening)
        if isinstance(who_or_error, Outcome):
            return who_or_error
        who = who_or_error
        asked = row.get("language") or self.spec.language
        # The canonical identifier, never the cell: it becomes part of the letter's file name.
        wanted = canonical_language(asked)
        if wanted is None:
            have = ", ".join(self.spec.content_languages())
            return Outcome(
                row.line, column="language", error=f"unknown language '{asked.strip()}'; this appeal has: {have}"
            )
        target = None if who.has_addressee else self.spec.authorities[0]
        lang, note = choose(
            self.spec,
            wanted,
            preferred=target.preferred_language if target else None,
            use_preferred=self.options.letter_language == "preferred" and who.kind == "supporter",
            fallback=self.options.fallback,
            usable=self.usable,
        )
        if lang is None:
            return Outcome(row.line, error=note, column="language")
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
            # "003A1" and " 003a1" are one record exported twice (and would name one file): case and
            # surrounding spaces do not make an id new.
            key = rid.strip().casefold()
            if key in self.ids:
                return Outcome(
                    row.line,
                    column="id",
                    error=f"id '{rid}' is already used on line {self.ids[key]}; ids must be unique"
                    if self.ids_as_written[key] == rid
                    else f"id '{rid}' is already used on line {self.ids[key]} (as '{self.ids_as_written[key]}'); "
                    "ids must be unique, whatever their case",
                )
            self.ids[key] = row.line
            self.ids_as_written[key] = rid
        stem = self.namer.take(rid or display_name(who), f"row-{row.line}")
        task = Task(row.line, stem, lang, who, email, self.fingerprint(lang, stem, email, who))
        if note:
            self.notes[row.line] = note
        return self._reuse(task) or task

    def _language_problem(self, lang: str) -> str | None:
        """What stops a letter in *lang* that the chain chose (``Usable`` said it has every text): staleness."""
        if lang not in self.langs:
            self.langs[lang] = self._stale_problem(lang)
        return self.langs[lang]

    def _stale_problem(self, lang: str) -> str | None:
        """Once per language: refuse its stale translations, or note them on every row that prints them."""
        from ..staleness import stale

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
        """``environment_hash`` of a language, computed once a run."""
        if lang not in self.fingerprints:
            self.fingerprints[lang] = environment_hash(self.spec_text, lang, self.options)
        return self.fingerprints[lang]

    def fingerprint(self, lang: str, stem: str, email: str, who: Correspondent) -> str:
        # vars(), not dataclasses.asdict(): the same JSON (every value is a string or a tuple of them), without
        # asdict's deep copy.
        data = json.dumps([self.environment(lang), stem, email, vars(who)], ensure_ascii=False)
        return hashlib.sha256(data.encode()).hexdigest()

    def _reuse(self, task: Task) -> Outcome | None:
        old = self.journal.get(task.stem)
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
            if not path.is_file() or sha256_file(path) != digest:
                return None
        return Outcome(task.line, task.stem, task.lang, fingerprint=task.fingerprint, reused=files)

    def _expected_formats(self, task: Task) -> list[str]:
        return [*self.options.formats, *(["eml"] if self.options.eml and task.email else [])]


class OpeningWarning:
    """Said once a run, at the first supporter's letter to the appeal's authority: the summary names it.

    Without ``letter.opening`` such a letter opens with the summary, which
    speaks of its addressee in the third person (``letters.summary_names_target``).
    """

    def __init__(self, spec: Spec, report: Callable[[str], None]) -> None:
        self.spec, self.report, self.said = spec, report, False

    def __call__(self) -> None:
        if self.said:
            return
        self.said = True
        found = summary_names_target(self.spec)
        if found:
            line, column = self.spec.locate("summary")
            where = ":".join(str(x) for x in (self.spec.path, line, column) if x is not None)
            self.report(f"warning: {where}: summary: {found[1]}")


def with_kind(
    line: int, who: Correspondent, default: str, warn_opening: Callable[[], None] | None = None
) -> Correspondent | Outcome:
    """*who* with the kind of their letter decided (``letters.choose_kind``), or the row's error.

    *warn_opening* is called for a supporter's letter to the appeal's authority (``OpeningWarning``).
    """
    kind = choose_kind(who, default)
    if kind not in KINDS:
        error = f"unknown kind of letter '{shown(who.kind)}'; use one of: {', '.join(KINDS)}"
        return Outcome(line, column="letter", error=error)
    if kind == "supporter" and not who.signatory_name:
        return Outcome(
            line,
            column="signatory_name",
            error="a supporter's letter is signed by the supporter: fill in 'signatory_name', "
            "or make it an organisation's letter (letter: organisation)",
        )
    if kind == "supporter" and not who.has_addressee and warn_opening is not None:
        warn_opening()
    return replace(who, kind=kind)


def environment_hash(spec_text: str, lang: str, options: BatchOptions) -> str:
    """Everything besides the row that decides a letter's bytes, for one language."""
    h = hashlib.sha256()
    h.update(f"{__version__}\0{lang}\0{options.formats}\0{options.eml}\0{options.allow_fallback}\0".encode())
    h.update(spec_text.encode())
    if options.sender or options.reply_to:
        h.update(f"{options.sender}\0{options.reply_to}\0".encode())
    if options.pdf_standard:
        h.update(f"pdf-standard\0{options.pdf_standard}\0".encode())
    h.update(code_hash().encode())
    for code in fallback_chain(lang):
        p = catalog_path(code)
        if p.is_file():
            h.update(p.read_bytes())
    if options.theme:
        from ..theme import theme_digest

        h.update(f"theme\0{theme_digest(options.theme)}\0".encode())
    if options.stationery and "pdf" in options.formats:
        from ..render.stationery import stationery_files

        for path in stationery_files(options.stationery):
            h.update(b"stationery\0" + path.read_bytes())
    if "docx" in options.formats:
        from ..render.docx import default_template

        h.update(Path(options.template or default_template(lang)).read_bytes())
    return h.hexdigest()


_CODE_HASH: list[str] = []


def code_hash() -> str:
    """appeal-gen's own source (the whole package): a changed renderer must not reuse old letters."""
    if not _CODE_HASH:
        h = hashlib.sha256()
        root = Path(__file__).resolve().parents[1]
        for p in sorted(root.rglob("*.py")):
            h.update(p.read_bytes())
        _CODE_HASH.append(h.hexdigest())
    return _CODE_HASH[0]
