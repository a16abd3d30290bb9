"""Font subsets that a letter's personal parts share with its layout.

A personal letter is its language's shared layout plus a tiny PDF of its
own address, salutation and signature (render/compose.py). reportlab gives
every document its own subsets of each TrueType font, so each tiny PDF used
to embed fresh copies of the glyphs it drew: cutting the subsets, their
width arrays and ToUnicode maps was most of a letter's cost (about 2 ms of
4), and it added kilobytes to every letter.

Most names and addresses use only characters that the appeal's own text
already put into the layout's subsets. So the personal document starts with
the layout's subsets as its own (same characters, same codes, same internal
font names). When it is saved, each of the layout's subsets is written as a
placeholder (``/AGShared true``), and compose points the personal text at
the layout's font object instead. Characters the layout lacks go into a new,
small subset beside the layout's; in right-to-left text, though, a line
split between two subsets reads back out of order, so a font drawing
right-to-left text that needs a new character gets subsets of its own, as
in any reportlab document.

Fonts shaped by HarfBuzz (Khmer) need one more step. reportlab gives the
glyphs that shaping makes without a character of their own (subscript
forms) private-use codes, in the order it meets them; the layout records
its numbering and each personal document continues it
(``continue_shaping``), so a glyph has the same code in both. A glyph the
layout never drew gets a new code, and its font subsets of its own.
``tests/render/test_subsets.py`` compares the pictures of letters drawn
both ways.

Every personal letter is made this way, cached or not, so its bytes do not
depend on what the process drew before.

This is the one module that touches reportlab's private internals (a
document's font state, a canvas's document and content, TTFont's shaping
numbers): when reportlab changes them, only this module needs reading.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

#: Marks a font in a personal document that is the layout's own subset.
PLACEHOLDER_KEY = "AGShared"


@dataclass(frozen=True)
class FontState:
    """One font's subsets in the layout, as reportlab's per-document state holds them."""

    internal: str  # the font's internal name in the layout ("F2"); subset n is "F2+n"
    subsets: tuple[tuple[int, ...], ...]
    assignments: dict[int, int]  # character -> code (subset * 256 + index)
    next_code: int
    #: Glyphs shaping produced without a character of their own (Khmer
    #: subscripts), which reportlab numbers with private-use codes in the
    #: order it meets them: (glyph name, code, glyph id, width), and the last
    #: code given. The personal document continues this numbering.
    shaped: tuple[tuple[str, int, int, int], ...] = ()
    last_private: int = 0xE000


@dataclass
class Seed:
    """What a personal document takes over from its layout."""

    fonts: dict[str, FontState] = field(default_factory=dict)  # reportlab font name -> state
    #: The layout's font names in order ("/F1", ...): a font new to the personal
    #: document is numbered after them, so its name cannot clash with a shared one.
    names: list[str] = field(default_factory=list)


def record(doc: Any, seed: Seed) -> None:
    """Have *doc* (a reportlab PDFDocument) write its fonts' subsets into *seed* when it is saved."""
    doc._ag_capture = seed


class NewGlyphs(Exception):  # noqa: N818 - a signal to draw again, not an error
    """A shared font met a character the layout's subsets lack: draw again, the font given new subsets."""

    def __init__(self, font: str) -> None:
        super().__init__(font)
        self.font = font


def seed(
    doc: Any,
    seed: Seed,
    own: set[str] | frozenset[str] = frozenset(),
    extend: set[str] | frozenset[str] = frozenset(),
) -> None:
    """Start *doc* with the layout's subsets of every shared font but those in *own*.

    A font in *extend* puts characters the layout lacks into new subsets of
    its own, beside the layout's; any other shared font that meets one raises
    ``NewGlyphs``.
    """
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    for name in seed.names:
        # A placeholder key for the fonts not shared (Helvetica, those in
        # *own*), so the count numbering new fonts is right and no look-up
        # finds them.
        doc.fontMapping[name] = name
    limits: dict[str, int] = {}
    shared: set[str] = set()
    for font_name, font_state in seed.fonts.items():
        if font_name in own:
            continue
        font = pdfmetrics.getFont(font_name)
        state = TTFont.State(font._asciiReadable, font)
        state.assignments = dict(font_state.assignments)
        state.subsets = [list(s) for s in font_state.subsets]
        if font_name in extend:
            # The next character opens a new subset: the layout's stay as they are.
            state.nextCode = len(font_state.subsets) * 256
        else:
            state.nextCode = limits[font_name] = font_state.next_code
        state.internalName = font_state.internal
        shared.add(font_name)
        font.state[doc] = state
        doc.fontMapping[font_name] = "/" + font_state.internal
        doc.fontMapping.pop("/" + font_state.internal, None)
    doc._ag_seed = {name: state for name, state in seed.fonts.items() if name in shared}
    doc._ag_limits = limits
    doc._ag_used = set()


