"""One rule for characters that no document can hold.

Control characters (other than tab and newline) are not allowed in XML, so
lxml refuses them and the DOCX cannot be written; a lone surrogate (which a
YAML ``"\\ud800"`` escape or a broken CRM export can produce) makes docxtpl
silently drop the rest of the document body. Such characters are never
meaningful in an appeal, so every value that reaches a document (spec
fields, catalog strings, mailing-list cells) goes through ``clean``: each
one is replaced with U+FFFD REPLACEMENT CHARACTER, visible in the output,
and a warning names the field. Nothing else is altered, so bidi controls,
joiners, emoji and combining marks pass through (a missing glyph for them is
reported by the font check instead).
"""

from __future__ import annotations

import re

REPLACEMENT = "\ufffd"

#: C0 controls except tab, newline and carriage return; DEL and the C1
#: controls; surrogates (only ever lone in a Python str); the two
#: non-characters XML also forbids.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


_PAIR = re.compile("[\ud800-\udbff][\udc00-\udfff]")


def _join_pair(m: re.Match[str]) -> str:
    high, low = (ord(c) for c in m.group())
    return chr(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))


def clean(text: str) -> tuple[str, list[str]]:
    """*text* with unprintable characters replaced, and the code points replaced.

    >>> clean("A\\x00B\\ud800C")
    ('A\\ufffdB\\ufffdC', ['U+0000', 'U+D800'])
    >>> clean("ok")
    ('ok', [])
    >>> clean("\\ud83d\\ude00")  # a pair is one character, not two bad ones
    ('😀', [])
    """
    # A surrogate *pair* (YAML's "\ud83d\ude00" escape, which PyYAML does
    # not join) is one real character: join it before judging.
    text = _PAIR.sub(_join_pair, text)
    found = [f"U+{ord(m.group()):04X}" for m in _UNPRINTABLE.finditer(text)]
    if not found:
        return text, []
    return _UNPRINTABLE.sub(REPLACEMENT, text), found


def warning(field: str, replaced: list[str]) -> str:
    """The warning printed for one cleaned value."""
    shown = ", ".join(dict.fromkeys(replaced))
    return f"{field}: replaced {len(replaced)} unprintable character(s) ({shown}) with U+FFFD"
