"""The print-ready PDF, drawn with reportlab's platypus.

Every value reaches reportlab as escaped text inside markup that this module
writes itself, so nothing in a spec or catalog can become a reportlab tag
(an ``<img>`` that embeds a local file, a ``javascript:`` link). Fonts are
embedded TrueType subsets chosen per script run (see ``fonts``). Output is
byte-identical for the same input: reportlab's ``invariant`` mode fixes the
document ID and dates, and the creation date written is the appeal's date.
"""

from __future__ import annotations

import copy
import functools
import io
import math
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from .. import fonts
from ..document import Addressee, Letter
from ..errors import MissingGlyphError
from ..locale import substitute
from ..markup import Para, Run

MM = 72 / 25.4
PAGE_W, PAGE_H = 595.2756, 841.8898  # A4
MARGIN = 20 * MM
ACCENT = "#B3121B"
GREY = "#555555"


@dataclass(frozen=True)
class PdfOptions:
    page_size: tuple[float, float] = (PAGE_W, PAGE_H)


# --------------------------------------------------------------------------
# Fonts


_REGISTERED: set[tuple[str, str]] = set()


def _font(script: str, style: str = "regular") -> str:
    """The reportlab name of one face of a script's font, registered on first use.

    Faces are registered one by one because a face may cost seconds to make
    the first time (a bold instance of a variable pip font).
    """
    family = f"AG-{script}"
    name = f"{family}-{style}"
    if (script, style) not in _REGISTERED:
        from reportlab.lib.fonts import addMapping
        from reportlab.pdfbase import pdfmetrics

        from .subsets import ttfont_class

        face = fonts.resolve(script).face(style)
        twin = next(
            (
                pdfmetrics.getFont(f"{family}-{other}")
                for other in fonts.STYLES
                if (script, other) in _REGISTERED and fonts.resolve(script).face(other) == face
            ),
            None,
        )
        if twin is not None:
            # The same face as another style (WenQuanYi has no bold).
            # reportlab registers a second font of the same face as the first
            # one under the new name; parsing a CJK font again to find that
            # out cost 0.1 s.
            font = copy.copy(twin)
            font.fontName = name
        else:
            font = ttfont_class()(name, face.path, subfontIndex=face.index)
        pdfmetrics.registerFont(font)
        addMapping(family, int(style in ("bold", "bolditalic")), int(style in ("italic", "bolditalic")), name)
        _REGISTERED.add((script, style))
    return name


def _register(script: str) -> str:
    """Register a script's regular and bold faces; return the family name."""
    _font(script, "regular")
    _font(script, "bold")
    return f"AG-{script}"


def register_fonts(letter: Letter) -> None:
    """The fonts every page of *letter* draws with (others are registered when a character needs them)."""
    _register(_base_script(letter))
    _register("latin")


def _forget_shaped_glyphs() -> None:
    """Give every document the same private-use codes for shaped glyphs.

    reportlab numbers the glyphs that shaping produces without a character
    of their own (Khmer subscripts, ligatures) from U+E000 in the order it
    first meets them, per font and per process, and embeds those numbers.
    Without this reset a letter's bytes would depend on which letters the
    same process drew before it, so a batch run on several workers (or a
    resumed one) could not reproduce its own hashes.
    """
    from reportlab.pdfbase import pdfmetrics

    for script, style in sorted(_REGISTERED):
        font = pdfmetrics.getFont(f"AG-{script}-{style}")
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


def _split_scripts(text: str, base: str, field: str | None = None) -> Iterator[tuple[str, str]]:
    """Cut *text* into (script, piece); neutral characters stay with their run.

    In shaped (Khmer) paragraphs every character the base font has stays in
    the base font: reportlab's shaper cannot mix fonts within a paragraph.
    """
    keep = fonts.coverage(*_face_key(base)) if base in _SINGLE_FONT_SCRIPTS else frozenset()
    current = base
    buf: list[str] = []
    for word in _WORDS.findall(text) if keep else (text,):
        whole = None
        if keep and not all(ord(c) in keep for c in word):
            # reportlab shapes a word with the font of its first character,
            # so one word must not need two fonts: a word the Khmer font
            # cannot draw whole (Greek, say) takes one font for all of it.
            foreign = [c for c in word if ord(c) not in keep and fonts.script_of(c)]
            if foreign and _KHMER_CHAR.search(word):
                raise MissingGlyphError(
                    f"the word {word!r} joins Khmer to {foreign[0]!r} "
                    f"(U+{ord(foreign[0]):04X} {unicodedata.name(foreign[0], 'unnamed character')}), "
                    "which the Khmer font has no glyph for; put a space between them",
                    field=field,
                )
            whole = fonts.script_of(foreign[0]) if foreign else None
        for ch in word:
            script = whole or (base if ord(ch) in keep else (fonts.script_of(ch) or current))
            if script != current and buf:
                yield current, "".join(buf)
                buf = []
            current = script
            buf.append(ch)
    if buf:
        yield current, "".join(buf)