#: Letters that names and addresses are written with, by script: (a range
#: whose presence in the layout's text brings the script in, the characters
#: added). A layout's subsets get those its font has, so that the personal
#: parts of most letters need no subset of their own (Latin: ASCII,
#: Latin-1 and Latin Extended-A letters, as in Élodie, Łukasz, Dvořák,
#: Romanian ș ț, and typographic punctuation; Greek; Cyrillic; Arabic
#: presentation forms, which is what Arabic text is drawn with after
#: reshaping, with the vowel marks and Arabic-Indic digits). Chinese is left out: its names draw
#: from thousands of characters, and a subset of all would weigh megabytes.
_REPERTOIRES: tuple[tuple[range, str], ...] = (
    (
        range(0x41, 0x7B),
        "".join(chr(c) for c in (*range(0xC0, 0x180), 0x218, 0x219, 0x21A, 0x21B) if c not in (0xD7, 0xF7))
        + "\u2013\u2014\u2018\u2019\u201a\u201c\u201d\u201e\u2026\u00b7\u00ab\u00bb",
    ),
    (range(0x391, 0x3CA), "".join(chr(c) for c in range(0x386, 0x3CF))),
    (range(0x410, 0x450), "".join(chr(c) for c in range(0x400, 0x460))),
    (range(0x1780, 0x17B4), "".join(chr(c) for c in range(0x1780, 0x17FA))),
    (
        range(0xFE70, 0xFEFD),
        "".join(
            chr(c)
            for c in (
                *range(0xFE70, 0xFEFD),
                *range(0x64B, 0x653),
                *range(0x660, 0x66A),
                0x60C,
                0x61B,
                0x61F,
                0x640,
                0x670,
            )
        ),
    ),
)


def _repertoire(assignments: dict[int, int], cmap: dict[int, int]) -> str:
    """The letters of the scripts a layout's font already draws that it has and the layout lacks."""
    extra: list[str] = []
    for trigger, chars in _REPERTOIRES:
        if any(c in assignments for c in trigger):
            extra += [ch for ch in chars if ord(ch) in cmap and ord(ch) not in assignments]
    return "".join(extra)


def needs_own_subsets(seed: Seed, fonts: dict[str, str]) -> set[str]:
    """The shared fonts among *fonts* (name -> the text drawn in it) that meet a character the layout lacks.

    Knowing it before drawing saves drawing twice; ``NewGlyphs`` stays the
    guarantee, should reportlab draw a character not seen here.
    """
    from reportlab.pdfbase import pdfmetrics

    out = set()
    for name, text in fonts.items():
        state = seed.fonts.get(name)
        if state is None:
            continue
        cmap = pdfmetrics.getFont(name).face.charToGlyph
        for ch in set(text.replace("\xa0", " ")):
            c = ord(ch)
            if c not in state.assignments and c in cmap:
                out.add(name)
                break
    return out


def continue_shaping(seed: Seed) -> None:
    """Give each shared shaped font the private-use codes the layout gave its glyphs.

    Called after ``forget_shaped_glyphs`` and before anything is shaped:
    a glyph the layout drew gets the layout's code (so the layout's subset
    draws it), a new glyph the next free code (so the font is not shared).
    It depends only on the layout, never on what the process drew before.
    """
    from reportlab.pdfbase import pdfmetrics

    for name, state in seed.fonts.items():
        if not state.shaped:
            continue
        font = pdfmetrics.getFont(name)
        font.hbFace  # noqa: B018 - creating it resets the numbering below, so create it first
        unis = font._TTFont__hbUnis
        face = font.face
        for glyph, code, gid, width in state.shaped:
            unis[glyph] = code
            face.charToGlyph[code] = gid
            face.glyphToChar.setdefault(gid, []).append(code)
            face.charWidths[code] = width
        font._TTFont__hbPrivate = state.last_private


def new_shaped_glyphs(seed: Seed) -> set[str]:
    """The shared shaped fonts that have met glyphs their layout did not draw."""
    from reportlab.pdfbase import pdfmetrics

    return {
        name
        for name, state in seed.fonts.items()
        if state.shaped and len(pdfmetrics.getFont(name)._TTFont__hbUnis) > len(state.shaped)
    }


