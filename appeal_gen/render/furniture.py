"""Page furniture: the footer with the reference and "Page N of M" (``numbered`` says on which pages).

reportlab knows a page's number but not the total, so the canvas holds the
pages back until the end and draws each footer then.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..locale import substitute, to_digits
from ..scripts import written_script
from .pdfstyles import MM
from .pdftags import Recorder, artifact, text_marker

if TYPE_CHECKING:
    from .paragraphs import Writer


def numbered(kind: str, page: int) -> bool:
    """Whether page *page* of a letter of *kind* says "Page N of M".

    The appeal numbers every page. A letter (a batch's, either kind) follows
    the convention of correspondence: its first page carries no number (a
    one-page letter has none at all, never "Page 1 of 1"), its continuation
    pages "Page 2 of 3", so a page that comes loose is put back in order.
    The DOCX does the same with a first-page footer (render/docxpages.py).
    """
    return kind == "appeal" or page > 1


def page_canvas(writer: Writer, pages_total: list[int], seed: Any = None, *, options: Any) -> type:
    """A reportlab canvas class that draws *writer*'s letter's footer on *options*' pages (a ``PdfOptions``).

    The footer spans the page between the margins: it used to assume A4's
    width, so on a wider page it stopped short of the right margin. It sits
    under the bottom margin (its rule 7 mm below it), with a theme's footer
    line under the reference and page number.
    """
    from reportlab.lib.colors import HexColor
    from reportlab.pdfgen.canvas import Canvas

    from .subsets import stroking_canvas

    letter = writer.letter
    page_width = options.page_size[0]
    _, right_margin, bottom, left_margin = options.margins
    rule = bottom - 7 * MM
    stationery = options.stationery
    # Pre-printed stationery carries its own letterhead and footer: the theme's are not drawn on it.
    letterhead = options.letterhead if stationery is None else None

    class NumberedCanvas(stroking_canvas(Canvas)):  # type: ignore[misc]
        """Holds pages back until the end so each footer can say 'of M'."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._saved: list[dict[str, object]] = []
            self.ag_structure = Recorder(letter.bcp47, written_script(letter.lang))
            self.ag_mark = text_marker(self, letter.lang)
            if seed is not None:
                from .subsets import document_of, record

                record(document_of(self), seed)

        def showPage(self) -> None:  # noqa: N802 - reportlab's name
            self._saved.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._saved)
            pages_total.append(total)
            for state in self._saved:
                self.__dict__.update(state)
                if stationery is not None:
                    from .stationery import paint

                    paint(self, stationery.paper(self.getPageNumber()))
                self._footer(total)
                self.ag_structure.place_bookmarks(self, self.getPageNumber())
                super().showPage()
            super().save()

        def _footer(self, total: int) -> None:
            page = self.getPageNumber()
            label = ""
            if numbered(letter.kind, page):
                numbers = {"page": str(page), "pages": str(total)}
                label = substitute(letter.page_label, {k: to_digits(v, letter.digit_zero) for k, v in numbers.items()})
            if not (label or letter.reference or (letterhead is not None and letterhead.footer)):
                return  # a supporter's first page: no rule over an empty footer
            with artifact(self):
                self._draw_footer(label)

        def _draw_footer(self, label: str) -> None:
            self.saveState()
            self.setStrokeColor(HexColor("#BBBBBB"))
            self.setLineWidth(0.5)
            self.line(left_margin, rule, page_width - right_margin, rule)
            half = (page_width - left_margin - right_margin) / 2
            ref = writer.reference(letter.reference, "footer", half)
            page = writer.text(label, "footer", None, half)
            left, right = (page, ref) if writer.rtl else (ref, page)
            from reportlab.lib.enums import TA_LEFT, TA_RIGHT

            top = rule - 2 * MM
            for flow, x, align in ((left, left_margin, TA_LEFT), (right, left_margin + half, TA_RIGHT)):
                flow.style = flow.style.clone(f"footer-{align}", alignment=align)
                _, h = flow.wrapOn(self, half, 20 * MM)
                flow.drawOn(self, x, top - h)
            if letterhead is not None and letterhead.footer:
                from .letterhead import footer_line

                line = footer_line(writer, letterhead, 2 * half)
                _, h = line.wrapOn(self, 2 * half, 20 * MM)
                flow_h = max(left.height, right.height)
                line.drawOn(self, left_margin, top - flow_h - 1 * MM - h)
            self.restoreState()

    return NumberedCanvas
