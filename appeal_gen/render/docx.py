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
import zipfile
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
        "page_before": before,
        "page_middle": middle,
        "page_after": after,
    }


def _jinja_env() -> Any:
    from jinja2.sandbox import SandboxedEnvironment

    return SandboxedEnvironment(autoescape=True)


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
    path = options.template or default_template(letter.lang)
    try:
        tpl = DocxTemplate(str(path))
        tpl.render(context(letter, tpl), jinja_env=_jinja_env(), autoescape=True)
    except TemplateError:
        raise
    except Exception as exc:  # noqa: BLE001 - a volunteer's template can fail in jinja2, lxml or zipfile
        raise TemplateError(f"cannot render the template: {exc}", file=str(path)) from None

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
