"""The editable DOCX, rendered with docxtpl from a Word template.

Jinja runs in a ``SandboxedEnvironment`` with autoescaping on: templates come
from volunteers and values from staff, and without escaping docxtpl silently
drops text such as ``&B`` (see SECURITY.md). Free text arrives as docxtpl
``RichText`` built from the markup runs, so bold, italic and links survive as
real Word formatting. The result is made deterministic afterwards: fixed
core-property dates and fixed zip timestamps, so hashes can be trusted.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import functools
import io
import re
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import ooxml
from ..document import Addressee, Letter
from ..document import shared_values as _shared_key
from ..errors import TemplateError
from ..markup import Para
from ..resources import TEMPLATES_DIR_CANDIDATES
from ..scripts import has_rtl as _has_rtl

#: Zip entries get this timestamp so two builds are byte-identical.
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class DocxOptions:
    template: Path | None = None
    date: _dt.date | None = None  # written as the document's created/modified date
    #: The language's catalog look-up, for ``{{ _("text") }}`` in a template;
    #: ``appeal-gen locale update`` extracts those strings for translators.
    gettext: Callable[[str], str] | None = None


def default_template(lang: str | None = None) -> Path:
    """The language's own template if a translator supplied one, else the default."""
    for root in TEMPLATES_DIR_CANDIDATES:
        if lang:
            for code in (lang, lang.split("_")[0]):
                p = root / code / "appeal.docx"
                if p.is_file():
                    return p
        p = root / "appeal.docx"
        if p.is_file():
            return p
    raise TemplateError("the default template appeal.docx is missing from the installation")


def _rich(para: Para | None, tpl: Any) -> Any:
    from docxtpl import RichText

    rt = RichText()
    if para is None:
        return rt
    for run in para.runs:
        url_id = tpl.build_url_id(run.url) if run.url else None
        rt.add(
            run.text,
            bold=run.bold,
            italic=run.italic,
            url_id=url_id,
            style="Hyperlink" if run.url else None,
        )
    return rt


def _addressee(a: Addressee, tpl: Any) -> dict[str, Any]:
    return {
        "lines": [_rich(p, tpl) for p in (*a.lines, *a.contact)],
        "salutation": _rich(a.salutation, tpl) if a.salutation else None,
    }


def _recipient(letter: Letter, tpl: Any) -> dict[str, Any] | None:
    r = letter.recipient
    if r is None:
        return None
    return {
        "address": [_rich(p, tpl) for p in r.address],
        "salutation": _rich(r.salutation, tpl),
        "closing": _rich(r.closing, tpl),
        "signatory": [_rich(p, tpl) for p in r.signatory],
    }


def context(letter: Letter, tpl: Any) -> dict[str, Any]:
    """The template's variables; documented in docs/templates.md."""
    ctx = _shared_context(letter, tpl)
    _add_recipient(ctx, letter, tpl)
    return ctx


def _shared_context(letter: Letter, tpl: Any) -> dict[str, Any]:
    """The variables every letter of one base letter shares (all but the recipient's).

    Built before the recipient's, so hyperlinks get their relationship ids in
    reading order: the appeal's first, then any in the recipient's address.
    """
    before, _, rest = letter.page_label.partition("{page}")
    middle, _, after = rest.partition("{pages}")
    return {
        "lang": letter.lang,
        "issuer_names": letter.issuer_names,
        "issuer_contact": list(letter.issuer_contact),
        "label_urgent": letter.label_urgent,
        "reference": letter.reference,
        "dateline": letter.dateline,
        "title": _rich(letter.title, tpl),
        "status": _rich(letter.status, tpl),
        "sections": [
            {"heading": _rich(s.heading, tpl), "subheading": s.subheading, "paras": [_rich(p, tpl) for p in s.paras]}
            for s in letter.sections
        ],
        "concern": [_rich(p, tpl) for p in letter.concern],
        "urge": _rich(letter.urge, tpl),
        "demands": [_rich(p, tpl) for _, p in letter.demands],
        "write_to_heading": _rich(letter.write_to_heading, tpl),
        "addressees": [_addressee(a, tpl) for a in letter.addressees],
        "copies_heading": _rich(letter.copies_heading, tpl),
        "copies": [_addressee(a, tpl) for a in letter.copies],
        "deadline": _rich(letter.deadline, tpl) if letter.deadline else None,
        "links_heading": _rich(letter.links_heading, tpl),
        "links": [_rich(p, tpl) for p in letter.links],
        "page_before": before,
        "page_middle": middle,
        "page_after": after,
    }


