"""Arabic line breaking and order, checked on the lines handed to reportlab."""

from __future__ import annotations

import io
import re

from appeal_gen import build_letter, load_spec
from appeal_gen.locale import LocaleInfo
from appeal_gen.markup import Para, Run
from appeal_gen.render import pdf as pdf_module
from appeal_gen.render.context import PdfContext
from appeal_gen.render.linebreak import paragraph_layout, reshaper, text_width
from appeal_gen.render.paragraphs import Writer
from appeal_gen.scripts import base_direction

from ..conftest import EXAMPLE

FIRST = "أعلن رئيس الوزراء أن المركز الكمبودي لحقوق الإنسان"
REST = "(CCHR)، وهو منظمة لحقوق الإنسان، حر في مواصلة أنشطته"


def _lines(text: str, width: float) -> list[str]:
    letter = build_letter(load_spec(str(EXAMPLE)), LocaleInfo("ar"))
    writer = Writer(letter, width, PdfContext())
    return writer.markup(Para((Run(text),), "summary"), "body").split("<br/>")


def test_a_wrapped_line_that_starts_in_latin_stays_right_to_left() -> None:
    """The paragraph's direction rules every line (seen: "(CCHR)،" thrown to the left)."""
    style_width = text_width(FIRST, "arabic", "regular", 10) + 8
    lines = _lines(f"{FIRST} {REST}", style_width)
    assert len(lines) >= 2
    second = lines[1]
    # Visual order, left to right: the logically first word "(CCHR)،" of a
    # right-to-left line is drawn rightmost, i.e. last.
    assert re.sub("<[^>]+>", "", second).endswith("(CCHR)"), second


def test_latin_first_paragraph_keeps_left_to_right_order() -> None:
    assert base_direction("+353 1 212 3750 · info@example.org") == "L"
    assert base_direction("(CCHR) هو منظمة") == "L"
    assert base_direction("2017 أعلن (CCHR)") == "R"


def test_arabic_lines_fit_the_frame() -> None:
    """Measured in the joined letter forms that are drawn, and within the frame."""
    text = "وفي اليوم ذاته الذي أعلن فيه عن التحقيق، أصدر المركز بيانا نفى فيه جميع الادعاءات الموجهة إليه " * 3
    lines = _lines(text, 300)
    assert len(lines) > 3
    widths = [text_width(re.sub("<[^>]+>", "", line), "arabic", "regular", 10) for line in lines]
    assert max(widths) <= 300
    assert min(widths[:-1]) > 250, "lines are filled, not cut short"


def test_arabic_names_inside_an_english_letter_are_joined_and_right_to_left() -> None:
    from pypdf import PdfReader

    from ..conftest import DATA

    spec = load_spec(str(DATA / "arabic_name_in_english.yaml"))
    pdf = pdf_module.render_pdf(build_letter(spec, LocaleInfo("en")))
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    reshape = reshaper().reshape
    # Drawn in joined forms; pypdf reads the right-to-left runs back in
    # logical order, and the PDF's ToUnicode maps give the letters as
    # written (render/subsets.py), so the names can be found and copied.
    for name in ("نبيل رجب", "مركز البحرين لحقوق الإنسان"):
        assert name in text.replace("\n", " ")
        assert reshape(name) not in text
    layout = paragraph_layout("latin", False, Para((Run("its director, نبيل رجب, was"),), None), "body", 400)[0]
    assert reshape("رجب")[::-1] in layout
    assert "its director," in text and "was questioned for six hours." in text


def test_a_character_unicode_does_not_know_inside_rtl_text_is_a_glyph_error() -> None:
    """Found by the property test: python-bidi fails on an unassigned code point."""
    import pytest

    from appeal_gen.errors import MissingGlyphError

    letter = build_letter(load_spec(str(EXAMPLE)), LocaleInfo("en"))
    writer = Writer(letter, 400, PdfContext())
    with pytest.raises(MissingGlyphError) as info:
        writer.markup(Para((Run("مركز \U00018cd6"),), "summary"), "body")
    assert info.value.field == "summary"
    assert "U+18CD6" in info.value.message
