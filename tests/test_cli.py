"""The command line as staff use it: exit codes, messages and what lands on disk."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import DATA, EXAMPLE, pdf_text, run, squash


def test_build_writes_pdf_and_docx_named_after_the_reference(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run(capsys, "build", str(EXAMPLE), "-o", str(tmp_path))
    assert code == 0, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fld-kh-cchr-2017.en.docx", "fld-kh-cchr-2017.en.pdf"]
    assert out.splitlines() == [str(tmp_path / "fld-kh-cchr-2017.en.pdf"), str(tmp_path / "fld-kh-cchr-2017.en.docx")]
    text = squash(pdf_text((tmp_path / "fld-kh-cchr-2017.en.pdf").read_bytes()))
    assert "Front Line Defenders urges the authorities in Cambodia to:" in text


def test_written_files_get_the_users_usual_permissions(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    old = os.umask(0o022)
    try:
        code, _, _ = run(capsys, "build", str(EXAMPLE), "-o", str(tmp_path), "--format", "pdf")
    finally:
        os.umask(old)
    assert code == 0
    assert [oct(p.stat().st_mode & 0o777) for p in tmp_path.iterdir()] == ["0o644"]


def test_build_one_format(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    code, _, _ = run(capsys, "build", str(EXAMPLE), "-o", str(tmp_path), "--format", "docx")
    assert code == 0
    assert [p.name for p in tmp_path.iterdir()] == ["fld-kh-cchr-2017.en.docx"]


def test_unknown_format_is_a_usage_error(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    code, _, err = run(capsys, "build", str(EXAMPLE), "-o", str(tmp_path / "o"), "--format", "odt")
    assert code == 2
    assert err == "--format: unknown format 'odt'; choose from pdf, docx, html, txt\n"
    assert not (tmp_path / "o").exists()


def test_check_ok_is_one_line(capsys) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run(capsys, "check", str(EXAMPLE))
    assert code == 0
    assert out == f"{EXAMPLE}: OK: FLD-KH-CCHR-2017, 3 demands, 2 authorities, languages: en, fr, es, ru, ar, km, zh\n"


@pytest.mark.parametrize(
    "name",
    [
        "yaml_syntax.yaml",
        "unknown_key.yaml",
        "missing_field.yaml",
        "wrong_type.yaml",
        "impossible_date.yaml",
        "unknown_country.yaml",
        "empty_demands.yaml",
    ],
)
def test_broken_spec_exits_2_and_build_writes_nothing(name: str, tmp_path: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from .test_spec import EXPECTED

    monkeypatch.chdir(DATA / "broken")
    code, out, err = run(capsys, "check", name)
    assert (code, out, err) == (2, "", EXPECTED[name] + "\n")
    code, out, err = run(capsys, "build", name, "-o", str(tmp_path / "out"))
    assert (code, out, err) == (2, "", EXPECTED[name] + "\n")
    assert not (tmp_path / "out").exists()


def test_check_reports_all_problems_one_per_line(capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(DATA / "broken")
    code, _, err = run(capsys, "check", "many_errors.yaml")
    assert code == 2
    assert [line.split(": ")[0] for line in err.splitlines()] == [
        "many_errors.yaml:8:7",
        "many_errors.yaml:9:10",
        "many_errors.yaml:12:1",
    ]


def test_failed_build_leaves_no_file_behind(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    # U+E000 (private use) is in no font: the PDF fails after the DOCX rendered.
    spec = tmp_path / "pua.yaml"
    spec.write_text(
        (DATA / "minimal.yaml").read_text(encoding="utf-8").replace("A. Defender", "A. Defender \ue000"),
        encoding="utf-8",
    )
    out = tmp_path / "out"
    code, stdout, err = run(capsys, "build", str(spec), "-o", str(out), "--format", "docx,pdf")
    assert code == 2
    assert stdout == ""
    assert err == (
        f"{spec}:14:11: subjects.0.name: the font Noto Sans Bold has no glyph for U+E000 unnamed "
        "character ('\\ue000'); it would print as a box. Remove or replace the character, or install a font "
        "that has it\n"
        f"{spec}:17:5: demands.0: the font Noto Sans has no glyph for U+E000 unnamed "
        "character ('\\ue000'); it would print as a box. Remove or replace the character, or install a font "
        "that has it\n"
    )
    assert not out.exists() or list(out.iterdir()) == []


def test_missing_spec_file(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    code, _, err = run(capsys, "check", str(tmp_path / "nope.yaml"))
    assert code == 2
    assert err == f"{tmp_path / 'nope.yaml'}: cannot read spec: No such file or directory\n"


def test_console_script_help_lists_commands() -> None:
    # The script pip installed next to this interpreter, whether or not the
    # venv is activated.
    script = Path(sys.executable).parent / "appeal-gen"
    res = subprocess.run([str(script), "--help"], capture_output=True, text=True, check=False)
    assert res.returncode == 0
    assert "check" in res.stdout and "build" in res.stdout


def test_module_entry_point(tmp_path: Path) -> None:
    res = subprocess.run(
        [sys.executable, "-m", "appeal_gen", "check", str(DATA / "broken" / "wrong_type.yaml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert res.returncode == 2
    assert res.stderr.endswith("wrong_type.yaml:6:14: reference.follow_up: expected a whole number, found a string\n")


def test_missing_translation_names_file_line_fields_and_writes_nothing(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    spec = DATA / "minimal.yaml"
    code, out, err = run(capsys, "build", str(spec), "--lang", "fr", "-o", str(tmp_path / "out"))
    assert (code, out) == (2, "")
    assert err == (
        f"{spec}:11:8: title: no 'fr' text for 8 of 8 fields: title, summary, "
        "concern, demands.0, demands.1, demands.2, authorities.0.office, "
        "authorities.0.salutation; add them to the spec as 'fr:' entries (for translators: "
        f"appeal-gen translate export {spec} --lang fr), or build with --allow-fallback to "
        "print the en text instead\n"
    )
    assert not (tmp_path / "out").exists()


def test_allow_fallback_builds_and_reports_every_fallback_field(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    code, _, err = run(
        capsys, "build", str(DATA / "minimal.yaml"), "--lang", "fr", "--allow-fallback", "-o", str(tmp_path)
    )
    assert code == 0
    assert "warning: fr: 8 fields have no 'fr' text and print in en:" in err
    for field in ("title", "concern", "summary", "demands.2"):
        assert field in err
    text = squash(pdf_text((tmp_path / "test-001.fr.pdf").read_bytes()))
    assert "Statut : Détention arbitraire" in text
