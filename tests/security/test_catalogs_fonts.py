"""Catalogs from volunteer translators and fonts from the user's folders."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from appeal_gen import fonts, settings

from ..conftest import copy_locales, docx_paragraphs, pdf_text
from .conftest import cli, minimal_spec

URGE_FR = 'msgstr[0] "{organisation} exhorte {authorities} à :"'


def _edit_fr(loc: Path, old: str, new: str) -> Path:
    po = loc / "fr" / "LC_MESSAGES" / "appeal_gen.po"
    text = po.read_text(encoding="utf-8")
    assert old in text
    po.write_text(text.replace(old, new), encoding="utf-8")
    return po


HOSTILE_PLACEHOLDERS = {
    "attribute": "{organisation.__class__.__init__} exhorte {authorities} à :",
    "index": "{organisation[0]} exhorte {authorities} à :",
    "width": "{organisation:>999999999} exhorte {authorities} à :",
    "conversion": "{organisation!r} exhorte {authorities} à :",
    "positional": "{0} exhorte {authorities} à :",
}


@pytest.mark.parametrize("kind", list(HOSTILE_PLACEHOLDERS))
def test_hostile_placeholder_in_a_catalog_runs_nothing_and_falls_back(
    kind: str, tmp_path: Path, capsys, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    loc = copy_locales(tmp_path, monkeypatch)
    _edit_fr(loc, URGE_FR, f'msgstr[0] "{HOSTILE_PLACEHOLDERS[kind]}"')
    out = tmp_path / "out"
    code, _, err = cli(capsys, "build", str(minimal_spec(tmp_path)), "--lang", "fr", "--allow-fallback", "-o", str(out))
    assert code == 0
    assert (
        "warning: fr: the fr translation of '{organisation} urges {authorities} to:' has a broken "
        "placeholder; using en\n"
    ) in err
    text = pdf_text((out / "test-001.fr.pdf").read_bytes())
    assert "Example Defenders & Partners urges les autorités cambodgiennes to:" in text
    assert "class" not in text and "method" not in text


def test_broken_page_label_falls_back_before_any_page_is_drawn(tmp_path: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    loc = copy_locales(tmp_path, monkeypatch)
    _edit_fr(loc, 'msgstr "Page {page} sur {pages}"', 'msgstr "Page {page:>99999999} sur {pages.real}"')
    out = tmp_path / "out"
    code, _, err = cli(capsys, "build", str(minimal_spec(tmp_path)), "--lang", "fr", "--allow-fallback", "-o", str(out))
    assert code == 0
    assert "the fr translation of 'Page {page} of {pages}' has a broken placeholder; using en" in err
    assert "Page 1 of 1" in pdf_text((out / "test-001.fr.pdf").read_bytes())


def test_locale_check_names_the_hostile_placeholder(tmp_path: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    loc = copy_locales(tmp_path, monkeypatch)
    po = _edit_fr(loc, URGE_FR, 'msgstr[0] "{organisation.__class__} exhorte {authorities} à :"')
    code, out, _ = cli(capsys, "locale", "check", "fr")
    assert code == 2
    line = next(i for i, ln in enumerate(po.read_text(encoding="utf-8").splitlines(), 1) if "__class__" in ln)
    assert f"{po}:{line}: unknown placeholder {{organisation.__class__}} in msgstr" in out


def test_markup_in_a_catalog_string_prints_verbatim(tmp_path: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    loc = copy_locales(tmp_path, monkeypatch)
    hostile = '<img src="/etc/passwd"/> <a href="javascript:x">Appel</a> {{ 7*7 }} &amp;'
    _edit_fr(loc, 'msgstr "Veuillez écrire à"', 'msgstr "' + hostile.replace('"', '\\"') + '"')
    out = tmp_path / "out"
    code, _, _ = cli(capsys, "build", str(minimal_spec(tmp_path)), "--lang", "fr", "--allow-fallback", "-o", str(out))
    assert code == 0
    pdf = (out / "test-001.fr.pdf").read_bytes()
    assert hostile in pdf_text(pdf)
    assert re.search(rb"/Subtype\s*/Image", pdf) is None and b"/URI" not in pdf
    assert hostile in [t for _, t in docx_paragraphs((out / "test-001.fr.docx").read_bytes())]


def test_a_catalog_that_is_not_text(tmp_path: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    loc = copy_locales(tmp_path, monkeypatch)
    po = loc / "fr" / "LC_MESSAGES" / "appeal_gen.po"
    po.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    out = tmp_path / "out"
    code, _, err = cli(capsys, "build", str(minimal_spec(tmp_path)), "--lang", "fr", "--allow-fallback", "-o", str(out))
    assert code == 2
    assert err.startswith(f"{po}:1: ")
    assert not out.exists()


# --------------------------------------------------------------------------
# Fonts


@pytest.fixture
def font_dir(tmp_path: Path, monkeypatch):  # type: ignore[no-untyped-def]
    d = tmp_path / "fonts"
    d.mkdir()
    monkeypatch.setenv("APPEAL_GEN_FONT_DIRS", f"{d}{os.pathsep}{tmp_path / 'no-such-folder'}")
    settings.reload()
    fonts.resolve.cache_clear()
    yield d
    fonts.resolve.cache_clear()


@pytest.mark.parametrize(
    "name,content",
    [
        ("corrupt.ttf", b"\x00\x01\x00\x00" + b"garbage" * 100),
        ("empty.ttf", b""),
        ("text.ttf", b"this is not a font\n"),
        ("NotoSans-Regular.ttc", b"ttcf" + b"\xff" * 64),
    ],
)
def test_unreadable_font_files_are_skipped(name: str, content: bytes, font_dir: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    (font_dir / name).write_bytes(content)
    out = tmp_path / "out"
    code, _, err = cli(capsys, "build", str(minimal_spec(tmp_path)), "-o", str(out))
    assert (code, err) == (0, "")
    assert "A defender was detained" in pdf_text((out / "test-001.en.pdf").read_bytes())


def test_a_font_link_to_a_system_file_is_skipped(font_dir: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    (font_dir / "passwd.ttf").symlink_to("/etc/passwd")
    out = tmp_path / "out"
    code, _, err = cli(capsys, "build", str(minimal_spec(tmp_path)), "-o", str(out))
    assert (code, err) == (0, "")
    assert b"root:" not in (out / "test-001.en.pdf").read_bytes()


@pytest.mark.parametrize(
    "char,name",
    [("\U0001f600", "GRINNING FACE"), ("\ue000", "unnamed character"), ("\U00010348", "GOTHIC LETTER HWAIR")],
)
def test_a_character_no_font_has_stops_the_build(char: str, name: str, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    spec = minimal_spec(tmp_path, summary=f'summary: "before {char} after"')
    out = tmp_path / "out"
    code, _, err = cli(capsys, "build", str(spec), "-o", str(out))
    assert code == 2
    assert err == (
        f"{spec}:12:10: summary: the font Noto Sans has no glyph for U+{ord(char):04X} {name} ({char!r}); it "
        "would print as a box. Remove or replace the character, or install a font that has it\n"
    )
    assert not out.exists() or list(out.iterdir()) == []
