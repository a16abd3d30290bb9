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
from ..theme import Theme
from .docxcontext import KHMER_BOLD_FONT, DocxOptions

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"

#: Fonts named in the DOCX for each script (Word and LibreOffice pick the
#: complex-script font for Arabic and Khmer, the East Asian one for Chinese).
CS_FONT = {"ar": "Noto Naskh Arabic", "fa": "Noto Naskh Arabic", "km": "Khmer OS"}
EA_FONT = {"zh": "WenQuanYi Micro Hei", "ja": "WenQuanYi Micro Hei"}
#: The script (``fonts.FAMILIES``, a theme's ``fonts:`` keys) of each language's complex-script font.
CS_SCRIPT = {"ar": "arabic", "fa": "arabic", "km": "khmer"}
#: The complex-script font of bold styles (headings, title, labels) where the
#: script's font has no bold but a bold family of its own, as in the PDF
#: (fonts.BOLD_FAMILIES): Khmer headings in Khmer OS Muol Light, not an
#: emboldened Khmer OS.
CS_BOLD_FONT = {"km": KHMER_BOLD_FONT}
#: Word's language tags want a region where the bare language is ambiguous
#: (Word and LibreOffice read a bare "zh" as no Chinese in particular).
_WORD_TAG = {"zh": "zh-CN", "zh-Hans": "zh-CN", "zh-Hant": "zh-TW", "ja": "ja-JP"}
#: The language of Latin text in a letter whose own script is not Latin
#: (names, e-mail addresses, the English of the issuer's address).
_LATIN_IN_OTHER_SCRIPTS = "en-US"


def _word_lang(letter: Letter) -> tuple[str, str, str]:
    """``w:lang``'s (val, eastAsia, bidi) for *letter*: the language of its Latin,
    East Asian and complex-script text.

    Word tags a run by the class of its characters, not by the document: in
    an Arabic or Khmer letter (complex script) or a Chinese one (East Asian)
    the letter's language goes in ``w:bidi`` or ``w:eastAsia``, and the Latin
    text beside it (names, addresses, e-mail) is not tagged Arabic, Khmer or
    Chinese, which would send spell checkers and hyphenation astray.
    """
    lang = letter.lang.split("_")[0]
    tag = _WORD_TAG.get(letter.bcp47, _WORD_TAG.get(lang, letter.bcp47))
    if lang in EA_FONT:
        return _LATIN_IN_OTHER_SCRIPTS, tag, "ar-SA"
    if letter.rtl or lang in CS_FONT:
        return _LATIN_IN_OTHER_SCRIPTS, "zh-CN", tag
    return tag, "zh-CN", "ar-SA"


def apply_language(document: Any, letter: Letter, theme: Theme | None = None) -> None:
    """Language tags, script fonts and direction on styles and paragraphs.

    Styles carry the language and fonts so that text a user types later gets
    them too; right-to-left is set on every paragraph and run as well,
    because docxtpl's RichText cannot set paragraph direction.
    """
    from docx.opc.constants import RELATIONSHIP_TYPE as RT

    apply_styles(document.styles.element, letter, theme)
    apply_package(document.part, letter)
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
    section_direction(document.element.body)


def apply_styles(styles: Any, letter: Letter, theme: Theme | None = None) -> None:
    """The language and its script fonts on every style (the same for every letter of a language).

    A *theme*'s own fonts (``fonts:``, themefonts.py) replace the defaults
    in the slots Word and LibreOffice read for each script: ``w:ascii`` and
    ``w:hAnsi`` for Latin (Cyrillic and Greek too), ``w:cs`` for Arabic and
    Khmer, ``w:eastAsia`` for Chinese. Named, not embedded: see docs/theme.md.
    """
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    lang = letter.lang.split("_")[0]
    cs_font, ea_font = CS_FONT.get(lang), EA_FONT.get(lang)
    bold_font = CS_BOLD_FONT.get(lang, cs_font)
    own = {f.script: f.family for f in theme.fonts} if theme is not None else {}
    latin = own.get("latin")
    if cs_font and CS_SCRIPT.get(lang) in own:
        # The theme's family for bold too: its bold face, or Word's emboldening, as in the PDF.
        cs_font = bold_font = own[CS_SCRIPT[lang]]
    if ea_font and "han" in own:
        ea_font = own["han"]
    if cs_font or ea_font or latin:
        # Each run properties' first rFonts, found by libxml2: a template's
        # styles hold hundreds of rPr, most without fonts.
        from lxml import etree

        w_b, w_val = qn("w:b"), qn("w:val")
        for fonts in etree.XPath(".//w:rPr/w:rFonts[1]", namespaces={"w": W_NS})(styles):
            if latin:
                fonts.set(qn("w:ascii"), latin)
                fonts.set(qn("w:hAnsi"), latin)
            if cs_font:
                b = fonts.getparent().find(w_b)
                bold = b is not None and b.get(w_val) not in ("0", "false", "off")
                fonts.set(qn("w:cs"), bold_font if bold else cs_font)
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
            _set_lang(el, letter)
        if ea_font:
            _no_auto_space(defaults)


