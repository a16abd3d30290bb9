"""Which way text runs and which script a language writes in, for every renderer.

The PDF and DOCX renderers (and the HTML and text ones to come) must agree
on what counts as right-to-left text and on a paragraph's direction, so
these live once here, as pure functions of the text, with no renderer's
imports.
"""

from __future__ import annotations

import functools
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