def _add_recipient(ctx: dict[str, Any], letter: Letter, tpl: Any) -> None:
    ctx["recipient"] = _recipient(letter, tpl)
    ctx["extra"] = dict(letter.recipient.extra) if letter.recipient else {}


class _LinkLog:
    """Stands in for the template in ``_rich``, noting each hyperlink asked for and the id it got."""

    def __init__(self, tpl: Any) -> None:
        self.tpl = tpl
        self.calls: list[tuple[str, str]] = []

    def build_url_id(self, url: str) -> str:
        rid = str(self.tpl.build_url_id(url))
        self.calls.append((url, rid))
        return rid


def _fresh(value: Any) -> Any:
    """A copy of shared variables for one letter: a template may change what it is given
    (the sandbox allows ``list.append`` and ``RichText.add``), and a letter must not see
    what another letter's template run did.
    """
    from docxtpl import RichText

    def copy(v: Any) -> Any:
        if isinstance(v, RichText):
            rt = RichText.__new__(RichText)
            rt.__dict__.update(v.__dict__)  # its xml, a string
            return rt
        if isinstance(v, dict):
            return {k: copy(x) for k, x in v.items()}
        if isinstance(v, list):
            return [copy(x) for x in v]
        return v  # str, bool, None

    return copy(value)


def _jinja_env() -> Any:
    from .. import sandbox

    return sandbox.environment()


_W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"

#: Fonts named in the DOCX for each script (Word and LibreOffice pick the
#: complex-script font for Arabic and Khmer, the East Asian one for Chinese).
_CS_FONT = {"ar": "Noto Naskh Arabic", "fa": "Noto Naskh Arabic", "km": "Khmer OS"}
_EA_FONT = {"zh": "WenQuanYi Micro Hei", "ja": "WenQuanYi Micro Hei"}


def _apply_language(document: Any, letter: Letter) -> None:
    """Language tags, script fonts and direction on styles and paragraphs.

    Styles carry the language and fonts so that text a user types later gets
    them too; right-to-left is set on every paragraph and run as well,
    because docxtpl's RichText cannot set paragraph direction.
    """
    from docx.opc.constants import RELATIONSHIP_TYPE as RT

    _apply_styles(document.styles.element, letter)
    if not letter.rtl:
        return
    # Headers and footers through the package's relationships, not through
    # document.sections: docxtpl swaps in newly rendered header and footer
    # parts that the sections' cached references never see.
    parts = [document.element.body]
    for rel in document.part.rels.values():
        if rel.reltype in (RT.HEADER, RT.FOOTER) and not rel.is_external:
            parts.append(rel.target_part.element)
    _apply_direction(parts)


