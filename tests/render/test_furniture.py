"""The page footer (reference, "Page N of M") on pages of any size."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from appeal_gen import build_letter
from appeal_gen.locale import LocaleInfo
from appeal_gen.render.pdf import PdfOptions, render_pdf
from appeal_gen.render.pdfstyles import MARGIN, PAGE_H, PAGE_W

US_LETTER = (612.0, 792.0)


def _footer_right_edge(path: Path) -> float:
    """Where the page label ("Page 1 of 3") ends on page 1, in points from the left, as poppler reads it."""
    res = subprocess.run(
        ["pdftotext", "-bbox", "-f", "1", "-l", "1", str(path), "-"], capture_output=True, text=True, check=True
    )
    words = re.findall(r'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>', res.stdout)
    lowest = max(float(y) for y, _, _ in words)
    return max(float(x) for y, x, _ in words if float(y) > lowest - 2)


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
@pytest.mark.parametrize("size", [US_LETTER, (PAGE_W, PAGE_H)], ids=["letter", "a4"])
def test_the_footer_ends_at_the_right_margin_of_any_page_size(example_spec, tmp_path: Path, size) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "letter.pdf"
    path.write_bytes(render_pdf(build_letter(example_spec, LocaleInfo("en")), PdfOptions(page_size=size)))
    assert _footer_right_edge(path) == pytest.approx(size[0] - MARGIN, abs=1.5)


# Issue 14: a letter's page numbers follow correspondence, not the appeal.

#: A supporter writing to the appeal's authority, and the organisation writing to an ambassador.
_SUPPORTER = {"signatory_name": "Ann Lee", "signatory_city": "Leeds", "kind": "supporter"}
_EMBASSY = {"honorific": "H.E.", "name": "Sim Bopha", "office": "Ambassador", "kind": "organisation"}


def _personal(spec, lang: str, who: dict[str, str]):  # type: ignore[no-untyped-def]
    from appeal_gen.document import Correspondent
    from appeal_gen.letters import kind_letter, personalise

    loc = LocaleInfo(lang)
    person = Correspondent(**who)  # type: ignore[arg-type]
    shared = kind_letter(build_letter(spec, loc), spec, loc, person.kind, to_target=not person.has_addressee)
    return personalise(shared, spec, loc, person)


def _page_texts(data: bytes) -> list[str]:
    import io

    from pypdf import PdfReader

    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def _first_page_footer_xml(data: bytes) -> str | None:
    """The XML of the DOCX's first-page footer, or None if its first page uses the others' footer."""
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as z:
        document = z.read("word/document.xml").decode()
        if "<w:titlePg/>" not in document:
            return None
        rid = re.search(r'<w:footerReference w:type="first" r:id="(\w+)"', document)
        assert rid is not None
        rels = z.read("word/_rels/document.xml.rels").decode()
        target = re.search(rf'Id="{rid.group(1)}"[^>]*Target="([^"]+)"|Target="([^"]+)"[^>]*Id="{rid.group(1)}"', rels)
        assert target is not None
        return z.read("word/" + (target.group(1) or target.group(2))).decode()


def test_a_one_page_supporters_letter_has_no_page_number(example_spec) -> None:  # type: ignore[no-untyped-def]
    from appeal_gen.render.docx import render_docx

    letter = _personal(example_spec, "en", _SUPPORTER)
    pages = _page_texts(render_pdf(letter))
    assert len(pages) == 1
    assert "Page" not in pages[0] and "of 1" not in pages[0]
    assert pages[0].rstrip().endswith("Leeds")  # the signature is the page's last line: no footer under it
    # The DOCX's first page has a footer of its own, without the PAGE and NUMPAGES fields.
    footer = _first_page_footer_xml(render_docx(letter))
    assert footer is not None and "PAGE" not in footer


def test_a_multi_page_letter_numbers_its_pages_from_the_second(example_spec) -> None:  # type: ignore[no-untyped-def]
    from appeal_gen.render.docx import render_docx

    letter = _personal(example_spec, "en", _EMBASSY)
    pages = _page_texts(render_pdf(letter))
    assert len(pages) == 3
    assert "FLD-KH-CCHR-2017" in pages[0] and "Page" not in pages[0]  # the reference stays on page 1
    assert "Page 2 of 3" in pages[1] and "Page 3 of 3" in pages[2]
    data = render_docx(letter)
    footer = _first_page_footer_xml(data)
    assert footer is not None and "PAGE" not in footer and "{{ reference }}" not in footer
    assert "FLD-KH-CCHR-2017" in footer
    # The first page keeps the template's header: the same part, so a picture in it keeps its relationship.
    import io
    import zipfile

    document = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode()
    headers = dict(re.findall(r'<w:headerReference w:type="(\w+)" r:id="(\w+)"', document))
    assert headers["first"] == headers["default"]


def test_a_long_supporters_letter_is_numbered_on_its_second_page(example_spec) -> None:  # type: ignore[no-untyped-def]
    import dataclasses

    assert example_spec.letter is not None
    body = dataclasses.replace(example_spec.letter.body, values={"en": "\n\n".join(["A long paragraph. " * 40] * 4)})
    spec = dataclasses.replace(example_spec, letter=dataclasses.replace(example_spec.letter, body=body))
    pages = _page_texts(render_pdf(_personal(spec, "en", _SUPPORTER)))
    assert len(pages) == 2
    assert "Page" not in pages[0] and "Page 2 of 2" in pages[1]


def test_the_appeal_still_numbers_every_page(example_pdf: bytes) -> None:
    pages = _page_texts(example_pdf)
    assert all(f"Page {n} of {len(pages)}" in text for n, text in enumerate(pages, start=1))
