"""Personal parts drawn with the layout's own font subsets (render/subsets.py)."""

from __future__ import annotations

import io
import re
import unicodedata

import pytest
from pypdf import PdfReader

from appeal_gen import build_letter
from appeal_gen.document import Correspondent, personalise
from appeal_gen.locale import LocaleInfo
from appeal_gen.render import pdf as pdf_module
from appeal_gen.render import subsets

from ..conftest import squash


def _letter(spec, lang: str, who: Correspondent):  # type: ignore[no-untyped-def]
    loc = LocaleInfo(lang)
    return personalise(build_letter(spec, loc), spec, loc, who)


def _embedded(pdf: bytes) -> list[str]:
    """The font programs embedded in the file, by name without the subset tag (objects are not compressed)."""
    names = re.findall(rb"/FontFile2 \d+ 0 R\s+/FontName /[A-Z]{6}\+([^\s/>]+)", pdf)
    assert len(names) == pdf.count(b"/FontFile2")
    return sorted(n.decode() for n in names)


def _text(pdf: bytes) -> str:
    return squash(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages))


@pytest.mark.parametrize(
    ("lang", "name", "city"),
    [
        ("en", "Łukasz Dvořák-Ó'Brien", "Zürich"),
        ("fr", "Aïcha Benali", "Besançon"),
        ("ru", "Ёлкин Фёдор", "Казань"),
    ],
)
def test_a_name_in_the_letters_own_alphabet_embeds_no_font_of_its_own(example_spec, lang, name, city) -> None:  # type: ignore[no-untyped-def]
    """Names use the letters the layout's subsets already hold, so a letter embeds only the layout's fonts."""
    plain = Correspondent(name="Ann Lee", signatory_name="Bo Li")
    named = Correspondent(honorific="H.E.", name=name, address=(city,), signatory_name=name, signatory_city=city)
    base = pdf_module.render_pdf(_letter(example_spec, lang, plain))
    pdf = pdf_module.render_pdf(_letter(example_spec, lang, named))
    assert _embedded(pdf) == _embedded(base)
    text = _text(pdf)
    assert text.count(name) == 2 and city in text


def test_a_character_the_layout_lacks_gets_a_subset_of_its_own(example_spec) -> None:  # type: ignore[no-untyped-def]
    base = pdf_module.render_pdf(_letter(example_spec, "en", Correspondent(name="Ann Lee")))
    pdf = pdf_module.render_pdf(_letter(example_spec, "en", Correspondent(name="Ann Lee", address=("Πάτρα 獅子",))))
    assert len(_embedded(pdf)) > len(_embedded(base))
    assert "Πάτρα 獅子" in _text(pdf)


def test_an_arabic_name_reads_back_in_order(example_spec) -> None:  # type: ignore[no-untyped-def]
    """A new glyph in a right-to-left line gives its font subsets of its own, so the line is not split in two."""
    who = Correspondent(name="تشان ساريث", address=("الإسكندرية",), signatory_name="ليلى حسن")
    text = unicodedata.normalize("NFKC", _text(pdf_module.render_pdf(_letter(example_spec, "ar", who))))
    for word in ("تشان ساريث", "الإسكندرية", "ليلى حسن"):
        assert word in text


@pytest.mark.parametrize("lang", ["en", "ar", "zh"])
def test_drawing_again_gives_the_same_bytes_as_knowing_beforehand(example_spec, lang, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """If the check before drawing missed a character, the letter is drawn again: the bytes are the same."""
    who = Correspondent(name="獅子 ساريث Ωψ", address=("Zürich",), signatory_name="王秀英")
    expected = pdf_module.render_pdf(_letter(example_spec, lang, who))
    missed: list[str] = []
    real = subsets.NewGlyphs.__init__

    def counting(self, font: str) -> None:  # type: ignore[no-untyped-def]
        missed.append(font)
        real(self, font)

    monkeypatch.setattr(subsets, "needs_own_subsets", lambda seed, fonts: set())
    monkeypatch.setattr(subsets.NewGlyphs, "__init__", counting)
    assert pdf_module.render_pdf(_letter(example_spec, lang, who)) == expected
    assert missed  # the safety net was what made it right


def test_the_layout_records_its_subsets_but_not_shaped_fonts(example_spec) -> None:  # type: ignore[no-untyped-def]
    """Khmer glyphs are numbered per document by shaping: sharing them could draw the wrong glyph."""
    km = _letter(example_spec, "km", Correspondent(name="សុខ ចាន់ធា"))
    layout = pdf_module._shared_layout(km, pdf_module.PdfOptions())
    assert layout.seed.fonts == {}
    assert layout.seed.names == ["/F1", "/F2"]  # still counted, so new fonts get other names
    en = _letter(example_spec, "en", Correspondent(name="Ann Lee"))
    layout = pdf_module._shared_layout(en, pdf_module.PdfOptions())
    assert sorted(layout.seed.fonts) == ["AG-latin-bold", "AG-latin-regular"]
    assert {f"{s.internal}+0".encode() for s in layout.seed.fonts.values()} <= set(layout.fonts)
