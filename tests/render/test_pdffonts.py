"""A theme's own fonts read back from the PDF: its faces draw its scripts, the defaults the rest, never mixed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from appeal_gen import build_letter
from appeal_gen.locale import LocaleInfo
from appeal_gen.render.context import PdfContext
from appeal_gen.render.pdf import options_for, render_pdf
from appeal_gen.spec import load_spec
from appeal_gen.theme import Theme, load_theme

from ..conftest import DATA, EXAMPLE, ROOT, pdf_text, squash

NORTHBRIDGE = ROOT / "examples" / "themes" / "northbridge" / "theme.yaml"
FONTS = ROOT / "tests" / "data" / "themefonts"


def _fonts(data: bytes) -> set[str]:
    """The PostScript names of the fonts embedded in *data*, without their subset tags (``AAAAAA+``)."""
    import io

    from pypdf import PdfReader

    names = set()
    for page in PdfReader(io.BytesIO(data)).pages:
        for font in page["/Resources"]["/Font"].values():
            names.add(str(font.get_object()["/BaseFont"]).lstrip("/").split("+", 1)[-1])
    return names


def _pdf(lang: str, theme: Theme | None) -> bytes:
    letter = build_letter(load_spec(str(EXAMPLE)), LocaleInfo(lang))
    return render_pdf(letter, options_for(theme, lang), PdfContext())


def _mono_theme(tmp_path: Path, body: str = "fonts:\n  latin: Mono.ttf\n") -> Theme:
    folder = tmp_path / "mono"
    folder.mkdir()
    shutil.copy(FONTS / "Mono.ttf", folder / "Mono.ttf")
    shutil.copy(FONTS / "Mono-Bold.ttf", folder / "Mono-Bold.ttf")
    (folder / "theme.yaml").write_text(body, encoding="utf-8")
    return load_theme(folder / "theme.yaml")


@pytest.mark.parametrize("lang", ["en", "fr", "es", "ru"])
def test_the_themes_latin_font_draws_every_latin_and_cyrillic_letter(lang: str) -> None:
    data = _pdf(lang, load_theme(NORTHBRIDGE))
    assert _fonts(data) == {"DejaVuSerif", "DejaVuSerif-Bold"}
    assert "Front Line Defenders" in squash(pdf_text(data))


@pytest.mark.parametrize(
    ("lang", "own"),
    [("ar", {"NotoNaskhArabic-Regular", "NotoNaskhArabic-Bold"}), ("km", {"KhmerOS"}), ("zh", {"WenQuanYiMicroHei-0"})],
)
def test_other_scripts_keep_their_default_fonts(lang: str, own: set[str]) -> None:
    """Arabic, Khmer and Chinese text in their default fonts; the Latin words among them in the theme's."""
    found = _fonts(_pdf(lang, load_theme(NORTHBRIDGE)))
    assert own <= found
    assert not {name for name in found if name.startswith("NotoSans")}  # the default Latin font is gone
    assert found - own - {"KhmerOSMuolLight"} <= {"DejaVuSerif", "DejaVuSerif-Bold"}


def test_two_themes_and_none_in_one_process_never_mix(tmp_path: Path) -> None:
    mono = _mono_theme(tmp_path, "fonts:\n  latin:\n    regular: Mono.ttf\n    bold: Mono-Bold.ttf\n")
    first = _pdf("en", mono)
    assert _fonts(first) == {"DejaVuSansMono", "DejaVuSansMono-Bold"}
    assert _fonts(_pdf("en", load_theme(NORTHBRIDGE))) == {"DejaVuSerif", "DejaVuSerif-Bold"}
    assert _fonts(_pdf("en", None)) == {"NotoSans-Regular", "NotoSans-Bold"}
    assert _pdf("en", mono) == first  # the same bytes after the others, in the same process


def test_a_theme_without_a_bold_face_draws_bold_in_its_own_family(tmp_path: Path) -> None:
    """No bold file: headings are the regular face filled and stroked (a synthetic bold), never another family."""
    data = _pdf("en", _mono_theme(tmp_path))
    assert _fonts(data) == {"DejaVuSansMono"}
    assert b" 2 Tr" in _content(data)  # text render mode 2: fill, then stroke


def _content(data: bytes) -> bytes:
    """The first page's content stream, decompressed."""
    import io

    from pypdf import PdfReader

    return PdfReader(io.BytesIO(data)).pages[0].get_contents().get_data()


