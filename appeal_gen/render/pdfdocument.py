"""The letter as one reportlab document: header, text, demands, addresses, deadline.

With slots, the personal parts (address, salutation, signature) are left as
fixed rooms for a batch's letters to fill (render/personal.py); without,
it is the appeal as its issuer sends it.
"""

from __future__ import annotations

import datetime as _dt
import functools
import io
import re
from dataclasses import dataclass
from typing import Any

from .. import fonts
from ..document import Addressee, Letter
from ..markup import Para
from .context import PdfContext
from .furniture import page_canvas
from .letterhead import Letterhead, band
from .paragraphs import Writer
from .pdfa import Facts
from .pdffonts import DEFAULT_FONTS, FontSet, forget_shaped_glyphs, script_font
from .pdfstyles import ACCENT, FRAME_PADDING, MARGIN, MM, PAGE_H, PAGE_W, layout_grid, line_start_rules, tint
from .pdftree import tag
from .stationery import Stationery

#: The default bottom margin: the footer lives below it.
BOTTOM_MARGIN = 22 * MM


@dataclass(frozen=True)
class PdfOptions:
    """The page and the look: a theme's (theme.py, ``pdf.options_for``) or, by default, today's."""

    page_size: tuple[float, float] = (PAGE_W, PAGE_H)
    #: top, right, bottom, left, in points.
    margins: tuple[float, float, float, float] = (MARGIN, MARGIN, BOTTOM_MARGIN, MARGIN)
    accent: str = ACCENT
    #: A theme's logo, organisation block and footer line (render/letterhead.py).
    letterhead: Letterhead | None = None
    #: Pre-printed stationery under every page, instead of the letterhead (render/stationery.py).
    stationery: Stationery | None = None
    #: The appeal's date: the document's creation date (render/pdfa.py).
    date: _dt.date | None = None
    #: "pdfa-2b" for an archivable PDF (``--pdf-standard``), or None.
    standard: str | None = None
    #: The theme's own fonts per script (themefonts.py); the defaults for the scripts it does not give.
    fonts: FontSet = DEFAULT_FONTS


#: Lines the address field holds, like the window of an envelope.
ADDRESS_LINES = 8
#: Lines the salutation may take.
SALUTATION_LINES = 2
#: Lines under the closing ("Yours sincerely,"): the signatory's name, city and one more.
SIGNATURE_LINES = 3
#: Lines of the closing formula: two, for French's "Je vous prie d’agréer, Madame
#: l’Ambassadrice, …" and Chinese "此致" / "敬礼！" (letters.py, addressing.py).
CLOSING_LINES = 2


@functools.lru_cache(maxsize=1)
def slot_class() -> type:
    from reportlab.platypus import Flowable

    class Slot(Flowable):
        """Room of a fixed size for one personal part; leaves a marker where it is drawn."""

        def __init__(self, name: str, height: float, before: float, after: float, sizes: dict[str, Any]) -> None:
            super().__init__()
            self.name, self.height, self.sizes = name, height, sizes
            self.spaceBefore, self.spaceAfter = before, after

        def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
            self.width = avail_width
            return avail_width, self.height

        def draw(self) -> None:
            from .compose import marker
            from .pdftags import recorder
            from .subsets import append_code

            self.sizes[self.name] = (self.width, self.height)
            # The personal part painted here is one element of the structure tree.
            rec = recorder(self.canv)
            if rec is not None:
                append_code(self.canv, rec.begin(self.canv, self, "P"))
            append_code(self.canv, marker(self.name))
            if rec is not None:
                append_code(self.canv, "EMC")

    return Slot


def address_block(a: Addressee, w: Writer) -> list[Any]:
    """One addressee's lines; the next entry starts as far below as after a salutation.

    An entry without a salutation (those under "Copies to") used to run
    straight into the next one, so two offices read as one address.
    """
    from reportlab.platypus import Spacer

    flow = [w.para(p, "address") for p in (*a.lines, *a.contact)]
    if a.salutation:
        flow.append(w.para(a.salutation, "salutation"))
    else:
        flow.append(Spacer(0, w.styles["salutation"].spaceAfter))
    return flow


