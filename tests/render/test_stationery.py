"""--stationery: the letter's pages drawn over pre-printed letterhead, read back from the PDFs."""

from __future__ import annotations

import hashlib
from pathlib import Path

from ..conftest import EXAMPLE, ROOT, run

THEME = ROOT / "examples" / "themes" / "northbridge" / "theme.yaml"
RECIPIENTS = ROOT / "examples" / "cchr-2017" / "recipients.csv"
LETTER = (612.0, 792.0)
A4 = (595.2756, 841.8898)
#: The organisation's letters of the example list (column letter, or no signatory: docs/batch.md).
ORGANISATIONS = {"emb-madrid.es.pdf", "ines-moreau.en.pdf"}


def stationery(path: Path, size: tuple[float, float] = A4, titles: tuple[str, ...] = ("FIRST", "FOLLOWING")) -> Path:
    """A stationery PDF whose page N says titles[N] at its top."""
    from reportlab.pdfgen.canvas import Canvas

    c = Canvas(str(path), pagesize=size, invariant=1)
    for title in titles:
        c.setFont("Helvetica-Bold", 14)
        c.drawString(40, size[1] - 26, f"{title} SHEET")
        c.setFont("Times-Italic", 9)
        c.drawString(40, 20, "Printed by Paper (and) Co.")
        c.showPage()
    c.save()
    return path


def _pages(path: Path) -> list[str]:
    from pypdf import PdfReader

    return [page.extract_text() for page in PdfReader(path).pages]


def test_the_first_page_and_the_others_get_their_own_sheets(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    paper = stationery(tmp_path / "paper.pdf")
    out = tmp_path / "out"
    code, _, err = run(capsys, "build", str(EXAMPLE), "--stationery", str(paper), "--format", "pdf", "-o", str(out))
    assert code == 0, err
    pages = _pages(out / "fld-kh-cchr-2017.en.pdf")
    assert len(pages) == 3
    assert pages[0].startswith("FIRST SHEET") and "FOLLOWING" not in pages[0]
    assert all(p.startswith("FOLLOWING SHEET") for p in pages[1:])
    assert all("Printed by Paper (and) Co." in p for p in pages)
    assert "Front Line Defenders urges the authorities in Cambodia to:" in " ".join(" ".join(pages).split())
    first = hashlib.sha256((out / "fld-kh-cchr-2017.en.pdf").read_bytes()).hexdigest()
    code, _, _ = run(capsys, "build", str(EXAMPLE), "--stationery", str(paper), "--format", "pdf", "-o", str(out / "2"))
    assert hashlib.sha256((out / "2" / "fld-kh-cchr-2017.en.pdf").read_bytes()).hexdigest() == first


def test_two_files_and_the_themes_letterhead_not_drawn_on_them(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    first = stationery(tmp_path / "first.pdf", LETTER, ("HEAD",))
    rest = stationery(tmp_path / "rest.pdf", LETTER, ("NEXT",))
    out = tmp_path / "out"
    argv = ["build", str(EXAMPLE), "--theme", str(THEME), "--stationery", f"{first},{rest}", "--format", "pdf"]
    code, _, err = run(capsys, *argv, "--lang", "ar", "-o", str(out))
    assert code == 0, err
    pages = _pages(out / "fld-kh-cchr-2017.ar.pdf")
    assert pages[0].startswith("HEAD SHEET") and all(p.startswith("NEXT SHEET") for p in pages[1:])
    # The stationery carries the letterhead and footer: the theme's are not drawn over it.
    assert not any("Northbridge" in p for p in pages)


def test_stationery_of_another_paper_size_is_refused(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    paper = stationery(tmp_path / "paper.pdf", LETTER)
    out = tmp_path / "out"
    code, stdout, err = run(capsys, "build", str(EXAMPLE), "--stationery", str(paper), "-o", str(out))
    assert (code, stdout) == (2, "")
    assert err.strip() == (
        f"{paper}: page 1 is 612 x 792 pt, but the letters are 595 x 842 pt; give the theme the stationery's page_size"
    )
    assert not out.exists()


def test_a_file_that_is_not_a_pdf(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    paper = tmp_path / "paper.pdf"
    paper.write_text("not a pdf")
    code, _, err = run(capsys, "build", str(EXAMPLE), "--stationery", str(paper), "-o", str(tmp_path / "out"))
    assert code == 2
    assert err.startswith(f"{paper}: not a PDF appeal-gen can read: ") and len(err.strip().splitlines()) == 1


def test_batch_letters_are_drawn_over_the_stationery(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    paper = stationery(tmp_path / "paper.pdf")
    out = tmp_path / "out"
    argv = ["batch", str(EXAMPLE), "--recipients", str(RECIPIENTS), "-o", str(out), "--format", "pdf"]
    code, _, err = run(capsys, *argv, "--stationery", str(paper), "--jobs", "1", "--quiet")
    assert code == 0, err
    letters = sorted((out / "letters").glob("*.pdf"))
    assert len(letters) == 20
    for path in letters:
        pages = _pages(path)
        if path.name not in ORGANISATIONS:
            # A supporter's letter is a private person's: not on the organisation's paper (issue 14).
            assert not any("SHEET" in p or "Paper (and) Co." in p for p in pages), path
            continue
        assert pages[0].startswith("FIRST SHEET"), path
        assert all(p.startswith("FOLLOWING SHEET") for p in pages[1:]), path
        assert "Printed by Paper (and) Co." in pages[-1]
