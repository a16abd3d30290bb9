"""The editable DOCX, rendered with docxtpl from a Word template.

Jinja runs in a ``SandboxedEnvironment`` with autoescaping on: templates come
from volunteers and values from staff, and without escaping docxtpl silently
drops text such as ``&B`` (see SECURITY.md). Free text arrives as docxtpl
``RichText`` built from the markup runs, so bold, italic and links survive as
real Word formatting. The result is made deterministic afterwards: fixed
core-property dates and fixed zip timestamps, so hashes can be trusted.
"""

from __future__ import annotations

import datetime as _dt
import io
import unicodedata
import zipfile
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
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    lang = letter.lang.split("_")[0]
    tag = letter.bcp47
    cs_font, ea_font = _CS_FONT.get(lang), _EA_FONT.get(lang)
    styles = document.styles.element
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
    if not letter.rtl:
        return
    from docx.opc.constants import RELATIONSHIP_TYPE as RT

    # Headers and footers through the package's relationships, not through
    # document.sections: docxtpl swaps in newly rendered header and footer
    # parts that the sections' cached references never see.
    parts = [document.element.body]
    for rel in document.part.rels.values():
        if rel.reltype in (RT.HEADER, RT.FOOTER) and not rel.is_external:
            parts.append(rel.target_part.element)
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
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=ZIP_EPOCH)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


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
    when = _dt.datetime.combine(options.date or _dt.date(2000, 1, 1), _dt.time(0, 0))
    cp = tpl.docx.core_properties
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
    buf = io.BytesIO()
    tpl.save(buf)
    return _normalise_zip(buf.getvalue())