def render_document(
    letter: Letter,
    options: PdfOptions,
    context: PdfContext,
    slots: dict[str, tuple[float, float]] | None,
    seed: Any = None,
) -> bytes:
    """The letter as one reportlab document; with *slots*, personal parts are left as fixed rooms.

    With *seed* (a ``subsets.Seed``), the document's font subsets are recorded
    in it, for the personal parts to share (render/subsets.py). The story is
    put together part by part (head, opening, body, instructions, links), in
    reading order: the order a tagged PDF's structure tree will follow.
    """
    line_start_rules()
    forget_shaped_glyphs()
    _, right, _, left = options.margins
    width = options.page_size[0] - left - right
    # Paragraphs that are broken into lines here (Arabic, Khmer) must know the
    # width reportlab will give them: the frame's, less its 6 pt paddings.
    w = Writer(letter, width - 2 * FRAME_PADDING, context, options.accent)
    rooms = _rooms(w, slots) if slots is not None else None
    drawn = options.letterhead if options.stationery is None else None
    story: list[Any] = band(w, drawn, w.width) if drawn else []
    # A supporter's letter is a private person's: no letterhead (letters.py).
    if letter.kind != "supporter":
        story.append(_head(w, width))
    else:
        story = []
    if rooms:
        story.append(rooms["address"])
    story += _opening(w)
    if rooms:
        story.append(rooms["salutation"])
    story += _body(w, width)
    if rooms:
        # A personalised letter closes with its signature; the appeal's
        # instructions to supporters (whom to write to, until when) are not
        # part of a letter to an official.
        tail = [story.pop(), rooms["closing"]]
    else:
        entries, tail = _instructions(w, width)
        story += entries
    if letter.links_heading:
        tail.append(w.para(letter.links_heading, "h1"))
        tail.extend(w.para(p, "body") for p in letter.links)
    return _build(w, options, [*story, _last_page(tail)], seed)


def _last_page(tail: list[Any]) -> Any:
    """The end of the letter, kept together: never a last page holding only a signature or the links.

    The signature keeps the last demand company, and the links the last
    address and the deadline.
    """
    from reportlab.platypus import KeepTogether

    return KeepTogether(tail)


def _head(w: Writer, width: float) -> Any:
    """The letterhead: issuers and contacts on one side, "URGENT APPEAL" and the reference on the other."""
    from reportlab.lib.colors import HexColor

    from .pdftags import table_class

    Table = table_class()  # noqa: N806 - its rules and backgrounds are artifacts
    letter, T = w.letter, w.text  # noqa: N806
    lw, rw = width * 0.55, width * 0.45
    head_left = [T(letter.issuer_names, "org", "issuers", lw)] + [
        T(c, "small", "issuers", lw) for c in letter.issuer_contact
    ]
    head_right = [
        T(letter.label_urgent.upper(), "label", None, rw),
        w.reference(letter.reference, "ref", rw),
    ]
    row, widths = ([head_right, head_left], [rw, lw]) if w.rtl else ([head_left, head_right], [lw, rw])
    head = Table([row], colWidths=widths)
    head.setStyle(
        layout_grid(
            w.family, ("LINEBELOW", (0, 0), (-1, 0), 1.5, HexColor(w.accent)), ("BOTTOMPADDING", (0, 0), (-1, -1), 8)
        )
    )
    return head


def _rooms(w: Writer, slots: dict[str, tuple[float, float]]) -> dict[str, Any]:
    """The fixed rooms a batch letter's personal parts are drawn into, sized in lines of their styles."""
    slot = slot_class()
    st = w.styles
    return {
        "address": slot("address", ADDRESS_LINES * st["address"].leading, 8, 0, slots),
        "salutation": slot(
            "salutation",
            SALUTATION_LINES * st["salutation"].leading,
            st["salutation"].spaceBefore,
            st["salutation"].spaceAfter,
            slots,
        ),
        "closing": slot(
            "closing",
            CLOSING_LINES * st["closing"].leading
            + st["closing"].spaceBefore
            + 2 * st["closing"].spaceAfter
            + SIGNATURE_LINES * st["address"].leading,
            st["closing"].spaceBefore,
            0,
            slots,
        ),
    }


def _opening(w: Writer) -> list[Any]:
    """Dateline, title (a letter's subject line) and status (the appeal's only)."""
    letter = w.letter
    title = w.para(letter.title, "title" if letter.kind == "appeal" else "subject")
    status = [w.para(letter.status, "status")] if letter.status else []
    return [w.text(letter.dateline, "dateline", "date"), title, *status]