def _shaped_glyphs(font: Any) -> tuple[tuple[str, int, int, int], ...]:
    unis = getattr(font, "_TTFont__hbUnis", None) or {}
    face = font.face
    return tuple((glyph, code, face.charToGlyph[code], face.charWidths[code]) for glyph, code in unis.items())


@functools.lru_cache(maxsize=1)
def ttfont_class() -> type:
    """reportlab's TTFont, able to record and to share its subsets (see the module docstring)."""
    from reportlab.pdfbase import pdfdoc
    from reportlab.pdfbase.ttfonts import SUBSETN, TTFont

    shape_words_per_font()
    makeToUnicodeCMap = logical_to_unicode()  # noqa: N806 - reportlab's name

    class SharingTTFont(TTFont):
        def hbFont(self, fontSize: float = 10) -> Any:  # noqa: N802, N803 - reportlab's names
            """reportlab's HarfBuzz font, its shaped glyphs given their widths in PDF units.

            reportlab records a glyph that shaping makes without a character
            of its own (a Khmer subscript) with the advance HarfBuzz gave it
            in font units, 2.048 times the PDF's, and writes that into the
            font's /Widths; it moves the text back by the difference, so the
            page looked right, but the widths disagreed with the font program
            (PDF/A-2, 6.2.11.5). The glyph's own advance, scaled, is what it
            gets now; its positioning still comes from HarfBuzz.
            """
            font = super().hbFont(fontSize)
            add = vars(self)["hbAddPrivate"]  # set on the font by reportlab's hbFont
            face = self.face

            def add_private(name: str, gid: int, advance: float) -> int:
                return int(add(name, gid, self.pdfScale(face.hmetrics[min(gid, len(face.hmetrics) - 1)][0])))

            self.hbAddPrivate = add_private
            return font

        def splitString(self, text: str, doc: Any, encoding: str = "utf-8") -> Any:  # noqa: N802 - reportlab's name
            chunks = super().splitString(text, doc, encoding)
            limit = getattr(doc, "_ag_limits", {}).get(self.fontName)
            if limit is not None and self.state[doc].nextCode != limit:
                raise NewGlyphs(self.fontName)
            return chunks

        def getSubsetInternalName(self, subset: int, doc: Any) -> str:  # noqa: N802 - reportlab's name
            name: str = super().getSubsetInternalName(subset, doc)
            used = getattr(doc, "_ag_used", None)
            if used is not None and self.fontName not in used:
                # A seeded font has its internal name already, so reportlab
                # would not queue it for writing: queue it on first use.
                used.add(self.fontName)
                if self not in doc.delayedFonts:
                    doc.delayedFonts.append(self)
            return name

        def addObjects(self, doc: Any) -> None:  # noqa: N802 - reportlab's name
            state = self.state.get(doc)
            record = getattr(doc, "_ag_capture", None)
            if record is not None and state is not None:
                record.names = sorted(set(doc.fontMapping.values()))
                extra = _repertoire(state.assignments, self.face.charToGlyph)
                if extra:
                    self.splitString(extra, doc)
                record.fonts[self.fontName] = FontState(
                    state.internalName,
                    tuple(tuple(s) for s in state.subsets),
                    dict(state.assignments),
                    state.nextCode,
                    _shaped_glyphs(self),
                    getattr(self, "_TTFont__hbPrivate", 0xE000),
                )
            shared = getattr(doc, "_ag_seed", {}).get(self.fontName)
            if shared is None or state is None:
                super().addObjects(doc)
                return
            # reportlab's TTFont.addObjects, but a subset still equal to the
            # layout's becomes a placeholder instead of a new embedded subset.
            state.frozen = 1
            font_dict = doc.idToObject["BasicFonts"].dict
            for n, subset in enumerate(state.subsets):
                internal = self.getSubsetInternalName(n, doc)[1:]
                if n < len(shared.subsets) and tuple(subset) == shared.subsets[n]:
                    placeholder = pdfdoc.PDFDictionary({"Type": "/Font", PLACEHOLDER_KEY: "true"})
                    # By reference, as reportlab writes its fonts: compose finds them by number.
                    font_dict[internal] = doc.Reference(placeholder, internal)
                    continue
                base = (b"".join((SUBSETN(n), b"+", self.face.name, self.face.subfontNameX))).decode("pdfdoc")
                obj = pdfdoc.PDFTrueTypeFont()
                obj.__Comment__ = f"Font {self.fontName} subset {n}"
                obj.Name = internal
                obj.BaseFont = base
                obj.FirstChar = 0
                obj.LastChar = len(subset) - 1
                obj.Widths = pdfdoc.PDFArray(list(map(self.face.getCharWidth, subset)))
                cmap = pdfdoc.PDFStream()
                cmap.content = makeToUnicodeCMap(base, subset)
                if doc.compression:
                    cmap.filters = [pdfdoc.PDFZCompress]
                obj.ToUnicode = doc.Reference(cmap, "toUnicodeCMap:" + base)
                obj.FontDescriptor = self.face.addSubsetObjects(doc, base, subset)
                doc.Reference(obj, internal)
                font_dict[internal] = obj
            del self.state[doc]

    return SharingTTFont


