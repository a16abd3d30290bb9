"""Safe, unique file names for letters, from ids and people's names.

Names come from a spreadsheet, so they may say ``../x``, ``/etc/x``, ``CON``
or hold NUL, 300 bytes, or two spellings of one name that differ only in
case or Unicode normalisation (``José`` typed on macOS and on Windows).
Every name made here is one path component, inside the output folder, not
a device name on Windows, at most ``MAX_BYTES`` long, and unique within one
run even on case-insensitive, normalising file systems.
"""

from __future__ import annotations

import re
import unicodedata

#: Bytes (UTF-8) of a stem; with ``.<lang>.docx`` and a ``-NNNNN`` suffix
#: the name stays far below the 255 bytes most file systems allow.
MAX_BYTES = 80
#: Device names Windows reserves in every folder, with any extension.
RESERVED = frozenset(
    ["con", "prn", "aux", "nul", "clock$", "conin$", "conout$"]
    + [f"{dev}{n}" for dev in ("com", "lpt") for n in [*"123456789", "¹", "²", "³"]]
)


def slug(text: str) -> str:
    """One safe path component from any text, keeping letters of every script.

    >>> slug("../../etc/passwd")
    'etc-passwd'
    >>> slug("Jean-Luc  Dupont")
    'jean-luc-dupont'
    >>> slug("CON")
    'con_'
    >>> slug("សុខ ចាន់")
    'សុខ-ចាន់'
    """
    text = unicodedata.normalize("NFC", text).casefold()
    # Letters, marks (Khmer and Arabic need them) and digits stay; anything
    # else, path separators and dots included, becomes one hyphen.
    kept = "".join(c if unicodedata.category(c)[0] in "LMN" or c in "-_" else "-" for c in text)
    kept = re.sub(r"-{2,}", "-", kept).strip("-_")
    kept = _truncate(kept, MAX_BYTES).strip("-_")
    if kept.split(".")[0] in RESERVED:
        kept += "_"
    return kept


def _truncate(text: str, limit: int) -> str:
    """At most *limit* UTF-8 bytes, never cutting a character in two."""
    data = text.encode("utf-8")[:limit]
    return data.decode("utf-8", "ignore")


class Namer:
    """Hands out stems, each unique by its case-folded NFC form."""

    def __init__(self) -> None:
        self._used: set[str] = set()

    def take(self, wanted: str, fallback: str) -> str:
        base = slug(wanted) or fallback
        stem, n = base, 1
        while stem in self._used:
            n += 1
            suffix = f"-{n}"
            stem = _truncate(base, MAX_BYTES - len(suffix)) + suffix
        self._used.add(stem)
        return stem
