"""A batch's workers draw with the theme's own fonts: the same bytes as a run of one row, a row's name checked."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

from ..conftest import EXAMPLE, ROOT, run

RECIPIENTS = EXAMPLE.parent / "recipients.csv"
NORTHBRIDGE = ROOT / "examples" / "themes" / "northbridge"
FONTS = ROOT / "tests" / "data" / "themefonts"


def _rows(tmp_path: Path, name: str, ids: tuple[str, ...], **names: str) -> Path:
    """The example list cut down to the rows *ids* (their names replaced by *names*)."""
    with open(RECIPIENTS, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        fields = list(reader.fieldnames or ())
        rows = [dict(row, name=names.get(row["id"], row["name"])) for row in reader if row["id"] in ids]
    out = io.StringIO()
    writer = csv.DictWriter(out, fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path = tmp_path / name
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def _fonts(path: Path) -> set[str]:
    from pypdf import PdfReader

    page = PdfReader(path).pages[0]
    return {str(f.get_object()["/BaseFont"]).split("+", 1)[-1] for f in page["/Resources"]["/Font"].values()}


def test_workers_draw_with_the_themes_fonts_as_a_run_of_one_row(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    theme = str(NORTHBRIDGE / "theme.yaml")
    many = _rows(tmp_path, "many.csv", ("emb-london", "emb-moscow", "emb-cairo", "chr-kh", "sup-0101"))
    one = _rows(tmp_path, "one.csv", ("emb-moscow",))
    argv = ["--theme", theme, "--format", "pdf,docx", "--quiet"]
    code, _, err = run(
        capsys, "batch", str(EXAMPLE), "--recipients", str(many), "-o", str(tmp_path / "a"), "--jobs", "2", *argv
    )
    assert code == 0, err
    code, _, err = run(
        capsys, "batch", str(EXAMPLE), "--recipients", str(one), "-o", str(tmp_path / "b"), "--jobs", "1", *argv
    )
    assert code == 0, err
    for name in ("emb-moscow.ru.pdf", "emb-moscow.ru.docx"):
        assert (tmp_path / "a" / "letters" / name).read_bytes() == (tmp_path / "b" / "letters" / name).read_bytes()
    letters = tmp_path / "a" / "letters"
    assert _fonts(letters / "emb-moscow.ru.pdf") == {"DejaVuSerif", "DejaVuSerif-Bold"}
    assert _fonts(letters / "emb-london.en.pdf") == {"DejaVuSerif", "DejaVuSerif-Bold"}
    assert "KhmerOS" in _fonts(letters / "chr-kh.km.pdf")
    assert not any(f.startswith("NotoSans") for f in _fonts(letters / "chr-kh.km.pdf"))
    assert not any(f.startswith("NotoSans") for f in _fonts(letters / "emb-cairo.ar.pdf"))


def test_a_rows_name_the_themes_font_cannot_print_fails_that_row_alone(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "theme"
    folder.mkdir()
    shutil.copy(FONTS / "Mono.ttf", folder / "Mono.ttf")
    (folder / "theme.yaml").write_text("fonts:\n  latin: Mono.ttf\n", encoding="utf-8")
    rows = _rows(tmp_path, "rows.csv", ("emb-london", "emb-canberra"), **{"emb-canberra": "Sim Bopha \u1e9e"})
    out = tmp_path / "out"
    argv = ["batch", str(EXAMPLE), "--recipients", str(rows), "-o", str(out), "--format", "pdf", "--quiet"]
    code, _, err = run(capsys, *argv, "--theme", str(folder / "theme.yaml"), "--jobs", "1")
    assert code == 1, err
    with open(out / "manifest.csv", encoding="utf-8", newline="") as fh:
        manifest = {row["id"]: row for row in csv.DictReader(fh)}
    assert manifest["emb-london"]["status"] == "ok"
    assert manifest["emb-canberra"]["status"] == "error"
    assert manifest["emb-canberra"]["message"] == (
        f"the theme's font DejaVu Sans Mono (fonts.latin in {folder / 'theme.yaml'}) has no glyph for U+1E9E "
        "LATIN CAPITAL LETTER SHARP S ('ẞ'); it would print as a box. Remove or replace the character, "
        "or give the theme a font that has it"
    )
