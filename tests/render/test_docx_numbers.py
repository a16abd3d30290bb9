"""Demand numbers in the DOCX are the PDF's, in the letter's digits (issue 15, item 5).

Word list numbering has no Khmer digits, so the number is text ("១." in a
Khmer letter) followed by a tab, in a paragraph with no list numbering and a
hanging indent; read back from the DOCX's XML as Word reads it.
"""

from __future__ import annotations

import functools

import pytest

from appeal_gen import load_spec
from appeal_gen.build import render

from ..conftest import EXAMPLE, docx_xml

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
NUMBERS = {
    "en": ["1.", "2.", "3."],
    "km": ["១.", "២.", "៣."],
    "ar": ["1.", "2.", "3."],
    "zh": ["1.", "2.", "3."],
}


@functools.cache
def docx(lang: str) -> bytes:
    return render(load_spec(str(EXAMPLE)), lang, "docx")


def demand_paragraphs(lang: str):  # type: ignore[no-untyped-def]
    body = docx_xml(docx(lang), "word/document.xml")
    return [p for p in body.iter(W + "p") if p.find(f"{W}pPr/{W}pStyle[@{W}val='AppealDemand']") is not None]


def style(lang: str, style_id: str):  # type: ignore[no-untyped-def]
    for el in docx_xml(docx(lang), "word/styles.xml").iter(W + "style"):
        if el.get(W + "styleId") == style_id:
            return el
    raise AssertionError(f"no style {style_id}")


@pytest.mark.parametrize("lang", sorted(NUMBERS))
def test_demand_numbers_are_text_in_the_letters_digits(lang: str) -> None:
    """Each demand starts with its number as the PDF prints it, then a tab, then the text."""
    paras = demand_paragraphs(lang)
    heads = []
    for p in paras:
        runs = p.findall(W + "r")
        heads.append(("".join(t.text or "" for t in runs[0].iter(W + "t")), runs[1].find(W + "tab") is not None))
    assert heads == [(n, True) for n in NUMBERS[lang]]


@pytest.mark.parametrize("lang", ["en", "km"])
def test_demands_have_no_list_numbering_and_hang_at_the_number(lang: str) -> None:
    """No w:numPr (Word would number them again, in Latin digits); wrapped lines align with the text."""
    for p in demand_paragraphs(lang):
        assert p.find(f"{W}pPr/{W}numPr") is None
    el = style(lang, "AppealDemand")
    assert el.find(f"{W}pPr/{W}numPr") is None
    ind = el.find(f"{W}pPr/{W}ind")
    assert ind is not None and ind.get(W + "hanging") == ind.get(W + "left") != "0"
    tab = el.find(f"{W}pPr/{W}tabs/{W}tab")
    assert tab is not None and tab.get(W + "pos") == ind.get(W + "left")