def test_a_themes_arabic_font_is_never_eked_out_with_the_latin_one(tmp_path: Path) -> None:
    """Punctuation the default Arabic font lacks goes to the Latin font; a theme's font must have it."""
    from appeal_gen.errors import MissingGlyphError
    from appeal_gen.render.pdf import glyph_problems, theme_fonts

    folder = tmp_path / "arabic"
    folder.mkdir()
    shutil.copy(FONTS / "SerifAscii.ttf", folder / "Serif.ttf")  # no Arabic letter: only the check matters here
    (folder / "theme.yaml").write_text("fonts:\n  arabic: Serif.ttf\n", encoding="utf-8")
    theme = load_theme(folder / "theme.yaml")
    letter = build_letter(load_spec(str(EXAMPLE)), LocaleInfo("ar"))
    problems = glyph_problems(letter, theme_fonts(theme))
    assert problems and all(isinstance(p, MissingGlyphError) for p in problems)
    assert any("U+00AB LEFT-POINTING DOUBLE ANGLE QUOTATION MARK" in p.message for p in problems)
    assert all("the theme's font DejaVu Serif (fonts.arabic in " in p.message for p in problems)
    assert glyph_problems(letter) == []  # the default fonts print it all


def test_a_word_of_digits_a_themes_font_lacks_goes_whole_to_the_latin_font(tmp_path: Path) -> None:
    """ "41," (the font has the comma, not the digits) is drawn whole in the Latin font; "ក1" is refused."""
    from appeal_gen.errors import MissingGlyphError
    from appeal_gen.markup import Para, Run
    from appeal_gen.render import pdffonts
    from appeal_gen.render.pdf import theme_fonts

    folder = tmp_path / "khmer"
    folder.mkdir()
    shutil.copy(FONTS / "KhmerOnly.ttf", folder / "Khmer.ttf")
    (folder / "theme.yaml").write_text("fonts:\n  khmer: Khmer.ttf\n", encoding="utf-8")
    with pdffonts.using(theme_fonts(load_theme(folder / "theme.yaml"))):
        khmer, latin = pdffonts.font("khmer"), pdffonts.font("latin")
        markup = pdffonts.markup(Para((Run("ផ្ទះ 41, ភ្នំពេញ"),), "address"), "khmer")
        assert f'<font name="{latin}">41,</font>' in markup
        assert f'<font name="{khmer}">ផ្ទះ </font>' in markup
        with pytest.raises(MissingGlyphError) as missing:
            pdffonts.markup(Para((Run("ផ្ទះលេខ1"),), "address"), "khmer")
    assert missing.value.field == "address"
    assert "has no glyph for U+0031 DIGIT ONE ('1')" in missing.value.message


def _renamed_theme(tmp_path: Path, folder: str, source: Path, postscript_name: str) -> Theme:
    """A theme whose Latin font is *source* with the PostScript name *postscript_name*."""
    from fontTools.ttLib import TTFont

    (tmp_path / folder).mkdir()
    font = TTFont(source)
    for record in font["name"].names:
        if record.nameID == 6:
            record.string = postscript_name
    font.save(tmp_path / folder / "Serif.ttf")
    (tmp_path / folder / "theme.yaml").write_text("fonts:\n  latin: Serif.ttf\n", encoding="utf-8")
    return load_theme(tmp_path / folder / "theme.yaml")


def test_two_theme_fonts_of_one_postscript_name_are_each_drawn_with_their_own_file(tmp_path: Path) -> None:
    """reportlab keeps one font per PostScript name; a theme's face must still be drawn from its own file.

    An ASCII-only subset of DejaVu Serif and the full font share the name
    (as two versions of one font do): drawn after the subset, a French
    letter in the full font printed boxes for é and º (in its footer).
    """
    import uuid

    name = f"AgTestSerif{uuid.uuid4().hex[:8]}"  # a name no other test has registered in this process
    small = _renamed_theme(tmp_path, "small", FONTS / "SerifAscii.ttf", name)
    full = _renamed_theme(tmp_path, "full", NORTHBRIDGE.parent / "fonts" / "DejaVuSerif.ttf", name)
    letter = build_letter(load_spec(str(DATA / "minimal.yaml")), LocaleInfo("en"))
    render_pdf(letter, options_for(small, "en"), PdfContext())
    french = squash(pdf_text(_pdf("fr", full)))
    assert "Référence : FLD-KH-CCHR-2017" in french
    assert "Suivi n° 1" in french
    assert "\x00" not in french
