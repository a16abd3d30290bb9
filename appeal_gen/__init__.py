"""appeal-gen: urgent appeals from one structured spec, in PDF and DOCX, in many languages.

The public API follows the pipeline: ``load_spec`` -> ``build_letter`` (one
language) -> ``render`` (one format, bytes) or ``build`` (files).
"""

from __future__ import annotations

from .build import BuildResult, build, render
from .document import Letter, build_letter
from .errors import (
    AppealGenError,
    CatalogError,
    FontError,
    InputError,
    MissingGlyphError,
    SpecError,
    SpecErrors,
    TemplateError,
    TranslationMissingError,
    UsageError,
)
from .locale import LocaleInfo
from .resources import __version__
from .spec import Spec, load_spec, parse_spec

__all__ = [
    "AppealGenError",
    "BuildResult",
    "CatalogError",
    "FontError",
    "InputError",
    "Letter",
    "LocaleInfo",
    "MissingGlyphError",
    "Spec",
    "SpecError",
    "SpecErrors",
    "TemplateError",
    "TranslationMissingError",
    "UsageError",
    "__version__",
    "build",
    "build_letter",
    "load_spec",
    "parse_spec",
    "render",
]
