"""Metadata and PDF/A: the dates of the appeal, XMP that agrees with the Info dictionary, a validator's verdict."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from ..conftest import EXAMPLE, run

pikepdf = pytest.importorskip("pikepdf")
LANGS = ["en", "fr", "es", "ru", "ar", "km", "zh"]
RECIPIENTS = EXAMPLE.parent / "recipients.csv"


def validate(path: Path) -> list[str]:
    """pikepdf's PDF/A-2b validator (an allowlist: it approves only what it knows conforms)."""
    pdfa = pytest.importorskip("pikepdf.pdfa")
    report = pdfa.validate_written(path, "2b")
    return [str(f) for f in report.findings] if not report.passed else []


@pytest.fixture(scope="module")
def archived(tmp_path_factory) -> Path:  # type: ignore[no-untyped-def]
    out = tmp_path_factory.mktemp("pdfa")
    import subprocess
    import sys

    command = [sys.executable, "-m", "appeal_gen", "build", str(EXAMPLE), "--lang", "all", "--format", "pdf"]
    command += ["--pdf-standard", "pdfa-2b", "-o", str(out)]
    subprocess.run(
        command,
        check=True,
        capture_output=True,
    )
    return out


@pytest.mark.parametrize("lang", LANGS)
def test_pdfa_2b_passes_the_validator(lang: str, archived: Path) -> None:
    path = archived / f"fld-kh-cchr-2017.{lang}.pdf"
    assert validate(path) == []
    with pikepdf.open(path) as pdf:
        intent = pdf.Root.OutputIntents[0]
        assert intent.S == "/GTS_PDFA1" and intent.DestOutputProfile.N == 3
        meta = pdf.open_metadata()
        assert meta["pdfaid:part"] == "2" and meta["pdfaid:conformance"] == "B"
        assert meta["dc:title"] == str(pdf.docinfo.Title)
        assert meta["xmp:CreateDate"].startswith("2017-12-06")


def test_pdfa_bytes_are_the_same_from_run_to_run(archived: Path, tmp_path: Path) -> None:
    """The sRGB profile is made at run time: its creation date is fixed, or each run would differ."""
    import subprocess
    import sys

    command = [sys.executable, "-m", "appeal_gen", "build", str(EXAMPLE), "--lang", "km", "--format", "pdf"]
    subprocess.run([*command, "--pdf-standard", "pdfa-2b", "-o", str(tmp_path)], check=True, capture_output=True)
    name = "fld-kh-cchr-2017.km.pdf"
    assert (tmp_path / name).read_bytes() == (archived / name).read_bytes()


def test_an_ordinary_pdf_says_pdfua_and_the_appeals_date(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, _ = run(capsys, "build", str(EXAMPLE), "--lang", "ar", "--format", "pdf", "-o", str(tmp_path))
    assert code == 0
    path = tmp_path / "fld-kh-cchr-2017.ar.pdf"
    with pikepdf.open(path) as pdf:
        meta = pdf.open_metadata()
        assert meta["pdfuaid:part"] == "1"
        assert "pdfaid:part" not in meta
        assert str(pdf.docinfo.CreationDate).startswith("D:20171206")
        assert meta["dc:title"] == str(pdf.docinfo.Title) == "رئيس الوزراء يسعى إلى إغلاق منظمة بارزة لحقوق الإنسان"
        assert meta["dc:creator"] == ["فرونت لاين ديفندرز"]
        assert "/OutputIntents" not in pdf.Root
    first = hashlib.sha256(path.read_bytes()).hexdigest()
    code, _, _ = run(capsys, "build", str(EXAMPLE), "--lang", "ar", "--format", "pdf", "-o", str(tmp_path / "again"))
    assert hashlib.sha256((tmp_path / "again" / path.name).read_bytes()).hexdigest() == first


def test_batch_letters_and_combined_pdfs_pass_the_validator(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(
        capsys,
        "batch",
        str(EXAMPLE),
        "--recipients",
        str(RECIPIENTS),
        "--format",
        "pdf",
        "--pdf-standard",
        "pdfa-2b",
        "--quiet",
        "-o",
        str(tmp_path),
    )
    assert code == 0, err
    letters = sorted((tmp_path / "letters").glob("*.pdf"))
    combined = sorted((tmp_path / "combined").glob("*.pdf"))
    assert len(letters) == 20 and len(combined) == 7
    for path in [*letters[:: len(letters) // 5], *combined]:
        assert validate(path) == [], path.name


def test_an_unknown_standard_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        run(capsys, "build", str(EXAMPLE), "--pdf-standard", "pdfa-1a", "-o", str(tmp_path))
    assert exc.value.code == 2
    assert "argument --pdf-standard: invalid choice: 'pdfa-1a' (choose from 'pdfa-2b')" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())


THEME = EXAMPLE.parent.parent / "themes" / "northbridge" / "theme.yaml"


def test_pdfa_2b_letters_with_a_logo_pass_the_validator(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The logo's transparency is a soft mask (PDF/A-2 allows it, with the sRGB output intent): built and batched."""
    look = ["--theme", str(THEME), "--pdf-standard", "pdfa-2b", "--format", "pdf"]
    code, _, err = run(capsys, "build", str(EXAMPLE), "--lang", "en,ar", *look, "-o", str(tmp_path / "built"))
    assert code == 0, err
    argv = ["batch", str(EXAMPLE), "--recipients", str(RECIPIENTS), "--letter-kind", "organisation", "--quiet"]
    code, _, err = run(capsys, *argv, *look, "-o", str(tmp_path / "batch"))
    assert code == 0, err
    built = sorted((tmp_path / "built").glob("*.pdf"))
    letters = sorted((tmp_path / "batch" / "letters").glob("*.pdf"))
    combined = sorted((tmp_path / "batch" / "combined").glob("*.pdf"))
    assert len(built) == 2 and len(letters) == 20
    for path in [*built, *letters[::6], combined[0]]:
        with pikepdf.open(path) as pdf:
            (logo,) = [o for o in pdf.objects if isinstance(o, pikepdf.Stream) and "/SMask" in o]
            assert (int(logo.Width), int(logo.SMask.Width)) == (174, 174), path.name
        assert validate(path) == [], path.name
