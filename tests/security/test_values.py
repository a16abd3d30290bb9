"""Values are data, never markup: they print verbatim, in the PDF and the DOCX.

Each hostile value goes into a spec's summary (and, where it matters, into
fields printed in the header, footer and tables) and must come back as the
same characters, with nothing executed, embedded or hidden.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pytest
from pypdf import PdfReader

from ..conftest import docx_paragraphs, pdf_text, squash
from .conftest import cli, minimal_spec

VERBATIM = [
    '<img src="/etc/passwd"/>',
    '<img src="tests/data/reference/khmer-page1.png" width="400" height="400"/>',
    '<a href="javascript:alert(1)">click me</a>',
    "<font size=500>huge</font>",
    "<b>an unclosed bold",
    "</para></b></i> closing tags first",
    "A&B & &amp; &lt;b&gt; &#x41; &nbsp;",
    "<w:vanish/>hidden</w:t></w:r><w:r><w:t>",
    '<w:fldSimple w:instr="INCLUDETEXT c:\\secret.txt"/>',
    '{ DDEAUTO c:\\windows\\system32\\cmd.exe "/k calc" }',
    "{{ 7*7 }} {% if true %}x{% endif %} {# comment #}",
    "{%p if 1 %} {%tr for x in y %} {{r title }}",
    "<![CDATA[x]]> ]]> <!-- comment -->",
    '<para autoLeading="max"><seq id="x"/><onDraw name="x"/><br/></para>',
    "<script>alert(1)</script>",
    "%s %(x)s {0} {x} %n",
    "\"double\" 'single' `back` \\ backslash",
    "[a link](javascript:alert(1)) and [another](file:///etc/passwd)",
]


def _build(tmp_path: Path, capsys, summary: str, **extra: str) -> tuple[bytes, bytes, str]:  # type: ignore[no-untyped-def]
    spec = minimal_spec(tmp_path, summary=f"summary: {json.dumps(summary)}", **extra)
    out = tmp_path / "out"
    code, _, err = cli(capsys, "build", str(spec), "-o", str(out))
    assert code == 0, err
    (pdf,) = out.glob("*.pdf")
    (docx,) = out.glob("*.docx")
    return pdf.read_bytes(), docx.read_bytes(), str(err)


@pytest.mark.parametrize("value", VERBATIM, ids=range(len(VERBATIM)))
def test_value_prints_verbatim_in_pdf_and_docx(value: str, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    pdf, docx, _ = _build(tmp_path, capsys, value)
    assert squash(value) in squash(pdf_text(pdf))
    assert value in [t for _, t in docx_paragraphs(docx)]
    # Nothing embedded or wired up by the value: no images, no scripts, no
    # links the spec did not give as links.
    reader = PdfReader(io.BytesIO(pdf))
    for page in reader.pages:
        assert "/XObject" not in page["/Resources"]
        for annot in page.get("/Annots") or []:
            uri = str(annot.get_object().get("/A", {}).get("/URI", ""))
            assert not uri.startswith(("javascript:", "file:")), uri
    assert b"/JavaScript" not in pdf and b"/JS" not in pdf
    root = ElementTree.fromstring(zipfile.ZipFile(io.BytesIO(docx)).read("word/document.xml"))
    tags = {el.tag.rsplit("}", 1)[-1] for el in root.iter()}
    assert not tags & {"vanish", "fldSimple", "instrText", "fldChar", "script", "object"}, tags


UNPRINTABLE = {
    # YAML escape in the spec -> what prints, and the code points reported.
    "NUL \\0 then the rest": ("NUL \ufffd then the rest", "U+0000"),
    "bell \\a and escape \\e": ("bell \ufffd and escape \ufffd", "U+0007, U+001B"),
    "lone surrogate \\ud800 then the rest": ("lone surrogate \ufffd then the rest", "U+D800"),
    "C1 control \\x85 and \\x9b": ("C1 control \ufffd and \ufffd", "U+0085, U+009B"),
    "non-character \\uffff end": ("non-character \ufffd end", "U+FFFF"),
}


@pytest.mark.parametrize("escaped", list(UNPRINTABLE), ids=range(len(UNPRINTABLE)))
def test_unprintable_characters_are_replaced_visibly_and_reported(escaped: str, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    printed, codes = UNPRINTABLE[escaped]
    spec = minimal_spec(tmp_path, summary=f'summary: "{escaped}"')
    out = tmp_path / "out"
    code, _, err = cli(capsys, "build", str(spec), "-o", str(out))
    assert code == 0
    n = len(codes.split(", "))
    assert f"warning: {spec}:12:10: summary: replaced {n} unprintable character(s) ({codes}) with U+FFFD\n" in err
    pdf = (out / "test-001.en.pdf").read_bytes()
    docx = (out / "test-001.en.docx").read_bytes()
    assert printed in pdf_text(pdf)
    texts = [t for _, t in docx_paragraphs(docx)]
    assert printed in texts
    # Nothing after the bad character was lost: the demands (number, tab, text) still follow.
    assert texts.index(printed) < texts.index("1.\tRelease A. Defender immediately & unconditionally;")


def test_unprintable_characters_in_header_footer_and_tables(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """The issuer prints in the letterhead table, the code in every footer, the title in the properties."""
    import docx

    spec = minimal_spec(
        tmp_path,
        issuers='issuers:\n  - name: "Org\\0anisation"',
        title='title: "Title \\ud800 end"',
    )
    spec.write_text(spec.read_text(encoding="utf-8").replace("code: TEST-001", 'code: "T\\x01-1"'), encoding="utf-8")
    out = tmp_path / "out"
    code, _, err = cli(capsys, "build", str(spec), "-o", str(out))
    assert code == 0, err
    (pdf,) = out.glob("*.pdf")
    (docx_file,) = out.glob("*.docx")
    text = pdf_text(pdf.read_bytes())
    assert "Org\ufffdanisation" in text and "T\ufffd-1" in text and "Title \ufffd end" in text
    d = docx.Document(str(docx_file))
    footer = " ".join(p.text for p in d.sections[0].footer.paragraphs)
    header = " ".join(p.text for p in d.sections[0].header.paragraphs)
    cells = " ".join(c.text for t in d.tables for row in t.rows for c in row.cells)
    assert "T\ufffd-1" in footer
    assert "Org\ufffdanisation" in header + cells + " ".join(p.text for p in d.paragraphs)
    assert d.core_properties.title == "Title \ufffd end"


def test_lone_surrogate_in_a_catalog_string_is_replaced_and_reported(tmp_path: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from ..conftest import copy_locales

    loc = copy_locales(tmp_path, monkeypatch)
    po = loc / "fr" / "LC_MESSAGES" / "appeal_gen.po"
    text = po.read_text(encoding="utf-8")
    # A raw BEL byte inside the msgstr, as a careless editor leaves it.
    po.write_text(text.replace('msgstr "Appel urgent"', 'msgstr "Appel\x07 urgent"'), encoding="utf-8")
    spec = minimal_spec(tmp_path)
    out = tmp_path / "out"
    code, _, err = cli(capsys, "build", str(spec), "--lang", "fr", "--allow-fallback", "-o", str(out))
    assert code == 0, err
    assert "fr: the fr translation of 'Urgent appeal': replaced 1 unprintable character(s) (U+0007)" in err
    assert "APPEL\ufffd URGENT" in pdf_text((out / "test-001.fr.pdf").read_bytes()).upper()


def test_a_value_cannot_embed_a_local_image(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    pdf, _, _ = _build(tmp_path, capsys, '<img src="tests/data/reference/khmer-page1.png"/>')
    assert re.search(rb"/Subtype\s*/Image", pdf) is None
