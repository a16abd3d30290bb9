"""Line breaking and ordering for scripts that reportlab cannot break or order by itself.

Arabic (and any right-to-left text, also inside an English paragraph) is
broken into lines here, then each line is reshaped into joined forms and put
in visual order; Khmer, which writes no spaces between words, is broken at
ICU's dictionary word boundaries and shaped by reportlab. Everything else is
broken by reportlab.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from ..markup import Para, Run
from ..scripts import base_direction, has_rtl
from .pdffonts import font, markup, split_scripts
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
_TOKEN = re.compile(r"\s+|" + _KHMER_CLUSTER.pattern + r"|[^\s\u1780-\u17FF]+|.", re.S)


def khmer_tokens(text: str, base: str, style: str, size: float, width: float) -> list[str]:
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
            if not word.isspace() and text_width(word, base, style, size) > width:
                tokens += _TOKEN.findall(word)
            else:
                tokens.append(word)
    return tokens


def text_width(text: str, base: str, style: str, size: float) -> float:
    """The printed width: Arabic is measured in the joined forms that get drawn."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    if base == "arabic" or has_rtl(text):
        text = reshaper().reshape(text)
    total = 0.0
    for script, piece in split_scripts(text, base):
        total += stringWidth(piece, font(script, style), size)
    return total


def break_lines(tokens: list[str], base: str, style: str, size: float, width: float) -> list[str]:
    """Greedy line filling over unbreakable tokens (spaces are break points)."""
    lines: list[str] = []
    line = ""
    for tok in tokens:
        candidate = line + tok
        if line and not tok.isspace() and text_width(candidate.rstrip(), base, style, size) > width:
            lines.append(line.rstrip())
            line = tok
        else:
            line = candidate
    if line.strip():
        lines.append(line.rstrip())
    return [ln.lstrip() for ln in lines]


def visual_rtl(line: str, base: str = "R") -> str:
    """Logical Arabic text -> joined presentation forms in visual order.

    reportlab's own bidi support needs a module that is not on PyPI and
    skips reordering when shaping is on, so each line is reshaped
    (arabic-reshaper, keeping vowel marks) and reordered with the Unicode
    bidi algorithm (python-bidi's reference implementation, which mirrors
    brackets) before reportlab sees it.
    """
    from bidi.algorithm import get_display

    return str(get_display(reshaper().reshape(line), base_dir=base))


@functools.lru_cache(maxsize=1)
def reshaper() -> Any:
    import arabic_reshaper

    return arabic_reshaper.ArabicReshaper({"delete_harakat": False})


@functools.lru_cache(maxsize=MARKUP_CACHE_SIZE)
def paragraph_markup(base: str, rtl: bool, para: Para, style_name: str, width: float) -> str:
    """Markup for one paragraph: a pure function of its arguments, so it is memoised."""
    bold, size, indents = style_metrics(base, rtl, style_name)
    rtl_text = has_rtl(para.text)
    if base not in ("arabic", "khmer") and not rtl_text:
        return markup(para, base, bold=bold)
    avail = width - indents - 1
    face = "bold" if bold else "regular"
    if base == "arabic" or rtl_text:
        # Right-to-left text, also an Arabic name inside an English
        # paragraph: reportlab neither joins nor reorders it, so lines are
        # broken here and each is reshaped and put in visual order.
        # Glyphs are checked on the text as written first: the bidi
        # algorithm cannot order a character Unicode does not know (it fails
        # on an unassigned code point), and no font has a glyph for one.
        markup(para, base, bold=bold)
        tokens = re.findall(r"\s+|\S+", para.text)
        direction = base_direction(para.text)
        lines = [visual_rtl(ln, direction) for ln in break_lines(tokens, base, face, size, avail)]
        url = para.runs[0].url if len(para.runs) == 1 else None
        return "<br/>".join(markup(Para((Run(ln, bold=bold, url=url),), para.field), base, bold=bold) for ln in lines)
    # Khmer: shaped by reportlab (shaping=1), broken here between words.
    # A one-run paragraph keeps its run's styling; mixed runs print plain.
    # Glyphs are checked on the paragraph first, so an error names its field.
    markup(para, base, bold=bold)
    lines = break_lines(khmer_tokens(para.text, base, face, size, avail), base, face, size, avail)
    run = para.runs[0] if len(para.runs) == 1 else Run("")
    return "<br/>".join(
        markup(Para((Run(ln, run.bold, run.italic, run.url),), para.field), base, bold=bold) for ln in lines
    )
