"""A theme's letterhead and footer line in the PDF (theme.py reads them; docs/theme.md describes them).

The letterhead is a band at the top of the first page: the logo on the
reading side's start (left, or right in a right-to-left letter) and the
organisation's name, address and contacts on the other side, flush with the
margin. The footer line is centred under the reference and page number on
every page. Both are drawn with the letter's own ``Writer``, so every
character goes through the same per-script font choice and glyph check as
the letter; a character no font has is reported at its place in the theme
file.

The logo is one image in the PDF: in a batch it is part of the language's
shared layout (render/personal.py), so it is embedded and drawn once per
layout, never per letter, from streams encoded once per process
(render/pdfimage.py).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from ..errors import InputError
from ..theme import Theme, field_of, pick
from .pdfstyles import MM, layout_grid

if TYPE_CHECKING:
    from .paragraphs import Writer

T = TypeVar("T")

#: The logo is at most this tall, whatever its width: a letterhead, not a cover page.
MAX_LOGO_HEIGHT = 30 * MM
#: Space between the band and the letter's own head.
BAND_GAP = 5 * MM


@dataclass(frozen=True)
class Letterhead:
    """What a theme draws on a letter in one language: hashable, part of a layout's key."""

    theme: Theme
    lang: str

    @property
    def footer(self) -> str | None:
        return self.theme.footer_text(self.lang)


def located(theme: Theme, field: str, make: Callable[[], T]) -> T:
    """``make()``, with an input error it raises (a missing glyph) placed in the theme file at *field*."""
    try:
        return make()
    except InputError as exc:
        raise theme.error(exc, field) from None


def band(w: Writer, letterhead: Letterhead, width: float) -> list[Any]:
    """The flowables of the letterhead band (empty when the theme has no logo and no organisation block)."""
    from reportlab.platypus import Spacer, Table

    from .pdfimage import logo_flowable_class

    theme = letterhead.theme
    if not theme.has_letterhead:
        return []
    logo = theme.logo
    logo_cell: Any = ""
    logo_w = 0.0
    if logo is not None:
        logo_w = logo.width
        height = logo_w * logo.image.aspect
        if height > MAX_LOGO_HEIGHT:
            height, logo_w = MAX_LOGO_HEIGHT, MAX_LOGO_HEIGHT / logo.image.aspect
        logo_cell = logo_flowable_class()(logo.image, logo_w, height)
    block_w = width - logo_w - (6 * MM if logo is not None else 0)
    name, lines = theme.letterhead_lines(letterhead.lang)
    block = []
    lang = letterhead.lang
    if name:
        where = field_of("organisation.name", theme.name, lang)
        block.append(located(theme, where, lambda: w.text(name, "lh-name", None, block_w)))
    in_address = len(pick(theme.address, lang) or ())  # type: ignore[arg-type]
    for i, line in enumerate(lines):
        if i < in_address:
            where = f"{field_of('organisation.address', theme.address, lang)}.{i}"
        else:
            where = f"{field_of('organisation.contacts', theme.contacts, lang)}.{i - in_address}"
        block.append(located(theme, where, functools.partial(w.text, line, "lh-line", None, block_w)))
    cells: list[Any] = [logo_cell, block]
    widths = [width - block_w, block_w]
    if w.rtl:
        cells.reverse()
        widths.reverse()
    table = Table([cells], colWidths=widths)
    table.setStyle(layout_grid(w.family, ("VALIGN", (0, 0), (-1, -1), "MIDDLE")))
    return [table, Spacer(width, BAND_GAP)]


def footer_line(w: Writer, letterhead: Letterhead, width: float) -> Any:
    """The theme's footer line as a paragraph *width* wide (None: the theme has none)."""
    text = letterhead.footer
    if text is None:
        return None
    where = field_of("footer", letterhead.theme.footer, letterhead.lang)
    return located(letterhead.theme, where, lambda: w.text(text, "lh-footer", None, width))
