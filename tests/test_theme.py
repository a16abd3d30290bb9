"""theme.yaml as a user writes it: each mistake one line FILE:LINE:COL: field: message, exit 2, nothing written."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from appeal_gen.theme import MM, load_theme

from .conftest import EXAMPLE, ROOT, run

NORTHBRIDGE = ROOT / "examples" / "themes" / "northbridge"
LOGO = NORTHBRIDGE / "logo.png"


def _theme(folder: Path, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "theme.yaml"
    path.write_text(body, encoding="utf-8")
    return path


def _refused(capsys, theme: Path, tmp_path: Path) -> str:  # type: ignore[no-untyped-def]
    out = tmp_path / "out"
    code, stdout, err = run(capsys, "build", str(EXAMPLE), "--theme", str(theme), "-o", str(out))
    assert code == 2
    assert stdout == ""
    assert not out.exists()  # nothing half-written
    assert len(err.strip().splitlines()) == 1, err
    return err.strip()


def test_the_example_theme_reads_as_written() -> None:
    theme = load_theme(NORTHBRIDGE / "theme.yaml")
    assert theme.page_size == (612.0, 792.0)
    assert theme.margins == pytest.approx((54.0, 64.8, 64.8, 64.8))
    assert theme.accent == "#1F4E79"
    assert theme.logo is not None and theme.logo.width == pytest.approx(22 * MM)
    assert theme.logo.alt_text("fr") == "Logo de Northbridge Rights Watch : un pont au-dessus de l'eau"
    # A regional language takes its base language's text.
    assert theme.footer_text(
        "fr_CA",
    ).startswith("Northbridge Rights Watch · indépendante")
    assert theme.letterhead_lines("km")[0] == "Northbridge Rights Watch"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("accent_color: red\n", "1:15: accent_color: 'red' is not a colour; write it as #RRGGBB, e.g. #1F4E79"),
        (
            "page_size: leter\n",
            "1:12: page_size: 'leter' is not a page size; did you mean 'letter'? use A4, A5, letter, legal, "
            "or WIDTH x HEIGHT (216mm x 279mm)",
        ),
        (
            "page_size: 8.5 x 11\n",
            "1:12: page_size: '8.5 x 11' is not a page size; use A4, A5, letter, legal, "
            "or WIDTH x HEIGHT (216mm x 279mm)",
        ),
        ("margins: 2 cm\n", None),
        ("margins: two\n", "1:10: margins: 'two' is not a length; write a number and a unit: 20mm, 2cm, 0.75in, 54pt"),
        (
            "margins:\n  top: 2cm\n  bottom: 5mm\n",
            "2:3: margins.bottom: 5mm is too little: the footer (reference, page number) needs 15mm",
        ),
        ("margin: 2cm\n", "1:1: margin: unknown key; did you mean 'margins'?"),
        (
            "accent_color: !!python/name:os.system\n",
            "1:15: accent_color: the YAML tag tag:yaml.org,2002:python/name:os.system is not allowed in a theme",
        ),
        ("footer: [a, b]\n", "1:9: footer: expected a text"),
        (
            "logo:\n  file: logo.png\n",
            "2:3: logo: needs 'alt': the logo's text for screen readers (the organisation's name)",
        ),
    ],
)
def test_a_mistake_is_one_located_line_and_exit_2(capsys, tmp_path: Path, body: str, message: str | None) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "theme"
    folder.mkdir()
    shutil.copy(LOGO, folder / "logo.png")
    path = _theme(folder, body)
    if message is None:  # "2 cm": a space between number and unit is fine
        assert load_theme(path).margins == pytest.approx((20 * MM,) * 4)
        return
    assert _refused(capsys, path, tmp_path) == f"{path}:{message}"


def _logo_error(capsys, tmp_path: Path, file: str) -> str:  # type: ignore[no-untyped-def]
    path = _theme(tmp_path / "theme", f"logo:\n  alt: Our logo\n  file: {file}\n")
    line = _refused(capsys, path, tmp_path)
    prefix = f"{path}:3:9: logo.file: "
    assert line.startswith(prefix), line
    return line.removeprefix(prefix)


def test_a_missing_logo(capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert _logo_error(capsys, tmp_path, "missing.png") == (
        f"'missing.png' does not exist in the theme's folder ({tmp_path / 'theme'})"
    )


def test_a_pixel_bomb_is_refused_before_it_is_decoded(capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from PIL import Image

    (tmp_path / "theme").mkdir()
    # 25 million pixels in 3 KB: the header's size is refused, no pixel is decoded.
    Image.new("1", (5000, 5000)).save(tmp_path / "theme" / "bomb.png")
    assert (tmp_path / "theme" / "bomb.png").stat().st_size < 10_000
    assert _logo_error(capsys, tmp_path, "bomb.png") == (
        "'bomb.png' is 5000 x 5000 pixels, more than the limit of 16,000,000 pixels; "
        "scale it down (a logo needs about 1,000 pixels across)"
    )


def test_a_file_that_is_not_an_image(capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "theme").mkdir()
    (tmp_path / "theme" / "logo.png").write_text("<svg/>")
    assert _logo_error(capsys, tmp_path, "logo.png") == "'logo.png' is not a PNG or JPEG image"


@pytest.mark.parametrize("file", ["../logo.png", "/etc/passwd", "https://example.org/logo.png"])
def test_a_logo_outside_the_theme_folder_or_a_url(capsys, tmp_path: Path, file: str) -> None:  # type: ignore[no-untyped-def]
    shutil.copy(LOGO, tmp_path / "logo.png")
    assert _logo_error(capsys, tmp_path, file) == (
        f"'{file}' is not a file name inside the theme's folder; give a path relative to it, "
        "without '..' (files are never fetched from a URL)"
    )


def test_a_logo_that_is_a_link(capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "theme").mkdir()
    (tmp_path / "theme" / "logo.png").symlink_to(LOGO)
    assert _logo_error(capsys, tmp_path, "logo.png") == (
        "'logo.png' is a symbolic link; appeal-gen reads only files inside the theme's folder, not links"
    )


def test_the_logo_is_re_encoded_without_its_metadata(tmp_path: Path) -> None:
    from PIL import Image
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Author", "Jane Designer, 12 Secret Street")
    Image.open(LOGO).save(tmp_path / "logo.png", pnginfo=info)
    # 70 mm at 200 dpi is 551 pixels: the 480 of the file are kept as they are.
    theme = load_theme(_theme(tmp_path, "logo: {file: logo.png, alt: Logo, width: 70mm}\n"))
    assert theme.logo is not None
    assert b"Secret Street" in (tmp_path / "logo.png").read_bytes()
    assert b"Secret Street" not in theme.logo.image.png
    assert Image.open(LOGO).tobytes() == Image.open(__import__("io").BytesIO(theme.logo.image.png)).tobytes()


def test_the_logo_keeps_200_dpi_at_its_printed_width() -> None:
    theme = load_theme(NORTHBRIDGE / "theme.yaml")  # 480 pixels, printed 22 mm wide
    assert theme.logo is not None
    assert (theme.logo.image.width, theme.logo.image.height) == (174, 174)  # 22 mm at 200 dpi


def test_a_theme_the_spec_names_must_be_in_its_folder(capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    spec = tmp_path / "appeal.yaml"
    spec.write_text(EXAMPLE.read_text(encoding="utf-8") + "theme: ../theme.yaml\n", encoding="utf-8")
    code, _, err = run(capsys, "build", str(spec), "-o", str(tmp_path / "out"))
    assert code == 2
    assert err.strip() == (
        f"{spec}: theme: '../theme.yaml' is not a file name inside the spec's folder; give a path relative to it, "
        "without '..' (files are never fetched from a URL)"
    )


def test_a_character_no_font_has_is_reported_at_its_place_in_the_theme(capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = _theme(
        tmp_path / "theme",
        'organisation:\n  name: Test\n  address:\n    - Line one\n    - "Room \ue000"\nfooter:\n  fr: "Devise"\n',
    )
    assert _refused(capsys, path, tmp_path) == (
        f"{path}:5:7: organisation.address.1: the font Noto Sans has no glyph for U+E000 unnamed "
        "character ('\\ue000'); it would print as a box. Remove or replace the character, or install a font that has it"
    )


def test_the_spec_names_its_theme_and_the_command_line_wins(capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from pypdf import PdfReader

    shutil.copytree(NORTHBRIDGE, tmp_path / "look")
    spec = tmp_path / "appeal.yaml"
    spec.write_text(EXAMPLE.read_text(encoding="utf-8") + "theme: look/theme.yaml\n", encoding="utf-8")
    code, _, err = run(capsys, "build", str(spec), "--format", "pdf", "-o", str(tmp_path / "a"))
    assert code == 0, err
    page = PdfReader(tmp_path / "a" / "fld-kh-cchr-2017.en.pdf").pages[0]
    assert (float(page.mediabox.width), float(page.mediabox.height)) == (612, 792)
    assert "Northbridge Rights Watch" in page.extract_text()
    a4 = _theme(tmp_path / "a4", "page_size: A4\n")
    code, _, err = run(capsys, "build", str(spec), "--theme", str(a4), "--format", "pdf", "-o", str(tmp_path / "b"))
    assert code == 0, err
    page = PdfReader(tmp_path / "b" / "fld-kh-cchr-2017.en.pdf").pages[0]
    assert round(float(page.mediabox.width)) == 595 and "Northbridge" not in page.extract_text()
    code, out, _ = run(capsys, "check", str(spec))
    assert code == 0 and "OK" in out


def test_batch_checks_the_theme_before_any_letter(capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = _theme(tmp_path / "theme", "accent_color: '#12345'\n")
    recipients = ROOT / "examples" / "cchr-2017" / "recipients.csv"
    out = tmp_path / "out"
    code, stdout, err = run(
        capsys, "batch", str(EXAMPLE), "--recipients", str(recipients), "--theme", str(path), "-o", str(out)
    )
    assert (code, stdout) == (2, "")
    assert err.strip() == f"{path}:1:15: accent_color: '#12345' is not a colour; write it as #RRGGBB, e.g. #1F4E79"
    assert not out.exists()
