"""Page furniture: the footer with the reference and "Page N of M" on every page.

reportlab knows a page's number but not the total, so the canvas holds the
pages back until the end and draws each footer then.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..locale import substitute, to_digits
from ..scripts import written_script
from .pdfstyles import MARGIN, MM, PAGE_W
from .pdftags import Recorder, artifact, text_marker

if TYPE_CHECKING:
    from .paragraphs import Writer


def page_canvas(writer: Writer, pages_total: list[int], seed: Any = None, page_width: float = PAGE_W) -> type:
    """A reportlab canvas class that draws *writer*'s letter's footer on pages *page_width* wide.

    The footer spans the page between the margins: it used to assume A4's
    width, so on a wider page it stopped short of the right margin.
    """
    from reportlab.lib.colors import HexColor
    from reportlab.pdfgen.canvas import Canvas

    from .subsets import stroking_canvas

    letter = writer.letter

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
                self._footer(total)
                self.ag_structure.place_bookmarks(self, self.getPageNumber())
                super().showPage()
            super().save()

        def _footer(self, total: int) -> None:
            numbers = {"page": str(self.getPageNumber()), "pages": str(total)}
            label = substitute(letter.page_label, {k: to_digits(v, letter.digit_zero) for k, v in numbers.items()})
            with artifact(self):
                self._draw_footer(label)

        def _draw_footer(self, label: str) -> None:
            self.saveState()
            self.setStrokeColor(HexColor("#BBBBBB"))
            self.setLineWidth(0.5)
            self.line(MARGIN, 15 * MM, page_width - MARGIN, 15 * MM)
            half = (page_width - 2 * MARGIN) / 2
            ref = writer.reference(letter.reference, "footer", half)
            page = writer.text(label, "footer", None, half)
            left, right = (page, ref) if writer.rtl else (ref, page)
            from reportlab.lib.enums import TA_LEFT, TA_RIGHT

            for flow, x, align in ((left, MARGIN, TA_LEFT), (right, MARGIN + half, TA_RIGHT)):
                flow.style = flow.style.clone(f"footer-{align}", alignment=align)
                _, h = flow.wrapOn(self, half, 20 * MM)
                flow.drawOn(self, x, 13 * MM - h)
            self.restoreState()

    return NumberedCanvas
