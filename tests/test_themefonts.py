"""A theme's own fonts (``fonts:``): each bad font file one located line and exit 2; a missing glyph named."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from appeal_gen import themefonts
from appeal_gen.theme import load_theme

from .conftest import EXAMPLE, ROOT, run

FONTS = ROOT / "tests" / "data" / "themefonts"
NORTHBRIDGE = ROOT / "examples" / "themes" / "northbridge"


def _theme(tmp_path: Path, body: str, *files: str) -> Path:
    folder = tmp_path / "theme"
    folder.mkdir(parents=True, exist_ok=True)
    for name in files:
        shutil.copy(FONTS / name, folder / name)
    path = folder / "theme.yaml"
    path.write_text(body, encoding="utf-8")
    return path


def _refused(capsys, theme: Path, tmp_path: Path, *args: str) -> str:  # type: ignore[no-untyped-def]
    out = tmp_path / "out"
    code, stdout, err = run(capsys, "build", str(EXAMPLE), "--theme", str(theme), "-o", str(out), *args)
    assert (code, stdout) == (2, "")
    assert not out.exists()  # nothing half-written
    assert len(err.strip().splitlines()) == 1, err
    return err.strip()


def test_the_example_theme_gives_a_latin_font_of_its_own() -> None:
    theme = load_theme(NORTHBRIDGE / "theme.yaml")
    (latin,) = theme.fonts
    assert (latin.script, latin.family) == ("latin", "DejaVu Serif")
    assert [(style, Path(face.path).name) for style, face in latin.faces] == [
        ("regular", "DejaVuSerif.ttf"),
        ("bold", "DejaVuSerif-Bold.ttf"),
    ]
    assert (NORTHBRIDGE / "fonts" / "LICENSE.txt").is_file()


def test_a_theme_gives_a_font_only_for_a_script_appeal_gen_knows() -> None:
    from appeal_gen.fonts import FAMILIES

    assert set(themefonts.SCRIPTS) == set(FAMILIES)


@pytest.mark.parametrize(
    ("file", "message"),
    [
        ("Missing.ttf", "'Missing.ttf' does not exist in the theme's folder ({folder})"),
        (
            "../Mono.ttf",
            "'../Mono.ttf' is not a file name inside the theme's folder; give a path relative to it, "
            "without '..' (files are never fetched from a URL)",
        ),
        (
            "Cff.otf",
            "'Cff.otf' has PostScript (CFF) outlines, which reportlab cannot embed in a PDF; "
            "use the font's TrueType-outline version (.ttf)",
        ),
        ("NotAFont.ttf", "'NotAFont.ttf' is not a font file appeal-gen can read (TrueType .ttf or .ttc)"),
    ],
)
def test_a_bad_font_file_is_one_located_line(capsys, tmp_path: Path, file: str, message: str) -> None:  # type: ignore[no-untyped-def]
    shutil.copy(FONTS / "Mono.ttf", tmp_path / "Mono.ttf")  # outside the theme's folder
    path = _theme(tmp_path, f"fonts:\n  latin:\n    regular: {file}\n", "Cff.otf", "NotAFont.ttf")
    line = _refused(capsys, path, tmp_path)
    prefix = f"{path}:3:14: fonts.latin.regular: "
    assert line.startswith(prefix), line
    assert line.removeprefix(prefix).startswith(message.format(folder=path.parent)), line


def test_a_font_that_is_a_link_leaving_the_folder(capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = _theme(tmp_path, "fonts:\n  latin: Serif.ttf\n")
    os.symlink(FONTS / "SerifAscii.ttf", path.parent / "Serif.ttf")
    assert _refused(capsys, path, tmp_path) == (
        f"{path}:2:10: fonts.latin: 'Serif.ttf' is a symbolic link; appeal-gen reads only files inside "
        "the theme's folder, not links"
    )


def test_a_font_too_big_is_refused_unread(capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = _theme(tmp_path, "fonts:\n  arabic:\n    regular: Huge.ttf\n")
    with open(path.parent / "Huge.ttf", "wb") as fh:
        fh.truncate(themefonts.MAX_THEME_FONT_BYTES + 1)  # sparse: no disk used
    assert _refused(capsys, path, tmp_path) == (
        f"{path}:3:14: fonts.arabic.regular: 'Huge.ttf' is more than 32 MiB; a font file is far smaller"
    )


def test_a_collection_index_out_of_range(capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = _theme(tmp_path, "fonts:\n  latin:\n    regular: {file: One.ttc, index: 1}\n", "One.ttc")
    assert _refused(capsys, path, tmp_path) == (
        f"{path}:3:21: fonts.latin.regular: 'One.ttc' is a collection of 1 fonts; 'index' must be 0 to 0, not 1"
    )


def test_every_mistake_at_once_and_a_face_of_another_family(capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = _theme(
        tmp_path,
        "fonts:\n  latin:\n    bold: Mono-Bold.ttf\n  cyrillic: Mono.ttf\n  han:\n    regular: Mono.ttf\n"
        "    bold: SerifAscii.ttf\n",
        "Mono.ttf",
        "Mono-Bold.ttf",
        "SerifAscii.ttf",
    )
    code, _, err = run(capsys, "check", str(EXAMPLE), "--theme", str(path))
    assert code == 2
    assert err.strip().splitlines() == [
        f"{path}:3:5: fonts.latin: needs 'regular': the font file of the ordinary text",
        f"{path}:4:3: fonts.cyrillic: unknown key; known keys: latin, arabic, khmer, han",
        f"{path}:7:11: fonts.han.bold: is the family 'DejaVu Serif', not 'DejaVu Sans Mono' as 'regular': "
        "one family per script",
    ]


def test_a_character_the_theme_font_lacks_is_named_with_its_field(capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The default font has "è"; the theme's does not, and it is not eked out with the default."""
    path = _theme(tmp_path, "fonts:\n  latin: SerifAscii.ttf\n", "SerifAscii.ttf")
    out = tmp_path / "out"
    code, stdout, err = run(capsys, "build", str(EXAMPLE), "--theme", str(path), "--lang", "fr", "-o", str(out))
    assert (code, stdout) == (2, "") and not out.exists()
    want = (
        f"the theme's font DejaVu Serif (fonts.latin in {path}) has no glyph for "
        "U+00E8 LATIN SMALL LETTER E WITH GRAVE ('è'); it would print as a box. Remove or replace the character, "
        "or give the theme a font that has it"
    )
    (line,) = [line for line in err.strip().splitlines() if "U+00E8" in line]  # once, where it first appears
    assert re.fullmatch(
        rf"{re.escape(str(EXAMPLE))}(:\d+:\d+)?: [a-z_.0-9]+: (in the 'fr' text: )?{re.escape(want)}", line
    )
    # check --theme: each character the theme's font lacks once, where it first appears, in every
    # language (the Russian letters too); without the theme the spec is clean.
    code, _, err = run(capsys, "check", str(EXAMPLE), "--theme", str(path))
    assert code == 2
    codes = re.findall(r"has no glyph for (U\+[0-9A-F]+) ", err)
    assert len(codes) == len(err.strip().splitlines()) == len(set(codes))
    assert {"U+00E8", "U+00E9", "U+00F3", "U+041F"} <= set(codes)
    assert all(f"the theme's font DejaVu Serif (fonts.latin in {path})" in line for line in err.splitlines())
    code, _, _ = run(capsys, "check", str(EXAMPLE))
    assert code == 0


