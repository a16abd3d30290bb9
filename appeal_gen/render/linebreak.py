"""Line breaking and ordering for scripts that reportlab cannot break or order by itself.

Arabic (and any right-to-left text, also inside an English paragraph) is
broken into lines here, then each line is reshaped into joined forms and put
in visual order; Khmer, which writes no spaces between words, is broken at
ICU's dictionary word boundaries and shaped by reportlab. Everything else is
broken by reportlab.

Lines are cut as character ranges of the paragraph, so each line keeps the
runs it holds, with their bold, italic and links: a line is never rebuilt as
one run of plain text. Khmer is measured in the advances HarfBuzz gives the
shaped glyphs, which is what reportlab draws (code points overestimate
shaped Khmer by about a fifth, so lines ended early).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Any

from ..markup import Para, Run
from ..scripts import base_direction, has_rtl
from .pdffonts import active, font, markup, split_scripts
from .pdfstyles import style_metrics

#: Paragraph markup per (script, direction, paragraph, style, width). Most of
#: a batch's letters share every paragraph but the address, salutation and
#: signature, so a worker breaks and checks each shared paragraph once
#: (Arabic and Khmer line breaking costs tens of milliseconds a letter).
#: Bounded, so that a long batch's personal paragraphs do not grow memory.
MARKUP_CACHE_SIZE = 4096


#: A Khmer orthographic cluster: a base with its subscripts (coeng + consonant)
#: and dependent vowels and signs. Lines may break between clusters, never
#: inside one (Khmer writes no spaces between words).
_KHMER_CLUSTER = re.compile(r"[\u1780-\u17B3](?:\u17D2[\u1780-\u17B3]|[\u17B4-\u17D1\u17D3\u17DD\u200c\u200d])*")
#: Spaces a line may break at: every white space but the no-break ones
#: (U+00A0, U+2007, U+202F), which hold a label to its number.
BREAK_SPACE = "[\t\n\v\f\r \x1c-\x1f\x85\u1680\u2000-\u2006\u2008-\u200a\u2028\u2029\u205f\u3000]"
_CHUNKS = re.compile(f"{BREAK_SPACE}+|(?:(?!{BREAK_SPACE}).)+", re.S)
_SPACE = re.compile(f"{BREAK_SPACE}+")
_TOKEN = re.compile(f"{BREAK_SPACE}+|" + _KHMER_CLUSTER.pattern + rf"|(?:(?!{BREAK_SPACE})[^\u1780-\u17FF])+|.", re.S)
#: Letters that arabic-reshaper joins (text without them, or a joiner, it returns as it is).
_ARABIC = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff]")
#: HarfBuzz features reportlab shapes with (``ttfonts.shapeFragWord``).
_FEATURES = {"kern": True, "liga": True, "dlig": True}
_ZWJ = "\u200d"


def is_space(token: str) -> bool:
    """True for a run of spaces a line may break at."""
    return _SPACE.fullmatch(token) is not None


def khmer_tokens(text: str, base: str, style: str, size: float, width: float) -> list[str]:
    """Khmer text cut at word boundaries, the way Khmer readers expect lines to end.

    Khmer writes no spaces between words, so the break points come from
    ICU's dictionary-based line breaker (icu4py). A word wider than the
    whole line is cut between clusters, never inside one.
    """
    from icu4py.breakers import LineBreaker
    from icu4py.locale import Locale

    tokens: list[str] = []
    for chunk in _CHUNKS.findall(text):
        if is_space(chunk) or not re.search("[\u1780-\u17ff]", chunk):
            # Spaces, and Latin words, numbers and URLs, break only at spaces.
            words = [chunk]
        else:
            words = [chunk[a:b] for a, b in LineBreaker(chunk, Locale("km")).segments()]
        for word in words:
            if not is_space(word) and text_width(word, base, style, size) > width:
                tokens += _TOKEN.findall(word)
            else:
                tokens.append(word)
    return tokens


def text_width(text: str, base: str, style: str, size: float) -> float:
    """The printed width in the fonts in effect: Arabic in the joined forms drawn, Khmer in its shaped glyphs."""
    return measured_width(text, base, style, size, active().key)


@functools.lru_cache(maxsize=32768)
def measured_width(text: str, base: str, style: str, size: float, fonts_key: str) -> float:
    """``text_width``, memoised per font set (*fonts_key*: ``pdffonts.FontSet.key``, the fonts in effect).

    Memoised: lines are measured word by word, and words (and the spaces
    between them) recur from paragraph to paragraph and letter to letter;
    reshaping Arabic costs a fifth of a millisecond a call.
    """
    from reportlab.pdfbase.pdfmetrics import stringWidth

    if base == "arabic" or has_rtl(text):
        text = reshape(text)
    total = 0.0
    for script, piece in split_scripts(text, base, bold=style in ("bold", "bolditalic")):
        name = font(script, style)
        total += shaped_width(piece, name) * size if base == "khmer" else stringWidth(piece, name, size)
    return total


@functools.lru_cache(maxsize=16384)
def shaped_width(text: str, font_name: str) -> float:
    """The width at 1 pt of *text* shaped by HarfBuzz, as reportlab's shaper draws it.

    Measured with a HarfBuzz font of our own, not with reportlab's
    ``shapeStr``: that numbers new glyphs as it meets them, and a
    measurement must not change what a later document embeds. Spaces are
    measured as reportlab lays them out, unshaped, between words.
    """
    import uharfbuzz
    from reportlab.pdfbase.pdfmetrics import stringWidth

    total = 0.0
    for chunk in _CHUNKS.findall(text):
        if is_space(chunk):
            total += stringWidth(chunk, font_name, 1)
            continue
        hb_font, scale = _hb_font(font_name)
        buf = uharfbuzz.Buffer()
        buf.cluster_level = uharfbuzz.BufferClusterLevel.MONOTONE_CHARACTERS
        buf.add_str(chunk)
        buf.guess_segment_properties()
        uharfbuzz.shape(hb_font, buf, _FEATURES)
        total += sum(pos.x_advance for pos in buf.glyph_positions) * scale
    return total


@functools.lru_cache(maxsize=16)
def _hb_font(font_name: str) -> tuple[Any, float]:
    """A HarfBuzz font on the same font data reportlab shapes with, and its units-to-1-pt scale."""
    import uharfbuzz
    from reportlab.pdfbase.pdfmetrics import getFont

    ttf = getFont(font_name)
    face = uharfbuzz.Face(uharfbuzz.Blob(ttf.face._ttf_data))
    return uharfbuzz.Font(face), 1 / face.upem


def break_lines(tokens: list[str], widths: list[float], width: float) -> list[tuple[int, int]]:
    """Greedy line filling over unbreakable tokens of known widths: each line's token range.

    Spaces are the break points; a line's leading and trailing spaces are
    left out of it (and of its width).
    """
    lines: list[tuple[int, int]] = []
    start: int | None = None
    end = 0
    used = 0.0  # the width up to the end of the last word
    pending = 0.0  # spaces after it
    for i, tok in enumerate(tokens):
        if is_space(tok):
            if start is not None:
                pending += widths[i]
            continue
        if start is not None and used + pending + widths[i] > width:
            lines.append((start, end))
            start = None
        if start is None:
            start, used = i, widths[i]
        else:
            used += pending + widths[i]
        end, pending = i + 1, 0.0
    if start is not None:
        lines.append((start, end))
    return lines


def visual_rtl(line: str, base: str = "R") -> str:
    """Logical Arabic text -> joined presentation forms in visual order.

    reportlab's own bidi support needs a module that is not on PyPI and
    skips reordering when shaping is on, so each line is reshaped
    (arabic-reshaper, keeping vowel marks) and reordered with the Unicode
    bidi algorithm (python-bidi's reference implementation, which mirrors
    brackets) before reportlab sees it.
    """
    from bidi.algorithm import get_display

    return str(get_display(reshape(line).translate(_ISOLATES), base_dir=base))


def visual_order(text: str, base: str) -> tuple[str, list[int]]:
    """*text* in visual order (brackets mirrored) and, for each character shown, its index in *text*.

    The steps of python-bidi's ``get_display``, with each character tagged
    with its place, so that the styles of the runs it came from follow it.
    """
    from bidi import algorithm as uba

    # python-bidi's reference algorithm predates the isolates (U+2066-2069)
    # and fails an assertion on them: they are read as the embeddings they
    # replaced, which order the text the same way in all but corner cases.
    text = text.translate(_ISOLATES)
    storage = uba.get_empty_storage()
    storage["base_level"] = uba.PARAGRAPH_LEVELS[base]
    storage["base_dir"] = base
    uba.get_embedding_levels(text, storage)
    for i, ch in enumerate(storage["chars"]):
        ch["at"] = i
    uba.explicit_embed_and_overrides(storage, False)
    uba.resolve_weak_types(storage, False)
    uba.resolve_neutral_types(storage, False)
    uba.resolve_implicit_levels(storage, False)
    uba.reorder_resolved_levels(storage, False)
    uba.apply_mirroring(storage, False)
    chars = storage["chars"]
    return "".join(ch["ch"] for ch in chars), [ch["at"] for ch in chars]


#: Directional isolates -> the embeddings python-bidi knows (LRI->LRE, RLI->RLE, FSI->RLE, PDI->PDF).
_ISOLATES = str.maketrans({"\u2066": "\u202a", "\u2067": "\u202b", "\u2068": "\u202b", "\u2069": "\u202c"})


@functools.lru_cache(maxsize=1)
def reshaper() -> Any:
    import arabic_reshaper

    return arabic_reshaper.ArabicReshaper({"delete_harakat": False, "support_zwj": True})


def _joins(a: str, b: str) -> bool:
    """Two Arabic letters side by side, which a run boundary between them must not part."""
    return unicodedata.bidirectional(a) == "AL" and unicodedata.bidirectional(b) == "AL" and a.isalpha() and b.isalpha()


def reshape(text: str) -> str:
    """*text* in joined presentation forms.

    arabic-reshaper fails (IndexError) on some runs of zero-width joiners
    next to vowel marks; such text is reshaped without its joiners rather
    than stopping the build.
    """
    if _ZWJ not in text and not _ARABIC.search(text):
        return text  # what the reshaper returns, without its cost
    try:
        return str(reshaper().reshape(text))
    except IndexError:
        return str(reshaper().reshape(text.replace(_ZWJ, "")))


def _reshape_runs(runs: tuple[Run, ...]) -> tuple[Run, ...]:
    """Runs reshaped into joined forms one by one, joined across a boundary inside a word.

    Reshaping each run alone keeps its style on its own letters (ligatures
    change the number of characters); a zero-width joiner on each side of a
    boundary inside a word keeps the letters on either side joined.
    """
    out = []
    for i, run in enumerate(runs):
        text = run.text
        before = i > 0 and bool(runs[i - 1].text) and bool(text) and _joins(runs[i - 1].text[-1], text[0])
        after = i + 1 < len(runs) and bool(runs[i + 1].text) and bool(text) and _joins(text[-1], runs[i + 1].text[0])
        shaped = reshape((_ZWJ if before else "") + text + (_ZWJ if after else ""))
        out.append(Run(shaped.replace(_ZWJ, "") if before or after else shaped, run.bold, run.italic, run.url))
    return tuple(out)


def slice_runs(runs: tuple[Run, ...], start: int, end: int) -> tuple[Run, ...]:
    """The runs covering characters *start* to *end* of their joined text, each cut to fit."""
    out = []
    pos = 0
    for run in runs:
        a, b = max(start, pos), min(end, pos + len(run.text))
        if a < b:
            out.append(Run(run.text[a - pos : b - pos], run.bold, run.italic, run.url))
        pos += len(run.text)
    return tuple(out)


def _merge(runs: list[Run]) -> tuple[Run, ...]:
    out: list[Run] = []
    for run in runs:
        if out and (out[-1].bold, out[-1].italic, out[-1].url) == (run.bold, run.italic, run.url):
            out[-1] = Run(out[-1].text + run.text, run.bold, run.italic, run.url)
        else:
            out.append(run)
    return tuple(out)


def _visual_runs(runs: tuple[Run, ...], direction: str) -> tuple[Run, ...]:
    """One line's runs, reshaped and put in visual order, each character keeping its run's style."""
    shaped = _reshape_runs(runs)
    owner = [i for i, run in enumerate(shaped) for _ in run.text]
    text, order = visual_order("".join(r.text for r in shaped), direction)
    return _merge(
        [
            Run(ch, shaped[owner[at]].bold, shaped[owner[at]].italic, shaped[owner[at]].url)
            for ch, at in zip(text, order, strict=True)
        ]
    )


def _token_widths(tokens: list[str], runs: tuple[Run, ...], base: str, bold: bool, size: float) -> list[float]:
    """Each token's printed width, each of its pieces measured in the face of the run it belongs to."""
    widths = []
    pos = 0
    for tok in tokens:
        total = 0.0
        for run in slice_runs(runs, pos, pos + len(tok)):
            total += text_width(run.text, base, face_of(run, bold), size)
        widths.append(total)
        pos += len(tok)
    return widths


