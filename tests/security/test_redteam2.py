"""Red-team pass 2 over issue 12: variants the first tests did not try, each a bypass found on main.

Each test reproduces one input that got through (a traceback, unbounded
memory, ...) and checks what a user sees instead: one line, the exit code,
the letters still made.
"""

from __future__ import annotations

import resource
from pathlib import Path

import pytest

from .test_outdir import batch


def _plant_line(out: Path, line: bytes) -> Path:
    """The journal of a finished run with *line* added before its rows."""
    journal = out / ".appeal-gen" / "journal.jsonl"
    rows = journal.read_bytes().splitlines(keepends=True)
    journal.write_bytes(rows[0] + line + b"\n" + b"".join(rows[1:]))
    return journal


@pytest.mark.parametrize(
    "line",
    [b"[" * 100_000 + b"]" * 100_000, b'{"stem": ' + b"[" * 100_000, b'{"stem": {"a": ' * 50_000],
    ids=["deep-list", "deep-cut", "deep-objects"],
)
def test_a_journal_line_nested_too_deep_is_skipped_not_a_traceback(line: bytes, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """The JSON decoder's RecursionError is not a ValueError: it escaped as a traceback (exit 1)."""
    out = tmp_path / "out"
    assert batch(capsys, tmp_path, out)[0] == 0
    _plant_line(out, line)
    code, _, err = batch(capsys, tmp_path, out)
    assert code == 0, err
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1].startswith("batch: 2 rows: 2 letters (2 reused), 0 failed")


def test_a_journal_line_of_many_megabytes_is_skipped_without_being_read_whole(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """A planted 200 MB line was read into memory (and decoded) before the entry was looked at."""
    out = tmp_path / "out"
    assert batch(capsys, tmp_path, out)[0] == 0
    journal = _plant_line(out, b'{"files": {}, "stem": "')
    with journal.open("ab") as fh:  # the long line goes last, written in pieces: the test itself stays small
        for _ in range(200):
            fh.write(b"a" * (1024 * 1024))
        fh.write(b'"}\n')
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    code, _, err = batch(capsys, tmp_path, out)
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert code == 0, err
    assert err.strip().splitlines()[-1].startswith("batch: 2 rows: 2 letters (2 reused), 0 failed")
    assert grown_mb < 100, f"peak memory grew by {grown_mb:.0f} MB reading a {journal.stat().st_size} byte journal"


def test_an_image_naming_a_web_hyperlink_relationship_is_refused(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """A web hyperlink's relationship passed the check; an image (``a:blip r:link``) naming its id made
    Word fetch the address when the letter is opened. Only a hyperlink element may name it."""
    import zipfile

    from .conftest import EXAMPLE, cli, patch_docx
    from .test_docx_parts import OFFICE, RELS_NS, TEMPLATE

    with zipfile.ZipFile(TEMPLATE) as z:
        rels = z.read("word/_rels/document.xml.rels").decode("utf-8")
        body = z.read("word/document.xml").decode("utf-8")
    link = (
        '<Relationship Id="rIdWeb" TargetMode="External" Target="https://tracker.example/pixel.png" '
        f'Type="{OFFICE}/hyperlink"/>'
    )
    assert f'xmlns="{RELS_NS}"' in rels
    rels = rels.replace("</Relationships>", link + "</Relationships>")
    blip = (
        '<w:p><w:r><w:drawing><a:blip xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
        f'xmlns:r="{OFFICE}" r:link="rIdWeb"/></w:drawing></w:r></w:p>'
    )
    body = body.replace("<w:body>", "<w:body>" + blip, 1)
    template = patch_docx(
        TEMPLATE,
        tmp_path / "hostile.docx",
        {"word/_rels/document.xml.rels": rels.encode(), "word/document.xml": body.encode()},
    )
    out = tmp_path / "out"
    code, stdout, err = cli(
        capsys, "build", str(EXAMPLE), "--format", "docx", "--template", str(template), "-o", str(out)
    )
    assert (code, stdout, err) == (
        2,
        "",
        f"{template}: word/document.xml makes Word fetch an external file (blip uses the hyperlink relationship "
        "rIdWeb) when the letter is opened; only hyperlinks may point outside the document\n",
    )
    assert not out.exists() or list(out.iterdir()) == []


@pytest.mark.parametrize("code", ["CON", "aux", "Com1", "LPT9"])
def test_a_reference_code_that_is_a_windows_device_name_gets_an_underscore(code: str, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """The reference code became ``con.en.pdf`` (build) and ``combined/con.en.pdf`` (batch): on Windows
    such a name opens the device, not a file. List ids already got an ``_`` (``filenames.slug``)."""
    from .conftest import DATA, cli

    spec = tmp_path / "spec.yaml"
    spec.write_text((DATA / "minimal.yaml").read_text(encoding="utf-8").replace("TEST-001", code), encoding="utf-8")
    out = tmp_path / "out"
    assert cli(capsys, "build", str(spec), "--format", "pdf", "-o", str(out))[0] == 0
    assert [p.name for p in out.iterdir()] == [f"{code.lower()}_.en.pdf"]
    lst = tmp_path / "list.csv"
    lst.write_text("id,name\na,A. Official\n", encoding="utf-8")
    args = ["batch", str(spec), "--recipients", str(lst), "-o", str(tmp_path / "b"), "--format", "pdf"]
    code_, _, err = cli(capsys, *args)
    assert code_ == 0, err
    assert sorted(p.name for p in (tmp_path / "b" / "combined").iterdir()) == [f"{code.lower()}_.en.pdf"]


@pytest.mark.parametrize("name", ["con.en.pdf", "AUX", "nul.txt", "com1 .pdf"])
def test_safe_path_refuses_a_windows_device_name(name: str, tmp_path: Path) -> None:
    from appeal_gen.output import UnsafeOutputError, safe_path

    with pytest.raises(UnsafeOutputError, match="not one plain file name"):
        safe_path(tmp_path, "letters", name)


def test_a_hyperlink_field_to_an_unquoted_unc_path_is_refused(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """``HYPERLINK \\\\server\\share\\x``: the target was taken for a switch (it starts with a backslash)
    and skipped, so the field passed; a switch is one backslash and a letter."""
    from .conftest import EXAMPLE, cli, patch_docx
    from .test_docx_parts import TEMPLATE, W, _with_body

    field = (
        f'<w:p {W}><w:fldSimple w:instr="HYPERLINK \\\\server\\share\\x"><w:r><w:t>x</w:t></w:r></w:fldSimple></w:p>'
    )
    template = patch_docx(TEMPLATE, tmp_path / "hostile.docx", {"word/document.xml": _with_body(field)})
    out = tmp_path / "out"
    code, stdout, err = cli(
        capsys, "build", str(EXAMPLE), "--format", "docx", "--template", str(template), "-o", str(out)
    )
    assert (code, stdout, err) == (
        2,
        "",
        f"{template}: word/document.xml: field HYPERLINK points outside the document (\\\\server\\share\\x)\n",
    )
    assert not out.exists() or list(out.iterdir()) == []
