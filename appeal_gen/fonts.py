"""Finding a TrueType font for every character an appeal prints.

reportlab silently draws a box for a character its font lacks, and an
appeal with a box in a name is a failed appeal. So fonts are chosen per
script run, and every character is checked against the font chosen for it
before anything is drawn (``MissingGlyphError`` names the field and U+XXXX).

Where fonts come from, first match wins:
1. ``APPEAL_GEN_FONT_DIRS`` (``:``-separated folders): the user's own files;
2. system fonts, found through fontconfig (``fc-list``);
3. well-known Debian locations, for machines without fontconfig.
The README lists the Debian packages that provide each script's fonts.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from .errors import FontError, MissingGlyphError

#: Families tried for each script, best first. TrueType outlines only:
#: reportlab cannot embed CFF (.otf) fonts such as Debian's Noto CJK.
FAMILIES: dict[str, tuple[str, ...]] = {
    "latin": ("Noto Sans", "DejaVu Sans"),
    "arabic": ("Noto Naskh Arabic",),
    # Khmer OS first: it also has Latin letters and digits, so a Khmer
    # paragraph can be drawn in one font. reportlab's shaper garbles runs
    # in a second font inside a shaped paragraph (seen with "(CCHR)").
    "khmer": ("Khmer OS", "Noto Sans Khmer"),
    "han": ("WenQuanYi Micro Hei",),
}

STYLES = ("regular", "bold", "italic", "bolditalic")
_STYLE_NAMES = {
    "regular": ("Regular", "Book", "Normal"),
    "bold": ("Bold",),
    "italic": ("Italic", "Oblique"),
    "bolditalic": ("Bold Italic", "Bold Oblique", "BoldItalic"),
}
_DEBIAN_DIRS = ("/usr/share/fonts/truetype", "/usr/local/share/fonts", os.path.expanduser("~/.local/share/fonts"))


@dataclass(frozen=True)
class FontFile:
    family: str
    style: str
    path: str
    index: int = 0


def script_of(ch: str) -> str | None:
    """The font script a character needs, or None for neutral characters.

    Neutral characters (spaces, punctuation, digits) take the font of the
    text around them, then fall back through the other fonts in use.
    """
    cp = ord(ch)
    if (
        0x0600 <= cp <= 0x06FF
        or 0x0750 <= cp <= 0x077F
        or 0x08A0 <= cp <= 0x08FF
        or 0xFB50 <= cp <= 0xFDFF
        or 0xFE70 <= cp <= 0xFEFF
    ):
        return "arabic"
    if 0x1780 <= cp <= 0x17FF or 0x19E0 <= cp <= 0x19FF:
        return "khmer"
    if (
        0x2E80 <= cp <= 0x2FDF
        or 0x3000 <= cp <= 0x30FF
        or 0x3400 <= cp <= 0x4DBF
        or 0x4E00 <= cp <= 0x9FFF
        or 0xF900 <= cp <= 0xFAFF
        or 0xFF00 <= cp <= 0xFFEF
        or 0x20000 <= cp <= 0x3134F
    ):
        return "han"
    cat = unicodedata.category(ch)
    if cat.startswith("L") or cat.startswith("M"):
        return "latin"
    return None


def _fc_list() -> list[tuple[str, str, str, int]]:
    if not shutil.which("fc-list"):
        return []
    try:
        out = subprocess.run(
            ["fc-list", "--format", "%{family}\t%{style}\t%{file}\t%{index}\n"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    rows = []
    for line in out.splitlines():
        parts = line.split("\t")
        if len(parts) == 4:
            rows.append((parts[0], parts[1], parts[2], int(parts[3] or 0)))
    return rows


def _scan_dirs(dirs: list[str]) -> list[tuple[str, str, str, int]]:
    """Family and style names read from the files themselves (no fontconfig)."""
    from reportlab.pdfbase.ttfonts import TTFontFile

    rows = []
    for d in dirs:
        for p in sorted(Path(d).rglob("*")):
            if p.suffix.lower() not in (".ttf", ".ttc"):
                continue
            try:
                f = TTFontFile(str(p), validate=0, subfontIndex=0)
            except Exception:  # noqa: BLE001 - unreadable or CFF font: skip it
                continue
            family = f.familyName.decode("utf-8", "replace") if isinstance(f.familyName, bytes) else str(f.familyName)
            style = f.styleName.decode("utf-8", "replace") if isinstance(f.styleName, bytes) else str(f.styleName)
            rows.append((family, style, str(p), 0))
    return rows


@functools.lru_cache(maxsize=4)
def _inventory(user_dirs: str) -> tuple[tuple[str, str, str, int], ...]:
    rows: list[tuple[str, str, str, int]] = []
    if user_dirs:
        rows += _scan_dirs([d for d in user_dirs.split(os.pathsep) if d])
    system = _fc_list()
    rows += system or _scan_dirs([d for d in _DEBIAN_DIRS if os.path.isdir(d)])
    return tuple(r for r in rows if r[2].lower().endswith((".ttf", ".ttc")))


def find_font(family: str, style: str = "regular") -> FontFile | None:
    rows = _inventory(os.environ.get("APPEAL_GEN_FONT_DIRS", ""))
    wanted = _STYLE_NAMES[style]
    for fam, sty, path, index in rows:
        families = [f.strip() for f in fam.split(",")]
        styles = [s.strip() for s in sty.split(",")]
        if family in families and any(s in styles for s in wanted):
            return FontFile(family, style, path, index)
    return None


@dataclass(frozen=True)
class ScriptFont:
    """The faces chosen for one script; a missing face falls back to regular."""

    script: str
    family: str
    faces: dict[str, FontFile]

    def face(self, style: str) -> FontFile:
        if style in self.faces:
            return self.faces[style]
        if style == "bolditalic" and "bold" in self.faces:
            return self.faces["bold"]
        return self.faces["regular"]


@functools.lru_cache(maxsize=16)
def resolve(script: str) -> ScriptFont:
    """The best installed family for *script*, or FontError saying what to install."""
    for family in FAMILIES[script]:
        regular = find_font(family, "regular")
        if regular is None:
            continue
        faces = {"regular": regular}
        for style in STYLES[1:]:
            f = find_font(family, style)
            if f is not None:
                faces[style] = f
        return ScriptFont(script, family, faces)
    hint = {
        "latin": "fonts-noto-core",
        "arabic": "fonts-noto-core",
        "khmer": "fonts-khmeros",
        "han": "fonts-wqy-microhei",
    }[script]
    raise FontError(
        f"no font for {script} text: install one of {', '.join(FAMILIES[script])} "
        f"(Debian: apt-get install {hint}) or put the .ttf files in a folder named by APPEAL_GEN_FONT_DIRS"
    )


@functools.lru_cache(maxsize=64)
def coverage(path: str, index: int = 0) -> frozenset[int]:
    """Code points the font file has glyphs for."""
    from fontTools.ttLib import TTFont

    with TTFont(path, fontNumber=index, lazy=True) as f:
        cmap = f.getBestCmap() or {}
    return frozenset(cmap)


#: Characters that draw nothing and need no glyph.
_INVISIBLE = {"\n", "\t", "\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\u2060", "\ufeff"}


def check_glyphs(text: str, font: FontFile, field: str | None) -> None:
    have = coverage(font.path, font.index)
    for ch in text:
        if ch in _INVISIBLE or ord(ch) in have:
            continue
        name = unicodedata.name(ch, "unnamed character")
        raise MissingGlyphError(
            f"the font {font.family} ({os.path.basename(font.path)}) has no glyph for "
            f"U+{ord(ch):04X} {name} ({ch!r}); it would print as a box. Remove or replace "
            f"the character, or install a font that has it",
            field=field,
        )