_WORDS = re.compile(r"\s+|\S+")
_KHMER_CHAR = re.compile(r"[\u1780-\u17FF\u19E0-\u19FF]")


_SINGLE_FONT_SCRIPTS = ("khmer",)


def _face_key(script: str) -> tuple[str, int]:
    face = fonts.resolve(script).face("regular")
    return face.path, face.index


def _style_key(run: Run, force_bold: bool) -> str:
    bold = run.bold or force_bold
    return {(False, False): "regular", (True, False): "bold", (False, True): "italic", (True, True): "bolditalic"}[
        (bold, run.italic)
    ]


def _markup(para: Para, base: str, *, bold: bool = False) -> str:
    """Paragraph markup for reportlab, with every value escaped.

    Each character is checked against the exact face that will draw it, and
    neutral characters (spaces, digits, punctuation) that the run's font
    lacks move to the Latin font, so nothing is ever drawn as a box.
    """
    out = []
    for run in para.runs:
        style = _style_key(run, bold)
        pieces = []
        for script, piece in _split_scripts(run.text, base, para.field):
            face = fonts.resolve(script).face(style)
            have = fonts.coverage(face.path, face.index)
            if script != "latin" and any(ord(c) not in have and fonts.script_of(c) is None for c in piece):
                # Neutral characters the script's font lacks (e.g. U+202F in
                # Khmer fonts) are drawn with the Latin font.
                sub: list[tuple[str, str]] = []
                for c in piece:
                    s = script if (ord(c) in have or fonts.script_of(c) is not None) else "latin"
                    if sub and sub[-1][0] == s:
                        sub[-1] = (s, sub[-1][1] + c)
                    else:
                        sub.append((s, c))
            else:
                sub = [(script, piece)]
            for s, p in sub:
                fonts.check_glyphs(p, fonts.resolve(s).face(style), para.field)
                pieces.append(f'<font name="{_font(s, style)}">{escape(p)}</font>')
        text = "".join(pieces)
        if run.url:
            text = f'<a href="{escape(run.url, {chr(34): "&quot;"})}" color="{ACCENT}">{text}</a>'
        out.append(text)
    return "".join(out)


# --------------------------------------------------------------------------
# Scripts that reportlab cannot break or order by itself

#: A Khmer orthographic cluster: a base with its subscripts (coeng + consonant)
#: and dependent vowels and signs. Lines may break between clusters, never
#: inside one (Khmer writes no spaces between words).
_KHMER_CLUSTER = re.compile(r"[\u1780-\u17B3](?:\u17D2[\u1780-\u17B3]|[\u17B4-\u17D1\u17D3\u17DD\u200c\u200d])*")
_TOKEN = re.compile(r"\s+|" + _KHMER_CLUSTER.pattern + r"|[^\s\u1780-\u17FF]+|.", re.S)


def _khmer_tokens(text: str, base: str, style: str, size: float, width: float) -> list[str]:
    """Khmer text cut at word boundaries, the way Khmer readers expect lines to end.

    Khmer writes no spaces between words, so the break points come from
    ICU's dictionary-based line breaker (icu4py). A word wider than the
    whole line is cut between clusters, never inside one.
    """
    from icu4py.breakers import LineBreaker
    from icu4py.locale import Locale

    tokens: list[str] = []
    for chunk in re.findall(r"\s+|\S+", text):
        if chunk.isspace() or not re.search("[\u1780-\u17ff]", chunk):
            # Spaces, and Latin words, numbers and URLs, break only at spaces.
            words = [chunk]
        else:
            words = [chunk[a:b] for a, b in LineBreaker(chunk, Locale("km")).segments()]
        for word in words:
            if not word.isspace() and _width(word, base, style, size) > width:
                tokens += _TOKEN.findall(word)
            else:
                tokens.append(word)
    return tokens


def _has_rtl(text: str) -> bool:
    return any(unicodedata.bidirectional(c) in ("R", "AL") for c in text)


