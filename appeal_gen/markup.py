"""The small inline markup that free-text fields accept.

``**bold**``, ``*italic*`` and ``[link text](https://...)``, with ``\\`` to
escape a markup character. Everything else is literal text: angle brackets,
ampersands and anything that looks like XML or Jinja are never interpreted,
because both renderers receive runs of plain text, not markup strings.
Unbalanced markers print as they are rather than swallowing text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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
