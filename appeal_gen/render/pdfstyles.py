"""The PDF's look: page geometry, colours and the paragraph styles of a letter.

Kept apart from the drawing code so that a second PDF flavour (a tagged
PDF, a different house style) changes one module; the styles are made once
per worker and script and only read by letters.
"""

from __future__ import annotations

import functools
from typing import Any

MM = 72 / 25.4
PAGE_W, PAGE_H = 595.2756, 841.8898  # A4
MARGIN = 20 * MM
ACCENT = "#B3121B"
GREY = "#555555"
#: reportlab's default Frame padding on each side.
FRAME_PADDING = 6


@functools.lru_cache(maxsize=32)
def paragraph_styles(base_family: str, *, rtl: bool, script: str, accent: str = ACCENT) -> dict[str, Any]:
    """The paragraph styles of a letter; made once per worker, script and accent (a letter only reads them).

    *accent* is the theme's colour (theme.py) for headings, labels and the status.
    """
    from reportlab.lib.colors import HexColor
    from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
    from reportlab.lib.styles import ParagraphStyle

    body = ParagraphStyle(
        "body",
        fontName=f"{base_family}-regular",
        fontSize=10,
        leading=16 if script in ("khmer", "arabic") else 14.5,
        spaceAfter=6,
        alignment=TA_RIGHT if rtl else TA_LEFT,
        wordWrap="CJK" if script == "han" else None,
        shaping=1 if script == "khmer" else 0,
        bulletFontName=f"{base_family}-regular",
        # Never a paragraph's last line alone at the top of a page (nor,
        # reportlab's default, its first line alone at the bottom).
        allowWidows=0,
        allowOrphans=0,
    )

    def st(name: str, **kw: Any) -> ParagraphStyle:
        bold = kw.pop("bold", False)
        if bold:
            kw["fontName"] = f"{base_family}-bold"
        return ParagraphStyle(name, parent=body, **kw)

    small = st("small", fontSize=8, leading=11 if script != "khmer" else 13, spaceAfter=0, textColor=HexColor(GREY))
    return {
        "body": body,
        "small": small,
        "org": st("org", bold=True, fontSize=15, leading=21, spaceAfter=2),
        "label": st("label", bold=True, fontSize=11, leading=15, textColor=HexColor(accent)),
        "ref": st("ref", fontSize=8.5, leading=12, spaceAfter=0, textColor=HexColor(GREY)),
        "dateline": st("dateline", spaceBefore=10, spaceAfter=10),
        "title": st("title", bold=True, fontSize=18, leading=26, spaceAfter=6),
        # A letter's subject line: the title, in bold at the text's size (letters.py).
        "subject": st("subject", bold=True, spaceBefore=2, spaceAfter=8),
        "status": st("status", fontSize=10.5, spaceAfter=10, textColor=HexColor(accent)),
        "h1": st("h1", bold=True, fontSize=12.5, leading=18, spaceBefore=10, spaceAfter=4, textColor=HexColor(accent)),
        "h2": st("h2", bold=True, fontSize=10.5, leading=16, spaceBefore=8, spaceAfter=4),
        "urge": st("urge", bold=True, spaceBefore=4),
        "demand": st("demand", leftIndent=0 if rtl else 7 * MM, bulletIndent=0),
        "number": st("number", alignment=TA_RIGHT if rtl else TA_LEFT),
        "address": st("address", spaceAfter=0, leading=body.leading - 1),
        "salutation": st("salutation", spaceBefore=3, spaceAfter=10),
        "closing": st("closing", spaceBefore=10, spaceAfter=14),
        "deadline": st("deadline", bold=True, fontSize=11, leading=17),
        "footer": st("footer", fontSize=8, leading=10, spaceAfter=0, textColor=HexColor(GREY)),
        # A theme's letterhead (render/letterhead.py): its organisation block on the side away from the logo.
        "lh-name": st(
            "lh-name", bold=True, fontSize=11, leading=15, spaceAfter=1, alignment=TA_LEFT if rtl else TA_RIGHT
        ),
        "lh-line": ParagraphStyle("lh-line", parent=small, alignment=TA_LEFT if rtl else TA_RIGHT),
        "lh-footer": st(
            "lh-footer",
            fontSize=7.5,
            leading=10 if script != "khmer" else 12,
            spaceAfter=0,
            textColor=HexColor(GREY),
            alignment=TA_CENTER,
        ),
    }


@functools.lru_cache(maxsize=64)
def style_metrics(base: str, rtl: bool, style_name: str) -> tuple[bool, float, float]:
    """What line breaking needs of a style: bold or not, font size, left plus right indent."""
    style = paragraph_styles(f"AG-{base}", rtl=rtl, script=base)[style_name]
    return style.fontName.endswith("-bold"), style.fontSize, style.leftIndent + style.rightIndent


def tint(colour: str, strength: float = 0.12) -> str:
    """*colour* mixed into white: the deadline box's background for a theme's accent."""
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return "#" + "".join(f"{round(255 - (255 - c) * strength):02X}" for c in (r, g, b))


def layout_grid(family: str, *extra: tuple[Any, ...]) -> Any:
    """A borderless layout table in the letter's font (not reportlab's Helvetica)."""
    from reportlab.platypus import TableStyle

    return TableStyle(
        [
            ("FONTNAME", (0, 0), (-1, -1), f"{family}-regular"),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            *extra,
        ]
    )


#: Chinese punctuation that must not begin a line (GB/T 15834 and the
#: W3C's Chinese layout requirements) but that reportlab's Japanese-based
#: list lacks: without them a line of Chinese can start with "，".
CANNOT_START = "，；：？！》〉”’…·%}"


def line_start_rules() -> None:
    # Both copies: Paragraph uses its own for mixed-font text and textsplit's
    # for single-font text.
    from reportlab.lib import textsplit
    from reportlab.platypus import paragraph

    for module in (textsplit, paragraph):
        missing = "".join(c for c in CANNOT_START if c not in module.ALL_CANNOT_START)
        module.ALL_CANNOT_START += missing
