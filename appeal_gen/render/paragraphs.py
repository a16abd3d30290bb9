"""Letter paragraphs into reportlab flowables, for one language.

``Writer`` is what the document, the page furniture and the personal parts
share: the language's script, direction, fonts and styles, and the
renderer's context (``PdfContext``), whose cache keeps each paragraph's
parsed markup.
"""

from __future__ import annotations

import copy
from typing import Any

from ..document import Letter
from ..markup import Para, Run
from ..scripts import base_script
from .context import PdfContext
from .linebreak import paragraph_markup
from .pdffonts import register
from .pdfstyles import paragraph_styles


class Writer:
    """Turns letter paragraphs into reportlab flowables for one language."""

    def __init__(self, letter: Letter, width: float, context: PdfContext) -> None:
        self.letter = letter
        self.context = context
        self.rtl = letter.rtl
        self.base = base_script(letter.lang)
        self.family = register(self.base)
        register("latin")
        self.width = width
        self.styles = paragraph_styles(self.family, rtl=self.rtl, script=self.base)

    def markup(self, para: Para, style_name: str, width: float | None = None) -> str:
        return paragraph_markup(self.base, self.rtl, para, style_name, width or self.width)

    def para(self, para: Para, style: str, width: float | None = None) -> Any:
        flow = self.paragraph(self.markup(para, style, width), style)
        flow.ag_field = para.field  # named in the error if it cannot be laid out (pdfdocument.layout_error)
        return flow

    def paragraph(self, markup: str, style: str, bullet: str | None = None) -> Any:
        return paragraph(self.context, markup, self.styles[style], (self.base, self.rtl, style), bullet)

    def text(self, text: str, style: str, field: str | None = None, width: float | None = None) -> Any:
        return self.para(Para((Run(text),), field), style, width)


def paragraph(
    context: PdfContext, markup: str, style: Any, key: tuple[str, bool, str], bullet: str | None = None
) -> Any:
    """A reportlab Paragraph whose markup is parsed once per worker.

    Parsing the markup (reportlab's paraparser) is a fifth of a letter's
    time. The fragments depend only on the markup and the style, and the
    style only on *key* (script, direction, style name), so each letter gets
    fresh copies of the fragments parsed for the first. Bounded (``PdfContext.parsed``):
    it is emptied when full.
    """
    from reportlab.platypus import Paragraph

    parsed = context.parsed.get((markup, key))
    if parsed is None:
        first = Paragraph(markup, style)
        parsed = (first.text, first.frags)
        context.parsed.put((markup, key), parsed)
    text, frags = parsed
    return Paragraph(text, style, bulletText=bullet, frags=[copy.copy(f) for f in frags])