def face_of(run: Run, bold: bool) -> str:
    """The face a run is drawn in, in a paragraph whose style is bold or not."""
    b = run.bold or bold
    return ("bold" if b else "regular") if not run.italic else ("bolditalic" if b else "italic")


def paragraph_markup(base: str, rtl: bool, para: Para, style_name: str, width: float) -> str:
    """Markup for one paragraph: a pure function of its arguments, so it is memoised."""
    return paragraph_layout(base, rtl, para, style_name, width)[0]


#: Each line of a paragraph broken here, as (start, end) in the paragraph's text.
Spans = tuple[tuple[int, int], ...]


def paragraph_layout(base: str, rtl: bool, para: Para, style_name: str, width: float) -> tuple[str, Spans | None]:
    """Markup for one paragraph in the fonts in effect, and where each of its lines is in the text (``laid_out``)."""
    return laid_out(base, rtl, para, style_name, width, active().key)


@functools.lru_cache(maxsize=MARKUP_CACHE_SIZE)
def laid_out(
    base: str, rtl: bool, para: Para, style_name: str, width: float, fonts_key: str
) -> tuple[str, Spans | None]:
    """Markup for one paragraph, and where each of its lines is in the text (None: reportlab breaks it).

    Memoised per font set (*fonts_key*: the fonts in effect, whose names the markup holds).

    The lines of Arabic and Khmer paragraphs are drawn as shaped glyphs in
    visual order, which text extraction cannot read back; the spans say
    which stretch of the logical text each line shows, for the PDF to carry
    it (``/ActualText``, render/pdftags.py).
    """
    bold, size, indents = style_metrics(base, rtl, style_name)
    rtl_text = has_rtl(para.text)
    if base not in ("arabic", "khmer") and not rtl_text:
        return markup(para, base, bold=bold), None
    avail = width - indents - 1
    # Glyphs are checked on the paragraph as written first, so an error
    # names its field; and the bidi algorithm cannot order a character
    # Unicode does not know (it fails on an unassigned code point).
    markup(para, base, bold=bold)
    face = "bold" if bold else "regular"
    if base == "arabic" or rtl_text:
        # Right-to-left text, also an Arabic name inside an English
        # paragraph: reportlab neither joins nor reorders it, so lines are
        # broken here and each is reshaped and put in visual order.
        tokens = _CHUNKS.findall(para.text)
    else:
        # Khmer: shaped by reportlab (shaping=1), broken here between words.
        tokens = khmer_tokens(para.text, base, face, size, avail)
    widths = _token_widths(tokens, para.runs, base, bold, size)
    offsets = [0]
    for tok in tokens:
        offsets.append(offsets[-1] + len(tok))
    spans = tuple((offsets[a], offsets[b]) for a, b in break_lines(tokens, widths, avail))
    lines = [slice_runs(para.runs, a, b) for a, b in spans]
    if base == "arabic" or rtl_text:
        direction = base_direction(para.text)
        lines = [_visual_runs(line, direction) for line in lines]
    return "<br/>".join(markup(Para(line, para.field), base, bold=bold) for line in lines), spans