def forget_shaped_glyphs(font_names: Iterable[str]) -> None:
    """Give every document the same private-use codes for shaped glyphs.

    reportlab numbers the glyphs that shaping produces without a character
    of their own (Khmer subscripts, ligatures) from U+E000 in the order it
    first meets them, per font and per process, and embeds those numbers.
    Without this reset a letter's bytes would depend on which letters the
    same process drew before it, so a batch run on several workers (or a
    resumed one) could not reproduce its own hashes.
    """
    from reportlab.pdfbase import pdfmetrics

    for name in font_names:
        font = pdfmetrics.getFont(name)
        unis = getattr(font, "_TTFont__hbUnis", None)
        if not unis:
            continue
        face = font.face
        for uchar in unis.values():
            gid = face.charToGlyph.pop(uchar, None)
            face.charWidths.pop(uchar, None)
            chars = face.glyphToChar.get(gid, [])
            if uchar in chars:
                chars.remove(uchar)
            if gid is not None and not chars:
                face.glyphToChar.pop(gid, None)
        unis.clear()
        font._TTFont__hbPrivate = 0xE000


def document_of(canvas: Any) -> Any:
    """The reportlab PDFDocument a canvas writes into (its font state lives there)."""
    return canvas._doc


def append_code(canvas: Any, code: str) -> None:
    """Append *code* to the canvas's current page content as it is (a marker compose finds)."""
    canvas._code.append(code)


#: reportlab font names drawn in a synthetic bold -> the width of the stroke
#: in ems. A script whose font has no bold face (WenQuanYi Micro Hei)
#: registers its bold under its regular face (``pdffonts.font``); without a
#: stroke its headings looked like body text.
SYNTHETIC_BOLD: dict[str, float] = {}


@functools.lru_cache(maxsize=4)
def stroking_canvas(base: type) -> type:
    """*base* (a reportlab Canvas class) drawing the fonts in ``SYNTHETIC_BOLD`` filled and stroked.

    Text render mode 2 (fill, then stroke the outline) with a line about
    0.03 em wide and in the text's own colour is what Word and LibreOffice
    do for a font without a bold face, so the PDF and the DOCX agree. The
    operators go inside the text object around each piece of text, and the
    canvas's line width and stroke colour are put back after it (PDF allows
    ``Tr``, ``w`` and colours there; ``q``/``Q`` it does not).
    """
    from reportlab.lib.rl_accel import fp_str
    from reportlab.pdfgen.textobject import PDFTextObject

    def stroke_op(colour: Any) -> str:
        if hasattr(colour, "cyan"):
            d = colour.density
            return f"{fp_str(d * colour.cyan, d * colour.magenta, d * colour.yellow, d * colour.black)} K"
        if hasattr(colour, "red"):
            return f"{fp_str(colour.red, colour.green, colour.blue)} RG"
        return f"{fp_str(*colour)} {'K' if len(colour) == 4 else 'RG'}"

    class StrokingText(PDFTextObject):
        def _formatText(self, text: str) -> str:  # noqa: N802 - reportlab's name
            if not text.isascii() and _LIGATURE.search(text) and not hasattr(text, "__shapeData__"):
                return " ".join(
                    self._ligature(piece) if _LIGATURE.fullmatch(piece) else self._stroked(piece)
                    for piece in _LIGATURE.split(text)
                    if piece
                )
            return self._stroked(text)

        def _stroked(self, text: str, actual: str | None = None) -> str:
            code: str = super()._formatText(text)
            em = SYNTHETIC_BOLD.get(self._fontname)
            canvas = self._canvas
            if em is not None and code:
                fill = getattr(self, "_fillColorObj", canvas._fillColorObj)
                code = (
                    f"2 Tr {fp_str(em * self._fontsize)} w {stroke_op(fill)} {code} "
                    f"0 Tr {fp_str(canvas._lineWidth)} w {stroke_op(canvas._strokeColorObj)}"
                )
            mark = getattr(canvas, "ag_mark", None)
            if mark is not None and code:
                return str(mark(text, code, actual))  # its marked content (pdftags.text_marker)
            if actual:
                hexed = actual.encode("utf-16-be").hex().upper()
                return f"/Span <</ActualText <FEFF{hexed}>>> BDC {code} EMC"
            return code

        def _ligature(self, glyph: str) -> str:
            """One ligature of letters, its text the letters as an extractor reads visual order back.

            The ToUnicode map gives a lam-alef its two letters in reading
            order, which pypdf keeps, but poppler and pdfium reverse with the
            right-to-left line around it (they printed "ال" for "لا"). They
            read ``/ActualText`` on a ``/Span`` instead of the map, so the span
            gives the letters in visual order, for them to reverse back.
            """
            return self._stroked(glyph, actual=_logical(ord(glyph))[::-1])

    class StrokingCanvas(base):
        def beginText(self, x: float = 0, y: float = 0, direction: Any = None) -> Any:  # noqa: N802 - reportlab's name
            return StrokingText(self, x, y, direction=direction)

    return StrokingCanvas


