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
import io
import re
import struct
import unicodedata
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..document import Addressee, Letter
from ..errors import TemplateError
from ..markup import Para

TEMPLATES_DIR_CANDIDATES = (
    Path(__file__).resolve().parent.parent / "templates",  # installed wheel
    Path(__file__).resolve().parent.parent.parent / "templates",  # source checkout
)
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
        "recipient": _recipient(letter, tpl),
        "extra": dict(letter.recipient.extra) if letter.recipient else {},
        "page_before": before,
        "page_middle": middle,
        "page_after": after,
    }


def _jinja_env() -> Any:
    from .. import sandbox

    return sandbox.environment()


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
    rprs = list(styles.iter(qn("w:rPr")))
    for rpr in rprs:
        fonts = rpr.find(qn("w:rFonts"))
        if fonts is not None:
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
    """Right-to-left on the paragraphs and runs of a right-to-left letter's body, headers and footers."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    for part in parts:
        for p in part.iter(qn("w:p")):
            text = "".join(t.text or "" for t in p.iter(qn("w:t")))
            ppr = p.get_or_add_pPr()
            if not any(unicodedata.bidirectional(c) in ("R", "AL") for c in text):
                # Latin-only lines (phone numbers, emails, codes) stay left to
                # right, aligned with the rest of the page on the right.
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
        header = struct.pack(
            "<4s2B4HL2L2H",
            b"PK\003\004",
            20,
            0,
            flags,
            zipfile.ZIP_DEFLATED,
            dostime,
            dosdate,
            crc,
            len(packed),
            size,
            len(fname),
            0,
        )
        central.append(
            struct.pack(
                "<4s4B4HL2L5H2L",
                b"PK\001\002",
                20,
                3,
                20,
                0,
                flags,
                zipfile.ZIP_DEFLATED,
                dostime,
                dosdate,
                crc,
                len(packed),
                size,
                len(fname),
                0,
                0,
                0,
                0,
                0o644 << 16,
                offset,
            )
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
    return _normalise_zip(buf.getvalue())


def _set_properties(cp: Any, letter: Letter, options: DocxOptions) -> None:
    """Fixed document properties, so that two builds are byte-identical."""
    when = _dt.datetime.combine(options.date or _dt.date(2000, 1, 1), _dt.time(0, 0))
    cp.title = letter.title.text
    cp.author = letter.issuer_names
    cp.last_modified_by = "appeal-gen"
    cp.subject = letter.meta_subject
    cp.keywords = ", ".join(letter.meta_keywords)
    cp.language = letter.bcp47
    cp.created = when
    cp.modified = when
    cp.last_printed = when
    cp.revision = 1


def _gettext_in_context(ctx: dict[str, Any], options: DocxOptions) -> None:
    # A plain function: what it returns is a value, escaped like any other.
    # docxtpl leaves "&" inside a tag as the XML's "&amp;"; the catalog
    # (extracted from the text, as Word shows it) has "&".
    gettext = options.gettext or str
    ctx["_"] = lambda message: gettext(str(message).replace("&amp;", "&"))


#: The core properties docxtpl renders as templates (DocxTemplate.render_properties).
_TEMPLATED_PROPERTIES = ("author", "comments", "identifier", "language", "subject", "title")


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
        try:
            tpl = DocxTemplate(str(path))
            tpl.render_init()
            self.tpl = tpl
            env = _jinja_env()
            self.env = env
            package = tpl.docx.part.package
            cp = tpl.docx.core_properties  # creates the part if the template has none, as render_docx does
            self.properties = {name: env.from_string(getattr(cp, name)) for name in _TEMPLATED_PROPERTIES}
            self.body = env.from_string(self._source(tpl.patch_xml(tpl.get_xml())))
            #: Header and footer parts: (part, encoding, compiled template).
            self.headers: list[tuple[Any, str, Any]] = []
            for uri in (tpl.HEADER_URI, tpl.FOOTER_URI):
                for _key, part in tpl.get_headers_footers(uri):
                    xml = tpl.get_part_xml(part)
                    encoding = tpl.get_headers_footers_encoding(xml)
                    self.headers.append((part, encoding, env.from_string(self._source(tpl.patch_xml(xml)))))
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
        except TemplateError as exc:
            exc.file = exc.file or str(path)
            self.error = exc
        except Exception as exc:  # noqa: BLE001 - a volunteer's template can fail in jinja2, lxml or zipfile
            self.error = TemplateError(f"cannot render the template: {exc}", file=str(path))

    @staticmethod
    def _source(xml: str) -> str:
        # DocxTemplate.render_xml_part, before it compiles.
        return re.sub(r"<w:p([ >])", r"\n<w:p\1", xml)

    def _finish(self, xml: str) -> str:
        # DocxTemplate.render_xml_part, after it renders.
        xml = re.sub(r"\n<w:p([ >])", r"<w:p\1", xml)
        xml = xml.replace("{_{", "{{").replace("}_}", "}}").replace("{_%", "{%").replace("%_}", "%}")
        return str(self.tpl.resolve_listing(xml))

    def _static_entries(self, package: Any) -> dict[str, _Deflated]:
        """Every zip entry no letter changes, serialised and deflated once."""
        from docx.opc.packuri import CONTENT_TYPES_URI, PACKAGE_URI
        from docx.opc.pkgwriter import _ContentTypesItem

        static = {
            CONTENT_TYPES_URI.membername: _deflate(_ContentTypesItem.from_parts(self.parts).blob),
            PACKAGE_URI.rels_uri.membername: _deflate(package.rels.xml),
        }
        for part in self.parts:
            if part is not self.doc_part and part is not self.core_part and id(part) not in self.header_parts:
                static[part.partname.membername] = _deflate(part.blob)
            if len(part.rels) and part is not self.doc_part:
                static[part.partname.rels_uri.membername] = _deflate(part.rels.xml)
        return static

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
        try:
            try:
                ctx = context(letter, tpl)
                _gettext_in_context(ctx, options)
                with sandbox.time_limit():
                    tree = tpl.fix_tables(self._finish(self.body.render(ctx)))
                    tpl.docx_ids_index = 1000
                    tpl.fix_docpr_ids(tree)
                    tpl.map_tree(tree)
                    headers = {
                        id(part): parse_xml(self._finish(t.render(ctx)).encode(encoding))
                        for part, encoding, t in self.headers
                    }
                    props = {name: t.render(ctx) for name, t in self.properties.items()}
            except TemplateError as exc:
                exc.file = exc.file or str(self.path)
                raise
            except Exception as exc:  # noqa: BLE001 - a volunteer's template can fail in jinja2, lxml or zipfile
                raise TemplateError(f"cannot render the template: {exc}", file=str(self.path)) from None
            if letter.rtl:
                _apply_direction([tpl.docx.element.body, *headers.values()])
            cp = tpl.docx.core_properties
            for name, value in props.items():
                setattr(cp, name, value)
            _set_properties(cp, letter, options)
            entries: list[tuple[str, bytes | _Deflated]] = []
            static = self.static
            # PackageWriter's order: content types, package relationships, then each part and its own.
            entries.append(("[Content_Types].xml", static["[Content_Types].xml"]))
            entries.append(("_rels/.rels", static["_rels/.rels"]))
            for part in self.parts:
                name = part.partname.membername
                if part is self.doc_part:
                    entries.append((name, serialize_part_xml(tpl.docx.element)))
                elif part is self.core_part:
                    entries.append((name, part.blob))
                elif id(part) in headers:
                    entries.append((name, serialize_part_xml(headers[id(part)])))
                else:
                    entries.append((name, static[name]))
                if len(part.rels):
                    rels_name = part.partname.rels_uri.membername
                    entries.append((rels_name, part.rels.xml if part is self.doc_part else static[rels_name]))
            return _write_zip(entries)
        finally:
            # Hyperlinks this letter added to the document's relationships.
            for rid in [r for r in rels if r not in known]:
                del rels[rid]