def _body(w: Writer, width: float) -> list[Any]:
    """The sections, the concern, the urge and the numbered demands."""
    from .pdftags import table_class

    Table = table_class()  # noqa: N806 - its rules and backgrounds are artifacts
    letter, P, T = w.letter, w.para, w.text  # noqa: N806
    story: list[Any] = [P(p, "body") for p in letter.opening]
    for section in letter.sections:
        heading = P(section.heading, "h2" if section.subheading else "h1")
        paras = [P(p, "body") for p in section.paras]
        if paras:
            story.append(keep_with_lines(heading, paras[0], w.width))
        story.append(heading)
        story.extend(paras)
    story.extend(P(p, "body") for p in letter.concern)
    urge = P(letter.urge, "urge")
    story.append(urge)
    num_w = 8 * MM
    # The frame's width less its paddings: a table as wide as the frame
    # stuck out by the padding on each side, the numbers into the margin.
    inner = w.width
    # A bullet is drawn in the base font as it is, unchecked: a number that
    # font cannot draw in full (a catalog's "{number}." may hold any
    # character) is laid out as a paragraph instead, whose every character
    # is checked and drawn by a font that has it, as in right-to-left letters.
    bullet_face = script_font(w.base).face("regular")
    bullet_have = fonts.coverage(bullet_face.path, bullet_face.index)
    for number, demand in letter.demands:
        if w.rtl or any(ord(c) not in bullet_have for c in number):
            num = T(number, "number", "demands", num_w)
            if w.rtl:
                cells, widths = [[P(demand, "demand", inner - num_w), num]], [inner - num_w, num_w]
            else:
                cells, widths = [[num, P(demand, "demand", inner - num_w)]], [num_w, inner - num_w]
            table = Table(cells, colWidths=widths)
            table.setStyle(
                layout_grid(w.family, ("TOPPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 0))
            )
            story.append(table)
        else:
            story.append(w.para(demand, "demand", bullet=number))
    if letter.demands:
        # "We urge the authorities:" never ends a page without its first demand.
        story.insert(story.index(urge), keep_with_lines(urge, story[story.index(urge) + 1], w.width))
    story.extend(P(p, "body") for p in letter.after_demands)
    return story


def keep_with_lines(first: Any, following: Any, width: float) -> Any:
    """A conditional page break: *first* (a heading) moves on unless the opening lines of *following* fit under it.

    Keeping a heading together with the whole paragraph after it moved
    long paragraphs to the next page and left gaps of seven lines. Two
    lines are enough, and all three of a three-line paragraph, because a
    paragraph never leaves a single line at the top or bottom of a page
    (``allowWidows=0``, reportlab's default ``allowOrphans=0``). A table
    (an Arabic demand) never splits: all of it.
    """
    from reportlab.platypus import CondPageBreak

    _, head = first.wrap(width, 1e6)
    _, whole = following.wrap(width, 1e6)
    lines = getattr(getattr(following, "blPara", None), "lines", None)
    if lines is not None and len(lines) > 3:
        whole = 2 * following.style.leading
    gap = max(first.getSpaceAfter(), following.getSpaceBefore())
    return CondPageBreak(first.getSpaceBefore() + head + gap + whole + 1)


def _instructions(w: Writer, width: float) -> tuple[list[Any], list[Any]]:
    """What the appeal tells supporters: whom to write to, whom to copy, until when.

    Returned in two parts: the entries, each kept together with its heading
    if it has one, and the last entry with the deadline, as plain flowables
    for the caller to keep together with what follows (``_last_page``).
    """
    from reportlab.platypus import KeepTogether

    letter, P = w.letter, w.para  # noqa: N806
    groups: list[list[Any]] = [[P(letter.write_to_heading, "h1"), *address_block(letter.addressees[0], w)]]
    groups.extend(address_block(a, w) for a in letter.addressees[1:])
    if letter.copies_heading:
        groups.append([P(letter.copies_heading, "h1"), *address_block(letter.copies[0], w)])
        groups.extend(address_block(a, w) for a in letter.copies[1:])
    last = groups.pop()
    if letter.deadline:
        last += _deadline(w, letter.deadline, width)
    return [KeepTogether(group) for group in groups], last


def _deadline(w: Writer, deadline: Para, width: float) -> list[Any]:
    """The deadline in a tinted box with a rule on the reading side."""
    from reportlab.lib.colors import HexColor
    from reportlab.platypus import Spacer, TableStyle

    from .pdftags import table_class

    Table = table_class()  # noqa: N806 - its rules and backgrounds are artifacts

    box = Table([[w.para(deadline, "deadline", width - 20)]], colWidths=[width])
    side = "LINEAFTER" if w.rtl else "LINEBEFORE"
    box.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), f"{w.family}-regular"),
                ("BACKGROUND", (0, 0), (-1, -1), HexColor("#F6E3E4" if w.accent == ACCENT else tint(w.accent))),
                (side, (0, 0), (-1, -1), 3, HexColor(w.accent)),
                ("TOPPADDING", (0, 0), (-1, -1), 7),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 7),
                ("LEFTPADDING", (0, 0), (-1, -1), 9),
                ("RIGHTPADDING", (0, 0), (-1, -1), 9),
            ]
        )
    )
    return [Spacer(width, 6), box]