def _width(text: str, base: str, style: str, size: float) -> float:
    """The printed width: Arabic is measured in the joined forms that get drawn."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    if base == "arabic" or _has_rtl(text):
        text = _reshaper().reshape(text)
    total = 0.0
    for script, piece in _split_scripts(text, base):
        total += stringWidth(piece, _font(script, style), size)
    return total


def _break_lines(tokens: list[str], base: str, style: str, size: float, width: float) -> list[str]:
    """Greedy line filling over unbreakable tokens (spaces are break points)."""
    lines: list[str] = []
    line = ""
    for tok in tokens:
        candidate = line + tok
        if line and not tok.isspace() and _width(candidate.rstrip(), base, style, size) > width:
            lines.append(line.rstrip())
            line = tok
        else:
            line = candidate
    if line.strip():
        lines.append(line.rstrip())
    return [ln.lstrip() for ln in lines]


def _base_direction(text: str) -> str:
    """ "R" or "L": the paragraph direction from its first strong character (rule P2).

    Decided once per paragraph, never per line: a wrapped line that happens
    to begin with "(CCHR)" is still part of a right-to-left paragraph. A
    paragraph that starts in Latin (a phone number and an email, a
    reference code) keeps left-to-right order.
    """
    for ch in text:
        kind = unicodedata.bidirectional(ch)
        if kind in ("R", "AL"):
            return "R"
        if kind == "L":
            return "L"
    return "R"


def _visual_rtl(line: str, base: str = "R") -> str:
    """Logical Arabic text -> joined presentation forms in visual order.

    reportlab's own bidi support needs a module that is not on PyPI and
    skips reordering when shaping is on, so each line is reshaped
    (arabic-reshaper, keeping vowel marks) and reordered with the Unicode
    bidi algorithm (python-bidi's reference implementation, which mirrors
    brackets) before reportlab sees it.
    """
    from bidi.algorithm import get_display

    return str(get_display(_reshaper().reshape(line), base_dir=base))


@functools.lru_cache(maxsize=1)
def _reshaper() -> Any:
    import arabic_reshaper

    return arabic_reshaper.ArabicReshaper({"delete_harakat": False})


# --------------------------------------------------------------------------
# Styles


@functools.lru_cache(maxsize=32)
def _styles(base_family: str, *, rtl: bool, script: str) -> dict[str, Any]:
    """The paragraph styles of a letter; made once per worker and script (a letter only reads them)."""
    from reportlab.lib.colors import HexColor
    from reportlab.lib.enums import TA_LEFT, TA_RIGHT
    from reportlab.lib.styles import ParagraphStyle

    body = ParagraphStyle(
        "body",
        fontName=f"{base_family}-regular",
        fontSize=10,
        leading=16 if script in ("khmer", "arabic") else 14.5,
        spaceAfter=6,
        alignment=TA_RIGHT if rtl else TA_LEFT,
        wordWrap="CJK" if script == "han" else None,
        shaping=1 if script == "khmer" else 0,
        bulletFontName=f"{base_family}-regular",
    )

    def st(name: str, **kw: Any) -> ParagraphStyle:
        bold = kw.pop("bold", False)
        if bold:
            kw["fontName"] = f"{base_family}-bold"
        return ParagraphStyle(name, parent=body, **kw)

    return {
        "body": body,
        "small": st(
            "small", fontSize=8, leading=11 if script != "khmer" else 13, spaceAfter=0, textColor=HexColor(GREY)
        ),
        "org": st("org", bold=True, fontSize=15, leading=21, spaceAfter=2),
        "label": st("label", bold=True, fontSize=11, leading=15, textColor=HexColor(ACCENT)),
        "ref": st("ref", fontSize=8.5, leading=12, spaceAfter=0, textColor=HexColor(GREY)),
        "dateline": st("dateline", spaceBefore=10, spaceAfter=10),
        "title": st("title", bold=True, fontSize=18, leading=26, spaceAfter=6),
        "status": st("status", fontSize=10.5, spaceAfter=10, textColor=HexColor(ACCENT)),
        "h1": st("h1", bold=True, fontSize=12.5, leading=18, spaceBefore=10, spaceAfter=4, textColor=HexColor(ACCENT)),
        "h2": st("h2", bold=True, fontSize=10.5, leading=16, spaceBefore=8, spaceAfter=4),
        "urge": st("urge", bold=True, spaceBefore=4),
        "demand": st("demand", leftIndent=0 if rtl else 7 * MM, bulletIndent=0),
        "number": st("number", alignment=TA_RIGHT if rtl else TA_LEFT),
        "address": st("address", spaceAfter=0, leading=body.leading - 1),
        "salutation": st("salutation", spaceBefore=3, spaceAfter=10),
        "closing": st("closing", spaceBefore=10, spaceAfter=14),
        "deadline": st("deadline", bold=True, fontSize=11, leading=17),
        "footer": st("footer", fontSize=8, leading=10, spaceAfter=0, textColor=HexColor(GREY)),
    }


class _Writer:
    """Turns letter paragraphs into reportlab flowables for one language."""

    def __init__(self, letter: Letter, width: float) -> None:
        self.letter = letter
        self.rtl = letter.rtl
        self.base = _base_script(letter)
        self.family = _register(self.base)
        _register("latin")
        self.width = width
        self.styles = _styles(self.family, rtl=self.rtl, script=self.base)

    def markup(self, para: Para, style_name: str, width: float | None = None) -> str:
        return _paragraph_markup(self.base, self.rtl, para, style_name, width or self.width)

    def para(self, para: Para, style: str, width: float | None = None) -> Any:
        flow = _paragraph(self.markup(para, style, width), self.styles[style], (self.base, self.rtl, style))
        flow.ag_field = para.field  # named in the error if it cannot be laid out (_layout_error)
        return flow

    def text(self, text: str, style: str, field: str | None = None, width: float | None = None) -> Any:
        return self.para(Para((Run(text),), field), style, width)


#: Paragraph markup per (script, direction, paragraph, style, width). Most of
#: a batch's letters share every paragraph but the address, salutation and
#: signature, so a worker breaks and checks each shared paragraph once
#: (Arabic and Khmer line breaking costs tens of milliseconds a letter).
#: Bounded, so that a long batch's personal paragraphs do not grow memory.
MARKUP_CACHE_SIZE = 4096


@functools.lru_cache(maxsize=64)
def _style_metrics(base: str, rtl: bool, style_name: str) -> tuple[bool, float, float]:
    """What line breaking needs of a style: bold or not, font size, left plus right indent."""
    style = _styles(f"AG-{base}", rtl=rtl, script=base)[style_name]
    return style.fontName.endswith("-bold"), style.fontSize, style.leftIndent + style.rightIndent


@functools.lru_cache(maxsize=MARKUP_CACHE_SIZE)
def _paragraph_markup(base: str, rtl: bool, para: Para, style_name: str, width: float) -> str:
    """Markup for one paragraph: a pure function of its arguments, so it is memoised."""
    bold, size, indents = _style_metrics(base, rtl, style_name)
    has_rtl = _has_rtl(para.text)
    if base not in ("arabic", "khmer") and not has_rtl:
        return _markup(para, base, bold=bold)
    avail = width - indents - 1
    face = "bold" if bold else "regular"
    if base == "arabic" or has_rtl:
        # Right-to-left text, also an Arabic name inside an English
        # paragraph: reportlab neither joins nor reorders it, so lines are
        # broken here and each is reshaped and put in visual order.
        # Glyphs are checked on the text as written first: the bidi
        # algorithm cannot order a character Unicode does not know (it fails
        # on an unassigned code point), and no font has a glyph for one.
        _markup(para, base, bold=bold)
        tokens = re.findall(r"\s+|\S+", para.text)
        direction = _base_direction(para.text)
        lines = [_visual_rtl(ln, direction) for ln in _break_lines(tokens, base, face, size, avail)]
        url = para.runs[0].url if len(para.runs) == 1 else None
        return "<br/>".join(_markup(Para((Run(ln, bold=bold, url=url),), para.field), base, bold=bold) for ln in lines)
    # Khmer: shaped by reportlab (shaping=1), broken here between words.
    # A one-run paragraph keeps its run's styling; mixed runs print plain.
    # Glyphs are checked on the paragraph first, so an error names its field.
    _markup(para, base, bold=bold)
    lines = _break_lines(_khmer_tokens(para.text, base, face, size, avail), base, face, size, avail)
    run = para.runs[0] if len(para.runs) == 1 else Run("")
    return "<br/>".join(
        _markup(Para((Run(ln, run.bold, run.italic, run.url),), para.field), base, bold=bold) for ln in lines
    )


def _paragraph(markup: str, style: Any, key: tuple[str, bool, str], bullet: str | None = None) -> Any:
    """A reportlab Paragraph whose markup is parsed once per worker.

    Parsing the markup (reportlab's paraparser) is a fifth of a letter's
    time. The fragments depend only on the markup and the style, and the
    style only on *key* (script, direction, style name), so each letter gets
    fresh copies of the fragments parsed for the first. Bounded like the
    markup cache: it is emptied when full.
    """
    from reportlab.platypus import Paragraph

    parsed = _PARSED.get((markup, key))
    if parsed is None:
        first = Paragraph(markup, style)
        parsed = (first.text, first.frags)
        if len(_PARSED) >= MARKUP_CACHE_SIZE:
            _PARSED.clear()
        _PARSED[(markup, key)] = parsed
    text, frags = parsed
    return Paragraph(text, style, bulletText=bullet, frags=[copy.copy(f) for f in frags])


_PARSED: dict[tuple[str, tuple[str, bool, str]], tuple[str, list[Any]]] = {}


def _base_script(letter: Letter) -> str:
    """The script of the language's own text, which sets the paragraph font."""
    lang = letter.lang.split("_")[0]
    return {"ar": "arabic", "fa": "arabic", "ur": "arabic", "km": "khmer", "zh": "han", "ja": "han"}.get(lang, "latin")


# --------------------------------------------------------------------------
# The document


def _page_canvas(writer: _Writer, pages_total: list[int], seed: Any = None) -> type:
    from reportlab.lib.colors import HexColor
    from reportlab.pdfgen.canvas import Canvas

    letter = writer.letter

    class NumberedCanvas(Canvas):
        """Holds pages back until the end so each footer can say 'of M'."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._saved: list[dict[str, object]] = []
            if seed is not None:
                from .subsets import record

                record(self._doc, seed)

        def showPage(self) -> None:  # noqa: N802 - reportlab's name
            self._saved.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._saved)
            pages_total.append(total)
            for state in self._saved:
                self.__dict__.update(state)
                self._footer(total)
                super().showPage()
            super().save()

        def _footer(self, total: int) -> None:
            label = substitute(letter.page_label, {"page": str(self._pageNumber), "pages": str(total)})
            self.saveState()
            self.setStrokeColor(HexColor("#BBBBBB"))
            self.setLineWidth(0.5)
            self.line(MARGIN, 15 * MM, PAGE_W - MARGIN, 15 * MM)
            half = (PAGE_W - 2 * MARGIN) / 2
            ref = writer.text(letter.reference, "footer", "reference", half)
            page = writer.text(label, "footer", None, half)
            left, right = (page, ref) if writer.rtl else (ref, page)
            from reportlab.lib.enums import TA_LEFT, TA_RIGHT

            for flow, x, align in ((left, MARGIN, TA_LEFT), (right, MARGIN + half, TA_RIGHT)):
                flow.style = flow.style.clone(f"footer-{align}", alignment=align)
                _, h = flow.wrapOn(self, half, 20 * MM)
                flow.drawOn(self, x, 13 * MM - h)
            self.restoreState()

    return NumberedCanvas


def _grid(family: str, *extra: tuple[Any, ...]) -> Any:
    """A borderless layout table in the letter's font (not reportlab's Helvetica)."""
    from reportlab.platypus import TableStyle

    return TableStyle(
        [
            ("FONTNAME", (0, 0), (-1, -1), f"{family}-regular"),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            *extra,
        ]
    )


def _address_block(a: Addressee, w: _Writer) -> list[Any]:
    flow = [w.para(p, "address") for p in (*a.lines, *a.contact)]
    if a.salutation:
        flow.append(w.para(a.salutation, "salutation"))
    return flow


#: Chinese punctuation that must not begin a line (GB/T 15834 and the
#: W3C's Chinese layout requirements) but that reportlab's Japanese-based
#: list lacks: without them a line of Chinese can start with "，".
_CANNOT_START = "，；：？！》〉”’…·%}"


def _line_start_rules() -> None:
    # Both copies: Paragraph uses its own for mixed-font text and textsplit's
    # for single-font text.
    from reportlab.lib import textsplit
    from reportlab.platypus import paragraph

    for module in (textsplit, paragraph):
        missing = "".join(c for c in _CANNOT_START if c not in module.ALL_CANNOT_START)
        module.ALL_CANNOT_START += missing


#: reportlab's default Frame padding on each side.
_FRAME_PADDING = 6


def render_pdf(letter: Letter, options: PdfOptions | None = None) -> bytes:
    """Draw *letter* as a PDF and return its bytes.

    A personal letter (batch) is its language's shared layout plus its own
    address, salutation and signature: see render/compose.py.
    """
    options = options or PdfOptions()
    if letter.recipient is None:
        return _render_document(letter, options, None)
    layout = _shared_layout(letter, options)
    return layout.compose(_personal_parts(letter, layout))


#: Lines the address field holds, like the window of an envelope.
ADDRESS_LINES = 8
#: Lines the salutation may take.
SALUTATION_LINES = 2
#: Lines under the closing ("Yours sincerely,"): the signatory's name, city and one more.
SIGNATURE_LINES = 3

_SHARED: dict[tuple[Any, ...], Any] = {}
_SHARED_CACHE_SIZE = 32
#: A folder where processes of one batch run share their laid-out letters
#: (set by the batch workers; None: memory only). Laying a language out
#: costs 0.1-0.3 s; with the folder, each language is laid out once per run,
#: not once per worker.
LAYOUT_DIR: Path | None = None


def _shared_key(letter: Letter, options: PdfOptions) -> tuple[Any, ...]:
    import dataclasses

    return (
        options,
        *(
            tuple(v) if isinstance(v, list) else v
            for f in dataclasses.fields(letter)
            if f.name not in ("warnings", "recipient")
            for v in (getattr(letter, f.name),)
        ),
    )


def _shared_layout(letter: Letter, options: PdfOptions) -> Any:
    """The letter without its personal parts, laid out once per worker and language."""
    from .compose import SharedLayout

    key = _shared_key(letter, options)
    layout = _SHARED.get(key)
    if layout is None and LAYOUT_DIR is not None:
        layout = _load_layout(key)
        if layout is not None:
            # Laid out by another worker: its fonts must be registered here
            # before the personal parts take their subsets over.
            for name in layout.seed.fonts:
                script, style = name.removeprefix("AG-").rsplit("-", 1)
                _font(script, style)
    if layout is None:
        from .subsets import Seed

        sizes: dict[str, tuple[float, float]] = {}
        seed = Seed()
        data = _render_document(letter, options, sizes, seed)
        layout = SharedLayout.from_pdf(data, sizes, seed)
        if LAYOUT_DIR is not None:
            _store_layout(key, layout)
    if key not in _SHARED:
        if len(_SHARED) >= _SHARED_CACHE_SIZE:
            _SHARED.clear()
        _SHARED[key] = layout
    return layout


def _layout_path(key: tuple[Any, ...]) -> Path:
    import hashlib
    import pickle

    assert LAYOUT_DIR is not None
    return LAYOUT_DIR / f"{hashlib.sha256(pickle.dumps(key, protocol=5)).hexdigest()}.layout"


def _load_layout(key: tuple[Any, ...]) -> Any:
    import pickle

    try:
        with open(_layout_path(key), "rb") as fh:
            return pickle.load(fh)
    except (OSError, EOFError, pickle.UnpicklingError):
        return None


def _store_layout(key: tuple[Any, ...], layout: Any) -> None:
    import pickle

    from ..output import write_all

    try:
        write_all({_layout_path(key): pickle.dumps(layout, protocol=5)}, durable=False)
    except Exception:  # noqa: BLE001 - a cache: a worker that cannot write it lays the letter out itself
        pass


#: Personal parts already drawn, per (layout, slot, paragraphs): a
#: campaign's salutations and closings repeat from letter to letter, and a
#: supporter's letter keeps the appeal's own addressee. Bounded.
_PARTS: dict[tuple[Any, ...], bytes] = {}
PARTS_CACHE_SIZE = 512


def _personal_parts(letter: Letter, layout: Any) -> dict[str, bytes]:
    """Each slot's part of *letter*: a one-page PDF the slot's size, its paragraphs drawn from the top."""
    rcpt = letter.recipient
    assert rcpt is not None
    w = _Writer(letter, layout.sizes["address"][0])
    paras = {
        "address": tuple((p, "address") for p in rcpt.address),
        "salutation": ((rcpt.salutation, "salutation"),),
        "closing": ((rcpt.closing, "closing"), *((p, "address") for p in rcpt.signatory)),
    }
    out = {}
    for name in sorted(layout.slots):
        key = (layout.digest, name, w.base, w.rtl, paras[name])
        part = _PARTS.get(key)
        if part is None:
            part = _slot_pdf(w, layout, name, paras[name])
            if len(_PARTS) >= PARTS_CACHE_SIZE:
                _PARTS.clear()
            _PARTS[key] = part
        out[name] = part
    return out


def _slot_pdf(w: _Writer, layout: Any, name: str, paras: tuple[tuple[Para, str], ...]) -> bytes:
    """One slot's part: a pure function of the layout and the paragraphs (each part starts afresh)."""
    from reportlab.pdfgen.canvas import Canvas

    from ..errors import LayoutError
    from . import subsets

    _forget_shaped_glyphs()
    subsets.continue_shaping(layout.seed)
    room = {"address": "the address field", "salutation": "the salutation line", "closing": "the signature"}
    width, height = layout.sizes[name]
    drawn: dict[str, str] = {}  # font -> the text drawn in it
    placed = []
    y = height
    after: float | None = None
    for para, style_name in paras:
        style = w.styles[style_name]
        flow = w.para(para, style_name, width)
        for frag in flow.frags:  # before wrap() turns them into lines
            drawn[frag.fontName] = drawn.get(frag.fontName, "") + frag.text
        _, h = flow.wrap(width, height)
        if after is not None:
            y -= after + style.spaceBefore
        y -= h
        placed.append((flow, y, para.field))
        after = style.spaceAfter
    if y < -0.01:
        leading = w.styles["address"].leading
        raise LayoutError(
            f"needs {math.ceil((height - y) / leading)} lines, but {room[name]} of the letter holds "
            f"{round(height / leading)}; shorten it or give fewer lines",
            field=placed[-1][2],
        )
    # Fonts meeting characters the layout lacks: in right-to-left text, a
    # line split between a shared and a new subset reads back out of order,
    # so those fonts get subsets of their own; others add a subset.
    new = subsets.needs_own_subsets(layout.seed, drawn) | subsets.new_shaped_glyphs(layout.seed)
    own = {font for font in new if _has_rtl(drawn.get(font, ""))}
    extend = new - own
    while True:
        buf = io.BytesIO()
        canvas = Canvas(buf, invariant=1, pageCompression=1, initialFontName=f"{w.family}-regular")
        subsets.seed(canvas._doc, layout.seed, own, extend)
        canvas.setPageSize((width, height))
        try:
            for flow, at, _ in placed:
                flow.drawOn(canvas, 0, at)
        except subsets.NewGlyphs as exc:
            (own if _has_rtl(drawn.get(exc.font, "")) else extend).add(exc.font)
            continue
        canvas.showPage()
        canvas.save()
        return buf.getvalue()


