"""The print-ready PDF, drawn with reportlab's platypus.

Every value reaches reportlab as escaped text inside markup that this module
writes itself, so nothing in a spec or catalog can become a reportlab tag
(an ``<img>`` that embeds a local file, a ``javascript:`` link). Fonts are
embedded TrueType subsets chosen per script run (see ``fonts``). Output is
byte-identical for the same input: reportlab's ``invariant`` mode fixes the
document ID and dates, and the creation date written is the appeal's date.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from .. import fonts
from ..document import Addressee, Letter
from ..markup import Para, Run

MM = 72 / 25.4
PAGE_W, PAGE_H = 595.2756, 841.8898  # A4
MARGIN = 20 * MM
ACCENT = "#B3121B"
GREY = "#555555"


@dataclass(frozen=True)
class PdfOptions:
    page_size: tuple[float, float] = (PAGE_W, PAGE_H)


# --------------------------------------------------------------------------
# Fonts


_REGISTERED: dict[str, str] = {}


def _register(script: str) -> str:
    """Register a script's faces as one reportlab family; return its name."""
    if script in _REGISTERED:
        return _REGISTERED[script]
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    chosen = fonts.resolve(script)
    family = f"AG-{script}"
    for style in fonts.STYLES:
        face = chosen.face(style)
        name = f"{family}-{style}"
        pdfmetrics.registerFont(TTFont(name, face.path, subfontIndex=face.index))
        bold = style in ("bold", "bolditalic")
        italic = style in ("italic", "bolditalic")
        addMapping(family, int(bold), int(italic), name)
    _REGISTERED[script] = family
    return family


def _split_scripts(text: str, base: str) -> Iterator[tuple[str, str]]:
    """Cut *text* into (script, piece); neutral characters stay with their run."""
    current = base
    buf: list[str] = []
    for ch in text:
        script = fonts.script_of(ch) or current
        if script != current and buf:
            yield current, "".join(buf)
            buf = []
        current = script
        buf.append(ch)
    if buf:
        yield current, "".join(buf)


def _style_key(run: Run, force_bold: bool) -> str:
    bold = run.bold or force_bold
    return {(False, False): "regular", (True, False): "bold", (False, True): "italic", (True, True): "bolditalic"}[
        (bold, run.italic)
    ]


def _markup(para: Para, base: str, *, bold: bool = False) -> str:
    """Paragraph markup for reportlab, with every value escaped.

    Each character is checked against the exact face that will draw it, and
    neutral characters (spaces, digits, punctuation) that the run's font
    lacks move to the Latin font, so nothing is ever drawn as a box.
    """
    out = []
    for run in para.runs:
        style = _style_key(run, bold)
        pieces = []
        for script, piece in _split_scripts(run.text, base):
            face = fonts.resolve(script).face(style)
            have = fonts.coverage(face.path, face.index)
            if script != "latin" and any(ord(c) not in have and fonts.script_of(c) is None for c in piece):
                # Neutral characters the script's font lacks (e.g. U+202F in
                # Khmer fonts) are drawn with the Latin font.
                sub: list[tuple[str, str]] = []
                for c in piece:
                    s = script if (ord(c) in have or fonts.script_of(c) is not None) else "latin"
                    if sub and sub[-1][0] == s:
                        sub[-1] = (s, sub[-1][1] + c)
                    else:
                        sub.append((s, c))
            else:
                sub = [(script, piece)]
            for s, p in sub:
                fonts.check_glyphs(p, fonts.resolve(s).face(style), para.field)
                family = _register(s)
                pieces.append(f'<font name="{family}-{style}">{escape(p)}</font>')
        text = "".join(pieces)
        if run.url:
            text = f'<a href="{escape(run.url, {chr(34): "&quot;"})}" color="{ACCENT}">{text}</a>'
        out.append(text)
    return "".join(out)


# --------------------------------------------------------------------------
# Styles


