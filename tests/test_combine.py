"""Combined PDFs streamed letter by letter: every page, in order, readable, reproducible."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from pypdf import PdfReader

from appeal_gen import build_letter
from appeal_gen.combine import CombinedPdf
from appeal_gen.document import Correspondent, personalise
from appeal_gen.locale import LocaleInfo
from appeal_gen.render.pdf import render_pdf

from .conftest import pdf_text


@pytest.fixture(scope="module")
def letters(example_spec) -> list[bytes]:  # type: ignore[no-untyped-def]
    out = []
    for lang, name in (("en", "Margaret Holloway"), ("ru", "Анна Смирнова"), ("en", "Thomas (Tom) Nguyen 12 0 R")):
        loc = LocaleInfo(lang)
        letter = personalise(build_letter(example_spec, loc), example_spec, loc, Correspondent(signatory_name=name))
        out.append(render_pdf(letter))
    return out


def _combine(path: Path, letters: list[bytes]) -> tuple[str, int]:
    combined = CombinedPdf(path, title="FLD-KH-CCHR-2017 (en) – test")
    for i, data in enumerate(letters):
        combined.add(data, f"letter-{i}")
    return combined.commit()


def test_every_page_of_every_letter_in_order(tmp_path: Path, letters: list[bytes]) -> None:
    digest, pages = _combine(tmp_path / "all.pdf", letters)
    data = (tmp_path / "all.pdf").read_bytes()
    assert hashlib.sha256(data).hexdigest() == digest
    reader = PdfReader(tmp_path / "all.pdf", strict=True)
    expected = [page.extract_text() for d in letters for page in PdfReader(io.BytesIO(d)).pages]
    assert pages == len(reader.pages) == len(expected)
    assert [page.extract_text() for page in reader.pages] == expected
    text = pdf_text(data)
    assert text.index("Margaret Holloway") < text.index("Анна Смирнова") < text.index("Thomas (Tom) Nguyen 12 0 R")
    assert reader.metadata is not None and reader.metadata.title == "FLD-KH-CCHR-2017 (en) – test"
    # Links survive: the example's previous-appeal link on each letter's last page.
    uris = [a.get_object()["/A"]["/URI"] for p in reader.pages for a in p.get("/Annots", [])]
    assert len(uris) == 3 and all(u.startswith("https://www.frontlinedefenders.org/") for u in uris)
    assert not list(tmp_path.glob(".*.part"))


def test_same_letters_same_bytes(tmp_path: Path, letters: list[bytes]) -> None:
    assert _combine(tmp_path / "a.pdf", letters)[0] == _combine(tmp_path / "b.pdf", letters)[0]
    assert _combine(tmp_path / "c.pdf", letters[::-1])[0] != _combine(tmp_path / "a.pdf", letters)[0]


def test_refuses_what_it_cannot_copy_and_leaves_nothing(tmp_path: Path, letters: list[bytes]) -> None:
    combined = CombinedPdf(tmp_path / "x.pdf", title="x")
    with pytest.raises(ValueError, match="not a PDF written by reportlab"):
        combined.add(b"%PDF-1.7\n1 0 obj\n<< >>\nendobj\n", "broken")
    combined.discard()
    assert list(tmp_path.iterdir()) == []


def test_what_letters_share_is_written_once(tmp_path: Path, example_spec) -> None:  # type: ignore[no-untyped-def]
    """Ten letters of one language: their fonts and page text once, their own parts each."""
    loc = LocaleInfo("ar")
    base = build_letter(example_spec, loc)
    names = [f"ليلى حداد {i}" for i in range(10)]
    letters = [render_pdf(personalise(base, example_spec, loc, Correspondent(signatory_name=n))) for n in names]
    _, pages = _combine(tmp_path / "ar.pdf", letters)
    size = (tmp_path / "ar.pdf").stat().st_size
    assert size < 0.3 * sum(len(d) for d in letters)
    reader = PdfReader(tmp_path / "ar.pdf", strict=True)
    assert pages == len(reader.pages) == sum(len(PdfReader(io.BytesIO(d)).pages) for d in letters)
    expected = [page.extract_text() for d in letters for page in PdfReader(io.BytesIO(d)).pages]
    assert [page.extract_text() for page in reader.pages] == expected
