"""The batch's fast paths give the bytes of the straightforward ones, in every language.

A batch worker renders DOCX through ``CompiledTemplate`` (the template
compiled once) and PDF with warm per-worker caches (paragraph markup, line
breaks, parsed fragments). A letter must not depend on which letters the
worker rendered before it, so each letter here is compared with the same
letter rendered the straightforward way: ``render_docx`` with a new template
object, and ``render_pdf`` with every cache emptied.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import io
import zipfile
from pathlib import Path

import pytest

from appeal_gen import build_letter, sandbox
from appeal_gen.document import Correspondent
from appeal_gen.letters import personalise
from appeal_gen.locale import LocaleInfo
from appeal_gen.markup import Para, Run
from appeal_gen.render import pdf as pdf_module
from appeal_gen.render.docx import (
    ZIP_EPOCH,
    CompiledTemplate,
    DocxOptions,
    context,
    default_template,
    render_docx,
)
from appeal_gen.render.docxzip import write_zip
from appeal_gen.render.linebreak import laid_out
from appeal_gen.render.ooxmlpatch import apply_direction

from ..conftest import docx_paragraphs, pdf_text, squash

LANGS = ["en", "fr", "es", "ru", "ar", "km", "zh"]
PEOPLE = [
    Correspondent(
        honorific="H.E.",
        name="Chea Vannak & <Sons>",
        office="Ambassador",
        organisation="Royal Embassy of Cambodia",
        address=("14 Alder Gardens", "London NW8 4QX"),
        salutation="Your Excellency",
        signatory_name="Margaret Holloway",
        signatory_city="Manchester",
    ),
    Correspondent(signatory_name="Aoife Brennan", signatory_city="Galway"),
    Correspondent(name="Дмитрий Волков", address=("ул. Ленина, 5",), signatory_name="ليلى حداد"),
]


def _letters(spec, lang):  # type: ignore[no-untyped-def]
    loc = LocaleInfo(lang)
    base = build_letter(spec, loc)
    return [personalise(base, spec, loc, who) for who in PEOPLE]


@pytest.mark.parametrize("lang", LANGS)
def test_compiled_docx_template_gives_render_docx_bytes(example_spec, lang: str) -> None:  # type: ignore[no-untyped-def]
    letters = _letters(example_spec, lang)
    options = DocxOptions(date=example_spec.date)
    compiled = CompiledTemplate(default_template(lang), letters[0])
    # Twice round, so a letter follows a different one the second time.
    fast = [compiled.render(letter, options) for letter in letters + letters]
    straight = [render_docx(letter, options) for letter in letters]
    assert [hashlib.sha256(b).hexdigest() for b in fast] == [hashlib.sha256(b).hexdigest() for b in straight * 2]
    # And the letters differ where they should: each is addressed to its own recipient.
    texts = [" ".join(t for _, t in docx_paragraphs(b)) for b in fast[:3]]
    assert "Chea Vannak & <Sons>" in texts[0] and "Margaret Holloway" in texts[0]
    assert "Aoife Brennan" in texts[1] and "Chea Vannak" not in texts[1]
    assert "Дмитрий Волков" in texts[2] and "ليلى حداد" in texts[2]


def test_compiled_template_adds_no_hyperlinks_between_letters(example_spec) -> None:  # type: ignore[no-untyped-def]
    """Links a letter relates to the document are taken back, so the next letter's relationships are its own."""
    letters = _letters(example_spec, "en")
    compiled = CompiledTemplate(default_template("en"), letters[0])
    before = dict(compiled.doc_part.rels)
    compiled.render(letters[0], DocxOptions(date=example_spec.date))
    assert dict(compiled.doc_part.rels).keys() == before.keys()
    with zipfile.ZipFile(io.BytesIO(compiled.render(letters[1], DocxOptions(date=example_spec.date)))) as z:
        rels = z.read("word/_rels/document.xml.rels").decode()
    assert rels.count("https://www.frontlinedefenders.org/") >= 1


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_compiled_template_gives_render_docx_bytes_for_unusual_letters(example_spec, lang: str) -> None:  # type: ignore[no-untyped-def]
    """The paths the fast one takes only sometimes: Word tabs and breaks from a tab or
    newline inside a paragraph, hyperlinks in a recipient's address (a new one and one
    the appeal has too), and a different base letter in the same language halfway.
    """
    loc = LocaleInfo(lang)
    base = build_letter(example_spec, loc)
    other = dataclasses.replace(base, dateline="Geneva\n12 May", reference="UA\t017", title=Para((Run("Update"),)))
    shared_url = base.links[0].runs[-1].url
    assert shared_url

    def linked(letter, url):  # type: ignore[no-untyped-def]
        assert letter.recipient is not None
        line = Para((Run("Embassy: "), Run("website", url=url)))
        return dataclasses.replace(letter, recipient=dataclasses.replace(letter.recipient, address=(line,)))

    def batch(b):  # type: ignore[no-untyped-def]
        tab = personalise(b, example_spec, loc, Correspondent(name="Chea\tVannak", address=("Flat 2\n14 Alder",)))
        plain = personalise(b, example_spec, loc, PEOPLE[1])
        return [tab, linked(plain, "https://example.org/embassy"), plain, linked(plain, shared_url)]

    letters = batch(base) + batch(other) + [base] + batch(base)
    options = DocxOptions(date=example_spec.date)
    compiled = CompiledTemplate(default_template(lang), base)
    fast = [compiled.render(letter, options) for letter in letters]
    assert [_sha(b) for b in fast] == [_sha(render_docx(letter, options)) for letter in letters]
    with zipfile.ZipFile(io.BytesIO(fast[0])) as z:
        body = z.read("word/document.xml").decode()
    assert "<w:tab/>" in body and "<w:br/>" in body
    with zipfile.ZipFile(io.BytesIO(fast[1])) as z:
        assert "https://example.org/embassy" in z.read("word/_rels/document.xml.rels").decode()


