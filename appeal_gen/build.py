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
from .locale import LocaleInfo
from .output import safe_path, write_all
from .recipients import canonical_language
from .spec import Spec

FORMATS = ("pdf", "docx")


@dataclass
class BuildResult:
    files: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def parse_formats(value: str) -> tuple[str, ...]:
    items = tuple(dict.fromkeys(v.strip().lower() for v in value.split(",") if v.strip()))
    bad = [v for v in items if v not in FORMATS]
    if bad or not items:
        raise UsageError(f"--format: unknown format '{','.join(bad) or value}'; choose from {', '.join(FORMATS)}")
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
) -> bytes:
    """One document as bytes: the pure core of every build and batch."""
    try:
        return _render(spec, lang, fmt, allow_fallback=allow_fallback, template=template, warnings=warnings)
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
) -> bytes:
    loc = LocaleInfo(lang)
    letter = build_letter(spec, loc, allow_fallback=allow_fallback)
    if warnings is not None:
        warnings.extend(f"{lang}: {w}" for w in letter.warnings)
    if fmt == "pdf":
        from .render.pdf import render_pdf

        return render_pdf(letter)
    from .render.docx import DocxOptions, render_docx

    return render_docx(letter, DocxOptions(template=template, date=spec.date, gettext=loc._))


def build(
    spec: Spec,
    outdir: Path,
    *,
    formats: Sequence[str] = FORMATS,
    languages: Sequence[str] | None = None,
    allow_fallback: bool = False,
    template: Path | None = None,
) -> BuildResult:
    """Render every language and format, then write them all or nothing."""
    result = BuildResult(warnings=list(spec.warnings))
    files: dict[Path, bytes] = {}
    for lang in dict.fromkeys(_language(v) for v in languages or (spec.language,)):
        for fmt in formats:
            path = safe_path(outdir, f"{spec.slug}.{lang}.{fmt}")
            files[path] = render(
                spec, lang, fmt, allow_fallback=allow_fallback, template=template, warnings=result.warnings
            )
    write_all(files)
    result.files = list(files)
    result.warnings = list(dict.fromkeys(result.warnings))
    return result
