"""Regenerate templates/appeal.docx, the default DOCX template.

The template is an ordinary Word document: staff and translators may open
it in Word or LibreOffice, restyle it, and save it (or a per-language copy,
see docs/translating.md). This script only exists so that the default can be
rebuilt from source and reviewed as code: ``python tools/make_template.py``.

Each Jinja tag sits alone in its own run so Word cannot split it.
"""

from __future__ import annotations

import sys
from pathlib import Path

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

ACCENT = RGBColor(0xB3, 0x12, 0x1B)
GREY = RGBColor(0x55, 0x55, 0x55)
FONT = "Noto Sans"


def _fonts(style, size=None, bold=None, color=None):  # type: ignore[no-untyped-def]
    f = style.font
    f.name = FONT
    rpr = style.element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        rfonts.set(qn(attr), FONT)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:cstheme", "w:eastAsiaTheme"):
        rfonts.attrib.pop(qn(attr), None)
    if size is not None:
        f.size = Pt(size)
    if bold is not None:
        f.bold = bold
    if color is not None:
        f.color.rgb = color


def _para_style(doc, name, base="Normal", **kw):  # type: ignore[no-untyped-def]
    try:
        style = doc.styles[name]
    except KeyError:
        style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = doc.styles[base]
        style.quick_style = True
    space_before = kw.pop("space_before", None)
    space_after = kw.pop("space_after", None)
    keep_next = kw.pop("keep_next", None)
    _fonts(style, **kw)
    pf = style.paragraph_format
    if space_before is not None:
        pf.space_before = Pt(space_before)
    if space_after is not None:
        pf.space_after = Pt(space_after)
    if keep_next is not None:
        pf.keep_with_next = keep_next
    return style


def _field(paragraph, instr: str) -> None:
    fld = OxmlElement("w:fldSimple")
    fld.set(qn("w:instr"), instr)
    run = OxmlElement("w:r")
    t = OxmlElement("w:t")
    t.text = "1"
    run.append(t)
    fld.append(run)
    paragraph._p.append(fld)


