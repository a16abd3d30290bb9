"""A DOCX letter's template variables (documented in docs/templates.md), and the options of a render.

The seam between the appeal and Word: everything here reads a ``Letter`` and
gives docxtpl values (``RichText`` for free text, so bold, italic and links
survive as real Word formatting); nothing here touches the package's XML or
its zip. ``shared_context`` and ``add_recipient`` are the two halves that
``CompiledTemplate`` builds separately: the base letter's variables once per
language, the recipient's per letter.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as _dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..document import Addressee, Letter
from ..markup import Para
from ..theme import Theme


@dataclass(frozen=True)
class DocxOptions:
    template: Path | None = None
    date: _dt.date | None = None  # written as the document's created/modified date
    #: The language's catalog look-up, for ``{{ _("text") }}`` in a template;
    #: ``appeal-gen locale update`` extracts those strings for translators.
    gettext: Callable[[str], str] | None = None
    #: The organisation's look (theme.py), written into the template before it is rendered (docxtheme.py).
    theme: Theme | None = None


def rich(para: Para | None, tpl: Any) -> Any:
    from docxtpl import RichText

    rt = RichText()
    if para is None:
        return rt
    for run in para.runs:
        url_id = tpl.build_url_id(run.url) if run.url else None
        start = len(rt.xml)
        rt.add(
            run.text,
            bold=run.bold,
            italic=run.italic,
            url_id=url_id,
            style="Hyperlink" if run.url else None,
        )
        if run.bold and _KHMER.search(run.text) and _THEME_KHMER.get() is None:
            rt.xml = rt.xml[:start] + rt.xml[start:].replace("<w:b/>", _KHMER_BOLD_FONTS + "<w:b/>", 1)
    return _with_cs_twins(rt)


#: Bold Khmer is set in Khmer OS Muol Light, as in the PDF (fonts.BOLD_FAMILIES):
#: Khmer OS has no bold, and Word and LibreOffice would embolden it instead.
KHMER_BOLD_FONT = "Khmer OS Muol Light"
#: Only the complex-script font: the run's Latin keeps the style's (Noto Sans, bold).
_KHMER_BOLD_FONTS = f'<w:rFonts w:cs="{KHMER_BOLD_FONT}"/>'
_KHMER = re.compile("[\u1780-\u17ff\u19e0-\u19ff]")
#: A theme's own Khmer family while a letter's context is made (``theme_khmer``): its bold Khmer
#: runs then keep the style's font, the theme's, drawn bold, as in the PDF (docs/theme.md).
_THEME_KHMER: contextvars.ContextVar[str | None] = contextvars.ContextVar("appeal_gen_theme_khmer", default=None)


@contextlib.contextmanager
def theme_khmer(theme: Theme | None) -> Iterator[None]:
    """Make the context of letters in *theme* inside the ``with`` block (this thread or task only)."""
    family = next((f.family for f in theme.fonts if f.script == "khmer"), None) if theme is not None else None
    token = _THEME_KHMER.set(family)
    try:
        yield
    finally:
        _THEME_KHMER.reset(token)


def _with_cs_twins(rt: Any) -> Any:
    """Bold and italic for every script: Word and LibreOffice bold a right-to-left run, and
    Arabic or Khmer text in any run, by ``w:bCs``/``w:iCs``, not ``w:b``/``w:i`` (issue 15).

    docxtpl's RichText adds the twins only to runs it is told are right to
    left. The text is escaped, so the tags can only be RichText's own.
    """
    xml = rt.xml
    if "<w:b/>" in xml or "<w:i/>" in xml:
        rt.xml = xml.replace("<w:b/>", "<w:b/><w:bCs/>").replace("<w:i/>", "<w:i/><w:iCs/>")
    return rt


def _addressee(a: Addressee, tpl: Any) -> dict[str, Any]:
    return {
        "lines": [rich(p, tpl) for p in (*a.lines, *a.contact)],
        "salutation": rich(a.salutation, tpl) if a.salutation else None,
    }


def _recipient(letter: Letter, tpl: Any) -> dict[str, Any] | None:
    r = letter.recipient
    if r is None:
        return None
    return {
        "address": [rich(p, tpl) for p in r.address],
        "salutation": rich(r.salutation, tpl),
        # One paragraph, its lines broken (Chinese "此致" / "敬礼！"), as templates made before expect.
        "closing": rich(_lines(r.closing), tpl),
        "closing_lines": [rich(p, tpl) for p in r.closing],
        "signatory": [rich(p, tpl) for p in r.signatory],
    }


def _lines(paras: tuple[Para, ...]) -> Para:
    """Paragraphs as one, a line each (RichText breaks the line at "\n")."""
    from ..markup import Run

    runs: list[Run] = []
    for i, p in enumerate(paras):
        if i:
            runs.append(Run("\n"))
        runs.extend(p.runs)
    return Para(tuple(runs), paras[0].field if paras else None)


def context(letter: Letter, tpl: Any) -> dict[str, Any]:
    """The template's variables; documented in docs/templates.md."""
    ctx = shared_context(letter, tpl)
    add_recipient(ctx, letter, tpl)
    return ctx


