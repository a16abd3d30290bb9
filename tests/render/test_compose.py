"""Personal letters: the shared layout with each letter's address, salutation and signature in their rooms."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from appeal_gen import build_letter
from appeal_gen.document import Correspondent
from appeal_gen.errors import LayoutError
from appeal_gen.letters import personalise
from appeal_gen.locale import LocaleInfo
from appeal_gen.render import pdf as pdf_module
from appeal_gen.render import personal

from ..conftest import squash

OFFICIAL = Correspondent(
    honorific="H.E.",
    name="Chea Vannak",
    office="Ambassador of the Kingdom of Cambodia",
    organisation="Royal Embassy of Cambodia",
    address=("14 Alder Gardens", "London NW8 4QX", "United Kingdom"),
    salutation="Your Excellency",
    signatory_name="Margaret Holloway",
    signatory_city="Manchester",
)


def _letter(spec, lang: str = "en", who: Correspondent = OFFICIAL):  # type: ignore[no-untyped-def]
    loc = LocaleInfo(lang)
    return personalise(build_letter(spec, loc), spec, loc, who)


def _text(pdf: bytes) -> str:
    return squash(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf), strict=True).pages))


def test_personal_parts_are_in_reading_order(example_spec) -> None:  # type: ignore[no-untyped-def]
    text = _text(pdf_module.render_pdf(_letter(example_spec)))
    order = [
        "URGENT APPEAL",
        "H.E. Chea Vannak Ambassador of the Kingdom of Cambodia Royal Embassy of Cambodia 14 Alder Gardens "
        "London NW8 4QX United Kingdom",
        "Dublin, 6 December 2017",
        "Prime Minister seeks to shut down leading human rights organisation",
        "Status: Judicial harassment",
        "Your Excellency,",
        "About the situation",
        "Front Line Defenders urges the authorities in Cambodia to:",
        "3. Cease targeting all human rights defenders",
        "Yours sincerely, Margaret Holloway Manchester",
        "Previous appeals",
    ]
    positions = [text.index(part) for part in order]
    assert positions == sorted(positions)
    assert "Please write to" not in text


def test_letters_of_one_language_share_every_page_but_their_own_parts(example_spec) -> None:  # type: ignore[no-untyped-def]
    other = Correspondent(name="Sim Bopha", office="Ambassador", signatory_name="Thomas Nguyen")
    a = pdf_module.render_pdf(_letter(example_spec))
    b = pdf_module.render_pdf(_letter(example_spec, who=other))
    ta, tb = _text(a), _text(b)
    assert "Chea Vannak" in ta and "Chea Vannak" not in tb
    assert "Sim Bopha" in tb and "Thomas Nguyen" in tb
    # Same layout: the same number of pages and the same page of the closing.
    ra, rb = PdfReader(io.BytesIO(a)), PdfReader(io.BytesIO(b))
    assert len(ra.pages) == len(rb.pages)
    # "Yours sincerely," to "Your Excellency,", "Yours faithfully," to "Dear Sir or Madam,".
    assert [("Yours " in p.extract_text()) for p in ra.pages] == [("Yours " in p.extract_text()) for p in rb.pages]


def test_only_embedded_fonts(example_spec) -> None:  # type: ignore[no-untyped-def]
    pdf = pdf_module.render_pdf(_letter(example_spec, "km"))
    reader = PdfReader(io.BytesIO(pdf))
    fonts = set()
    for page in reader.pages:
        for xobj in (page["/Resources"].get("/XObject") or {}).values():
            for font in xobj.get_object()["/Resources"]["/Font"].values():
                fonts.add(str(font.get_object()["/BaseFont"]).split("+", 1)[1])
                assert "/FontFile2" in font.get_object()["/FontDescriptor"]
    assert fonts == {"KhmerOS", "KhmerOSMuolLight", "NotoSans-Bold"}  # bold Latin in Noto Sans Bold


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils is not installed")
@pytest.mark.parametrize("lang", ["en", "ar", "km", "zh"])
def test_poppler_reads_the_letter_without_complaint(example_spec, lang: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "letter.pdf"
    path.write_bytes(pdf_module.render_pdf(_letter(example_spec, lang)))
    res = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=False)
    assert (res.returncode, res.stderr) == (0, "")
    assert "Margaret Holloway" in res.stdout or lang in ("ar",)


def test_an_address_too_long_for_its_field_is_an_error_not_a_clipped_letter(example_spec) -> None:  # type: ignore[no-untyped-def]
    who = Correspondent(name="A. Official", address=tuple(f"Line {i}" for i in range(1, 11)))
    with pytest.raises(LayoutError) as info:
        pdf_module.render_pdf(_letter(example_spec, who=who))
    assert info.value.field == "row.address"
    assert info.value.message == (
        "needs 11 lines, but the address field of the letter holds 8; shorten it or give fewer lines"
    )


def test_workers_of_one_run_share_a_laid_out_letter(example_spec, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The first worker lays a language out and leaves it in the run's folder; the next one reads it."""
    first = pdf_module.render_pdf(_letter(example_spec, "zh"), context=pdf_module.PdfContext(layout_dir=tmp_path))
    assert len(list(tmp_path.glob("*.layout"))) == 1
    other = pdf_module.PdfContext(layout_dir=tmp_path)  # another process: nothing in memory
    calls = []
    monkeypatch.setattr(personal, "render_document", lambda *a: calls.append(a))
    again = pdf_module.render_pdf(_letter(example_spec, "zh"), context=other)
    assert calls == [] and again == first


def test_every_font_subset_has_its_own_name(example_spec, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Two subsets called AAAAAA+KhmerOS in one file can make a printer draw the wrong glyphs."""
    from appeal_gen.combine import CombinedPdf

    letters = [
        pdf_module.render_pdf(_letter(example_spec, "km", Correspondent(name=n, signatory_name=n)))
        for n in ("សុខ ចាន់ធា", "ជា វណ្ណៈ")
    ]
    combined = CombinedPdf(tmp_path / "km.pdf", title="km")
    for i, data in enumerate(letters):
        combined.add(data, str(i))
    combined.commit()
    for data in [*letters, (tmp_path / "km.pdf").read_bytes()]:
        reader = PdfReader(io.BytesIO(data))
        names = set()
        for page in reader.pages:
            fonts = dict(page["/Resources"]["/Font"])
            for xobj in (page["/Resources"].get("/XObject") or {}).values():
                fonts.update(xobj.get_object()["/Resources"]["/Font"])
            names.update(font.idnum for font in fonts.values())
        base = {str(reader.get_object(n)["/BaseFont"]) for n in names}
        assert len(base) == len(names), sorted(base)
