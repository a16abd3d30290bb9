"""The English PDF read back as a reader would: words, numbers, dates, order."""

from __future__ import annotations

import io

from pypdf import PdfReader

from appeal_gen import build_letter
from appeal_gen.locale import LocaleInfo
from appeal_gen.render.pdf import render_pdf

from ..conftest import minimal_letter, pdf_text, squash

DEMANDS = [
    "1. Immediately cease the investigation and harassment against the Cambodian Centre for Human Rights, as it is "
    "believed that this is solely motivated by the organisation’s legitimate and peaceful work in defence of human "
    "rights;",
    "2. Take measures to ensure that government officials or other public figures refrain from making statements or "
    "declarations stigmatising the legitimate work of human rights organisations;",
    "3. Cease targeting all human rights defenders and organisations in Cambodia and guarantee in all circumstances "
    "that they are able to carry out their legitimate human rights activities without fear of reprisals and free of "
    "all restrictions including judicial harassment.",
]


def _positions(text: str, needles: list[str]) -> list[int]:
    found = [text.find(n) for n in needles]
    missing = [n for n, i in zip(needles, found, strict=True) if i < 0]
    assert not missing, f"not in the PDF: {missing}"
    return found


def test_pdf_reads_in_appeal_order(example_pdf: bytes) -> None:
    text = squash(pdf_text(example_pdf))
    order = [
        "Front Line Defenders",
        "URGENT APPEAL",
        "Reference: FLD-KH-CCHR-2017 · Follow-up no. 1",
        "Dublin, 6 December 2017",  # babel's long English date
        "Prime Minister seeks to shut down leading human rights organisation",
        "Status: Judicial harassment",
        "About the situation",
        "About the Cambodian Centre for Human Rights",
        "6 December 2017 – Prime Minister announces CCHR will not be shut down",
        "28 November 2017 – Prime Minister seeks to shut down",
        "Background",
        "Front Line Defenders urges the authorities in Cambodia to:",
        *DEMANDS,
        "Please write to",
        "Samdech Akka Moha Sena Padei Techo Hun Sen",
        "Salutation: Your Excellency",
        "Samdech Krolahom Sar Kheng",
        "Salutation: Dear Deputy Prime Minister",
        "Copies to",
        "Please take action by 15 January 2018.",
    ]
    positions = _positions(text, order)
    assert positions == sorted(positions)


def test_pdf_has_page_n_of_m_footers_and_metadata(example_pdf: bytes) -> None:
    reader = PdfReader(io.BytesIO(example_pdf))
    n = len(reader.pages)
    assert n == 3
    for i, page in enumerate(reader.pages, start=1):
        assert f"Page {i} of {n}" in page.extract_text()
    meta = reader.metadata
    assert meta is not None
    assert meta.title == "Prime Minister seeks to shut down leading human rights organisation"
    assert meta.author == "Front Line Defenders"
    assert meta.subject == "Urgent appeal: Judicial harassment, Cambodia"
    assert reader.trailer["/Root"]["/Lang"] == "en-IE"  # conventions.en.locale


def test_pdf_embeds_truetype_fonts_not_helvetica(example_pdf: bytes) -> None:
    reader = PdfReader(io.BytesIO(example_pdf))
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            fonts.add(str(font["/BaseFont"]))
            descendant = font.get("/DescendantFonts")
            desc = (descendant[0].get_object() if descendant else font).get("/FontDescriptor")
            if desc is not None:
                assert "/FontFile2" in desc.get_object(), f"{font['/BaseFont']} is not embedded"
    assert not any("Helvetica" in f for f in fonts)
    assert any("NotoSans" in f for f in fonts), fonts


def test_pdf_is_byte_identical_across_builds(example_spec, example_pdf: bytes) -> None:  # type: ignore[no-untyped-def]
    again = render_pdf(build_letter(example_spec, LocaleInfo("en")))
    assert again == example_pdf


def test_values_print_verbatim_and_never_as_markup() -> None:
    pdf = render_pdf(
        minimal_letter(
            '\'<img src="/etc/passwd"/> <a href="javascript:alert(1)">x</a> <font size=500>big</font> <b>open & "q"\''
        )
    )
    got = squash(pdf_text(pdf))
    assert '<img src="/etc/passwd"/> <a href="javascript:alert(1)">x</a> <font size=500>big</font> <b>open & "q"' in got
    assert 'Defender <detained> & "held" incommunicado' in got
    assert b"javascript" not in pdf.split(b"stream")[0]
    assert b"/URI" not in pdf


def test_inline_markup_becomes_bold_and_links() -> None:
    pdf = render_pdf(minimal_letter("See **the report** at [our site](https://example.org/r?a=1&b=2)."))
    assert "See the report at our site." in squash(pdf_text(pdf))
    assert b"(https://example.org/r?a=1&b=2)" in pdf
    assert b"NotoSans-Bold" in pdf