@functools.lru_cache(maxsize=1)
def _slot_class() -> type:
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

            self.sizes[self.name] = (self.width, self.height)
            self.canv._code.append(marker(self.name))

    return Slot


def _render_document(
    letter: Letter,
    options: PdfOptions,
    slots: dict[str, tuple[float, float]] | None,
    seed: Any = None,
) -> bytes:
    """The letter as one reportlab document; with *slots*, personal parts are left as fixed rooms.

    With *seed* (a ``subsets.Seed``), the document's font subsets are recorded
    in it, for the personal parts to share (render/subsets.py).
    """
    from reportlab.lib.colors import HexColor
    from reportlab.platypus import KeepTogether, SimpleDocTemplate, Spacer, Table, TableStyle

    _line_start_rules()
    _forget_shaped_glyphs()
    width = options.page_size[0] - 2 * MARGIN
    # Paragraphs that are broken into lines here (Arabic, Khmer) must know the
    # width reportlab will give them: the frame's, less its 6 pt paddings.
    w = _Writer(letter, width - 2 * _FRAME_PADDING)
    family = w.family
    P, T = w.para, w.text  # noqa: N806

    story: list[object] = []
    lw, rw = width * 0.55, width * 0.45
    head_left = [T(letter.issuer_names, "org", "issuers", lw)] + [
        T(c, "small", "issuers", lw) for c in letter.issuer_contact
    ]
    head_right = [T(letter.label_urgent.upper(), "label", None, rw), T(letter.reference, "ref", "reference", rw)]
    row, widths = ([head_right, head_left], [rw, lw]) if w.rtl else ([head_left, head_right], [lw, rw])
    head = Table([row], colWidths=widths)
    head.setStyle(
        _grid(family, ("LINEBELOW", (0, 0), (-1, 0), 1.5, HexColor(ACCENT)), ("BOTTOMPADDING", (0, 0), (-1, -1), 8))
    )
    story.append(head)
    personal = slots is not None
    if personal:
        slot = _slot_class()
        st = w.styles
        address = slot("address", ADDRESS_LINES * st["address"].leading, 8, 0, slots)
        salutation = slot(
            "salutation",
            SALUTATION_LINES * st["salutation"].leading,
            st["salutation"].spaceBefore,
            st["salutation"].spaceAfter,
            slots,
        )
        closing = slot(
            "closing",
            st["closing"].leading + st["closing"].spaceAfter + SIGNATURE_LINES * st["address"].leading,
            st["closing"].spaceBefore,
            0,
            slots,
        )
        story.append(address)
    story.append(T(letter.dateline, "dateline", "date"))
    story.append(P(letter.title, "title"))
    story.append(P(letter.status, "status"))
    if personal:
        story.append(salutation)
    for section in letter.sections:
        heading = P(section.heading, "h2" if section.subheading else "h1")
        paras = [P(p, "body") for p in section.paras]
        story.append(KeepTogether([heading, *paras[:1]]))
        story.extend(paras[1:])
    story.extend(P(p, "body") for p in letter.concern)
    story.append(P(letter.urge, "urge"))
    num_w = 8 * MM
    # A bullet is drawn in the base font as it is, unchecked: a number that
    # font cannot draw in full (a catalog's "{number}." may hold any
    # character) is laid out as a paragraph instead, whose every character
    # is checked and drawn by a font that has it, as in right-to-left letters.
    bullet_face = fonts.resolve(w.base).face("regular")
    bullet_have = fonts.coverage(bullet_face.path, bullet_face.index)
    for number, demand in letter.demands:
        if w.rtl or any(ord(c) not in bullet_have for c in number):
            num = T(number, "number", "demands", num_w)
            if w.rtl:
                cells, widths = [[P(demand, "demand", width - num_w), num]], [width - num_w, num_w]
            else:
                cells, widths = [[num, P(demand, "demand", width - num_w)]], [num_w, width - num_w]
            table = Table(cells, colWidths=widths)
            table.setStyle(_grid(family, ("TOPPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 0)))
            story.append(table)
        else:
            story.append(
                _paragraph(w.markup(demand, "demand"), w.styles["demand"], (w.base, w.rtl, "demand"), bullet=number)
            )
    if personal:
        # A personalised letter closes with its signature; the appeal's
        # instructions to supporters (whom to write to, until when) are not
        # part of a letter to an official.
        story.append(closing)
    else:
        story.append(KeepTogether([P(letter.write_to_heading, "h1"), *_address_block(letter.addressees[0], w)]))
        story.extend(KeepTogether(_address_block(a, w)) for a in letter.addressees[1:])
    if letter.copies_heading and not personal:
        story.append(KeepTogether([P(letter.copies_heading, "h1"), *_address_block(letter.copies[0], w)]))
        story.extend(KeepTogether(_address_block(a, w)) for a in letter.copies[1:])
    if letter.deadline and not personal:
        box = Table([[P(letter.deadline, "deadline", width - 20)]], colWidths=[width])
        side = "LINEAFTER" if w.rtl else "LINEBEFORE"
        box.setStyle(
            TableStyle(
                [
                    ("FONTNAME", (0, 0), (-1, -1), f"{family}-regular"),
                    ("BACKGROUND", (0, 0), (-1, -1), HexColor("#F6E3E4")),
                    (side, (0, 0), (-1, -1), 3, HexColor(ACCENT)),
                    ("TOPPADDING", (0, 0), (-1, -1), 7),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 7),
                    ("LEFTPADDING", (0, 0), (-1, -1), 9),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 9),
                ]
            )
        )
        story.append(Spacer(width, 6))
        story.append(box)
    if letter.links_heading:
        story.append(P(letter.links_heading, "h1"))
        story.extend(P(p, "body") for p in letter.links)

    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=options.page_size,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=22 * MM,
        title=letter.title.text,
        author=letter.issuer_names,
        subject=letter.meta_subject,
        keywords=list(letter.meta_keywords),
        creator="appeal-gen",
        producer="appeal-gen (reportlab)",
        lang=letter.bcp47,
        invariant=1,
        displayDocTitle=1,
        initialFontName=f"{family}-regular",
    )
    pages: list[int] = []
    from reportlab.platypus.doctemplate import LayoutError as ReportlabLayoutError

    laid = list(story)  # build() pops what it lays out: kept to find the field of a failure
    try:
        doc.build(story, canvasmaker=_page_canvas(w, pages, seed))
    except ReportlabLayoutError as exc:
        raise _layout_error(str(exc), laid) from None
    return buf.getvalue()


def _layout_error(message: str, story: list[Any]) -> Exception:
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
