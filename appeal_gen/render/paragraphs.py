"""Letter paragraphs into reportlab flowables, for one language.

``Writer`` is what the document, the page furniture and the personal parts
share: the language's script, direction, fonts and styles, and the
renderer's context (``PdfContext``), whose cache keeps each paragraph's
parsed markup.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from ..document import REFERENCE_SEPARATOR, Letter
from ..markup import Para, Run
from ..scripts import base_script, has_rtl
from .context import PdfContext
from .linebreak import BREAK_SPACE, paragraph_layout, text_width
from .pdffonts import active, register
from .pdfstyles import ACCENT, paragraph_styles, style_metrics

#: The colour of a link tag as ``pdffonts.markup`` writes it.
_LINK_COLOUR = re.compile(rf'(<a href="[^"]*") color="{ACCENT}">')


class Writer:
    """Turns letter paragraphs into reportlab flowables for one language."""

    def __init__(self, letter: Letter, width: float, context: PdfContext, accent: str = ACCENT) -> None:
        self.letter = letter
        self.context = context
        self.rtl = letter.rtl
        self.base = base_script(letter.lang)
        self.family = register(self.base)
        register("latin")
        self.width = width
        self.accent = accent
        self.styles = paragraph_styles(self.family, rtl=self.rtl, script=self.base, accent=accent)
        #: Parsed paragraphs carry their style's colour and fonts: a theme's are part of their cache key.
        self._suffix = ("" if accent == ACCENT else f"@{accent}") + (f"~{active().key}" if active().key else "")

    def markup(self, para: Para, style_name: str, width: float | None = None) -> str:
        return self._links(paragraph_layout(self.base, self.rtl, para, style_name, width or self.width)[0])

    def _links(self, markup: str) -> str:
        """*markup* with a theme's accent on its links. Only the link tags pdffonts writes can match:
        every text is escaped there, so "<a " never comes from a spec; a colour keeps its length."""
        if self._suffix and "<a " in markup:
            return _LINK_COLOUR.sub(rf'\1 color="{self.accent}">', markup)
        return markup

    def para(self, para: Para, style: str, width: float | None = None, bullet: str | None = None) -> Any:
        markup, spans = paragraph_layout(self.base, self.rtl, para, style, width or self.width)
        flow = self.paragraph(self._links(markup), style, bullet, text=para.text, spans=spans)
        # A paragraph that is one link is a Link element (render/pdftree.py gives it its annotation).
        flow.ag_link = len({r.url for r in para.runs if r.text.strip()}) == 1 and all(
            r.url for r in para.runs if r.text.strip()
        )
        flow.ag_field = para.field  # named in the error if it cannot be laid out (pdfdocument.layout_error)
        return flow

    def paragraph(
        self, markup: str, style: str, bullet: str | None = None, text: str | None = None, spans: Any = None
    ) -> Any:
        """A paragraph that knows its source *text* (``spans``: where its lines are in it; see render/pdftags.py)."""
        flow = paragraph(self.context, markup, self.styles[style], (self.base, self.rtl, style + self._suffix), bullet)
        flow.ag_style, flow.ag_text, flow.ag_spans, flow.ag_key = style, text, spans, object()
        if text is not None:
            # Shaped glyphs in visual order read back as nothing like the text: the PDF carries it.
            # Khmer only: extractors reorder right-to-left text themselves,
            # and reverse an /ActualText given in reading order (poppler, pdfium).
            flow.ag_shaped = self.base == "khmer" and not has_rtl(text)
        return flow

    def text(self, text: str, style: str, field: str | None = None, width: float | None = None) -> Any:
        return self.para(Para((Run(text),), field), style, width)

    def reference(self, reference: str, style: str, width: float) -> Any:
        """The reference line, broken only between its parts ("Reference: X · Follow-up no. 2").

        A no-break space is not enough: Chinese lines break between any two
        characters, and "第 2 次更新" ended a line at "第". So the parts are
        set into lines here, each measured as it is drawn, and a line only
        ends where a separator was.
        """
        bold, size, indents = style_metrics(self.base, self.rtl, style)
        avail = width - indents - 1
        face = "bold" if bold else "regular"
        lines: list[str] = []
        for part in unbreakable_parts(reference).split(REFERENCE_SEPARATOR):
            joined = f"{lines[-1]}{REFERENCE_SEPARATOR}{part}" if lines else part
            if lines and text_width(joined, self.base, face, size) <= avail:
                lines[-1] = joined
            else:
                lines.append(part)
        markup = "<br/>".join(self.markup(Para((Run(line),), "reference"), style, width) for line in lines)
        return self.paragraph(markup, style, text=reference)


def unbreakable_parts(reference: str) -> str:
    """The reference line with no break inside a part: "Follow-up no. 2" never ends a line at "no.".

    Lines may break only between the parts; a no-break space holds each
    label to its number (reportlab and ``linebreak`` both keep it).
    """
    return REFERENCE_SEPARATOR.join(
        re.sub(BREAK_SPACE, "\u00a0", part) for part in reference.split(REFERENCE_SEPARATOR)
    )


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

    from .pdftags import tagged_paragraph_class

    parsed = context.parsed.get((markup, key))
    if parsed is None:
        first = Paragraph(markup, style)
        parsed = (first.text, first.frags)
        context.parsed.put((markup, key), parsed)
    text, frags = parsed
    return tagged_paragraph_class()(text, style, bulletText=bullet, frags=[copy.copy(f) for f in frags])
