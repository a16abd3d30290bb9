"""Any Unicode in a text field gives a valid PDF and DOCX, or a clear glyph error.

Hypothesis draws text from the characters that break documents in practice:
bidi overrides and isolates, zero-width joiners and emoji ZWJ sequences,
combining marks, control characters and lone surrogates, Arabic, Khmer and
Chinese next to Latin. Whatever it draws, the outcome is one of two:
the DOCX reads back with the text (unprintable characters replaced, as
sanitize.py says) and the PDF opens with its pages, or the build stops with
MissingGlyphError naming the field and the character.
"""

from __future__ import annotations

import io
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from appeal_gen import build_letter, parse_spec
from appeal_gen.errors import MissingGlyphError
from appeal_gen.locale import LocaleInfo
from appeal_gen.render.docx import DocxOptions, render_docx
from appeal_gen.render.pdf import render_pdf
from appeal_gen.sanitize import clean

from ..conftest import DATA, docx_paragraphs

MINIMAL = (DATA / "minimal.yaml").read_text(encoding="utf-8")

SPECIAL = (
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f"  # bidi embeddings, overrides, isolates, marks
    "\u200b\u200c\u200d\u2060\ufeff"  # zero-width space, (non-)joiners, word joiner, BOM
    "\u0301\u0308\u0327\u0651\u064b\u17d2"  # combining marks, Arabic shadda and tanwin, Khmer coeng
    "\x00\x01\x07\x0b\x0c\x1b\x7f\x85\x9b\ufffe\uffff"  # control characters and non-characters
    "\ud800\udfff"  # lone surrogates
    "\U0001f469\U0001f3fd\u2764\ufe0f\U0001f1f0\U0001f1ed"  # emoji, skin tone, variation selector, flag
    "مركز البحرين ١٢٣ នាយករដ្ឋមន្ត្រី 柬埔寨人权中心 Ñúñez Ωμέγα Привет «»—–…"
)
# Characters of the spec's inline markup are left out: `**x**` is bold by
# design and is tested in test_markup.
TEXT = st.text(
    alphabet=st.one_of(
        st.sampled_from(SPECIAL),
        st.characters(blacklist_categories=("Cs",), blacklist_characters="*_[]()\\`\n\r\t"),
    ),
    min_size=1,
    max_size=60,
).filter(lambda s: s.strip() and not s.strip().startswith(("#", "-", "!", "&", "%", "@")))


# The "ci" profile (tests/conftest.py) draws the same 100 texts every run, so
# a red CI always means a change broke something. To explore new texts:
# `pytest tests/security/test_property.py --hypothesis-profile=explore`
# (1,500 random texts passed when it was written; its one find, an
# unassigned code point in right-to-left text, is now in test_arabic.py).
@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=TEXT)
def test_any_text_gives_valid_documents_or_a_glyph_error(value: str) -> None:
    text = MINIMAL.replace("summary: A defender was detained on 1 March 2024.", f"summary: {json.dumps(value)}")
    spec = parse_spec(text, "x.yaml")
    letter = build_letter(spec, LocaleInfo("en"))
    expected = " ".join(clean(value)[0].split())
    try:
        pdf = render_pdf(letter)
    except MissingGlyphError as exc:
        assert exc.field == "summary"
        assert "has no glyph for U+" in exc.message
        return
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) >= 1
    assert "Release A. Defender immediately" in reader.pages[-1].extract_text() + reader.pages[0].extract_text()
    docx = render_docx(letter, DocxOptions(date=spec.date))
    texts = [" ".join(t.split()) for _, t in docx_paragraphs(docx)]
    assert expected in texts
    # Nothing after the value was lost.
    # The demand paragraph starts with its number, typed (issue 15, item 5).
    assert texts.index(expected) < texts.index("1. Release A. Defender immediately & unconditionally;")