def shared_context(letter: Letter, tpl: Any) -> dict[str, Any]:
    """The variables every letter of one base letter shares (all but the recipient's).

    Built before the recipient's, so hyperlinks get their relationship ids in
    reading order: the appeal's first, then any in the recipient's address.
    """
    before, _, rest = letter.page_label.partition("{page}")
    middle, _, after = rest.partition("{pages}")
    demands = [rich(p, tpl) for _, p in letter.demands]
    return {
        "lang": letter.lang,
        "issuer_names": letter.issuer_names,
        "issuer_contact": list(letter.issuer_contact),
        "label_urgent": letter.label_urgent,
        "reference": letter.reference,
        "dateline": letter.dateline,
        # The appeal's letterhead and reference; a supporter's letter has neither (letters.py).
        "letterhead": letter.kind != "supporter",
        "kind": letter.kind,
        # A personal letter's title is a subject line, not the appeal's headline.
        "subject_line": letter.kind != "appeal",
        "title": rich(letter.title, tpl),
        "status": rich(letter.status, tpl) if letter.status else None,
        "opening": [rich(p, tpl) for p in letter.opening],
        "after_demands": [rich(p, tpl) for p in letter.after_demands],
        "sections": [
            {"heading": rich(s.heading, tpl), "subheading": s.subheading, "paras": [rich(p, tpl) for p in s.paras]}
            for s in letter.sections
        ],
        "concern": [rich(p, tpl) for p in letter.concern],
        "urge": rich(letter.urge, tpl),
        # Templates made before numbered_demands number these with Word's list numbering.
        "demands": demands,
        # The numbers as text, in the letter's digits (the PDF's): Word list
        # numbering has no Khmer digits. The same RichText objects as
        # "demands", so each link gets one relationship id.
        "numbered_demands": [{"number": n, "text": t} for (n, _), t in zip(letter.demands, demands, strict=True)],
        "write_to_heading": rich(letter.write_to_heading, tpl),
        "addressees": [_addressee(a, tpl) for a in letter.addressees],
        "copies_heading": rich(letter.copies_heading, tpl),
        "copies": [_addressee(a, tpl) for a in letter.copies],
        "deadline": rich(letter.deadline, tpl) if letter.deadline else None,
        "links_heading": rich(letter.links_heading, tpl),
        "links": [rich(p, tpl) for p in letter.links],
        "page_before": before,
        "page_middle": middle,
        "page_after": after,
    }


def add_recipient(ctx: dict[str, Any], letter: Letter, tpl: Any) -> None:
    ctx["recipient"] = _recipient(letter, tpl)
    ctx["extra"] = dict(letter.recipient.extra) if letter.recipient else {}


class LinkLog:
    """Stands in for the template in ``rich``, noting each hyperlink asked for and the id it got."""

    def __init__(self, tpl: Any) -> None:
        self.tpl = tpl
        self.calls: list[tuple[str, str]] = []

    def build_url_id(self, url: str) -> str:
        rid = str(self.tpl.build_url_id(url))
        self.calls.append((url, rid))
        return rid


def fresh(value: Any) -> Any:
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


def gettext_in_context(ctx: dict[str, Any], options: DocxOptions) -> None:
    """``_`` in the template's variables: the language's catalog look-up.

    A plain function: what it returns is a value, escaped like any other.
    docxtpl leaves "&" inside a tag as the XML's "&amp;"; the catalog
    (extracted from the text, as Word shows it) has "&".
    """
    gettext = options.gettext or str
    ctx["_"] = lambda message: gettext(str(message).replace("&amp;", "&"))