def _template(path: Path) -> Path:
    """The default template, plus a paragraph that changes the variables it is given,
    a header line that differs per recipient, and a templated property.
    """
    import docx

    d = docx.Document(str(default_template("en")))
    d.paragraphs[0].insert_paragraph_before(
        "{{ title.add(' [draft]') or '' }}{% set _ = concern.append(title) %}{{ concern|length }}"
    )
    d.sections[0].header.add_paragraph("Office: {{ extra.office }}")
    d.core_properties.comments = "{{ reference }}"
    d.save(str(path))
    return path


def test_compiled_template_gives_render_docx_bytes_when_a_template_changes_its_variables(  # type: ignore[no-untyped-def]
    example_spec, tmp_path: Path
) -> None:
    """What one letter's template run did to its variables is not seen by the next
    letter, though the appeal's variables are built once for all of them."""
    loc = LocaleInfo("en")
    base = build_letter(example_spec, loc)
    letters = [
        personalise(base, example_spec, loc, Correspondent(signatory_name=n, extra=(("office", o),)))
        for n, o in (("Aoife Brennan", "Galway"), ("Chidi Okafor", "Lagos"), ("Aoife Brennan", "Galway"))
    ]
    options = DocxOptions(template=_template(tmp_path / "changing.docx"), date=example_spec.date)
    compiled = CompiledTemplate(options.template, base)  # type: ignore[arg-type]
    fast = [compiled.render(letter, options) for letter in letters + letters]
    straight = [render_docx(letter, options) for letter in letters]
    assert [_sha(b) for b in fast] == [_sha(b) for b in straight * 2]
    assert fast[0] == fast[2] != fast[1]
    texts = [" ".join(t for _, t in docx_paragraphs(b)) for b in fast]
    assert all(t.count("[draft]") == texts[0].count("[draft]") >= 1 for t in texts)


def _direction_with_python_docx(parts):  # type: ignore[no-untyped-def]
    """What ``apply_direction`` did before it used plain lxml, kept as the reference."""
    import unicodedata

    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    for part in parts:
        for p in part.iter(qn("w:p")):
            text = "".join(t.text or "" for t in p.iter(qn("w:t")))
            ppr = p.get_or_add_pPr()
            if not any(unicodedata.bidirectional(c) in ("R", "AL") for c in text):
                if ppr.find(qn("w:jc")) is None:
                    jc = OxmlElement("w:jc")
                    jc.set(qn("w:val"), "right")
                    ppr.append(jc)
                continue
            if ppr.find(qn("w:bidi")) is None:
                ppr.insert(1 if ppr.find(qn("w:pStyle")) is not None else 0, OxmlElement("w:bidi"))
            for r in p.iter(qn("w:r")):
                rpr = r.get_or_add_rPr()
                if rpr.find(qn("w:rtl")) is None:
                    rpr.append(OxmlElement("w:rtl"))


