"""The DOCX names a theme's own fonts: in the styles, in the slot Word and LibreOffice read for each script,
and in bold Khmer runs (render/ooxmlpatch.py, render/docxcontext.py)."""

from __future__ import annotations

import io
import re
import shutil
import zipfile

import pytest

from appeal_gen import build_letter
from appeal_gen.locale import LocaleInfo
from appeal_gen.render import registry
from appeal_gen.spec import load_spec
from appeal_gen.theme import Theme, load_theme

from ..conftest import EXAMPLE, ROOT

FONTS = ROOT / "tests" / "data" / "themefonts"
NORTHBRIDGE = ROOT / "examples" / "themes" / "northbridge" / "theme.yaml"


def _rfonts(data: bytes) -> set[str]:
    """Every distinct ``w:rFonts`` element of the styles, as written."""
    styles = zipfile.ZipFile(io.BytesIO(data)).read("word/styles.xml").decode()
    return set(re.findall(r"<w:rFonts [^>]*/>", styles))


def _docx(lang: str, theme: Theme | None, *, batch: bool = False) -> bytes:
    letter = build_letter(load_spec(str(EXAMPLE)), LocaleInfo(lang))
    request = registry.RenderRequest(letter, theme=theme)
    return (registry.batch_renderer if batch else registry.renderer)("docx")(request)


@pytest.fixture(scope="module")
def every_script(tmp_path_factory: pytest.TempPathFactory) -> Theme:
    """A theme with a font for every script (the same test file: only the names matter to a DOCX)."""
    folder = tmp_path_factory.mktemp("theme")
    shutil.copy(FONTS / "Mono.ttf", folder / "Mono.ttf")
    lines = "".join(f"  {script}: Mono.ttf\n" for script in ("latin", "arabic", "khmer", "han"))
    (folder / "theme.yaml").write_text(f"fonts:\n{lines}", encoding="utf-8")
    return load_theme(folder / "theme.yaml")


@pytest.mark.parametrize(
    ("lang", "fonts"),
    [
        ("en", 'w:ascii="DejaVu Serif" w:hAnsi="DejaVu Serif" w:cs="Noto Sans" w:eastAsia="Noto Sans"'),
        ("ar", 'w:ascii="DejaVu Serif" w:hAnsi="DejaVu Serif" w:cs="Noto Naskh Arabic" w:eastAsia="Noto Sans"'),
    ],
)
def test_the_example_themes_latin_font_is_the_styles_latin_font(lang: str, fonts: str) -> None:
    theme = load_theme(NORTHBRIDGE)
    data = _docx(lang, theme)
    assert _rfonts(data) == {f"<w:rFonts {fonts}/>"}
    assert _docx(lang, theme, batch=True) == data  # the batch's compiled template says the same


@pytest.mark.parametrize(
    ("lang", "slot"),
    [
        ("ar", 'w:cs="DejaVu Sans Mono" w:eastAsia="Noto Sans"'),
        ("km", 'w:cs="DejaVu Sans Mono" w:eastAsia="Noto Sans"'),
    ],
)
def test_arabic_and_khmer_fonts_go_in_the_complex_script_slot_bold_styles_too(
    every_script: Theme, lang: str, slot: str
) -> None:
    """Khmer headings too: the theme's family, not Khmer OS Muol Light, as in the PDF."""
    data = _docx(lang, every_script)
    assert _rfonts(data) == {f'<w:rFonts w:ascii="DejaVu Sans Mono" w:hAnsi="DejaVu Sans Mono" {slot}/>'}
    assert _docx(lang, every_script, batch=True) == data


def test_a_chinese_font_goes_in_the_east_asian_slot(every_script: Theme) -> None:
    assert _rfonts(_docx("zh", every_script)) == {
        '<w:rFonts w:ascii="DejaVu Sans Mono" w:hAnsi="DejaVu Sans Mono" w:cs="Noto Sans" '
        'w:eastAsia="DejaVu Sans Mono"/>'
    }


def test_no_theme_keeps_the_templates_fonts() -> None:
    assert _rfonts(_docx("km", None)) == {
        '<w:rFonts w:ascii="Noto Sans" w:hAnsi="Noto Sans" w:cs="Khmer OS" w:eastAsia="Noto Sans"/>',
        '<w:rFonts w:ascii="Noto Sans" w:hAnsi="Noto Sans" w:cs="Khmer OS Muol Light" w:eastAsia="Noto Sans"/>',
    }


def test_bold_khmer_words_keep_the_themes_family(every_script: Theme) -> None:
    """Without a theme, bold Khmer runs name Khmer OS Muol Light; with a theme's Khmer font, the style's family."""

    def body(data: bytes) -> str:
        return zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode()

    assert "Khmer OS Muol Light" in body(_docx("km", None))
    for batch in (False, True):
        assert "Khmer OS Muol Light" not in body(_docx("km", every_script, batch=batch))