def _styles(base_family: str) -> dict[str, Any]:
    from reportlab.lib.colors import HexColor
    from reportlab.lib.styles import ParagraphStyle

    body = ParagraphStyle("body", fontName=f"{base_family}-regular", fontSize=10, leading=14.5, spaceAfter=6)
    return {
        "body": body,
        "small": ParagraphStyle("small", parent=body, fontSize=8, leading=10.5, spaceAfter=0, textColor=HexColor(GREY)),
        "org": ParagraphStyle(
            "org", parent=body, fontName=f"{base_family}-bold", fontSize=15, leading=19, spaceAfter=2
        ),
        "label": ParagraphStyle(
            "label", parent=body, fontName=f"{base_family}-bold", fontSize=11, leading=14, textColor=HexColor(ACCENT)
        ),
        "ref": ParagraphStyle("ref", parent=body, fontSize=8.5, leading=11, spaceAfter=0, textColor=HexColor(GREY)),
        "dateline": ParagraphStyle("dateline", parent=body, spaceBefore=10, spaceAfter=10),
        "title": ParagraphStyle(
            "title", parent=body, fontName=f"{base_family}-bold", fontSize=18, leading=23, spaceAfter=6
        ),
        "status": ParagraphStyle("status", parent=body, fontSize=10.5, spaceAfter=10, textColor=HexColor(ACCENT)),
        "h1": ParagraphStyle(
            "h1",
            parent=body,
            fontName=f"{base_family}-bold",
            fontSize=12.5,
            leading=16,
            spaceBefore=10,
            spaceAfter=4,
            textColor=HexColor(ACCENT),
        ),
        "h2": ParagraphStyle(
            "h2", parent=body, fontName=f"{base_family}-bold", fontSize=10.5, leading=14, spaceBefore=8, spaceAfter=4
        ),
        "urge": ParagraphStyle("urge", parent=body, fontName=f"{base_family}-bold", spaceBefore=4),
        "demand": ParagraphStyle(
            "demand", parent=body, leftIndent=7 * MM, bulletIndent=0, bulletFontName=f"{base_family}-regular"
        ),
        "address": ParagraphStyle("address", parent=body, spaceAfter=0, leading=13.5),
        "salutation": ParagraphStyle("salutation", parent=body, spaceBefore=3, spaceAfter=10, leading=13.5),
        "deadline": ParagraphStyle("deadline", parent=body, fontName=f"{base_family}-bold", fontSize=11, leading=15),
    }


# --------------------------------------------------------------------------
# The document