def _apply_styles(styles: Any, letter: Letter) -> None:
    """The language and its script fonts on every style (the same for every letter of a language)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    lang = letter.lang.split("_")[0]
    tag = letter.bcp47
    cs_font, ea_font = _CS_FONT.get(lang), _EA_FONT.get(lang)
    if cs_font or ea_font:
        # Each run properties' first rFonts, found by libxml2: a template's
        # styles hold hundreds of rPr, most without fonts.
        from lxml import etree

        for fonts in etree.XPath(".//w:rPr/w:rFonts[1]", namespaces={"w": _W_NS})(styles):
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


def _apply_direction(parts: list[Any]) -> None:
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


def _normalise_zip(data: bytes) -> bytes:
    """Rewrite the zip with fixed timestamps and order; content unchanged."""
    src = zipfile.ZipFile(io.BytesIO(data))
    return _write_zip([(info.filename, src.read(info.filename)) for info in src.infolist()])


#: One zip entry, deflated: (CRC-32, compressed bytes, uncompressed size).
_Deflated = tuple[int, bytes, int]


def _deflate(data: bytes) -> _Deflated:
    # zipfile's own settings for ZIP_DEFLATED, so the archive is what zipfile writes.
    c = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
    return zlib.crc32(data), c.compress(data) + c.flush(), len(data)


def _write_zip(entries: list[tuple[str, bytes | _Deflated]]) -> bytes:
    """A deflated zip with fixed timestamps and 0644 permissions, byte for byte what
    ``zipfile`` writes for the same entries (``tests/render/test_fast_path.py``
    checks it), but taking entries that are already deflated: a batch deflates a
    template's unchanged parts once, not once per letter.
    """
    dosdate = (ZIP_EPOCH[0] - 1980) << 9 | ZIP_EPOCH[1] << 5 | ZIP_EPOCH[2]
    dostime = ZIP_EPOCH[3] << 11 | ZIP_EPOCH[4] << 5 | (ZIP_EPOCH[5] // 2)
    out: list[bytes] = []
    central: list[bytes] = []
    offset = 0
    for name, data in entries:
        crc, packed, size = _deflate(data) if isinstance(data, bytes) else data
        try:
            fname, flags = name.encode("ascii"), 0
        except UnicodeEncodeError:
            fname, flags = name.encode("utf-8"), 0x800
        # The fields the local header and the central directory record share,
        # from the flags to the name's length, in the same order in both.
        shared = struct.pack(
            "<4HL2LH", flags, zipfile.ZIP_DEFLATED, dostime, dosdate, crc, len(packed), size, len(fname)
        )
        # Local: signature, version needed 2.0, then no extra field.
        header = b"PK\003\004" + struct.pack("<H", 20) + shared + struct.pack("<H", 0)
        # Central: signature, made by 2.0 on Unix (3), version needed 2.0, then
        # no extra field or comment, disk 0, internal attributes 0, external
        # attributes (mode 0644) and the local header's offset.
        central.append(
            b"PK\001\002"
            + struct.pack("<2BH", 20, 3, 20)
            + shared
            + struct.pack("<4H2L", 0, 0, 0, 0, 0o644 << 16, offset)
            + fname
        )
        out += (header, fname, packed)
        offset += len(header) + len(fname) + len(packed)
    directory = b"".join(central)
    end = struct.pack("<4s4H2LH", b"PK\005\006", 0, 0, len(entries), len(entries), len(directory), offset, 0)
    return b"".join(out) + directory + end


def render_docx(letter: Letter, options: DocxOptions | None = None, *, title: str = "", author: str = "") -> bytes:
    """Render *letter* into the template and return the DOCX bytes."""
    from docxtpl import DocxTemplate

    options = options or DocxOptions()
    from .. import sandbox

    path = options.template or default_template(letter.lang)
    sandbox.check_template_file(Path(path))
    try:
        tpl = DocxTemplate(str(path))
        ctx = context(letter, tpl)
        # A plain function: what it returns is a value, escaped like any other.
        # docxtpl leaves "&" inside a tag as the XML's "&amp;"; the catalog
        # (extracted from the text, as Word shows it) has "&".
        gettext = options.gettext or str
        ctx["_"] = lambda message: gettext(str(message).replace("&amp;", "&"))
        with sandbox.time_limit():
            tpl.render(ctx, jinja_env=_jinja_env(), autoescape=True)
    except TemplateError as exc:
        exc.file = exc.file or str(path)
        raise
    except Exception as exc:  # noqa: BLE001 - a volunteer's template can fail in jinja2, lxml or zipfile
        raise TemplateError(f"cannot render the template: {exc}", file=str(path)) from None

    _apply_language(tpl.docx, letter)
    _set_properties(tpl.docx.core_properties, letter, options)
    buf = io.BytesIO()
    tpl.save(buf)
    data = _normalise_zip(buf.getvalue())
    # What the template's tags produced is inspected too: "|safe" can write a field code.
    ooxml.check_package(data, str(path), written=True)
    return data


#: python-docx refuses core-property text longer than this (ValueError); the
#: full title is in the document itself.
MAX_CORE_PROPERTY_CHARS = 255


def _set_properties(cp: Any, letter: Letter, options: DocxOptions) -> None:
    for name, value in _fixed_properties(letter, options):
        setattr(cp, name, _shorten(value) if isinstance(value, str) else value)


def _shorten(text: str, limit: int = MAX_CORE_PROPERTY_CHARS) -> str:
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


def _fixed_properties(letter: Letter, options: DocxOptions) -> tuple[tuple[str, Any], ...]:
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


def _gettext_in_context(ctx: dict[str, Any], options: DocxOptions) -> None:
    # A plain function: what it returns is a value, escaped like any other.
    # docxtpl leaves "&" inside a tag as the XML's "&amp;"; the catalog
    # (extracted from the text, as Word shows it) has "&".
    gettext = options.gettext or str
    ctx["_"] = lambda message: gettext(str(message).replace("&amp;", "&"))


#: The core properties docxtpl renders as templates (DocxTemplate.render_properties).
_TEMPLATED_PROPERTIES = ("author", "comments", "identifier", "language", "subject", "title")

#: Compiled Jinja templates by source text. Every language of a worker uses
#: the same template file, whose patched body, headers and properties are the
#: same text in every language: compiling once instead of seven times is most
#: of a CompiledTemplate's cost. The environments ``sandbox.environment`` makes
#: are all alike, so one compiled template serves any of them.
_COMPILED: dict[str, Any] = {}
_COMPILED_MAX = 64

#: Deflated parts by content, shared the same way: a template's theme, fonts,
#: settings and images are the same bytes in every language.
_DEFLATED: dict[bytes, _Deflated] = {}
_DEFLATED_MAX = 256


@functools.lru_cache(maxsize=1)
def _shared_env() -> Any:
    return _jinja_env()


def _compile(source: str) -> Any:
    template = _COMPILED.get(source)
    if template is None:
        template = _shared_env().from_string(source)
        if len(_COMPILED) >= _COMPILED_MAX:
            _COMPILED.clear()
        _COMPILED[source] = template
    return template


def _deflate_shared(data: bytes) -> _Deflated:
    packed = _DEFLATED.get(data)
    if packed is None:
        if len(_DEFLATED) >= _DEFLATED_MAX:
            _DEFLATED.clear()
        packed = _DEFLATED[data] = _deflate(data)
    return packed


def _property(source: str) -> Any:
    """A core property's compiled template, or its text if it is only text.

    Rendered in every letter it would give that same text: with no tags,
    nothing in it reads the letter's variables. Most templates leave these
    properties empty, and six Jinja renders a letter are saved.
    """
    template = _compile(source)
    if all(token == "data" for _, token, _ in _shared_env().lex(source)):
        return str(template.render())
    return template


def _rel_target(rel: Any) -> Any:
    # What a relationship's target_ref is made from: an internal target's
    # reference is its part name relative to the (fixed) source part.
    return rel.target_ref if rel.is_external else rel.target_part.partname


#: What docxtpl's ``resolve_listing`` turns into Word tabs and breaks when it
#: is inside a ``<w:t>``; and its outermost pattern, the paragraph.
_LISTING_CHAR = re.compile("[\t\a\n\f]")
_LISTING_PARAGRAPH = re.compile(r"<w:p(?: [^>]*)?>.*?</w:p>", re.DOTALL)
_SPLIT_PARAGRAPH = re.compile(r"<w:p([ >])")


def check_template_source(path: Path) -> None:
    """docxtpl's pre-processing and the Jinja compile of a template's body, headers and footers,
    once, under the time limit: what every letter would otherwise fail on the same way.

    For ``batch``, before any worker starts: a Jinja syntax error, or a part
    whose pre-processing never ends (docxtpl's ``patch_xml`` has regular
    expressions that are quadratic in a crafted run), is one exit-2 error
    instead of one failed row per letter. The compiled templates stay in the
    cache that ``CompiledTemplate`` reads.
    """
    from docxtpl import DocxTemplate

    from .. import sandbox

    try:
        with sandbox.time_limit():
            tpl = DocxTemplate(str(path))
            tpl.render_init()
            _compile(CompiledTemplate._source(tpl.patch_xml(tpl.get_xml())))
            for uri in (tpl.HEADER_URI, tpl.FOOTER_URI):
                for _key, part in tpl.get_headers_footers(uri):
                    _compile(CompiledTemplate._source(tpl.patch_xml(tpl.get_part_xml(part))))
    except TemplateError as exc:
        exc.file = exc.file or str(path)
        raise
    except Exception as exc:  # noqa: BLE001 - a volunteer's template can fail in jinja2, lxml or zipfile
        raise TemplateError(f"cannot render the template: {exc}", file=str(path)) from None


class CompiledTemplate:
    """A DOCX template prepared once, for rendering many letters of one language.

    ``render_docx`` does what docxtpl's documentation asks: a new template
    object per letter, which re-reads the zip, re-parses every part, patches
    and compiles the Jinja source, and deflates every part again, about 40 ms
    a letter. Here all of that happens once: the template is checked
    (``sandbox.check_template_file``), loaded, its body, headers and footers
    patched and compiled in the limited sandbox, the language applied to its
    styles, and every part that no letter changes is serialised and deflated.
    Per letter only the Jinja templates run (under the same limits and time
    limit), the body is parsed and serialised as docxtpl does, and the zip is
    written from the stored parts. The bytes are those of ``render_docx``
    (``tests/render/test_fast_path.py`` compares them in every language).

    What letters of one language share is also done once, not per letter:
    the template variables of the base letter (rebuilt only when the base
    letter changes, with its hyperlinks related in the same order), and the
    headers, footers, core properties and relationships, which are usually
    the same text for every letter and then are parsed and deflated once.

    One object per (template, language): the styles carry the language.
    Templates with footnotes are rendered the straightforward way.
    """

    def __init__(self, path: Path, letter: Letter) -> None:
        from docxtpl import DocxTemplate

        from .. import sandbox

        self.path = path
        self.lang = (letter.lang, letter.bcp47, letter.rtl)
        sandbox.check_template_file(Path(path))
        self.error: TemplateError | None = None
        self.simple = True
        #: The base letter's variables: (key, variables, hyperlinks asked for and their ids).
        self.shared: tuple[tuple[Any, ...], dict[str, Any], list[tuple[str, str]]] | None = None
        #: Finished parts by what they were made from (see ``_keep``).
        self.finished: dict[tuple[object, ...], _Deflated] = {}
        #: The core properties last set, and their part deflated.
        self.core: tuple[tuple[tuple[str, Any], ...], _Deflated] | None = None
        try:
            # docxtpl's patch_xml runs regular expressions over the whole part, some
            # quadratic in a crafted one: under the time limit, like the rendering.
            with sandbox.time_limit():
                tpl = DocxTemplate(str(path))
                tpl.render_init()
                self.tpl = tpl
                package = tpl.docx.part.package
                cp = tpl.docx.core_properties  # creates the part if the template has none, as render_docx does
                #: Each templated property's compiled template, or its text if it has no Jinja tags.
                self.properties = {name: _property(getattr(cp, name)) for name in _TEMPLATED_PROPERTIES}
                self.body = _compile(self._source(tpl.patch_xml(tpl.get_xml())))
                #: Header and footer parts: (part, encoding, compiled template).
                self.headers: list[tuple[Any, str, Any]] = []
                for uri in (tpl.HEADER_URI, tpl.FOOTER_URI):
                    for _key, part in tpl.get_headers_footers(uri):
                        xml = tpl.get_part_xml(part)
                        encoding = tpl.get_headers_footers_encoding(xml)
                        self.headers.append((part, encoding, _compile(self._source(tpl.patch_xml(xml)))))
            parts = list(package.iter_parts())
            footnotes = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
            if any(p.content_type == footnotes for p in parts):
                self.simple = False
                return
            _apply_styles(tpl.docx.styles.element, letter)
            self.parts = parts
            self.core_part = package._core_properties_part
            self.doc_part = tpl.docx.part
            self.header_parts = {id(part) for part, _, _ in self.headers}
            self.static = self._static_entries(package)
            #: Each part with its zip entry's name and its relationships' (PackURI works them out slowly).
            self.members = [(part, part.partname.membername, part.partname.rels_uri.membername) for part in parts]
        except TemplateError as exc:
            exc.file = exc.file or str(path)
            self.error = exc
        except Exception as exc:  # noqa: BLE001 - a volunteer's template can fail in jinja2, lxml or zipfile
            self.error = TemplateError(f"cannot render the template: {exc}", file=str(path))

    @staticmethod
    def _source(xml: str) -> str:
        # DocxTemplate.render_xml_part, before it compiles.
        return _SPLIT_PARAGRAPH.sub(r"\n<w:p\1", xml)

    def _finish(self, xml: str) -> str:
        """DocxTemplate.render_xml_part after it renders, with ``resolve_listing`` run only
        on the paragraphs it can change.

        ``resolve_listing`` rewrites a paragraph only where a ``<w:t>`` holds a
        tab, bell, newline or form feed, and leaves every other paragraph as it
        was; a letter seldom has any. Run on one paragraph alone it finds the
        same match (the paragraph, up to its first ``</w:p>``), so it gives
        what it gives inside the whole part.
        """
        # re.sub(r"\n<w:p([ >])", r"<w:p\1", xml), without a template expansion
        # per paragraph. Dropping the newline of one match cannot make another
        # (each is a newline and then "<w:p"), so the two passes are the one.
        xml = xml.replace("\n<w:p ", "<w:p ").replace("\n<w:p>", "<w:p>")
        xml = xml.replace("{_{", "{{").replace("}_}", "}}").replace("{_%", "{%").replace("%_}", "%}")
        if not ("\n" in xml or "\t" in xml or "\a" in xml or "\f" in xml):
            return xml
        resolve = self.tpl.resolve_listing

        def paragraph(m: re.Match[str]) -> str:
            text = m.group(0)
            return str(resolve(text)) if _LISTING_CHAR.search(text) else text

        return _LISTING_PARAGRAPH.sub(paragraph, xml)

    def _static_entries(self, package: Any) -> dict[str, _Deflated]:
        """Every zip entry no letter changes, serialised and deflated once."""
        from docx.opc.packuri import CONTENT_TYPES_URI, PACKAGE_URI
        from docx.opc.pkgwriter import _ContentTypesItem

        static = {
            CONTENT_TYPES_URI.membername: _deflate_shared(_ContentTypesItem.from_parts(self.parts).blob),
            PACKAGE_URI.rels_uri.membername: _deflate_shared(package.rels.xml),
        }
        for part in self.parts:
            if part is not self.doc_part and part is not self.core_part and id(part) not in self.header_parts:
                static[part.partname.membername] = _deflate_shared(part.blob)
            if len(part.rels) and part is not self.doc_part:
                static[part.partname.rels_uri.membername] = _deflate_shared(part.rels.xml)
        return static

    def _context(self, letter: Letter) -> dict[str, Any]:
        """``context(letter, tpl)``, with the base letter's variables built once.

        Each letter relates the base letter's hyperlinks again, the same calls
        in the same order from the same relationships (``render`` takes back
        what a letter added), so they get the ids they got the first time;
        the ids are compared all the same, and the variables built afresh if
        one differs. The recipient's come after, as in ``context``.
        """
        tpl = self.tpl
        key = _shared_key(letter)
        shared = self.shared
        if shared is None or shared[0] != key or any(str(tpl.build_url_id(url)) != rid for url, rid in shared[2]):
            log = _LinkLog(tpl)
            shared = self.shared = (key, _shared_context(letter, log), log.calls)
        ctx: dict[str, Any] = _fresh(shared[1])
        _add_recipient(ctx, letter, tpl)
        return ctx

    def _keep(self, key: tuple[object, ...], data: bytes, name: str) -> _Deflated:
        """*data* (zip entry *name*) inspected, deflated and kept under *key*, what it was made from.

        For headers, footers, core properties and the document's
        relationships, which depend on the letter only through text that is
        usually the same for every letter of a language. If a template puts
        the recipient in a header, the table fills up and is emptied now and
        then.
        """
        ooxml.check_written_part(name, data, str(self.path))
        if len(self.finished) >= 64:
            self.finished.clear()
        packed = self.finished[key] = _deflate(data)
        return packed

    def render(self, letter: Letter, options: DocxOptions) -> bytes:
        """One letter's DOCX: the same bytes as ``render_docx(letter, options)``."""
        if self.error is not None:
            raise self.error
        if not self.simple or (letter.lang, letter.bcp47, letter.rtl) != self.lang:
            return render_docx(letter, dataclasses.replace(options, template=self.path))
        from docx.opc.oxml import serialize_part_xml
        from docx.oxml.parser import parse_xml

        from .. import sandbox

        tpl = self.tpl
        rels = self.doc_part.rels
        known = set(rels)
        finished = self.finished
        try:
            try:
                ctx = self._context(letter)
                _gettext_in_context(ctx, options)
                with sandbox.time_limit():
                    tree = tpl.fix_tables(self._finish(self.body.render(ctx)))
                    tpl.docx_ids_index = 1000
                    tpl.fix_docpr_ids(tree)
                    tpl.map_tree(tree)
                    # Each header and footer: the text it was rendered to, and either
                    # that text's finished part from an earlier letter or its new tree
                    # (a part's tree depends only on its text: direction is the
                    # language's, which is this object's).
                    headers: dict[int, tuple[tuple[object, ...], _Deflated | None, Any]] = {}
                    for part, encoding, t in self.headers:
                        xml = self._finish(t.render(ctx))
                        key: tuple[object, ...] = (str(part.partname), xml)
                        done = finished.get(key)
                        headers[id(part)] = (key, done, None if done else parse_xml(xml.encode(encoding)))
                    props = {name: t if isinstance(t, str) else t.render(ctx) for name, t in self.properties.items()}
            except TemplateError as exc:
                exc.file = exc.file or str(self.path)
                raise
            except Exception as exc:  # noqa: BLE001 - a volunteer's template can fail in jinja2, lxml or zipfile
                raise TemplateError(f"cannot render the template: {exc}", file=str(self.path)) from None
            if letter.rtl:
                _apply_direction([tpl.docx.element.body, *(h[2] for h in headers.values() if h[2] is not None)])
            # Setting a property again to the value it has changes nothing, and
            # every letter sets all of them: the same values give the same part.
            values = (*props.items(), *_fixed_properties(letter, options))
            if self.core is None or self.core[0] != values:
                self.core = None  # until every property is set (a value python-docx refuses stops half-way)
                cp = tpl.docx.core_properties
                for name, value in values:
                    setattr(cp, name, value)
                core = self.core_part.blob
                ooxml.check_written_part(self.core_part.partname.membername, core, str(self.path))
                self.core = (values, _deflate(core))
            entries: list[tuple[str, bytes | _Deflated]] = []
            static = self.static
            # PackageWriter's order: content types, package relationships, then each part and its own.
            entries.append(("[Content_Types].xml", static["[Content_Types].xml"]))
            entries.append(("_rels/.rels", static["_rels/.rels"]))
            for part, name, rels_name in self.members:
                if part is self.doc_part:
                    # What the template's tags produced: "|safe" can write a field code.
                    ooxml.check_written_tree(name, tpl.docx.element, str(self.path))
                    entries.append((name, serialize_part_xml(tpl.docx.element)))
                    if len(rels):
                        # The relationships' XML is made from these values alone.
                        key = ("rels", *((r.rId, r.reltype, r.is_external, _rel_target(r)) for r in rels.values()))
                        entries.append((rels_name, finished.get(key) or self._keep(key, rels.xml, rels_name)))
                    continue
                if part is self.core_part:
                    entries.append((name, self.core[1]))
                elif id(part) in headers:
                    key, done, header = headers[id(part)]
                    entries.append((name, done or self._keep(key, serialize_part_xml(header), name)))
                else:
                    entries.append((name, static[name]))
                if len(part.rels):
                    entries.append((rels_name, static[rels_name]))
            return _write_zip(entries)
        finally:
            # Hyperlinks this letter added to the document's relationships.
            for rid in [r for r in rels if r not in known]:
                del rels[rid]
