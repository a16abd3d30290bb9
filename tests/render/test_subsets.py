"""Personal parts drawn with the layout's own font subsets (render/subsets.py)."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import unicodedata

import pytest
from pypdf import PdfReader

from appeal_gen import build_letter
from appeal_gen.document import Correspondent
from appeal_gen.letters import personalise
from appeal_gen.locale import LocaleInfo
from appeal_gen.render import pdf as pdf_module
from appeal_gen.render import personal, subsets

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
    pdf_module.default_context().parts.clear()  # draw the parts again
    assert pdf_module.render_pdf(_letter(example_spec, lang, who)) == expected
    assert missed  # the safety net was what made it right


def test_the_layout_records_its_subsets_and_its_numbering_of_shaped_glyphs(example_spec) -> None:  # type: ignore[no-untyped-def]
    km = _letter(example_spec, "km", Correspondent(name="សុខ ចាន់ធា"))
    layout = personal.shared_layout(km, pdf_module.PdfOptions(), pdf_module.PdfContext())
    # Bold Latin (Front Line Defenders in the header) is drawn in the Latin bold face.
    assert sorted(layout.seed.fonts) == ["AG-khmer-bold", "AG-khmer-regular", "AG-latin-bold"]
    regular = layout.seed.fonts["AG-khmer-regular"]
    # Subscript forms have no character: shaping numbered them from U+E000, in the order met.
    codes = [code for _, code, _, _ in regular.shaped]
    assert codes and codes == list(range(0xE000, 0xE000 + len(codes))) and regular.last_private == codes[-1]
    assert all(code in regular.assignments for code in codes)
    assert layout.seed.names == ["/F1", "/F2", "/F3"]
    en = _letter(example_spec, "en", Correspondent(name="Ann Lee"))
    layout = personal.shared_layout(en, pdf_module.PdfOptions(), pdf_module.PdfContext())
    assert sorted(layout.seed.fonts) == ["AG-latin-bold", "AG-latin-regular"]
    assert all(not state.shaped for state in layout.seed.fonts.values())
    assert {f"{s.internal}+0".encode() for s in layout.seed.fonts.values()} <= set(layout.fonts)


KHMER_NAMES = ("ឯកឧត្តម ហេង សុវណ្ណ", "ស្ត្រី ញ៉ុង ឃ្លាំង", "សុខ ចាន់ធា")


def test_a_khmer_letter_does_not_depend_on_the_letters_drawn_before_it(example_spec) -> None:  # type: ignore[no-untyped-def]
    """Shaped glyphs are numbered in the order met: each personal part continues the layout's numbering."""
    letters = [_letter(example_spec, "km", Correspondent(name=n, signatory_name=n)) for n in KHMER_NAMES]
    first = [pdf_module.render_pdf(letter) for letter in letters]
    again = [pdf_module.render_pdf(letter) for letter in reversed(letters)]
    assert first == list(reversed(again))


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils is not installed")
@pytest.mark.parametrize("name", KHMER_NAMES)
def test_a_shared_khmer_subset_draws_the_same_glyphs_as_a_letters_own(
    example_spec, name, monkeypatch, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    """The picture of a letter drawn with the layout's subsets equals the one drawn with subsets of its own."""
    letter = _letter(example_spec, "km", Correspondent(honorific="ឯកឧត្តម", name=name, signatory_name=name))
    shared = pdf_module.render_pdf(letter)
    real = subsets.seed
    monkeypatch.setattr(subsets, "seed", lambda doc, seed, own, extend: real(doc, seed, set(seed.fonts), set()))
    pdf_module.default_context().parts.clear()  # draw the parts again
    own = pdf_module.render_pdf(letter)
    assert own != shared and len(_embedded(own)) > len(_embedded(shared))
    pictures = []
    for label, data in (("shared", shared), ("own", own)):
        (tmp_path / f"{label}.pdf").write_bytes(data)
        subprocess.run(
            [
                "pdftoppm",
                "-r",
                "60",
                "-f",
                "1",
                "-l",
                "1",
                "-gray",
                str(tmp_path / f"{label}.pdf"),
                str(tmp_path / label),
            ],
            check=True,
        )
        pictures.append(next(tmp_path.glob(f"{label}*.pgm")).read_bytes())
    assert pictures[0] == pictures[1]


_OTHER_WORKER = """
import sys
from pathlib import Path
from appeal_gen import build_letter, load_spec
from appeal_gen.document import Correspondent
from appeal_gen.letters import personalise
from appeal_gen.locale import LocaleInfo
from appeal_gen.render import pdf
spec_path, lang, layouts, out = sys.argv[1:]
pdf.set_default_context(pdf.PdfContext(layout_dir=Path(layouts)))
spec = load_spec(spec_path)
loc = LocaleInfo(lang)
letter = personalise(build_letter(spec, loc), spec, loc, Correspondent(name="Ann Lee", signatory_name="Bo Li"))
Path(out).write_bytes(pdf.render_pdf(letter))
"""


@pytest.mark.parametrize("lang", ["km", "zh", "ar"])
def test_a_layout_from_another_worker_brings_its_fonts(example_spec, lang, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A worker that reads a layout another one laid out has registered none of its fonts yet."""
    import sys

    layouts = tmp_path / "layouts"
    layouts.mkdir()
    args = [sys.executable, "-c", _OTHER_WORKER, example_spec.path, lang, str(layouts)]
    subprocess.run([*args, str(tmp_path / "first.pdf")], check=True)
    assert len(list(layouts.glob("*.layout"))) == 1
    res = subprocess.run([*args, str(tmp_path / "second.pdf")], capture_output=True, text=True, check=False)
    assert res.returncode == 0, res.stderr[-2000:]
    assert (tmp_path / "second.pdf").read_bytes() == (tmp_path / "first.pdf").read_bytes()


def test_parts_that_repeat_are_drawn_once_and_give_the_same_bytes(example_spec, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Salutations and closings repeat from letter to letter: drawn once, the letter's bytes unchanged."""
    pdf_module.default_context().parts.clear()
    drawn: list[str] = []
    real = personal.slot_pdf

    def counting(w, layout, name, paras):  # type: ignore[no-untyped-def]
        drawn.append(name)
        return real(w, layout, name, paras)

    monkeypatch.setattr(personal, "slot_pdf", counting)
    # Two ambassadors: the same "Dear Ambassador," (a named salutation, "Dear Ms Lee,", is drawn per letter).
    first = _letter(example_spec, "en", Correspondent(name="Ann Lee", rank="ambassador", signatory_name="Bo Li"))
    second = _letter(example_spec, "en", Correspondent(name="Cy Dee", rank="ambassador", signatory_name="Bo Li"))
    a = pdf_module.render_pdf(first)
    b = pdf_module.render_pdf(second)
    assert drawn == ["address", "closing", "salutation", "address"]  # the second letter's own address only
    pdf_module.default_context().parts.clear()
    assert pdf_module.render_pdf(second) == b and pdf_module.render_pdf(first) == a
    assert "Cy Dee" in _text(b) and "Ann Lee" not in _text(b)