def _page_canvas(letter: Letter, base_family: str, pages_total: list[int]) -> type:
    from reportlab.lib.colors import HexColor
    from reportlab.pdfgen.canvas import Canvas

    class NumberedCanvas(Canvas):
        """Holds pages back until the end so each footer can say 'of M'."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._saved: list[dict[str, object]] = []

        def showPage(self) -> None:  # noqa: N802 - reportlab's name
            self._saved.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._saved)
            pages_total.append(total)
            for state in self._saved:
                self.__dict__.update(state)
                self._footer(total)
                super().showPage()
            super().save()

        def _footer(self, total: int) -> None:
            label = letter.page_label.format(page=self._pageNumber, pages=total)
            self.saveState()
            self.setStrokeColor(HexColor("#BBBBBB"))
            self.setLineWidth(0.5)
            self.line(MARGIN, 15 * MM, PAGE_W - MARGIN, 15 * MM)
            self.setFillColor(HexColor(GREY))
            self.setFont(f"{base_family}-regular", 8)
            self.drawString(MARGIN, 10 * MM, letter.reference)
            self.drawRightString(PAGE_W - MARGIN, 10 * MM, label)
            self.restoreState()

    return NumberedCanvas


def _address_block(a: Addressee, st: dict[str, Any], base: str) -> list[Any]:
    from reportlab.platypus import Paragraph

    lines = "<br/>".join(_markup(p, base) for p in (*a.lines, *a.contact))
    flow = [Paragraph(lines, st["address"])]
    if a.salutation:
        flow.append(Paragraph(_markup(a.salutation, base), st["salutation"]))
    else:
        flow[-1] = Paragraph(lines, st["salutation"])
    return flow


def render_pdf(letter: Letter, options: PdfOptions | None = None) -> bytes:
    """Draw *letter* as a PDF and return its bytes."""
    from reportlab.lib.colors import HexColor
    from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    options = options or PdfOptions()
    base = "latin"
    family = _register(base)
    st = _styles(family)

    def P(para: Para, style: str, *, bold: bool = False) -> Paragraph:  # noqa: N802
        return Paragraph(_markup(para, base, bold=bold), st[style])

    def T(text: str, style: str, field: str | None = None) -> Paragraph:  # noqa: N802
        return P(Para((Run(text),), field), style)

    story: list[object] = []
    head_left = [T(letter.issuer_names, "org", "issuers")] + [T(c, "small", "issuers") for c in letter.issuer_contact]
    head_right = [T(letter.label_urgent.upper(), "label"), T(letter.reference, "ref", "reference")]
    width = options.page_size[0] - 2 * MARGIN
    head = Table([[head_left, head_right]], colWidths=[width * 0.62, width * 0.38])
    head.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), f"{family}-regular"),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("LINEBELOW", (0, 0), (-1, 0), 1.5, HexColor(ACCENT)),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
            ]
        )
    )
    story.append(head)
    story.append(T(letter.dateline, "dateline", "date"))
    story.append(P(letter.title, "title"))
    story.append(P(letter.status, "status"))
    for section in letter.sections:
        heading = P(section.heading, "h2" if section.subheading else "h1")
        paras = [P(p, "body") for p in section.paras]
        story.append(KeepTogether([heading, *paras[:1]]))
        story.extend(paras[1:])
    story.extend(P(p, "body") for p in letter.concern)
    story.append(P(letter.urge, "urge"))
    for number, demand in letter.demands:
        story.append(Paragraph(_markup(demand, base), st["demand"], bulletText=number))
    story.append(KeepTogether([P(letter.write_to_heading, "h1"), *_address_block(letter.addressees[0], st, base)]))
    story.extend(KeepTogether(_address_block(a, st, base)) for a in letter.addressees[1:])
    if letter.copies_heading:
        story.append(KeepTogether([P(letter.copies_heading, "h1"), *_address_block(letter.copies[0], st, base)]))
        story.extend(KeepTogether(_address_block(a, st, base)) for a in letter.copies[1:])
    if letter.deadline:
        box = Table([[P(letter.deadline, "deadline")]], colWidths=[width])
        box.setStyle(
            TableStyle(
                [
                    ("FONTNAME", (0, 0), (-1, -1), f"{family}-regular"),
                    ("BACKGROUND", (0, 0), (-1, -1), HexColor("#F6E3E4")),
                    ("LINEBEFORE", (0, 0), (0, -1), 3, HexColor(ACCENT)),
                    ("TOPPADDING", (0, 0), (-1, -1), 7),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 7),
                    ("LEFTPADDING", (0, 0), (-1, -1), 9),
                ]
            )
        )
        story.append(Spacer(width, 6))
        story.append(box)
    if letter.links_heading:
        story.append(P(letter.links_heading, "h1"))
        story.extend(P(p, "body") for p in letter.links)

    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=options.page_size,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=22 * MM,
        title=letter.title.text,
        author=letter.issuer_names,
        subject=letter.meta_subject,
        keywords=list(letter.meta_keywords),
        creator="appeal-gen",
        producer="appeal-gen (reportlab)",
        lang=letter.bcp47,
        invariant=1,
        displayDocTitle=1,
        initialFontName=f"{family}-regular",
    )
    pages: list[int] = []
    doc.build(story, canvasmaker=_page_canvas(letter, family, pages))
    return buf.getvalue()
