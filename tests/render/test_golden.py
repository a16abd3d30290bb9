"""The example appeal, read back from its PDF and DOCX in every language, against checked-in references.

A change to layout, wording, fonts or the DOCX markup shows up here as a
readable diff of text and XML, not as a changed hash. When the change is
intended, rewrite the references and review their diff before committing::

    python -m pytest tests/render/test_golden.py --regen-golden

(in the manner of fpdf2's ``assert_pdf_equal(generate=True)``; the switch
is a command-line option, so it can never be committed switched on).
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest

from appeal_gen.build import render

from ..conftest import DATA

GOLDEN = DATA / "golden"
LANGUAGES = ("en", "fr", "es", "ru", "ar", "km", "zh")
#: DOCX parts compared: the body, headers and footers.
DOCX_PARTS = re.compile(r"word/(document|header\d*|footer\d*)\.xml")


def pdf_reference_text(data: bytes) -> str:
    """The PDF's text in layout mode, one block per page, trailing spaces removed."""
    from pypdf import PdfReader

    pages = []
    for number, page in enumerate(PdfReader(io.BytesIO(data)).pages, 1):
        text = page.extract_text(extraction_mode="layout")
        lines = [line.rstrip() for line in text.splitlines()]
        pages.append(f"--- page {number} ---\n" + "\n".join(lines).strip("\n"))
    return "\n".join(pages) + "\n"


def docx_reference_xml(data: bytes) -> dict[str, str]:
    """Each compared part of the DOCX, pretty-printed (one element a line)."""
    from lxml import etree

    out = {}
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for name in sorted(n for n in zf.namelist() if DOCX_PARTS.fullmatch(n)):
            tree = etree.fromstring(zf.read(name))
            etree.indent(tree, space=" ")
            out[name.removeprefix("word/")] = etree.tostring(tree, encoding="unicode") + "\n"
    return out


def check(path: Path, actual: str, regen: bool) -> None:
    if regen:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        return
    assert path.is_file(), f"{path} is missing: run pytest with --regen-golden"
    expected = path.read_text(encoding="utf-8")
    assert actual == expected, f"{path.name} differs from the reference (see the module docstring to regenerate)"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_pdf_text_matches_golden(example_spec, lang: str, regen_golden: bool) -> None:  # type: ignore[no-untyped-def]
    text = pdf_reference_text(render(example_spec, lang, "pdf"))
    check(GOLDEN / f"{lang}.pdf.txt", text, regen_golden)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_docx_xml_matches_golden(example_spec, lang: str, regen_golden: bool) -> None:  # type: ignore[no-untyped-def]
    parts = docx_reference_xml(render(example_spec, lang, "docx"))
    assert "document.xml" in parts
    for name, xml in parts.items():
        check(GOLDEN / f"{lang}.{name}", xml, regen_golden)
