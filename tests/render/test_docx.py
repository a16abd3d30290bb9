"""The English DOCX read back with python-docx: text, order and real Word styles."""

from __future__ import annotations

import io
import zipfile

import docx

from appeal_gen import build_letter
from appeal_gen.locale import LocaleInfo
from appeal_gen.render.docx import DocxOptions, render_docx

from ..conftest import docx_paragraphs, minimal_letter
from .test_pdf import DEMANDS


def test_docx_reads_in_appeal_order(example_docx: bytes) -> None:
    paras = docx_paragraphs(example_docx)
    texts = [t for _, t in paras]
    order = [
        "Dublin, 6 December 2017",
        "Prime Minister seeks to shut down leading human rights organisation",
        "Status: Judicial harassment",
        "Front Line Defenders urges the authorities in Cambodia to:",
        DEMANDS[0].replace(" ", "\t", 1),
        DEMANDS[1].replace(" ", "\t", 1),
        DEMANDS[2].replace(" ", "\t", 1),
        "Salutation: Your Excellency",
        "Salutation: Dear Deputy Prime Minister",
        "Please take action by 15 January 2018.",
    ]
    idx = [texts.index(t) for t in order]
    assert idx == sorted(idx)


def test_docx_uses_real_word_styles(example_docx: bytes) -> None:
    paras = docx_paragraphs(example_docx)
    styles = dict((t, s) for s, t in paras)
    assert styles["Prime Minister seeks to shut down leading human rights organisation"] == "Title"
    assert styles["About the situation"] == "Heading 1"
    assert styles["6 December 2017 – Prime Minister announces CCHR will not be shut down"] == "Heading 2"
    demands = [(s, t) for s, t in paras if s == "Appeal Demand"]
    # The number is typed, then a tab: Word list numbering has no Khmer digits.
    assert [t for _, t in demands] == [d.replace(" ", "\t", 1) for d in DEMANDS]
    d = docx.Document(io.BytesIO(example_docx))
    assert d.styles["Appeal Demand"].element.pPr.numPr is None


def test_docx_footer_has_page_fields(example_docx: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(example_docx)) as z:
        footers = [z.read(n).decode() for n in z.namelist() if n.startswith("word/footer")]
    joined = "".join(footers)
    assert 'w:instr=" PAGE "' in joined and 'w:instr=" NUMPAGES "' in joined
    assert "Page " in joined and " of " in joined


def test_docx_is_byte_identical_with_fixed_dates(example_spec, example_docx: bytes) -> None:  # type: ignore[no-untyped-def]
    again = render_docx(build_letter(example_spec, LocaleInfo("en")), DocxOptions(date=example_spec.date))
    assert again == example_docx
    cp = docx.Document(io.BytesIO(example_docx)).core_properties
    assert cp.created is not None and cp.created.date().isoformat() == "2017-12-06"
    assert cp.title == "Prime Minister seeks to shut down leading human rights organisation"
    assert cp.language == "en-IE"  # the example names its region: conventions.en.locale


def test_special_characters_appear_verbatim() -> None:
    out = render_docx(minimal_letter("'A & B <c> \"d\" {{ 7*7 }} {% if 1 %}x{% endif %} <w:vanish/>'"))
    texts = [t for _, t in docx_paragraphs(out)]
    assert 'A & B <c> "d" {{ 7*7 }} {% if 1 %}x{% endif %} <w:vanish/>' in texts
    assert 'Defender <detained> & "held" incommunicado' in texts
    assert "Example Defenders & Partners" in texts
