"""Which way text runs and which script a language writes in, for every renderer.

The PDF and DOCX renderers (and the HTML and text ones to come) must agree
on what counts as right-to-left text and on a paragraph's direction, so
these live once here, as pure functions of the text, with no renderer's
imports.
"""

from __future__ import annotations

import functools
import re
import unicodedata

#: The script of a language's own text, by language code (default: "latin").
_LANGUAGE_SCRIPTS = {"ar": "arabic", "fa": "arabic", "ur": "arabic", "km": "khmer", "zh": "han", "ja": "han"}


@functools.lru_cache(maxsize=4096)
def has_rtl(text: str) -> bool:
    """Whether *text* holds a right-to-left letter (Arabic, Hebrew, ...).

    Memoised and bounded: a batch asks it of the same runs letter after letter.
    """
    return any(unicodedata.bidirectional(c) in ("R", "AL") for c in text)


def base_direction(text: str) -> str:
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


def base_script(lang: str) -> str:
    """The script of *lang*'s own text (``km_KH`` -> "khmer"), which sets the paragraph font."""
    return _LANGUAGE_SCRIPTS.get(lang.split("_")[0], "latin")


#: Letters' scripts by code point range, for telling a span in another language from its letter's own text.
_SCRIPT_RANGES = (
    (0x0370, 0x03FF, "greek"),
    (0x0400, 0x052F, "cyrillic"),
    (0x0590, 0x05FF, "hebrew"),
    (0x0600, 0x08FF, "arabic"),
    (0x1780, 0x17FF, "khmer"),
    (0x19E0, 0x19FF, "khmer"),
    (0x1C80, 0x1C8F, "cyrillic"),
    (0x1F00, 0x1FFF, "greek"),
    (0x2E80, 0x2FDF, "han"),
    (0x3005, 0x3007, "han"),
    (0x3040, 0x30FF, "han"),
    (0x3400, 0x9FFF, "han"),
    (0xF900, 0xFAFF, "han"),
    (0xFB1D, 0xFB4F, "hebrew"),
    (0xFB50, 0xFDFF, "arabic"),
    (0xFE70, 0xFEFF, "arabic"),
    (0x20000, 0x3FFFF, "han"),
)
#: The script a language is written in, where it is not ``base_script``'s (which picks fonts: Russian
#: prints in the Latin fonts, but its text is Cyrillic).
_WRITTEN_SCRIPTS = {"ru": "cyrillic", "uk": "cyrillic", "be": "cyrillic", "bg": "cyrillic", "he": "hebrew"}
#: The language a span in a script other than the letter's is tagged with: a guess from its script, the one a
#: screen reader needs to pick a voice (Latin in a Khmer or Arabic appeal is names and acronyms: English).
SCRIPT_LANGUAGES = {
    "latin": "en",
    "cyrillic": "ru",
    "greek": "el",
    "hebrew": "he",
    "arabic": "ar",
    "khmer": "km",
    "han": "zh",
}
RTL_SCRIPTS = frozenset({"arabic", "hebrew"})


def written_script(lang: str) -> str:
    """The script *lang*'s own text is written in (``ru`` -> "cyrillic"; fonts aside)."""
    return _WRITTEN_SCRIPTS.get(lang.split("_")[0], base_script(lang))


@functools.lru_cache(maxsize=8192)
def letter_script(ch: str) -> str | None:
    """The script of the letter *ch*, or None for what belongs to no script (spaces, digits, punctuation, marks)."""
    if not unicodedata.category(ch).startswith("L"):
        return None
    code = ord(ch)
    for start, end, script in _SCRIPT_RANGES:
        if start <= code <= end:
            return script
    return "latin" if unicodedata.bidirectional(ch) == "L" else None


@functools.lru_cache(maxsize=4096)
def foreign_spans(text: str, own: str) -> tuple[tuple[str, str | None], ...]:
    """*text* cut into pieces, each with the script it is in when that is not *own* (else None).

    A piece in another script runs from its first letter to its last: the
    spaces, digits and punctuation between two of its letters belong to it,
    those around it to the surrounding text ("(CCHR)" in an Arabic line is
    "(", "CCHR", ")"), except digits and joiners written onto its last
    letter ("FLD-KH-2017", "v1.2"), which run its way: outside it, an
    Arabic line would show "2017-FLD-KH". Marks stay with the letter they
    follow. Memoised: a
    batch asks it of the same runs letter after letter.
    """
    pieces: list[tuple[str, str | None]] = []
    start = 0
    current: str | None = None  # the foreign script of the piece being read
    last = 0  # the end of its last letter
    for i, ch in enumerate(text):
        script = letter_script(ch)
        if script is None:
            if current is not None and unicodedata.category(ch).startswith("M") and last == i:
                last = i + 1
            continue
        if script == current:
            last = i + 1
            continue
        if current is not None:
            last = _attached(text, last)
            pieces.append((text[start:last], current))
            start = last
            current = None
        if script != own:
            if i > start:
                pieces.append((text[start:i], None))
            start, current, last = i, script, i + 1
    if current is not None:
        last = _attached(text, last)
        pieces.append((text[start:last], current))
        start = last
    if start < len(text):
        pieces.append((text[start:], None))
    return tuple(pieces)


#: What continues a word in another script after its last letter: digits and the joiners of codes and numbers.
_ATTACHED = re.compile(r"(?:[-./:_+#]*[0-9\u0660-\u0669\u06F0-\u06F9])+")


def _attached(text: str, end: int) -> int:
    """The end of the digits (and joiners between them) written onto a word that ends at *end*."""
    m = _ATTACHED.match(text, end)
    return m.end() if m else end
