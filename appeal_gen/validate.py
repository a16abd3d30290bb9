"""The one validation pass that ``check`` and ``build`` share.

``build`` used to find problems while rendering: one missing translation
per language, one missing glyph per run, so an appeal with three emoji took
three builds to fix. Here every step looks at every field of every language
and returns every problem; ``check`` prints them all, and ``build`` runs the
same pass first and refuses with the same lines, so the two cannot drift
apart.

A step is a function ``(spec, context) -> iterable of AppealGenError`` in
``STEPS``; more steps (stale translations, say) join by appending to it.
Problems are errors unless they are ``SpecWarning``s, which are printed and
change no exit status.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .errors import AppealGenError, InputError, SpecError, SpecErrors
from .spec import Spec

if TYPE_CHECKING:
    from .document import Letter


class SpecWarning(InputError):  # noqa: N818 - a warning, printed and not raised
    """A problem worth telling the user that does not stop ``check`` or ``build``."""

    def format(self) -> str:
        prefix = self.location()
        text = f"{self.field}: warning: {self.message}" if self.field else f"warning: {self.message}"
        return f"{prefix}: {text}" if prefix else text


@dataclass
class Context:
    """What one validation run looks at: the spec, and the languages and formats to be built."""

    spec: Spec
    languages: tuple[str, ...]
    formats: tuple[str, ...] = ("pdf", "docx")
    allow_fallback: bool = False
    #: Stale translations of the languages built are printed, with a warning each (``--allow-stale``).
    allow_stale: bool = False
    #: ``check``: also warn of what the languages built do not print (stale translations of other
    #: languages, languages with no record of their source).
    survey: bool = False

    @functools.cached_property
    def letters(self) -> dict[str, Letter]:
        """Each language's resolved letter, made once and shared by the steps that read it.

        Resolved with fallback, so that a language missing some text is
        still checked for glyphs in the rest (the missing text is its own error).
        """
        from .document import build_letter
        from .locale import LocaleInfo

        return {lang: build_letter(self.spec, LocaleInfo(lang), allow_fallback=True) for lang in self.languages}


@dataclass
class Report:
    errors: list[AppealGenError] = field(default_factory=list)
    warnings: list[AppealGenError] = field(default_factory=list)

    def raise_errors(self) -> None:
        """Refuse with every error, one line each, sorted by line (exit 2)."""
        if self.errors:
            raise SpecErrors(self.spec_errors())

    def spec_errors(self) -> list[SpecError]:
        return _as_spec_errors(self.errors)


Step = Callable[[Spec, Context], Iterable[AppealGenError]]


def missing_translations(spec: Spec, ctx: Context) -> Iterable[AppealGenError]:
    """One line per language naming every field that lacks it (as build reports it)."""
    if ctx.allow_fallback:
        return
    from .document import missing_translation_error

    for lang in ctx.languages:
        error = missing_translation_error(spec, lang)
        if error is not None:
            yield error


def missing_glyphs(spec: Spec, ctx: Context) -> Iterable[AppealGenError]:
    """Every character of every field, in every language, that no font can print in the PDF."""
    if "pdf" not in ctx.formats:
        return
    from .errors import FontError
    from .render.pdf import glyph_problems

    texts = {t.path: t for t in spec.texts}
    seen: set[tuple[str | None, str]] = set()
    for lang, letter in ctx.letters.items():
        try:
            problems = glyph_problems(letter)
        except FontError as exc:
            exc.message = f"{lang}: {exc.message}"
            yield exc
            continue
        for p in problems:
            # The same character in the same field fails in every language
            # that uses the same font: one line is enough.
            if (p.field, p.message) in seen:
                continue
            seen.add((p.field, p.message))
            code = re.search(r"U\+([0-9A-F]{4,6})", p.message)
            text = texts.get(p.field or "")
            if code and text is not None and chr(int(code.group(1), 16)) not in text.values[text.source]:
                # Only a translation has it: say which, as the line points at the whole field.
                p.message = f"in the '{lang}' text: {p.message}"
            yield p


def address_room(spec: Spec, ctx: Context) -> Iterable[AppealGenError]:
    """The first authority's address must fit the window of a batch letter.

    A supporter's letter (a batch row without an addressee) is addressed to
    ``authorities.0``; each of its lines takes at least one of the
    ADDRESS_LINES lines there. Counted, not laid out, so a block that fits
    by count may still be refused for long lines; build itself never
    prints that window, hence a warning.
    """
    from .render.pdf import ADDRESS_LINES

    a = spec.authorities[0]
    lines = 1 + (1 if (a.honorific or a.name) else 0) + (1 if a.institution else 0) + len(a.address)
    if lines > ADDRESS_LINES:
        line, column = spec.locate("authorities.0.office")
        yield SpecWarning(
            f"the address block has {lines} lines, but a batch letter's address field holds {ADDRESS_LINES}; "
            "letters to supporters' rows without an addressee would be refused",
            file=spec.path,
            line=line,
            column=column,
            field="authorities.0",
        )


#: Languages whose letters are written in their own script (not Latin), by
#: CLDR's likely script; a Latin-script name in them is likely a name nobody
#: has given that language's form yet.
def _script(lang: str) -> str:
    from babel.core import get_global

    likely = get_global("likely_subtags")
    tag = likely.get(lang) or likely.get(lang.split("_")[0]) or ""
    parts = tag.split("_")
    return parts[1] if len(parts) > 1 else "Latn"


def _latin_only(text: str) -> bool:
    letters = [c for c in text if unicodedata.category(c).startswith("L")]
    return bool(letters) and all(unicodedata.name(c, "").startswith("LATIN") for c in letters)


def latin_names(spec: Spec, ctx: Context) -> Iterable[AppealGenError]:
    """A warning for each name a non-Latin-script letter would print in Latin letters.

    The Khmer letter used to address the Prime Minister as "Hun Sen" while
    its body wrote ហ៊ុន សែន. Names may have a form per language; a name
    that has none for the language is worth a look, not a refusal (some
    organisations are known by their Latin acronym everywhere).
    """
    for lang in ctx.languages:
        if _script(lang) == "Latn":
            continue
        for t in spec.texts:
            if not t.is_name:
                continue
            if not t.universal and (lang in t.values or lang.split("_")[0] in t.values):
                continue  # a form given for this language, Latin or not, is a choice
            value = t.values[t.source]
            if _latin_only(value):
                yield SpecWarning(
                    f"the {lang} letter prints a Latin-script name '{value}'; "
                    f"give its {lang} form in a mapping of forms per language (docs/spec.md, 'Translatable or not')",
                    file=spec.path,
                    line=t.line,
                    column=t.column,
                    field=t.path,
                )


def stale_translations(spec: Spec, ctx: Context) -> Iterable[AppealGenError]:
    """Every translation a built language prints that was made from another source text (staleness.py).

    An error, or with ``allow_stale`` a warning per field; with ``survey``
    (``check``) also a warning for each stale translation of a language not
    built, and for each language with no record to compare against.
    """
    from .staleness import KEY, stale, unrecorded_languages

    seen: set[tuple[str, str]] = set()
    built = dict.fromkeys(ctx.languages)
    others = dict.fromkeys(lang for t in spec.texts for lang in t.values) if ctx.survey else {}
    for lang in [*built, *(lang for lang in others if lang not in built)]:
        for s in stale(spec, lang):
            if (s.text.path, s.lang) in seen:
                continue
            seen.add((s.text.path, s.lang))
            error = s.error(spec.path)
            if lang not in built or ctx.allow_stale:
                yield SpecWarning(
                    error.message, file=spec.path, line=error.line, column=error.column, field=error.field
                )
            else:
                yield error
    if ctx.survey:
        for lang in unrecorded_languages(spec):
            yield SpecWarning(
                f"no record of the {spec.language} text the {lang} translations were made from, so a change to it "
                f"cannot be detected; once the {lang} text is checked, run "
                f"'appeal-gen translate accept {spec.path} --lang {lang}'",
                file=spec.path,
                field=f"{KEY}.{lang}",
            )


def supporter_opening(spec: Spec, ctx: Context) -> Iterable[AppealGenError]:
    """``check`` only: supporters' letters to the authority would open with a summary naming it (letters.py).

    ``build`` makes no supporter's letter, so it is not told; ``batch`` says it once.
    """
    from .letters import summary_names_target

    found = summary_names_target(spec) if ctx.survey else None
    if found:
        line, column = spec.locate("summary")
        yield SpecWarning(found[1], file=spec.path, line=line, column=column, field="summary")


#: The steps, in order. Append a step here to have both ``check`` and
#: ``build`` run it.
STEPS: list[Step] = [
    missing_translations,
    stale_translations,
    missing_glyphs,
    address_room,
    latin_names,
    supporter_opening,
]


def validate(
    spec: Spec,
    languages: Sequence[str],
    *,
    formats: Sequence[str] = ("pdf", "docx"),
    allow_fallback: bool = False,
    allow_stale: bool = False,
    survey: bool = False,
    steps: Sequence[Step] | None = None,
) -> Report:
    """Run every step over *spec* for *languages*; nothing is rendered or written."""
    ctx = Context(spec, tuple(languages), tuple(formats), allow_fallback, allow_stale, survey)
    report = Report()
    for step in steps if steps is not None else STEPS:
        for problem in step(spec, ctx):
            if problem.file is None:
                problem.file = spec.path
                if problem.field:
                    problem.line, problem.column = spec.locate(problem.field)
            (report.warnings if isinstance(problem, SpecWarning) else report.errors).append(problem)
    key = _sort_key
    report.errors.sort(key=key)
    report.warnings.sort(key=key)
    return report


def _sort_key(e: AppealGenError) -> tuple[str, int, int]:
    return (e.file or "", e.line or 0, e.column or 0)


def _as_spec_errors(errors: list[AppealGenError]) -> list[SpecError]:
    out = []
    for e in errors:
        if isinstance(e, SpecError):
            out.append(e)
        else:
            out.append(SpecError(e.message, file=e.file, line=e.line, column=e.column, field=e.field))
    return out