#: What follows ``w:autoSpaceDE``/``w:autoSpaceDN`` in paragraph properties (the schema's order).
_AFTER_AUTO_SPACE = (
    "bidi", "adjustRightInd", "snapToGrid", "spacing", "ind", "contextualSpacing", "mirrorIndents",
    "suppressOverlap", "jc", "textDirection", "textAlignment", "textboxTightWrap", "outlineLvl", "divId",
    "cnfStyle", "rPr", "sectPr", "pPrChange",
)  # fmt: skip


def _no_auto_space(defaults: Any) -> None:
    """No space added between Chinese and Latin letters or digits in a Chinese letter.

    Word and LibreOffice add it by default, so the DOCX read "2017 年 12 月 6 日" and
    "第 1 次更新" where the text (and the PDF) has "2017年12月6日" (issue 15).
    """
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    ppr_default = defaults.find(qn("w:pPrDefault"))
    if ppr_default is None:
        ppr_default = OxmlElement("w:pPrDefault")
        defaults.append(ppr_default)
    ppr = ppr_default.find(qn("w:pPr"))
    if ppr is None:
        ppr = OxmlElement("w:pPr")
        ppr_default.append(ppr)
    for tag in ("w:autoSpaceDE", "w:autoSpaceDN"):
        el = ppr.find(qn(tag))
        if el is None:
            el = OxmlElement(tag)
            after = next((c for c in ppr if c.tag in {qn("w:" + t) for t in _AFTER_AUTO_SPACE}), None)
            if after is not None:
                after.addprevious(el)
            else:
                ppr.append(el)
        el.set(qn("w:val"), "0")


def _set_lang(el: Any, letter: Letter) -> None:
    from docx.oxml.ns import qn

    for attr, value in zip(("w:val", "w:eastAsia", "w:bidi"), _word_lang(letter), strict=True):
        el.set(qn(attr), value)


def apply_package(document_part: Any, letter: Letter) -> None:
    """The language in the settings' ``themeFontLang``, and in the font table only the
    script fonts the language's styles name (the same for every letter of a language).

    ``themeFontLang`` is the language Word picks theme fonts for; left at the
    template's, every document claimed Japanese. The template's font table
    lists every script's font with its alternates (tools/make_template.py);
    the fonts of other scripts are dropped, so the table names what is used.
    A template's other fonts are left as they are.
    """
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.oxml.ns import qn
    from lxml import etree

    lang = letter.lang.split("_")[0]
    used = {CS_FONT.get(lang), EA_FONT.get(lang), CS_BOLD_FONT.get(lang)}
    unused = {*CS_FONT.values(), *EA_FONT.values(), *CS_BOLD_FONT.values()} - used
    for rel in document_part.rels.values():
        if rel.is_external:
            continue
        if rel.reltype == RT.SETTINGS:
            el = rel.target_part.element.find(qn("w:themeFontLang"))
            if el is not None:
                _set_lang(el, letter)
        elif rel.reltype == RT.FONT_TABLE:
            part = rel.target_part
            parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
            root = etree.fromstring(part.blob, parser)
            drop = [f for f in root.iterchildren(qn("w:font")) if f.get(qn("w:name")) in unused]
            if drop:
                for font in drop:
                    root.remove(font)
                part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


#: What follows ``w:bidi`` in a section's properties (the schema's order).
_AFTER_SECTION_BIDI = ("rtlGutter", "docGrid", "printerSettings", "sectPrChange")


def section_direction(body: Any) -> None:
    """Right-to-left sections in a right-to-left letter's body: Word then runs columns,
    page numbers and the gutter right to left too (issue 15).
    """
    from docx.oxml.ns import qn

    w_bidi = qn("w:bidi")
    for sect in body.iter(qn("w:sectPr")):
        if sect.find(w_bidi) is not None:
            continue
        bidi = sect.makeelement(w_bidi)
        for tag in _AFTER_SECTION_BIDI:
            after = sect.find(qn("w:" + tag))
            if after is not None:
                after.addprevious(bidi)
                break
        else:
            sect.append(bidi)


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