def _build(w: Writer, options: PdfOptions, story: list[Any], seed: Any) -> bytes:
    """Lay *story* out on pages with the footer; invariant, so the same letter gives the same bytes."""
    from reportlab.platypus import SimpleDocTemplate

    letter = w.letter
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=options.page_size,
        leftMargin=options.margins[3],
        rightMargin=options.margins[1],
        topMargin=options.margins[0],
        bottomMargin=options.margins[2],
        title=letter.title.text,
        author=letter.issuer_names,
        subject=letter.meta_subject,
        keywords=list(letter.meta_keywords),
        creator="appeal-gen",
        producer="appeal-gen (reportlab)",
        lang=letter.bcp47,
        invariant=1,
        displayDocTitle=1,
        initialFontName=f"{w.family}-regular",
    )
    pages: list[int] = []
    from reportlab.platypus.doctemplate import LayoutError as ReportlabLayoutError

    laid = list(story)  # build() pops what it lays out: kept to find the field of a failure
    canvases: list[Any] = []
    canvas_class = page_canvas(w, pages, seed, options=options)

    def canvasmaker(*args: Any, **kwargs: Any) -> Any:
        canvases.append(canvas_class(*args, **kwargs))
        return canvases[-1]

    try:
        doc.build(story, canvasmaker=canvasmaker)
    except ReportlabLayoutError as exc:
        raise layout_error(str(exc), laid) from None
    facts = Facts(
        title=letter.title.text,
        author=letter.issuer_names,
        subject=letter.meta_subject,
        keywords=", ".join(letter.meta_keywords),
        lang=letter.bcp47,
        date=options.date,
        standard=options.standard,
    )
    return tag(buf.getvalue(), canvases[-1].ag_structure, facts)


def layout_error(message: str, story: list[Any]) -> Exception:
    """reportlab's LayoutError (a word or a table row taller than a page) as ours, naming the field.

    reportlab names the flowables by their ``id`` in its message; the
    paragraphs of a flowable it names (all cells of a table) are the
    candidates, and the one with the longest unbroken word is the culprit.
    A table split across pages is a new object, so when nothing named is
    found every paragraph of the letter is a candidate.
    """
    from ..errors import LayoutError

    named = {int(h, 16) for h in re.findall(r"(?:at |@)0x([0-9a-fA-F]+)", message)}
    candidates: list[Any] = []
    others: list[Any] = []
    stack: list[tuple[Any, bool]] = [(f, False) for f in story]
    while stack:
        flow, inside = stack.pop()
        inside = inside or id(flow) in named
        if isinstance(flow, (list, tuple)):
            stack.extend((f, inside) for f in flow)
            continue
        for row in getattr(flow, "_cellvalues", None) or ():
            stack.extend((cell, inside) for cell in row)
        stack.extend((f, inside) for f in getattr(flow, "_content", None) or ())
        if getattr(flow, "ag_field", None):
            (candidates if inside else others).append(flow)
    candidates = candidates or others

    def longest_word(flow: Any) -> tuple[int, float]:
        # The same word also reaches headings that quote the field ("X urge
        # ..."); the paragraph that is most nearly the word alone is its own.
        text = flow.getPlainText()
        word = max((len(t) for t in text.split()), default=0)
        return word, word / max(len(text), 1)

    field = max(candidates, key=longest_word).ag_field if candidates else None
    return LayoutError(
        "cannot be laid out: a word or a line is too long for a page; shorten it or add spaces", field=field
    )
