"""The unit of work: one task in, the bytes of its files and its warnings out.

``LetterRenderer.render`` touches no file system and raises nothing: every
backend (inline, the local process pool, a distributed engine) runs the
same function. Each process builds one renderer (each language's letter
resolved, fonts registered, DOCX template compiled, once) and then only
renders.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from ..document import Letter, build_letter
from ..errors import AppealGenError
from ..letters import choose_kind, kind_letter, personalise, supporters_theme
from ..locale import LocaleInfo
from ..render import registry
from ..render.stationery import load_stationery
from ..spec import Spec
from ..theme import load_theme
from .model import BatchOptions, Outcome, Task

#: The format whose bytes an .eml draft attaches (and the combined PDFs gather).
ATTACHED = "pdf"


class LetterRenderer:
    """Everything one process needs to render letters, loaded once."""

    def __init__(self, spec: Spec, options: BatchOptions) -> None:
        self.spec = spec
        self.options = options
        self._letters: dict[str, tuple[LocaleInfo, Letter]] = {}
        #: (language, kind, to the appeal's authority) -> the shared part of such letters.
        self._kinds: dict[tuple[str, str, bool], Letter] = {}
        #: The registry's batch renderer of each format, looked up once.
        self._renderers: dict[str, registry.Renderer] = {}
        #: The organisation's look, read once per process (run_batch checked it before any worker started).
        self.theme = load_theme(options.theme) if options.theme else None
        self.stationery = load_stationery(options.stationery) if options.stationery else None
        #: A supporter's letter is a private person's: the page, none of the organisation's marks.
        self.supporters_theme = supporters_theme(self.theme)

    def base(self, lang: str) -> tuple[LocaleInfo, Letter]:
        if lang not in self._letters:
            loc = LocaleInfo(lang)
            self._letters[lang] = (loc, build_letter(self.spec, loc, allow_fallback=self.options.allow_fallback))
        return self._letters[lang]

    def shared(self, lang: str, kind: str, to_target: bool) -> tuple[LocaleInfo, Letter]:
        """The shared part of every letter of *kind* in *lang*, made once (letters.kind_letter)."""
        loc, base = self.base(lang)
        key = (lang, kind, to_target)
        if key not in self._kinds:
            self._kinds[key] = kind_letter(base, self.spec, loc, kind, to_target=to_target)
        return loc, self._kinds[key]

    def render(self, task: Task) -> Outcome:
        """One row's files as bytes; errors become the row's error, never raise."""
        out = Outcome(task.line, task.stem, task.lang, fingerprint=task.fingerprint)
        try:
            who = task.who
            # Planning decided the kind (batch/planning.py); a task made elsewhere gets the same rule.
            kind = choose_kind(who, self.options.letter_kind)
            loc, shared = self.shared(task.lang, kind, not who.has_addressee)
            letter = personalise(shared, self.spec, loc, who)
            out.warnings = list(letter.warnings)
            for fmt in self.options.formats:
                out.files[fmt] = self._render(fmt, letter, loc)
            attachment = out.files.get(ATTACHED)
            if self.options.eml and task.email and attachment is not None:
                from ..mail import draft, sender_of

                out.files["eml"] = draft(
                    letter,
                    to=task.email,
                    sender=sender_of(self.spec, task.lang, self.options.sender, self.options.reply_to),
                    date=self.spec.date,
                    attachment=attachment,
                    filename=f"{task.stem}.{task.lang}.{ATTACHED}",
                    row=task.stem,
                )
        except AppealGenError as exc:
            out.files = {}
            out.error, out.column = row_message(exc, self.spec)
        except Exception as exc:  # noqa: BLE001 - one row's failure must not stop thousands of others
            out.files = {}
            out.error = f"internal error, please report it: {type(exc).__name__}: {exc}"
        return out

    def _render(self, fmt: str, letter: Letter, loc: LocaleInfo) -> bytes:
        """A format's bytes, through its batch fast path if it registered one (DOCX: its compiled template)."""
        render = self._renderers.get(fmt)
        if render is None:
            render = self._renderers[fmt] = registry.batch_renderer(fmt)
        template = Path(self.options.template) if self.options.template else None
        private = letter.kind == "supporter"
        request = registry.RenderRequest(
            letter,
            date=self.spec.date,
            template=template,
            gettext=loc._,
            theme=self.supporters_theme if private else self.theme,
            stationery=None if private else self.stationery,
            pdf_standard=self.options.pdf_standard,
        )
        return render(request)

    def prepare(self, lang: str) -> None:
        """Everything a letter in *lang* needs but its recipient: the letter, its fonts, its DOCX template."""
        _, base = self.base(lang)
        if "pdf" in self.options.formats:
            from ..render.pdf import register_fonts

            register_fonts(base)
        if "docx" in self.options.formats:
            from ..render.docx import prepare_batch

            # Compiled for letters (either kind: a first page without its number, render/docxpages.py).
            letter = replace(base, kind="organisation")
            prepare_batch(letter, Path(self.options.template) if self.options.template else None, self.theme)


def row_message(exc: AppealGenError, spec: Spec) -> tuple[str, str | None]:
    """A row's error as its manifest shows it, and the column it names (None: the spec's, located in it)."""
    if exc.field and exc.field.startswith("row."):
        return exc.message, exc.field[4:]
    if exc.file is None and exc.field:
        exc.file = spec.path
        exc.line, exc.column = spec.locate(exc.field)
    return exc.format(), None
