"""A theme (theme.py) applied to a loaded DOCX template: page, margins, accent, letterhead, footer line.

Applied to the template once, before its parts are compiled (render/docxtemplate.py), so a batch pays
for it once per language, and Word shows the result as ordinary document
settings a user can change: the section's page size and margins, the styles'
colour, a first-page header holding the logo (an inline picture with its
alternative text in ``wp:docPr descr``) and the organisation block, and the
footer line in every footer. Following pages keep the template's own header.

The header and footers are Jinja templates (docxtpl renders them with each
letter): the theme's text goes into them as Jinja string literals, escaped
so that nothing in a theme can become a tag. The logo is the re-encoded PNG
of ``images``: an image part with an internal relationship, which the
package inspection (``ooxml``) accepts; nothing links outside the file.
"""

from __future__ import annotations

import copy
import io
from typing import Any

from ..document import Letter
from ..theme import DEFAULT_ACCENT, Theme

#: Characters written as themselves in a Jinja string literal; every other one as an escape.
_PLAIN = frozenset('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,:;-_+()@/!?*=[]|~^$`"')


def literal(text: str) -> str:
    """*text* as a Jinja expression printing it: ``{{ '...' }}`` with every other character escaped.

    Braces, percent and hash signs (Jinja's delimiters), quotes, backslashes,
    markup characters and all non-ASCII are written as ``\\xNN``/``\\uNNNN``
    escapes, which Jinja's string literals decode, so the text reaches the
    letter unchanged and autoescaped, and can never close the tag.
    """
    out = []
    for c in text:
        if c in _PLAIN:
            out.append(c)
        elif ord(c) < 0x100:
            out.append(f"\\x{ord(c):02x}")
        elif ord(c) < 0x10000:
            out.append(f"\\u{ord(c):04x}")
        else:
            out.append(f"\\U{ord(c):08x}")
    return "{{ '" + "".join(out) + "' }}"


def apply_theme(document: Any, theme: Theme, letter: Letter) -> None:
    """Write *theme* into *document* (python-docx), for letters in *letter*'s language."""
    from docx.shared import Twips

    def twips(points: float) -> Twips:
        # Word's unit, rounded as Word rounds: A4 is 11906 x 16838, 20 mm is 1134.
        return Twips(round(points * 20))

    for section in document.sections:
        section.page_width, section.page_height = twips(theme.page_size[0]), twips(theme.page_size[1])
        top, right, bottom, left = theme.margins
        section.top_margin, section.right_margin = twips(top), twips(right)
        section.bottom_margin, section.left_margin = twips(bottom), twips(left)
    if theme.accent != DEFAULT_ACCENT:
        _accent(document.styles.element, theme.accent)
    section = document.sections[0]
    if theme.has_letterhead:
        _letterhead(section, theme, letter)
    footer = theme.footer_text(letter.lang)
    if footer:
        parts = [section.footer, *([section.first_page_footer] if section.different_first_page_header_footer else [])]
        for part in parts:
            para = part.add_paragraph(style=_style(document, "Footer"))
            para.alignment = 1  # centred
            para.add_run(literal(footer))


def _style(document: Any, name: str) -> Any:
    try:
        return document.styles[name]
    except KeyError:
        return None


def _accent(styles: Any, accent: str) -> None:
    """The template's accent colour (the default template's red) replaced by the theme's in every style."""
    from docx.oxml.ns import qn

    old = DEFAULT_ACCENT.lstrip("#").upper()
    for colour in styles.iter(qn("w:color")):
        if (colour.get(qn("w:val")) or "").upper() == old:
            colour.set(qn("w:val"), accent.lstrip("#").upper())


def _letterhead(section: Any, theme: Theme, letter: Letter) -> None:
    """The logo and the organisation block in the first page's header (the reading side's start: the logo)."""
    from docx.oxml.ns import qn
    from docx.shared import Pt

    if not section.different_first_page_header_footer:
        section.different_first_page_header_footer = True
        # The first page's footer: the template's own footer, as on every other page.
        first = section.first_page_footer
        first.is_linked_to_previous = False
        target = first._element
        for child in list(target):
            target.remove(child)
        for child in section.footer._element:
            target.append(copy.deepcopy(child))
    header = section.first_page_header
    header.is_linked_to_previous = False
    width = section.page_width - section.left_margin - section.right_margin
    logo = theme.logo
    logo_w = Pt(logo.width) if logo is not None else 0
    table = header.add_table(rows=1, cols=2, width=width)
    cells = table.rows[0].cells
    logo_cell, block = cells[0], cells[1]
    logo_cell.width, block.width = logo_w + Pt(12), width - logo_w - Pt(12)
    if logo is not None:
        run = logo_cell.paragraphs[0].add_run()
        inline = header.part.new_pic_inline(io.BytesIO(logo.image.png), logo_w, int(logo_w * logo.image.aspect))
        doc_pr = inline.find(qn("wp:docPr"))
        doc_pr.set("name", "Logo")
        doc_pr.set("descr", logo.alt_text(letter.lang))
        run._r.add_drawing(inline)
    name, lines = theme.letterhead_lines(letter.lang)
    paras = block.paragraphs
    first_para = True
    for text, style in ((name, "Appeal Organisation"), *((line, "Appeal Contact") for line in lines)):
        if not text:
            continue
        para = paras[0] if first_para else block.add_paragraph()
        first_para = False
        document = section.part.document
        para.style = _style(document, style)
        if style == "Appeal Organisation":
            para.paragraph_format.space_after = Pt(2)
            run = para.add_run(literal(text))
            run.font.size = Pt(11)
        else:
            para.add_run(literal(text))
        # Flush with the margin away from the logo: the right one, or the left one right to left
        # (the block's paragraphs are not bidi: "left" is the page's left).
        para.alignment = 0 if letter.rtl else 2
    tbl_pr = table._tbl.tblPr
    if letter.rtl:
        # Columns right to left: the logo at the right. bidiVisual comes after tblStyle, before tblW.
        style = tbl_pr.find(qn("w:tblStyle"))
        tbl_pr.insert(1 if style is not None else 0, tbl_pr.makeelement(qn("w:bidiVisual"), {}))
    # A header paragraph after the table: Word requires one, and it spaces the letter from the band.
    header.add_paragraph()
