"""Every shipped language, read back from the PDF and DOCX it produces."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import docx
import pytest
from pypdf import PdfReader

from appeal_gen import build_letter
from appeal_gen.locale import LocaleInfo
from appeal_gen.render.docx import DocxOptions, render_docx
from appeal_gen.render.pdf import render_pdf

from ..conftest import pdf_text, squash

LANGS = ["en", "fr", "es", "ru", "ar", "km", "zh"]
#: babel's long date of the appeal (6 December 2017) in each language.
DATES = {
    "en": "6 December 2017",
    "fr": "6 décembre 2017",
    "es": "6 de diciembre de 2017",
    "ru": "6 декабря 2017 г.",
    "ar": "6 ديسمبر 2017",
    "zh": "2017年12月6日",
}
#: A phrase of each language's content that must come back from the PDF.
PHRASES = {
    "en": "Cambodian Centre for Human Rights",
    "fr": "Centre cambodgien des droits de l’homme",
    "es": "Centro Camboyano de Derechos Humanos",
    "ru": "Камбоджийский центр по правам человека",
    "zh": "柬埔寨人权中心",
}
FONTS = {"ar": "NotoNaskhArabic", "km": "KhmerOS", "zh": "WenQuanYi", "ru": "NotoSans"}


@pytest.fixture(scope="module")
def letters(example_spec):  # type: ignore[no-untyped-def]
    return {lang: build_letter(example_spec, LocaleInfo(lang)) for lang in LANGS}


@pytest.fixture(scope="module")
def pdfs(letters):  # type: ignore[no-untyped-def]
    return {lang: render_pdf(letter) for lang, letter in letters.items()}


@pytest.fixture(scope="module")
def docxs(letters, example_spec):  # type: ignore[no-untyped-def]
    return {lang: render_docx(letter, DocxOptions(date=example_spec.date)) for lang, letter in letters.items()}


@pytest.mark.parametrize("lang", [lang for lang in LANGS if lang in PHRASES])
def test_pdf_text_reads_back(lang: str, pdfs) -> None:  # type: ignore[no-untyped-def]
    text = squash(pdf_text(pdfs[lang]))
    assert PHRASES[lang] in text
    assert DATES[lang] in text


def test_arabic_pdf_reads_back_in_logical_order(pdfs) -> None:  # type: ignore[no-untyped-def]
    # pypdf returns reshaped Arabic in logical order: compare words.
    import unicodedata

    text = unicodedata.normalize("NFKC", pdf_text(pdfs["ar"]))
    for word in ("المركز", "الكمبودي", "لحقوق", "الإنسان", "(CCHR)", "2017"):
        assert word in text, word


@pytest.mark.parametrize("lang", sorted(FONTS))
def test_pdf_embeds_the_script_font(lang: str, pdfs) -> None:  # type: ignore[no-untyped-def]
    reader = PdfReader(io.BytesIO(pdfs[lang]))
    names = {str(f.get_object()["/BaseFont"]) for p in reader.pages for f in p["/Resources"]["/Font"].values()}
    assert any(FONTS[lang] in n for n in names), names
    assert not any("Helvetica" in n for n in names)


def test_every_character_is_covered_by_its_font(letters) -> None:  # type: ignore[no-untyped-def]
    """The glyph check runs inside the renderer; a black box cannot get through."""
    from appeal_gen import fonts
    from appeal_gen.render.pdffonts import split_scripts

    for lang in ("km", "ar", "zh"):
        base = {"km": "khmer", "ar": "arabic", "zh": "han"}[lang]
        for para in letters[lang].all_paras():
            for script, piece in split_scripts(para.text, base):
                face = fonts.resolve(script).face("regular")
                have = fonts.coverage(face.path, face.index)
                missing = [c for c in piece if ord(c) not in have and not c.isspace() and fonts.script_of(c)]
                assert not missing, (lang, para.field, missing)


@pytest.mark.parametrize("lang", LANGS)
def test_pdf_is_deterministic(lang: str, letters, pdfs) -> None:  # type: ignore[no-untyped-def]
    assert render_pdf(letters[lang]) == pdfs[lang]


@pytest.mark.parametrize("lang", LANGS)
def test_docx_carries_translated_text_and_language(lang: str, docxs, letters) -> None:  # type: ignore[no-untyped-def]
    d = docx.Document(io.BytesIO(docxs[lang]))
    texts = [p.text for p in d.paragraphs]
    assert letters[lang].title.text in texts
    assert letters[lang].urge.text in texts
    assert d.core_properties.language == letters[lang].bcp47  # en-IE: the example names its region


def test_arabic_docx_paragraphs_are_right_to_left(docxs) -> None:  # type: ignore[no-untyped-def]
    from docx.oxml.ns import qn

    d = docx.Document(io.BytesIO(docxs["ar"]))
    arabic = [p for p in d.paragraphs if any("\u0600" <= c <= "\u06ff" for c in p.text)]
    assert len(arabic) > 20
    for p in arabic:
        assert p._p.pPr.find(qn("w:bidi")) is not None, p.text
        assert all(r._r.rPr.find(qn("w:rtl")) is not None for r in p.runs), p.text


def test_arabic_docx_header_and_footer_are_right_to_left(docxs) -> None:  # type: ignore[no-untyped-def]
    """Read from the saved file: the running header and the page footer."""
    from docx.oxml.ns import qn

    section = docx.Document(io.BytesIO(docxs["ar"])).sections[0]
    (header,) = [p for p in section.header.paragraphs if p.text]
    (footer,) = [p for p in section.footer.paragraphs if p.text]
    assert header.text == "فرونت لاين ديفندرز · نداء عاجل"
    assert footer.text.startswith("المرجع: FLD-KH-CCHR-2017 · المتابعة رقم 1 · الصفحة ")
    for p in (header, footer):
        assert p._p.pPr.find(qn("w:bidi")) is not None, p.text


@pytest.mark.slow
@pytest.mark.skipif(
    shutil.which("soffice") is None, reason="LibreOffice is installed by scripts/install-system-packages --with-tests"
)
def test_libreoffice_opens_every_docx(docxs, letters, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    for lang, data in docxs.items():
        (tmp_path / f"a.{lang}.docx").write_bytes(data)
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{tmp_path}/profile",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            *sorted(str(p) for p in tmp_path.glob("*.docx")),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    for lang in LANGS:
        text = squash(pdf_text((tmp_path / f"a.{lang}.pdf").read_bytes()))
        if lang in PHRASES:
            assert PHRASES[lang] in text, lang
        assert "FLD-KH-CCHR-2017" in text


def test_no_chinese_line_starts_with_closing_punctuation(pdfs) -> None:  # type: ignore[no-untyped-def]
    """Chinese typography: "，" "。" "）" and their kind hang at the line's end."""
    lines = [ln for page in PdfReader(io.BytesIO(pdfs["zh"])).pages for ln in page.extract_text().splitlines()]
    assert len(lines) > 60
    assert [ln for ln in lines if ln[:1] in "，。、；：？！）》」』”’…·"] == []
