"""The print-ready PDF, drawn with reportlab's platypus.

Every value reaches reportlab as escaped text inside markup that this module
writes itself (``pdffonts``), so nothing in a spec or catalog can become a reportlab tag
(an ``<img>`` that embeds a local file, a ``javascript:`` link). Fonts are
embedded TrueType subsets chosen per script run (see ``fonts``). Output is
byte-identical for the same input: reportlab's ``invariant`` mode fixes the
document ID and dates, and the creation date written is the appeal's date.

The renderer is split along its seams; this module is its entry point:

- ``pdffonts``: which font draws each character, registered on first use;
- ``linebreak``: Arabic and Khmer line breaking and bidi ordering;
- ``pdfstyles``: page geometry, colours, paragraph styles;
- ``paragraphs``: letter paragraphs into reportlab flowables;
- ``furniture``: the footer and "Page N of M";
- ``pdfdocument``: the letter as one reportlab document;
- ``personal``: a batch letter as its language's layout plus its personal parts;
- ``context``: the caches kept between letters (``PdfContext``);
- ``subsets``: the one module touching reportlab's private internals.
"""

from __future__ import annotations

import datetime as _dt
import functools
from typing import TYPE_CHECKING

from ..document import Letter
from ..errors import MissingGlyphError
from ..markup import Para, Run
from ..scripts import base_script
from ..theme import Theme
from .context import PdfContext, default_context, set_default_context
from .letterhead import Letterhead
from .paragraphs import unbreakable_parts
from .pdfdocument import ADDRESS_LINES, PdfOptions, render_document
from .pdffonts import DEFAULT_FONTS, REGISTERED, FontSet, markup, register, using
from .personal import personal_parts, shared_layout
from .stationery import Stationery

if TYPE_CHECKING:
    from .registry import RenderRequest

__all__ = [
    "ADDRESS_LINES",
    "PdfContext",
    "PdfOptions",
    "glyph_problems",
    "options_for",
    "register_fonts",
    "render_pdf",
    "set_default_context",
    "theme_fonts",
]

#: Compatibility for ``tests/test_batch.py`` until round two moves it to ``pdffonts.REGISTERED``.
_REGISTERED = REGISTERED


def register_fonts(letter: Letter, theme: Theme | None = None) -> None:
    """The fonts every page of *letter* draws with, *theme*'s own where it gives them (others are
    registered when a character needs them). A batch worker calls this once per language."""
    with using(theme_fonts(theme)):
        register(base_script(letter.lang))
        register("latin")


def render_pdf(letter: Letter, options: PdfOptions | None = None, context: PdfContext | None = None) -> bytes:
    """Draw *letter* as a PDF and return its bytes.

    A personal letter (batch) is its language's shared layout plus its own
    address, salutation and signature: see render/personal.py. *context*
    holds the caches kept between letters (default: the process's).
    """
    options = options or PdfOptions()
    context = context or default_context()
    with using(options.fonts):
        if letter.recipient is None:
            return render_document(letter, options, context, None)
        layout = shared_layout(letter, options, context)
        return layout.compose(personal_parts(letter, layout, context))


def glyph_problems(letter: Letter, font_set: FontSet = DEFAULT_FONTS) -> list[MissingGlyphError]:
    """Every character of *letter* that no chosen face can draw, each once per field.

    The validation pass (validate.py) calls this so that ``check`` and
    ``build`` report every missing glyph of every field at once, instead of
    the render stopping at the first. It walks the same paragraphs with the
    same face choice as the render (``pdffonts.markup``), without laying
    anything out. Paragraph styles add no bold here: every bold paragraph of
    a letter is bold in its runs. *font_set*: a theme's fonts (``theme_fonts``).
    """
    base = base_script(letter.lang)
    problems: list[MissingGlyphError] = []
    paras = [
        Para((Run(letter.issuer_names, bold=True),), "issuers"),
        *(Para((Run(line),), "issuers") for line in letter.issuer_contact),
        Para((Run(unbreakable_parts(letter.reference)),), "reference"),
        Para((Run(letter.dateline),), "dateline"),
        *letter.all_paras(),
    ]
    with using(font_set):
        for para in paras:
            markup(para, base, problems=problems)
    seen: set[tuple[str | None, str]] = set()
    unique = []
    for p in problems:
        if (p.field, p.message) not in seen:
            seen.add((p.field, p.message))
            unique.append(p)
    return unique


def render_request(request: RenderRequest) -> bytes:
    """The PDF format's entry in ``render.registry``."""
    options = options_for(
        request.theme, request.letter.lang, request.stationery, date=request.date, standard=request.pdf_standard
    )
    return render_pdf(request.letter, options)


def theme_fonts(theme: Theme | None) -> FontSet:
    """The fonts *theme* draws with: its own per script (``fonts:``), the defaults for the rest."""
    if theme is None or not theme.fonts:
        return DEFAULT_FONTS
    return FontSet(theme.fonts, theme.path)


@functools.lru_cache(maxsize=64)
def options_for(
    theme: Theme | None,
    lang: str,
    stationery: Stationery | None = None,
    *,
    date: _dt.date | None = None,
    standard: str | None = None,
) -> PdfOptions:
    """*theme*'s page and look for letters in *lang*, on *stationery*: one object per theme and language.

    The same object for every letter of a batch, so a language's shared
    layout (keyed by it, render/personal.py) is found by a cheap look-up.
    Stationery must be the letters' paper size (``StationeryError``).
    """
    if theme is None:
        options = PdfOptions(stationery=stationery, date=date, standard=standard)
    else:
        options = PdfOptions(
            fonts=theme_fonts(theme),
            page_size=theme.page_size,
            margins=theme.margins,
            accent=theme.accent,
            letterhead=Letterhead(theme, lang) if theme.has_letterhead or theme.footer else None,
            stationery=stationery,
            date=date,
            standard=standard,
        )
    if stationery is not None:
        stationery.check_size(options.page_size)
    return options