def test_the_theme_font_is_enough_for_what_it_covers(capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = _theme(tmp_path, "fonts:\n  latin: SerifAscii.ttf\n", "SerifAscii.ttf")
    spec = tmp_path / "ascii.yaml"
    shutil.copy(ROOT / "tests" / "data" / "minimal.yaml", spec)
    code, _, err = run(capsys, "build", str(spec), "--theme", str(path), "--format", "pdf", "-o", str(tmp_path / "o"))
    assert code == 0, err


def _altered(tmp_path: Path, change) -> Path:  # type: ignore[no-untyped-def]
    """Mono.ttf with *change* made to it, in the theme's folder."""
    from fontTools.ttLib import TTFont

    font = TTFont(FONTS / "Mono.ttf")
    change(font)
    (tmp_path / "theme").mkdir()
    font.save(tmp_path / "theme" / "Altered.ttf")
    return _theme(tmp_path, "fonts:\n  latin: Altered.ttf\n")


def test_a_variable_font_is_refused_with_what_to_give_instead(capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from fontTools.ttLib import newTable
    from fontTools.ttLib.tables._f_v_a_r import Axis

    def variable(font) -> None:  # type: ignore[no-untyped-def]
        axis = Axis()
        axis.axisTag, axis.minValue, axis.defaultValue, axis.maxValue, axis.axisNameID = "wght", 400, 400, 700, 256
        font["fvar"] = newTable("fvar")
        font["fvar"].axes, font["fvar"].instances = [axis], []

    path = _altered(tmp_path, variable)
    assert _refused(capsys, path, tmp_path) == (
        f"{path}:2:10: fonts.latin: 'Altered.ttf' is a variable font; give its static faces instead "
        "(Regular, Bold, ...: the font's download usually has them in a 'static' folder)"
    )


def test_a_font_without_a_unicode_character_map(capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    def no_unicode(font) -> None:  # type: ignore[no-untyped-def]
        font["cmap"].tables = [t for t in font["cmap"].tables if not t.isUnicode()]

    path = _altered(tmp_path, no_unicode)
    assert _refused(capsys, path, tmp_path) == (
        f"{path}:2:10: fonts.latin: 'Altered.ttf' has no Unicode character map: no text can be drawn with it"
    )
