"""Marked content: what each piece of a page's text is, and what it says.

A PDF page is a stream of glyphs; a screen reader, a search box or a copy
needs to know which glyphs form a heading or a demand, in what language,
and what text they spell. reportlab writes none of that, so the letter's
paragraphs are drawn by ``tagged_paragraph_class`` and every piece of text
goes through ``text_marker`` (``subsets.stroking_canvas`` calls it):

- each piece of a paragraph's text is a marked-content sequence of its own,
  ``/P <</MCID 3>> BDC ... EMC``, numbered per page by the ``Recorder`` on
  the canvas, which remembers the paragraph's element; render/pdftree.py
  writes the structure tree when the document is saved. Sequences are never
  nested (poppler's structure reader ends one at the first ``EMC`` inside);
- a piece in another script than the letter's is a ``/Span`` with its
  ``/Lang``; an Arabic ligature one with ``/ActualText`` (see ``subsets``);
- a Khmer paragraph is one ``/Span`` sequence with ``/ActualText``: its
  glyphs are shaped (vowels drawn before their consonant, subscripts as
  private-use glyphs), which no reader can turn back into the source text.

The page furniture (footer, rules, tints) is marked ``/Artifact``. Text
drawn on a canvas without a ``Recorder`` (the personal parts of a batch
letter, drawn into Form XObjects) carries only its ``/Lang`` and
``/ActualText`` spans: the slot it is painted into is the element
(render/pdfdocument.py's ``Slot``). Bookmarks are recorded as headings are
drawn and placed when their page is written.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from ..scripts import SCRIPT_LANGUAGES, foreign_spans, letter_script, written_script
from .linebreak import Spans

#: A paragraph style -> its structure role. Headings: the appeal's title is
#: the document's H1, its sections H2, their subsections H3. The numbers and
#: texts of demands are a list's labels and bodies (see ``pdftree``).
ROLES = {
    "title": "H1",
    "h1": "H2",
    "h2": "H3",
    "demand": "LBody",
    "number": "Lbl",
}
#: A heading style -> its level in the bookmarks.
OUTLINE_LEVELS = {"title": 0, "h1": 1, "h2": 2}
#: Styles drawn as page furniture: artifacts, not the letter's text.
ARTIFACT_STYLES = frozenset({"footer"})
_LINE_BREAKS = re.compile(r"[\t\n\r\v\f\u2028\u2029]+")


@dataclass
class Element:
    """One structure element: its role, language, and its marked content as (page, MCID)."""

    role: str
    lang: str | None = None
    parts: list[tuple[int, int]] = field(default_factory=list)


@dataclass
class Recorder:
    """The structure elements of one document, in reading order (the order they are drawn in).

    Kept on the canvas (``canvas.ag_structure``); page numbers are
    reportlab's, from 1.
    """

    lang: str
    #: The script the letter's own language is written in (``scripts.written_script``).
    script: str = "latin"
    elements: list[Element] = field(default_factory=list)
    by_key: dict[object, Element] = field(default_factory=dict)
    next_mcid: dict[int, int] = field(default_factory=dict)
    outline_level: int = -1
    bookmarks: int = 0
    pending: list[tuple[int, str, int, float, float]] = field(default_factory=list)
    artifact: int = 0  # depth of artifact sequences being drawn
    #: The element whose paragraph is being drawn (key, role, language), and whether each
    #: piece of its text is a marked-content sequence of its own (else the paragraph is one).
    current: tuple[object, str, str | None] | None = None
    pieces: bool = False
    #: The element the next piece of text alone belongs to: a demand's number (its ``Lbl``), drawn first.
    label: tuple[object, str, str | None] | None = None

    def begin(self, canvas: Any, key: object, role: str, lang: str | None = None) -> str:
        """The BDC operator opening the next piece of *key*'s element on the canvas's page."""
        return f"/{role} <</MCID {self.mcid(canvas, key, role, lang)}>> BDC"

    def mcid(self, canvas: Any, key: object, role: str, lang: str | None = None) -> int:
        """The next MCID of the canvas's page, given to *key*'s element (made on its first piece)."""
        page = canvas.getPageNumber()
        mcid = self.next_mcid.get(page, 0)
        self.next_mcid[page] = mcid + 1
        element = self.by_key.get(key)
        if element is None:
            element = self.by_key[key] = Element(role, lang if lang != self.lang else None)
            self.elements.append(element)
        element.parts.append((page, mcid))
        return mcid

    def outline(self, canvas: Any, title: str, level: int, top: float) -> None:
        """A bookmark to *title*, at *top* above the current origin; never more than one level deeper.

        Placed when its page is written (``place_bookmarks``): the canvas
        holds pages back until the end, to number them "of M".
        """
        level = min(level, self.outline_level + 1)
        self.outline_level = level
        x, y = canvas.absolutePosition(0, top)
        self.pending.append((canvas.getPageNumber(), title, level, x, y))

    def place_bookmarks(self, canvas: Any, page: int) -> None:
        """The bookmarks of *page*, on the canvas about to write it."""
        for at, title, level, x, y in self.pending:
            if at != page:
                continue
            self.bookmarks += 1
            key = f"ag-heading-{self.bookmarks}"
            canvas.bookmarkHorizontalAbsolute(key, y, left=x)
            canvas.addOutlineEntry(title, key, level=level)
            if self.bookmarks == 1:
                canvas.showOutline()


@functools.lru_cache(maxsize=4096)
def text_language(text: str, own: str) -> str | None:
    """The language of *text* when all of its letters are in one script other than *own*, else None.

    Digits, spaces and punctuation belong to no script ("+353 1 212 3750 ·
    info@example.org" in a Khmer letter is English). Memoised: asked of the
    same paragraphs letter after letter.
    """
    pieces = foreign_spans(text, own)
    scripts = {script for _, script in pieces if script is not None}
    mixed = any(letter_script(c) is not None for piece, script in pieces if script is None for c in piece)
    return SCRIPT_LANGUAGES.get(scripts.pop()) if len(scripts) == 1 and not mixed else None


def recorder(canvas: Any) -> Recorder | None:
    return getattr(canvas, "ag_structure", None)


def actual_text(text: str) -> str:
    """A PDF text string for a property list: UTF-16BE with its byte-order mark, in hex."""
    return "<FEFF" + text.encode("utf-16-be").hex().upper() + ">"


@contextmanager
def artifact(canvas: Any, kind: str = "/Pagination /Subtype /Footer") -> Iterator[None]:
    """Whatever is drawn inside is page furniture (PDF 32000-1, 14.8.2.2)."""
    from .subsets import append_code

    rec = recorder(canvas)
    append_code(canvas, f"/Artifact <</Type {kind}>> BDC")
    if rec is not None:
        rec.artifact += 1
    try:
        yield
    finally:
        if rec is not None:
            rec.artifact -= 1
        append_code(canvas, "EMC")


@functools.lru_cache(maxsize=1)
def tagged_paragraph_class() -> type:
    """reportlab's Paragraph, drawn inside its marked content (and its bookmark, for a heading)."""
    from reportlab.platypus import Paragraph

    from .subsets import append_code

    class TaggedParagraph(Paragraph):
        """A paragraph that knows its role, its source text and which lines of it it holds.

        ``ag_text`` is the logical text, ``ag_spans`` where each line of
        it is (Arabic and Khmer: broken by render/linebreak.py), so that a
        paragraph split across pages carries the text of its own lines.
        """

        ag_style = "body"
        ag_text: str | None = None
        ag_spans: Spans | None = None
        ag_shaped = False
        ag_link = False
        ag_key: object = None
        ag_first = True

        def split(self, avail_width: float, avail_height: float) -> list[Any]:
            parts: list[Any] = super().split(avail_width, avail_height)
            if len(parts) == 2:
                first, second = parts
                held = len(first.blPara.lines)
                for part in parts:
                    part.ag_style, part.ag_text, part.ag_key = self.ag_style, self.ag_text, self.ag_key
                    part.ag_shaped, part.ag_link = self.ag_shaped, self.ag_link
                spans = self.ag_spans
                if spans is not None and len(spans) == len(self.blPara.lines):
                    first.ag_spans, second.ag_spans = spans[:held], spans[held:]
                first.ag_first, second.ag_first = self.ag_first, False
            return parts

        def _actual(self) -> str | None:
            """The logical text these lines show, or None where the glyphs read back as they are."""
            text, spans = self.ag_text, self.ag_spans
            if text is None or not self.ag_shaped:
                return None
            if spans:
                text = text[spans[0][0] : spans[-1][1]]
            bullet = self.bulletText if self.ag_first else None
            return f"{bullet} {text}" if bullet else text

        def draw(self) -> None:
            """Drawn inside its marked content.

            No marked content is nested in another (poppler's structure
            reader ends a sequence at the first EMC inside it): a paragraph
            with ``/ActualText`` (Khmer) is one ``/Span`` sequence carrying
            its MCID, and in any other each piece of text is a sequence of
            its own (``mark_text``), with its language where that differs.
            """
            canvas = self.canv
            rec = recorder(canvas)
            actual = self._actual()
            props = f" /ActualText {actual_text(actual)}" if actual else ""
            if rec is None or rec.artifact or self.ag_style in ARTIFACT_STYLES:
                # A personal part's Form XObject (its slot is the element) or page furniture.
                if props:
                    append_code(canvas, f"/Span <<{props}>> BDC")
                super().draw()
                if props:
                    append_code(canvas, "EMC")
                return
            if self.ag_first and self.ag_style in OUTLINE_LEVELS:
                title = self.ag_text if self.ag_text is not None else self.getPlainText()
                rec.outline(canvas, _LINE_BREAKS.sub(" ", title), OUTLINE_LEVELS[self.ag_style], self.height)
            key = self.ag_key if self.ag_key is not None else self
            role = "Link" if self.ag_link else ROLES.get(self.ag_style, "P")
            lang = text_language(self.ag_text, rec.script) if self.ag_text else None
            rec.current, rec.pieces = (key, role, lang), not props
            if self.bulletText and self.ag_first and role == "LBody" and not props:
                rec.label = (object(), "Lbl", lang)  # reportlab draws the bullet before the text
            try:
                if props:
                    # /Span: poppler reads /ActualText only there.
                    append_code(canvas, f"/Span <</MCID {rec.mcid(canvas, key, role, lang)}{props}>> BDC")
                super().draw()
                if props:
                    append_code(canvas, "EMC")
            finally:
                rec.current = rec.label = None

    return TaggedParagraph


@functools.lru_cache(maxsize=1)
def table_class() -> type:
    """reportlab's Table, its rules and backgrounds drawn as layout artifacts (its cells are tagged paragraphs)."""
    from reportlab.platypus import Table

    class ArtifactRulesTable(Table):
        def _drawBkgrnd(self) -> None:  # noqa: N802 - reportlab's name
            with artifact(self.canv, "/Layout"):
                super()._drawBkgrnd()

        def _drawLines(self) -> None:  # noqa: N802 - reportlab's name
            with artifact(self.canv, "/Layout"):
                super()._drawLines()

    return ArtifactRulesTable


def text_marker(canvas: Any, lang: str) -> Callable[[str, str, str | None], str]:
    """What ``subsets.stroking_canvas`` calls for every piece of text *canvas* draws (``canvas.ag_mark``).

    A piece of a paragraph being tagged becomes a marked-content sequence
    of its own, with its element's next MCID; its properties: ``/Lang``
    where its letters are all in one script other than the letter's (an
    Arabic name in an English sentence, "CCHR" in a Khmer one: a screen
    reader switches voice; PDF 32000-1, 14.9.2), and ``/ActualText`` for a
    ligature (``subsets``). Elsewhere (a personal part's Form XObject, the
    footer) a piece with properties is a ``/Span`` without MCID.
    """
    own = written_script(lang)

    def mark(text: str, code: str, actual: str | None = None) -> str:
        rec = recorder(canvas)
        current = rec.current if rec is not None else None
        if current is not None and not rec.pieces:  # type: ignore[union-attr]
            return code  # inside a paragraph that is one sequence (its /ActualText says its text)
        props = f" /ActualText {actual_text(actual)}" if actual else ""
        scripts = {script for script in map(letter_script, text) if script is not None}
        if len(scripts) == 1:
            script = scripts.pop()
            tag = SCRIPT_LANGUAGES.get(script) if script != own else None
            if tag and (current is None or tag != current[2]):
                props += f" /Lang ({tag})"
        if current is not None and rec.label is not None:  # type: ignore[union-attr]
            current, rec.label = rec.label, None  # type: ignore[union-attr]
        if current is not None:
            key, role, element_lang = current
            mcid = rec.mcid(canvas, key, role, element_lang)  # type: ignore[union-attr]
            return f"/{'Span' if props else role} <</MCID {mcid}{props}>> BDC {code} EMC"
        return f"/Span <<{props}>> BDC {code} EMC" if props else code

    return mark
