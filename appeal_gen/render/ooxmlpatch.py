"""Changes made to a rendered DOCX's XML: the language, its script fonts and direction, and the core properties.

The seam between docxtpl's output and the file: what Word needs that a
template cannot say (language tags on every style, right-to-left on every
paragraph of an Arabic letter, since docxtpl's RichText cannot set paragraph
direction) and what makes two builds byte-identical (fixed core-property
dates). Used by both renderers: ``render_docx`` on docxtpl's document, and
``CompiledTemplate`` on its parsed parts, so both give the same bytes.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

from ..document import Letter
from ..scripts import has_rtl as _has_rtl
from .docxcontext import DocxOptions

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"

#: Fonts named in the DOCX for each script (Word and LibreOffice pick the
#: complex-script font for Arabic and Khmer, the East Asian one for Chinese).
CS_FONT = {"ar": "Noto Naskh Arabic", "fa": "Noto Naskh Arabic", "km": "Khmer OS"}
EA_FONT = {"zh": "WenQuanYi Micro Hei", "ja": "WenQuanYi Micro Hei"}


def apply_language(document: Any, letter: Letter) -> None:
    """Language tags, script fonts and direction on styles and paragraphs.

    Styles carry the language and fonts so that text a user types later gets
    them too; right-to-left is set on every paragraph and run as well,
    because docxtpl's RichText cannot set paragraph direction.
    """
    from docx.opc.constants import RELATIONSHIP_TYPE as RT

    apply_styles(document.styles.element, letter)
    if not letter.rtl:
        return
    # Headers and footers through the package's relationships, not through
    # document.sections: docxtpl swaps in newly rendered header and footer
    # parts that the sections' cached references never see.
    parts = [document.element.body]
    for rel in document.part.rels.values():
        if rel.reltype in (RT.HEADER, RT.FOOTER) and not rel.is_external:
            parts.append(rel.target_part.element)
    apply_direction(parts)


def apply_styles(styles: Any, letter: Letter) -> None:
    """The language and its script fonts on every style (the same for every letter of a language)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    lang = letter.lang.split("_")[0]
    tag = letter.bcp47
    cs_font, ea_font = CS_FONT.get(lang), EA_FONT.get(lang)
    if cs_font or ea_font:
        # Each run properties' first rFonts, found by libxml2: a template's
        # styles hold hundreds of rPr, most without fonts.
        from lxml import etree

        for fonts in etree.XPath(".//w:rPr/w:rFonts[1]", namespaces={"w": W_NS})(styles):
            if cs_font:
                fonts.set(qn("w:cs"), cs_font)
            if ea_font:
                fonts.set(qn("w:eastAsia"), ea_font)
    defaults = styles.find(qn("w:docDefaults"))
    if defaults is not None:
        rpr = defaults.find(qn("w:rPrDefault") + "/" + qn("w:rPr"))
        if rpr is not None:
            el = rpr.find(qn("w:lang"))
            if el is None:
                el = OxmlElement("w:lang")
                rpr.append(el)
            el.set(qn("w:val"), tag)
            el.set(qn("w:eastAsia"), tag if ea_font else "zh-CN")
            el.set(qn("w:bidi"), tag if letter.rtl or cs_font else "ar-SA")


def apply_direction(parts: list[Any]) -> None:
    """Right-to-left on the paragraphs and runs of a right-to-left letter's body, headers and footers.

    An Arabic letter gets a few hundred elements here, so they are made and
    found with plain lxml calls rather than python-docx's ``get_or_add_*``
    layers, and the script test is memoised by text (most paragraphs recur
    in every letter of the language). The places are python-docx's: a new
    ``pPr`` or ``rPr`` goes first in its parent; the serialised XML is the
    same (lxml takes the prefix in scope either way).
    """
    from docx.oxml.ns import qn
    from lxml import etree

    w_p, w_t, w_r, w_ppr, w_rpr = qn("w:p"), qn("w:t"), qn("w:r"), qn("w:pPr"), qn("w:rPr")
    w_jc, w_val, w_bidi, w_pstyle, w_rtl = qn("w:jc"), qn("w:val"), qn("w:bidi"), qn("w:pStyle"), qn("w:rtl")
    sub = etree.SubElement

    def child(el: Any, tag: str) -> Any:
        # el.find(tag): its first child of that tag.
        for c in el.iterchildren(tag):
            return c
        return None

    def first(el: Any, tag: str) -> Any:
        # The same for pPr and rPr, which come first when there is one.
        if len(el):
            c = el[0]
            if c.tag == tag:
                return c
        return child(el, tag)

    for part in parts:
        for p in part.iter(w_p):
            text = "".join([t.text or "" for t in p.iter(w_t)])
            ppr = first(p, w_ppr)
            if ppr is None:
                ppr = p.makeelement(w_ppr)
                p.insert(0, ppr)
            if not _has_rtl(text):
                # Latin-only lines (phone numbers, emails, codes) stay left to
                # right, aligned with the rest of the page on the right.
                if child(ppr, w_jc) is None:
                    sub(ppr, w_jc).set(w_val, "right")
                continue
            if child(ppr, w_bidi) is None:
                ppr.insert(1 if child(ppr, w_pstyle) is not None else 0, ppr.makeelement(w_bidi))
            for r in p.iter(w_r):
                rpr = first(r, w_rpr)
                if rpr is None:
                    rpr = r.makeelement(w_rpr)
                    r.insert(0, rpr)
                    sub(rpr, w_rtl)
                elif child(rpr, w_rtl) is None:
                    sub(rpr, w_rtl)


#: python-docx refuses core-property text longer than this (ValueError); the
#: full title is in the document itself.
MAX_CORE_PROPERTY_CHARS = 255


def set_properties(cp: Any, letter: Letter, options: DocxOptions) -> None:
    for name, value in fixed_properties(letter, options):
        setattr(cp, name, shorten(value) if isinstance(value, str) else value)


def shorten(text: str, limit: int = MAX_CORE_PROPERTY_CHARS) -> str:
    """*text* cut to *limit* characters with "…", at a word end if there is one in the last half.

    Never inside a grapheme: a combining mark, a joiner or a variation
    selector stays with the character before it.
    """
    import unicodedata

    if len(text) <= limit:
        return text
    cut = limit - 1
    space = text.rfind(" ", 0, cut + 1)
    if space > limit // 2:
        cut = space
    while cut > 0 and (
        unicodedata.category(text[cut]) in ("Mn", "Mc", "Me")
        or text[cut] in "\u200d\ufe0e\ufe0f"
        or text[cut - 1] == "\u200d"
    ):
        cut -= 1
    return text[:cut].rstrip() + "\u2026"


def fixed_properties(letter: Letter, options: DocxOptions) -> tuple[tuple[str, Any], ...]:
    """Fixed document properties, so that two builds are byte-identical."""
    when = _dt.datetime.combine(options.date or _dt.date(2000, 1, 1), _dt.time(0, 0))
    return (
        ("title", letter.title.text),
        ("author", letter.issuer_names),
        ("last_modified_by", "appeal-gen"),
        ("subject", letter.meta_subject),
        ("keywords", ", ".join(letter.meta_keywords)),
        ("language", letter.bcp47),
        ("created", when),
        ("modified", when),
        ("last_printed", when),
        ("revision", 1),
    )
