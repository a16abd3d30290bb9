"""Building appeals: spec + languages + formats -> files.

All documents of one build are rendered in memory before any file is
written, so a failure in any language or format leaves the output folder
as it was (``output.write_all``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .document import build_letter
from .errors import InputError, UsageError
from .locale import LocaleInfo, canonical_language
from .output import make_outdir, safe_path, write_all
from .render import registry
from .render.stationery import Stationery, load_stationery
from .spec import Spec
from .theme import DEFAULT_PAGE, Theme, resolve_theme
from .validate import Report, validate

FORMATS = registry.DEFAULT_FORMATS


@dataclass
class BuildResult:
    files: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: Warnings of the validation pass, already located (FILE:LINE:COL: field: warning: ...),
    #: among them one per stale translation printed with ``allow_stale``.
    notes: list[str] = field(default_factory=list)


def parse_formats(value: str) -> tuple[str, ...]:
    items = tuple(dict.fromkeys(v.strip().lower() for v in value.split(",") if v.strip()))
    known = registry.formats()
    bad = [v for v in items if v not in known]
    if bad or not items:
        raise UsageError(f"--format: unknown format '{','.join(bad) or value}'; choose from {', '.join(known)}")
    return items


def resolve_languages(spec: Spec, value: str | None) -> tuple[str, ...]:
    if not value:
        return (spec.language,)
    if value.strip() == "all":
        return spec.content_languages()
    return tuple(dict.fromkeys(_language(v.strip()) for v in value.split(",") if v.strip()))


def _language(value: str) -> str:
    """babel's canonical identifier for a ``--lang`` item: it becomes part of the file names."""
    lang = canonical_language(value)
    if lang is None:
        raise UsageError(f"unknown language '{value}'")
    return lang


def render(
    spec: Spec,
    lang: str,
    fmt: str,
    *,
    allow_fallback: bool = False,
    template: Path | None = None,
    warnings: list[str] | None = None,
    theme: Theme | None = None,
    stationery: Stationery | None = None,
    pdf_standard: str | None = None,
) -> bytes:
    """One document as bytes: the pure core of every build and batch."""
    try:
        return _render(
            spec,
            lang,
            fmt,
            allow_fallback=allow_fallback,
            template=template,
            warnings=warnings,
            theme=theme,
            stationery=stationery,
            pdf_standard=pdf_standard,
        )
    except InputError as exc:
        # Renderers know the field; the spec knows where that field is written.
        if exc.file is None and exc.field:
            exc.file = spec.path
            exc.line, exc.column = spec.locate(exc.field)
        raise


def _render(
    spec: Spec,
    lang: str,
    fmt: str,
    *,
    allow_fallback: bool,
    template: Path | None,
    warnings: list[str] | None,
    theme: Theme | None = None,
    stationery: Stationery | None = None,
    pdf_standard: str | None = None,
) -> bytes:
    loc = LocaleInfo(lang)
    letter = build_letter(spec, loc, allow_fallback=allow_fallback)
    if warnings is not None:
        warnings.extend(f"{lang}: {w}" for w in letter.warnings)
    request = registry.RenderRequest(
        letter,
        date=spec.date,
        template=template,
        gettext=loc._,
        theme=theme,
        stationery=stationery,
        pdf_standard=pdf_standard,
    )
    return registry.renderer(fmt)(request)


def build(
    spec: Spec,
    outdir: Path,
    *,
    formats: Sequence[str] = FORMATS,
    languages: Sequence[str] | None = None,
    allow_fallback: bool = False,
    template: Path | None = None,
    allow_stale: bool = False,
    theme: Path | None = None,
    stationery: str | None = None,
    pdf_standard: str | None = None,
) -> BuildResult:
    """Check, render every language and format, then write them all or nothing.

    The check is ``check``'s own pass (``preflight``): among what it refuses
    is a translation made from a source text the spec no longer has, since
    the letters would then say different things; *allow_stale* prints it,
    with a warning per field. *theme* (``--theme``) wins over the spec's
    ``theme:``; a theme is read and checked before anything is rendered, and
    so is *stationery* (``--stationery FILE.pdf[,REST.pdf]``, the PDF's pages
    drawn over it, render/stationery.py).
    """
    look = resolve_theme(spec, theme)
    paper = load_stationery(stationery) if stationery else None
    if paper is not None:
        paper.check_size(look.page_size if look else DEFAULT_PAGE)
    langs = list(dict.fromkeys(_language(v) for v in languages or (spec.language,)))
    validation = preflight(
        spec,
        langs,
        formats=formats,
        allow_fallback=allow_fallback,
        allow_stale=allow_stale,
        theme=look,
    )
    result = BuildResult(warnings=list(spec.warnings))
    files: dict[Path, bytes] = {}
    for lang in langs:
        for fmt in formats:
            path = safe_path(outdir, f"{spec.slug}.{lang}.{fmt}")
            files[path] = render(
                spec,
                lang,
                fmt,
                allow_fallback=allow_fallback,
                template=template,
                warnings=result.warnings,
                theme=look,
                stationery=paper,
                pdf_standard=pdf_standard,
            )
    make_outdir(outdir)
    write_all(files)
    result.files = list(files)
    result.notes = [w.format() for w in validation.warnings]
    result.warnings = list(dict.fromkeys(result.warnings))
    return result


def preflight(
    spec: Spec,
    languages: Sequence[str],
    *,
    formats: Sequence[str] = FORMATS,
    allow_fallback: bool = False,
    allow_stale: bool = False,
    theme: Theme | None = None,
) -> Report:
    """The validation pass ``check`` runs, refusing with every error before anything is rendered.

    Shared with ``check`` (validate.py), so that what ``check`` passes,
    ``build`` builds, and what ``build`` refuses, ``check`` has reported.
    A refusal that names stale translations ends with a line saying how to
    review them or print them anyway.
    """
    from .staleness import StaleError, StaleTranslationsError

    report = validate(
        spec, languages, formats=formats, allow_fallback=allow_fallback, allow_stale=allow_stale, theme=theme
    )
    stale_langs = list(dict.fromkeys(e.lang for e in report.errors if isinstance(e, StaleError)))
    if stale_langs:
        raise StaleTranslationsError(report.spec_errors(), spec, stale_langs)
    report.raise_errors()
    return report