def build(out: Path) -> None:
    doc = Document()
    sec = doc.sections[0]
    sec.page_width, sec.page_height = Mm(210), Mm(297)
    for side in ("left_margin", "right_margin", "top_margin"):
        setattr(sec, side, Mm(20))
    sec.bottom_margin = Mm(22)

    _para_style(doc, "Normal", size=10, space_after=6)
    _para_style(doc, "Title", size=18, bold=True, color=RGBColor(0, 0, 0), space_after=6)
    _para_style(doc, "Heading 1", size=12.5, bold=True, color=ACCENT, space_before=10, space_after=4, keep_next=True)
    _para_style(
        doc, "Heading 2", size=10.5, bold=True, color=RGBColor(0, 0, 0), space_before=8, space_after=4, keep_next=True
    )
    _para_style(doc, "List Number", space_after=6)
    _para_style(doc, "Appeal Organisation", size=15, bold=True, space_after=2)
    _para_style(doc, "Appeal Contact", size=8, color=GREY, space_after=0)
    _para_style(doc, "Appeal Label", size=11, bold=True, color=ACCENT, space_before=6, space_after=0)
    _para_style(doc, "Appeal Reference", size=8.5, color=GREY, space_after=8)
    _para_style(doc, "Appeal Dateline", space_before=6, space_after=10)
    _para_style(doc, "Appeal Status", size=10.5, color=ACCENT, space_after=10)
    _para_style(doc, "Appeal Urge", bold=True, space_before=4, keep_next=True)
    _para_style(doc, "Appeal Address", space_after=0, keep_next=True)
    _para_style(doc, "Appeal Salutation", space_before=3, space_after=10)
    _para_style(doc, "Appeal Deadline", size=11, bold=True, space_before=8, space_after=8)
    _para_style(doc, "Footer", size=8, color=GREY)
    _para_style(doc, "Header", size=8, color=GREY)
    # Word's character style for links, so they look like links when edited.
    link = doc.styles.add_style("Hyperlink", WD_STYLE_TYPE.CHARACTER)
    link.font.color.rgb = ACCENT
    link.font.underline = True

    def p(text: str, style: str = "Normal") -> None:
        doc.add_paragraph(text, style=style)

    # The first body paragraph replaces python-docx's empty default one.
    body = doc.element.body
    for el in list(body):
        if el.tag == qn("w:p"):
            body.remove(el)

    p("{{ issuer_names }}", "Appeal Organisation")
    p("{%p for line in issuer_contact %}", "Appeal Contact")
    p("{{ line }}", "Appeal Contact")
    p("{%p endfor %}", "Appeal Contact")
    p("{{ label_urgent }}", "Appeal Label")
    p("{{ reference }}", "Appeal Reference")
    # A personalised letter (batch) is addressed, greeted and signed; the
    # appeal's instructions to supporters are left out of it.
    p("{%p if recipient %}")
    p("{%p for line in recipient.address %}", "Appeal Address")
    p("{{r line }}", "Appeal Address")
    p("{%p endfor %}", "Appeal Address")
    p("{%p endif %}")
    p("{{ dateline }}", "Appeal Dateline")
    p("{{r title }}", "Title")
    p("{{r status }}", "Appeal Status")
    p("{%p if recipient %}", "Appeal Salutation")
    p("{{r recipient.salutation }}", "Appeal Salutation")
    p("{%p endif %}", "Appeal Salutation")
    p("{%p for s in sections %}")
    p("{%p if s.subheading %}")
    p("{{r s.heading }}", "Heading 2")
    p("{%p else %}")
    p("{{r s.heading }}", "Heading 1")
    p("{%p endif %}")
    p("{%p for para in s.paras %}")
    p("{{r para }}")
    p("{%p endfor %}")
    p("{%p endfor %}")
    p("{%p for para in concern %}")
    p("{{r para }}")
    p("{%p endfor %}")
    p("{{r urge }}", "Appeal Urge")
    p("{%p for demand in demands %}", "List Number")
    p("{{r demand }}", "List Number")
    p("{%p endfor %}", "List Number")
    p("{%p if recipient %}")
    p("{{r recipient.closing }}", "Appeal Dateline")
    p("{%p for line in recipient.signatory %}", "Appeal Address")
    p("{{r line }}", "Appeal Address")
    p("{%p endfor %}", "Appeal Address")
    p("{%p else %}")
    p("{{r write_to_heading }}", "Heading 1")
    p("{%p for a in addressees %}")
    p("{%p for line in a.lines %}", "Appeal Address")
    p("{{r line }}", "Appeal Address")
    p("{%p endfor %}", "Appeal Address")
    p("{%p if a.salutation %}", "Appeal Salutation")
    p("{{r a.salutation }}", "Appeal Salutation")
    p("{%p endif %}", "Appeal Salutation")
    p("{%p endfor %}")
    p("{%p if copies %}")
    p("{{r copies_heading }}", "Heading 1")
    p("{%p for a in copies %}")
    p("{%p for line in a.lines %}", "Appeal Address")
    p("{{r line }}", "Appeal Address")
    p("{%p endfor %}", "Appeal Address")
    p("{%p if a.salutation %}", "Appeal Salutation")
    p("{{r a.salutation }}", "Appeal Salutation")
    p("{%p endif %}", "Appeal Salutation")
    p("{%p endfor %}")
    p("{%p endif %}")
    p("{%p if deadline %}", "Appeal Deadline")
    p("{{r deadline }}", "Appeal Deadline")
    p("{%p endif %}", "Appeal Deadline")
    p("{%p endif %}")
    p("{%p if links %}")
    p("{{r links_heading }}", "Heading 1")
    p("{%p for link in links %}")
    p("{{r link }}")
    p("{%p endfor %}")
    p("{%p endif %}")

    header = sec.header.paragraphs[0]
    header.style = doc.styles["Header"]
    header.text = "{{ issuer_names }} · {{ label_urgent }}"
    footer = sec.footer.paragraphs[0]
    footer.style = doc.styles["Footer"]
    footer.add_run("{{ reference }} · {{ page_before }}")
    _field(footer, " PAGE ")
    footer.add_run("{{ page_middle }}")
    _field(footer, " NUMPAGES ")
    footer.add_run("{{ page_after }}")

    cp = doc.core_properties
    cp.author = "appeal-gen"
    cp.title = "appeal-gen default template"
    doc.save(str(out))


if __name__ == "__main__":
    target = (
        Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "templates" / "appeal.docx"
    )
    build(target)
    print(target)
