"""Khmer: shaped clusters, word-boundary line breaks, a heading face.

pypdf cannot read shaped Khmer back (the glyphs are reordered), so what a
reader sees is checked as a picture: page 1 of a short Khmer appeal is
rasterised with poppler and compared with a reviewed reference picture.
Regenerate it after a deliberate layout change with
``APPEAL_GEN_UPDATE_REFERENCES=1 pytest tests/render/test_khmer.py``, look at
it, and commit it; never commit a run with the variable set.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from appeal_gen import build_letter, load_spec
from appeal_gen.locale import LocaleInfo
from appeal_gen.render import paragraphs
from appeal_gen.render.linebreak import khmer_tokens
from appeal_gen.render.pdf import render_pdf

from ..conftest import DATA

REFERENCE = DATA / "reference" / "khmer-page1.png"
DPI = 60


@pytest.fixture(scope="module")
def khmer_pdf() -> bytes:
    spec = load_spec(str(DATA / "khmer.yaml"))
    return render_pdf(build_letter(spec, LocaleInfo("km")))


def _raster(data: bytes, tmp_path: Path) -> object:
    from PIL import Image

    if shutil.which("pdftoppm") is None:
        pytest.skip("poppler-utils (pdftoppm) is not installed")
    src = tmp_path / "page.pdf"
    src.write_bytes(data)
    subprocess.run(["pdftoppm", "-r", str(DPI), "-gray", "-png", "-f", "1", "-l", "1", str(src), str(tmp_path / "p")])
    return Image.open(next(tmp_path.glob("p*.png"))).convert("L")


def _difference(a: object, b: object) -> tuple[float, float]:
    """Mean absolute difference (0-255) and the share of pixels that changed a lot."""
    from PIL import ImageChops, ImageStat

    diff = ImageChops.difference(a, b)  # type: ignore[arg-type]
    mean = ImageStat.Stat(diff).mean[0]
    hist = diff.histogram()
    changed = sum(hist[64:]) / sum(hist)
    return mean, changed


def test_khmer_page_matches_reference_picture(khmer_pdf: bytes, tmp_path: Path) -> None:
    page = _raster(khmer_pdf, tmp_path)
    if os.environ.get("APPEAL_GEN_UPDATE_REFERENCES") == "1":
        page.save(REFERENCE)  # type: ignore[attr-defined]
        pytest.skip(f"reference picture rewritten: {REFERENCE}; look at it before committing")
    from PIL import Image

    reference = Image.open(REFERENCE).convert("L")
    assert page.size == reference.size  # type: ignore[attr-defined]
    mean, changed = _difference(page, reference)
    if changed > 0.002:
        page.save(tmp_path / "actual.png")  # type: ignore[attr-defined]
    assert mean < 1.0 and changed <= 0.002, f"page differs from {REFERENCE.name}: see {tmp_path / 'actual.png'}"


def test_reference_check_catches_unshaped_khmer(monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The picture check is sharp enough to see broken clusters.

    Without shaping, subscript consonants print as a visible coeng sign next
    to a full-size letter: exactly the failure the reference must catch.
    """
    real = paragraphs.paragraph_styles

    def unshaped(*args, **kwargs):  # type: ignore[no-untyped-def]
        # Copies: the styles are made once per process and shared by every letter.
        return {name: style.clone(style.name, shaping=0) for name, style in real(*args, **kwargs).items()}

    monkeypatch.setattr(paragraphs, "paragraph_styles", unshaped)
    spec = load_spec(str(DATA / "khmer.yaml"))
    broken = render_pdf(build_letter(spec, LocaleInfo("km")))
    from PIL import Image

    _, changed = _difference(_raster(broken, tmp_path), Image.open(REFERENCE).convert("L"))
    assert changed > 0.01  # measured: 3.9% of the page changes when clusters break


def test_khmer_fonts_embedded(khmer_pdf: bytes) -> None:
    """Body text in Khmer OS, headings in Khmer OS Muol Light, bold Latin in Noto Sans Bold, nothing else."""
    reader = PdfReader(io.BytesIO(khmer_pdf))
    names = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            obj = font.get_object()
            names.add(str(obj["/BaseFont"]).split("+", 1)[1])
            assert "/FontFile2" in obj["/FontDescriptor"], "every font must be embedded"
    assert names == {"KhmerOS", "KhmerOSMuolLight", "NotoSans-Bold"}


def test_khmer_lines_end_between_words() -> None:
    """ICU's dictionary breaks Khmer into words; a line never ends mid-word."""
    title = "នាយករដ្ឋមន្ត្រីព្យាយាមបិទអង្គការសិទ្ធិមនុស្សឈានមុខគេមួយ"
    tokens = khmer_tokens(title, "khmer", "bold", 18, 450)
    assert tokens == ["នាយក", "រដ្ឋមន្ត្រី", "ព្យាយាម", "បិទ", "អង្គការ", "សិទ្ធិមនុស្ស", "ឈានមុខ", "គេ", "មួយ"]
    # A URL or a Latin word is one token: it breaks only at spaces.
    assert khmer_tokens("https://example.org/a/b សួស្តី", "khmer", "regular", 10, 450) == [
        "https://example.org/a/b",
        " ",
        "សួស្តី",
    ]


def test_khmer_word_wider_than_the_line_breaks_between_clusters() -> None:
    word = "សិទ្ធិមនុស្ស"
    tokens = khmer_tokens(word, "khmer", "regular", 10, 20)
    assert "".join(tokens) == word
    assert tokens == ["សិ", "ទ្ធិ", "ម", "នុ", "ស្ស"]


def _khmer_letter_to(name: str):  # type: ignore[no-untyped-def]
    from appeal_gen.document import Correspondent
    from appeal_gen.letters import personalise

    spec = load_spec(str(Path(__file__).resolve().parents[2] / "examples" / "cchr-2017" / "appeal.yaml"))
    loc = LocaleInfo("km")
    return personalise(build_letter(spec, loc), spec, loc, Correspondent(name=name, signatory_name="សុខ ចាន់ធា"))


def test_a_greek_name_in_a_khmer_letter_prints_in_the_latin_font() -> None:
    """reportlab shapes a word with its first character's font: 'Ωψ' (Ω is in Khmer OS, ψ is not) used to crash."""
    pdf = render_pdf(_khmer_letter_to("Ωψ Παπαδόπουλος"))
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "Ωψ Παπαδόπουλος" in text


def test_a_word_joining_khmer_to_a_letter_the_khmer_font_lacks_is_refused_with_its_field() -> None:
    from appeal_gen.errors import MissingGlyphError

    with pytest.raises(MissingGlyphError) as info:
        render_pdf(_khmer_letter_to("សុខψ"))
    assert info.value.field == "row.name"
    assert info.value.message == (
        "the word 'សុខψ' joins Khmer to 'ψ' (U+03C8 GREEK SMALL LETTER PSI), which the Khmer font has no glyph "
        "for; put a space between them"
    )