def test_direction_gives_the_xml_python_docx_gave(example_spec) -> None:  # type: ignore[no-untyped-def]
    """Every case: paragraphs with and without properties, style, direction or alignment;
    runs with and without properties or rtl, in hyperlinks, after a comment; Latin-only
    lines; a paragraph inside a paragraph (a text box); and the whole Arabic letter."""
    from docx.opc.oxml import serialize_part_xml
    from docx.oxml.parser import parse_xml

    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    r = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
    body = (
        f"<w:body {w} {r}>"
        "<w:p><w:r><w:t>مرحبا</w:t></w:r></w:p>"
        '<w:p><w:pPr><w:pStyle w:val="Heading1"/><w:jc w:val="center"/></w:pPr>'
        "<w:r><w:rPr><w:b/></w:rPr><w:t>عنوان</w:t></w:r><w:r><w:rPr><w:rtl/><w:b/></w:rPr><w:t>x</w:t></w:r></w:p>"
        "<w:p><w:pPr><w:bidi/></w:pPr><w:r><w:t>+44 20 7946 0000</w:t></w:r></w:p>"
        '<w:p><w:pPr><w:jc w:val="left"/></w:pPr><w:r><w:t>info@example.org</w:t></w:r></w:p>'
        '<w:p><w:hyperlink r:id="rId9"><w:r><w:t>רשת</w:t></w:r></w:hyperlink>'
        '<w:r><w:t xml:space="preserve"> </w:t></w:r></w:p>'
        "<w:p><!-- note --><w:r><!-- run --><w:t>نص</w:t></w:r><w:r><w:t/></w:r></w:p>"
        "<w:p><w:r><w:t>Box: </w:t></w:r><w:r><w:pict><w:txbxContent>"
        "<w:p><w:r><w:t>داخل</w:t></w:r></w:p></w:txbxContent></w:pict></w:r></w:p>"
        "<w:p/>"
        "</w:body>"
    ).encode()
    ours, theirs = parse_xml(body), parse_xml(body)
    apply_direction([ours])
    _direction_with_python_docx([theirs])
    assert serialize_part_xml(ours) == serialize_part_xml(theirs)

    # The Arabic letter as docxtpl renders it, before any direction is set.
    from docxtpl import DocxTemplate

    letter = build_letter(example_spec, LocaleInfo("ar"))
    tpl = DocxTemplate(str(default_template("ar")))
    tpl.render(context(letter, tpl), jinja_env=sandbox.environment(), autoescape=True)
    parts = [tpl.docx.element.body]
    parts += [
        rel.target_part.element for rel in tpl.docx.part.rels.values() if rel.reltype.endswith(("/header", "/footer"))
    ]
    assert len(parts) == 3
    for part in parts:
        ours, theirs = copy.deepcopy(part), copy.deepcopy(part)
        apply_direction([ours])
        _direction_with_python_docx([theirs])
        assert serialize_part_xml(ours) == serialize_part_xml(theirs)
        assert serialize_part_xml(ours) != serialize_part_xml(part)


@pytest.mark.parametrize("lang", LANGS)
def test_script_fonts_go_on_the_styles_python_docx_put_them_on(example_spec, lang: str) -> None:  # type: ignore[no-untyped-def]
    """``apply_styles`` finds the fonts with one XPath; the reference walks every rPr."""
    from docx.oxml.ns import qn
    from docxtpl import DocxTemplate
    from lxml import etree

    from appeal_gen.render.ooxmlpatch import CS_BOLD_FONT, CS_FONT, EA_FONT, apply_styles

    letter = build_letter(example_spec, LocaleInfo(lang))
    tpl = DocxTemplate(str(default_template(lang)))
    tpl.render_init()
    ours, theirs = copy.deepcopy(tpl.docx.styles.element), copy.deepcopy(tpl.docx.styles.element)
    apply_styles(ours, letter)
    apply_styles(theirs, letter)  # the defaults' language tags, then the fonts again, the old way
    cs_font, ea_font = CS_FONT.get(lang), EA_FONT.get(lang)
    for rpr in theirs.iter(qn("w:rPr")):
        fonts = rpr.find(qn("w:rFonts"))
        if fonts is not None:
            if cs_font:
                # Bold styles take the script's bold family (Khmer OS Muol Light) where it has one.
                bold = rpr.find(qn("w:b")) is not None and rpr.find(qn("w:b")).get(qn("w:val")) != "0"
                fonts.set(qn("w:cs"), CS_BOLD_FONT.get(lang, cs_font) if bold else cs_font)
            if ea_font:
                fonts.set(qn("w:eastAsia"), ea_font)
    assert etree.tostring(ours) == etree.tostring(theirs)


@pytest.mark.parametrize("lang", LANGS)
def test_warm_pdf_caches_give_cold_bytes(example_spec, lang: str) -> None:  # type: ignore[no-untyped-def]
    letters = _letters(example_spec, lang)
    cold = []
    for letter in letters:
        laid_out.cache_clear()
        cold.append(pdf_module.render_pdf(letter, context=pdf_module.PdfContext()))
    warm = [pdf_module.render_pdf(letter) for letter in reversed(letters)][::-1]
    assert [hashlib.sha256(b).hexdigest() for b in warm] == [hashlib.sha256(b).hexdigest() for b in cold]
    if lang in ("en", "ru", "fr", "es"):
        assert "Chea Vannak & <Sons>" in squash(pdf_text(warm[0]))
        assert "Aoife Brennan" in squash(pdf_text(warm[1]))


def test_zip_writer_writes_what_zipfile_writes() -> None:
    entries = [
        ("[Content_Types].xml", b"<Types/>" * 50),
        ("word/document.xml", bytes(range(256)) * 400),
        ("é.xml", b""),
    ]
    ref = io.BytesIO()
    with zipfile.ZipFile(ref, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=ZIP_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, data)
    ours = write_zip(list(entries))  # type: ignore[arg-type]
    assert ours == ref.getvalue()
    with zipfile.ZipFile(io.BytesIO(ours)) as z:
        assert z.testzip() is None
        assert [z.read(n) for n, _ in entries] == [d for _, d in entries]