@functools.lru_cache(maxsize=1)
def shape_words_per_font() -> None:
    """Have reportlab shape a word drawn in two fonts one font at a time.

    reportlab shapes each space-separated word with the HarfBuzz font of
    its first piece and then looks the glyphs up in each piece's own font,
    so a bold run that starts or ends inside a Khmer word (Khmer writes no
    spaces) came out with the wrong advances. Each run of one font is
    shaped by reportlab's own function, and the pieces are put back
    together as one word. Installed once per process; words in one font go
    straight to reportlab's function (the same bytes as before).
    """
    from reportlab.pdfbase import pdfmetrics, ttfonts
    from reportlab.platypus import paragraph

    original = paragraph.shapeFragWord

    def shape(w: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(w, ttfonts.ShapedFragWord):
            return w
        pieces = w[1:]
        names = {f.fontName for f, _ in pieces if not hasattr(f, "cbDefn")}
        if len(names) < 2 or any(hasattr(f, "cbDefn") for f, _ in pieces):
            return original(w, *args, **kwargs)
        groups: list[list[Any]] = []
        for f, text in pieces:
            if groups and groups[-1][-1][0].fontName == f.fontName:
                groups[-1].append((f, text))
            else:
                groups.append([(f, text)])
        parts = []
        for group in groups:
            width = sum(pdfmetrics.stringWidth(t, f.fontName, f.fontSize) for f, t in group)
            parts.append(original(w.__class__([width, *group]), *args, **kwargs))
        new = ttfonts.makeShapedFragWord(w)([])
        for part in parts:
            new.extend(part[1:])
        new.insert(0, sum(part[0] for part in parts))
        return new

    paragraph.shapeFragWord = shape


#: Presentation forms that stand for more than one letter (the lam-alef ligatures, "Allah"...).
_LIGATURE = re.compile(
    "(["
    + "".join(
        chr(c)
        for c in (*range(0xFB50, 0xFE00), *range(0xFE70, 0xFF00))
        if len(unicodedata.normalize("NFKC", chr(c))) > 1
    )
    + "])"
)


def _logical(code: int) -> str:
    """The text a drawn character stands for: an Arabic presentation form is the letter (or letters) it shows."""
    if 0xFB50 <= code <= 0xFDFF or 0xFE70 <= code <= 0xFEFF:
        return unicodedata.normalize("NFKC", chr(code))
    return chr(code)


@functools.lru_cache(maxsize=1)
def logical_to_unicode() -> Any:
    """Have reportlab's ToUnicode maps give Arabic letters, not the presentation forms they are drawn with.

    Arabic is drawn reshaped (render/linebreak.py): each letter as its
    joined form (U+FE8D..., the lam-alef ligatures U+FEF5...). Text
    extraction, search and copy used to give those forms, so searching
    "حقوق" found nothing. Every subset's map now gives each form's letters
    (its NFKC decomposition, a ligature two letters); extractors put the
    visual order back into reading order themselves (poppler, pdfium,
    pypdf). Installed once per process, for reportlab's own fonts too.
    """
    from reportlab.pdfbase import ttfonts

    original = ttfonts.makeToUnicodeCMap

    def make(fontname: str, subset: list[int]) -> str:
        cmap: str = original(fontname, subset)
        if not any(_logical(v) != chr(v) for v in subset):
            return cmap
        lines = cmap.split("\n")
        start = lines.index(f"{len(subset)} beginbfchar") + 1
        lines[start : start + len(subset)] = [
            f"<{i:02X}> <{_logical(v).encode('utf-16-be').hex().upper()}>" for i, v in enumerate(subset)
        ]
        return "\n".join(lines)

    ttfonts.makeToUnicodeCMap = make
    return make
