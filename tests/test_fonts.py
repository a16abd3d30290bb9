"""Where fonts come from: the user's folders, pip font packages, the system."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from appeal_gen import fonts, settings
from appeal_gen.errors import FontError, MissingGlyphError


def test_pip_font_packages_come_before_system_fonts() -> None:
    # Noto Sans is installed both by fontpkg-noto-sans and by fonts-noto-core.
    found = fonts.find_font("Noto Sans")
    assert found is not None
    assert "fontpkg_noto_sans" in found.path


def test_bold_of_a_variable_pip_font_is_instantiated_once_and_cached(monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("APPEAL_GEN_CACHE_DIR", str(tmp_path))
    bold = fonts.find_font("Noto Sans Khmer", "bold")
    assert bold is not None and Path(bold.path).parent == tmp_path / "fonts"
    with TTFont(bold.path) as face:
        assert "fvar" not in face, "a static face, as reportlab needs"
        assert face["OS/2"].usWeightClass == 700
        assert face["name"].getDebugName(4) == "Noto Sans Khmer Bold"
    made = Path(bold.path).stat().st_mtime_ns
    again = fonts.find_font("Noto Sans Khmer", "bold")
    assert again is not None and again.path == bold.path
    assert Path(bold.path).stat().st_mtime_ns == made
    assert [p.name for p in (tmp_path / "fonts").iterdir()] == [Path(bold.path).name], "no temporary file left"


def test_a_bold_face_has_the_same_bytes_whenever_and_wherever_it_is_made(monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The face's bytes go into every letter's embedded subset: they must not carry the moment it was made.

    Two fresh caches, the clock years apart: a first run, another machine, or
    a process replacing the face while a first run reads it.
    """
    made = []
    for n, now in enumerate((1_600_000_000.0, 1_900_000_000.0)):
        monkeypatch.setenv("APPEAL_GEN_CACHE_DIR", str(tmp_path / str(n)))
        settings.reload()
        monkeypatch.setattr(time, "time", lambda now=now: now)
        bold = fonts.find_font("Noto Sans Khmer", "bold")
        assert bold is not None and Path(bold.path).is_relative_to(tmp_path / str(n))
        made.append(Path(bold.path).read_bytes())
    assert made[0] == made[1]


_BUILD_AT = """
import sys, time
now = float(sys.argv[1])
time.time = lambda: now
from appeal_gen.cli import main
sys.exit(main(["build", sys.argv[2], "--lang", "en", "--format", "pdf", "-o", sys.argv[3]]))
"""


def test_a_letter_is_the_same_whether_its_bold_face_was_made_by_this_run_or_long_before(tmp_path: Path) -> None:
    """A first run (which makes the bold face) gives the letter every later run gives, on any machine."""
    from .conftest import EXAMPLE

    pdfs = []
    for n, now in enumerate(("1600000000", "1900000000")):
        env = {**os.environ, "APPEAL_GEN_CACHE_DIR": str(tmp_path / f"cache{n}")}
        out = tmp_path / f"out{n}"
        res = subprocess.run(
            [sys.executable, "-c", _BUILD_AT, now, str(EXAMPLE), str(out)],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert res.returncode == 0, res.stderr[-2000:]
        assert list((tmp_path / f"cache{n}" / "fonts").glob("NotoSans-wght700-*.ttf")), "the letter made its bold face"
        pdfs.append({p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in out.glob("*.pdf")})
    assert len(pdfs[0]) == 1 and pdfs[0] == pdfs[1]


def test_user_font_folders_win(monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    system = fonts.find_font("Khmer OS")
    assert system is not None
    shutil.copy(system.path, tmp_path / "MyKhmer.ttf")
    monkeypatch.setenv("APPEAL_GEN_FONT_DIRS", str(tmp_path))
    settings.reload()
    mine = fonts.find_font("Khmer OS")
    assert mine is not None and mine.path == str(tmp_path / "MyKhmer.ttf")


def test_khmer_headings_take_the_muol_light_face() -> None:
    # Khmer OS has no bold; Khmer official documents set titles in Muol Light.
    khmer = fonts.resolve("khmer")
    assert khmer.family == "Khmer OS"
    assert khmer.face("bold").family == "Khmer OS Muol Light"
    assert khmer.face("bolditalic").family == "Khmer OS Muol Light"
    assert khmer.face("italic").family == "Khmer OS"


def test_no_installed_font_for_a_script_says_what_to_install(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setitem(fonts.FAMILIES, "han", ("No Such Family",))
    fonts.resolve.cache_clear()
    try:
        with pytest.raises(FontError) as info:
            fonts.resolve("han")
    finally:
        fonts.resolve.cache_clear()
    assert str(info.value) == (
        "no font for han text: install one of No Such Family (Debian: apt-get install fonts-wqy-microhei) "
        "or put the .ttf files in a folder named by APPEAL_GEN_FONT_DIRS"
    )


def test_missing_glyph_names_the_face_and_code_point() -> None:
    face = fonts.resolve("latin").face("regular")
    with pytest.raises(MissingGlyphError) as info:
        fonts.check_glyphs("ok \U0001f600", face, "summary")
    assert info.value.field == "summary"
    assert str(info.value) == (
        "summary: the font Noto Sans has no glyph for U+1F600 GRINNING FACE ('\U0001f600'); it would print as a "
        "box. Remove or replace the character, or install a font that has it"
    )


def test_settings_are_read_from_the_environment_once(monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A variable changed halfway through a run does not change the fonts of the letters after it."""
    system = fonts.find_font("Khmer OS")
    assert system is not None
    shutil.copy(system.path, tmp_path / "MyKhmer.ttf")
    monkeypatch.setenv("APPEAL_GEN_FONT_DIRS", str(tmp_path))
    found = fonts.find_font("Khmer OS")
    assert found is not None and found.path == system.path, "read when first asked for, not at each look-up"
    assert settings.reload().font_dirs == (str(tmp_path),)
    mine = fonts.find_font("Khmer OS")
    assert mine is not None and mine.path == str(tmp_path / "MyKhmer.ttf")


def test_settings_from_an_environment() -> None:
    env = {
        "APPEAL_GEN_FONT_DIRS": f"/a{os.pathsep}{os.pathsep}/b",
        "XDG_CACHE_HOME": "/xdg",
        "APPEAL_GEN_LOCALES": "",
    }
    got = settings.Settings.from_env(env)
    assert got == settings.Settings(font_dirs=("/a", "/b"), cache_dir=Path("/xdg/appeal-gen"), locales_dir=None)
    assert settings.Settings.from_env({**env, "APPEAL_GEN_CACHE_DIR": "/c"}).cache_dir == Path("/c")
