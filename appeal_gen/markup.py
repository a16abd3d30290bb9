"""The small inline markup that free-text fields accept.

``**bold**``, ``*italic*`` and ``[link text](https://...)``, with ``\\`` to
escape a markup character. Everything else is literal text: angle brackets,
ampersands and anything that looks like XML or Jinja are never interpreted,
because both renderers receive runs of plain text, not markup strings.
Unbalanced markers print as they are rather than swallowing text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

#: Only these link targets are written into documents: a ``javascript:`` or
#: ``file:`` link in an appeal would be an attack on its reader.
SAFE_URL = re.compile(r"^(https?://|mailto:)[^\s<>\"]+$", re.IGNORECASE)


@dataclass(frozen=True)
class Run:
    text: str
    bold: bool = False
    italic: bool = False
    url: str | None = None


@dataclass(frozen=True)
class Para:
    """One paragraph: runs of text plus the spec field it came from."""

    runs: tuple[Run, ...]
    field: str | None = None

    @property
    def text(self) -> str:
        return "".join(r.text for r in self.runs)


_TOKEN = re.compile(
    r"\\(?P<esc>[\\*\[\]()_])"
    r"|\[(?P<ltext>[^\]\n]+)\]\((?P<url>[^)\s]+)\)"
    r"|(?P<bold>\*\*)"
    r"|(?P<ital>\*)"
)


def parse_inline(text: str, *, bold: bool = False) -> tuple[Run, ...]:
    """Split *text* into styled runs.

    >>> [(r.text, r.bold) for r in parse_inline("a **b** c")]
    [('a ', False), ('b', True), (' c', False)]
    >>> parse_inline("5 * 3 < 4 & <b>")[0].text
    '5 * 3 < 4 & <b>'
    """
    # A marker only counts if it has a partner; otherwise it is literal.
    n_bold = len(re.findall(r"(?<!\\)\*\*", text))
    n_ital = len(re.findall(r"(?<![\\*])\*(?!\*)", text))
    use_bold = n_bold % 2 == 0
    use_ital = n_ital % 2 == 0 and n_ital > 0
    runs: list[Run] = []
    buf: list[str] = []
    is_b, is_i = False, False

    def flush() -> None:
        if buf:
            runs.append(Run("".join(buf), bold or is_b, is_i))
            buf.clear()

    pos = 0
    for m in _TOKEN.finditer(text):
        buf.append(text[pos : m.start()])
        pos = m.end()
        if m.group("esc"):
            buf.append(m.group("esc"))
        elif m.group("ltext") is not None:
            url = m.group("url")
            if SAFE_URL.match(url):
                flush()
                runs.append(Run(m.group("ltext"), bold or is_b, is_i, url))
            else:
                buf.append(m.group(0))
        elif m.group("bold"):
            if use_bold:
                flush()
                is_b = not is_b
            else:
                buf.append("**")
        elif m.group("ital"):
            if use_ital:
                flush()
                is_i = not is_i
            else:
                buf.append("*")
    buf.append(text[pos:])
    flush()
    return tuple(r for r in runs if r.text)


def paragraphs(text: str) -> list[str]:
    """Blank lines separate paragraphs; single newlines join lines, as in Markdown.

    Lines are joined with a space, except between two characters of scripts
    written without spaces (Chinese, Japanese, Khmer, Thai), where a space
    would be visible and wrong.
    """
    out = []
    for block in re.split(r"\n[ \t]*\n+", text.strip()):
        lines = [ln.strip() for ln in block.splitlines() if ln.strip()]
        if not lines:
            continue
        joined = lines[0]
        for ln in lines[1:]:
            sep = "" if _spaceless(joined[-1]) and _spaceless(ln[0]) else " "
            joined += sep + ln
        out.append(joined)
    return out


def _spaceless(ch: str) -> bool:
    cp = ord(ch)
    return (
        0x3000 <= cp <= 0x9FFF  # CJK punctuation, kana, unified ideographs
        or 0xF900 <= cp <= 0xFAFF
        or 0xFF00 <= cp <= 0xFFEF
        or 0x1780 <= cp <= 0x17FF  # Khmer
        or 0x19E0 <= cp <= 0x19FF
        or 0x0E00 <= cp <= 0x0E7F  # Thai
    )


# Typography -----------------------------------------------------------------
# What a native typesetter does to a language's text that its writers type
# with plain spaces. Applied by document.py to the fixed text and the spec's
# text alike, once per language (and to each personal letter's few lines).

_NBSP = "\u00a0"  # no-break space: before ":" and inside « », after "n°"
_NNBSP = "\u202f"  # narrow no-break space: before ";" "!" "?"


def french_spacing(text: str) -> str:
    """French spacing: the space before ``: ; ! ?`` and inside ``« »`` cannot break.

    Only spaces already typed are changed (and « » get one where none was
    typed): a ``:`` with no space before it is a time, a URL or a ratio,
    which must stay as written. So ";" can never start a line.

    >>> french_spacing("n° 1 : « oui » ; non ! «peut-être»") == (
    ...     "n°\\u00a01\\u00a0: «\\u00a0oui\\u00a0»\\u202f; non\\u202f! «\\u00a0peut-être\\u00a0»")
    True
    >>> french_spacing("à 10:30, https://x.org/?a=1")
    'à 10:30, https://x.org/?a=1'
    """
    if not any(c in text for c in ":;!?«»°"):
        return text  # most runs: no work
    text = re.sub(r"[ \t\u00a0\u202f]+:", _NBSP + ":", text)
    text = re.sub(r"[ \t\u00a0\u202f]+([;!?])", _NNBSP + r"\1", text)
    text = re.sub(r"«[ \t\u00a0\u202f]*", "«" + _NBSP, text)
    text = re.sub(r"[ \t\u00a0\u202f]*»", _NBSP + "»", text)
    return re.sub(r"\b([nN]°)[ \t]+(?=\w)", r"\1" + _NBSP, text)


def khmer_punctuation(text: str) -> str:
    """A Latin ``;`` or ``.`` ending Khmer text becomes the Khmer full stop ``។``.

    Writers copying an English list of demands keep its ";", which a Khmer
    reader sees as foreign; Khmer ends each item with ។ (khan).

    >>> khmer_punctuation("ការពារសិទ្ធិមនុស្ស;")
    'ការពារសិទ្ធិមនុស្ស។'
    >>> khmer_punctuation("CCHR;")
    'CCHR;'
    """
    return re.sub(r"(?<=[\u1780-\u17ff])\s*[;.]\s*$", "\u17d4", text)


#: A Khmer date's parts, "ថ្ងៃទី២៦ ខែវិច្ឆិកា ឆ្នាំ២០១៧" (day N, month M, year Y): the day before
#: its month, and the month before its year, each with the spaces after it.
_KHMER_DAY = re.compile(r"(ថ្ងៃទី[\u17e0-\u17e90-9]{1,2})[ \t]+(?=ខែ)")
_KHMER_MONTH = re.compile(r"(ខែ[\u1780-\u17d3]+)[ \t]+(?=ឆ្នាំ[\u17e0-\u17e90-9])")


def khmer_typography(text: str) -> str:
    """Khmer punctuation (``khmer_punctuation``), and a date kept on one line.

    Khmer breaks lines at spaces between phrases; a date's three parts
    ("ថ្ងៃទី២៦ ខែវិច្ឆិកា ឆ្នាំ២០១៧") are one phrase, so their spaces become
    no-break spaces rather than leaving "ឆ្នាំ២០១៧" alone at a line's start.

    >>> khmer_typography("នៅថ្ងៃទី២៦ ខែវិច្ឆិកា ឆ្នាំ២០១៧;") == "នៅថ្ងៃទី២៦\u00a0ខែវិច្ឆិកា\u00a0ឆ្នាំ២០១៧។"
    True
    >>> khmer_typography("ខែនេះ ឆ្នាំមុន")  # no date: no number
    'ខែនេះ ឆ្នាំមុន'
    """
    if "ខែ" in text:
        text = _KHMER_MONTH.sub(r"\1" + _NBSP, _KHMER_DAY.sub(r"\1" + _NBSP, text))
    return khmer_punctuation(text)


#: Per language, what typesetting its text gets (``conventions.<lang>.typography: false`` turns it off).
TYPOGRAPHY = {"fr": french_spacing, "km": khmer_typography}


def typeset(para: Para, rule: Callable[[str], str]) -> Para:
    """*para* with *rule* applied to its text runs (never to a link's text or address).

    Returns *para* itself when nothing changed, so that renderers' caches
    keyed on identity keep working.
    """
    runs = tuple(r if r.url else replace(r, text=rule(r.text)) for r in para.runs)
    if all(a.text == b.text for a, b in zip(runs, para.runs, strict=True)):
        return para
    return Para(runs, para.field)
