"""Finding a TrueType font for every character an appeal prints.

reportlab silently draws a box for a character its font lacks, and an
appeal with a box in a name is a failed appeal. So fonts are chosen per
script run, and every character is checked against the font chosen for it
before anything is drawn (``MissingGlyphError`` names the field and U+XXXX).

Where fonts come from, first match wins:
1. ``APPEAL_GEN_FONT_DIRS`` (``:``-separated folders): the user's own files,
   first so that a deliberate choice always wins;
2. pip-installed font packages (fontpkg-noto-sans and friends): the same
   font version on every machine, no root needed;
3. system fonts, found through fontconfig (``fc-list``);
4. well-known Debian locations, for machines without fontconfig.
The README lists the packages that provide each script's fonts.

pip font packages ship variable fonts, and reportlab draws only their
default (Regular) instance, so a bold or bold-italic face is instantiated
once with fontTools and cached on disk (a few seconds, once per machine).
"""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
import subprocess
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from . import settings
from .errors import FontError, MissingGlyphError
from .themefonts import ThemeFont

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

#: Families that give a heading face where the chosen family has no bold.
#: Khmer OS has none; Khmer OS Muol Light is the face Khmer official
#: documents use for titles, and it has Latin letters too, so a heading
#: stays in one font (which reportlab's Khmer shaping needs).
BOLD_FAMILIES: dict[str, tuple[str, ...]] = {"khmer": ("Khmer OS Muol Light",)}

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
    #: For a theme's font, its field and file: "fonts.latin.regular in THEME.yaml" (themefonts.py).
    origin: str = ""

    @property
    def label(self) -> str:
        """How a user would name the face: "Noto Sans Bold"."""
        names = {"regular": "", "bold": " Bold", "italic": " Italic", "bolditalic": " Bold Italic"}
        return self.family + names[self.style]


#: Inventory rows: (family names, style names, file, index in a collection).
#: A style of "variable" marks a pip font whose named faces are instantiated.
_Row = tuple[str, str, str, int]


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


#: A font file larger than this is skipped unread (Noto CJK, among the
#: largest, is about 20 MiB).
MAX_FONT_BYTES = 64 * 1024 * 1024
#: Entries looked at under the font folders, in all: a folder named by
#: mistake (``/`` or a home folder) must not be walked for minutes.
MAX_FONT_DIR_ENTRIES = 100_000


def _font_files(dirs: list[str]) -> list[Path]:
    """The ``.ttf``/``.ttc`` names under *dirs*, in the order ``sorted(rglob)`` gave.

    Walked with ``os.scandir``, each folder once even where links make a
    loop, and without opening anything: a FIFO, a device or a socket named
    ``x.ttf`` is sorted out later by ``_read_font`` from its ``fstat``.
    """
    found: list[Path] = []
    seen = 0
    visited: set[tuple[int, int]] = set()
    for d in dirs:
        stack = [d]
        while stack:
            folder = stack.pop()
            try:
                st = os.stat(folder)
                if (st.st_dev, st.st_ino) in visited:
                    continue
                visited.add((st.st_dev, st.st_ino))
                with os.scandir(folder) as it:
                    entries = list(it)
            except OSError:
                continue
            for entry in entries:
                seen += 1
                if seen > MAX_FONT_DIR_ENTRIES:
                    return sorted(found)
                try:
                    if entry.is_dir():
                        stack.append(entry.path)
                    elif entry.name.lower().endswith((".ttf", ".ttc")):
                        found.append(Path(entry.path))
                except OSError:
                    continue
    return sorted(found)


def _read_font(path: Path) -> bytes | None:
    """The bytes of *path* if it is a regular file of at most ``MAX_FONT_BYTES``, else None.

    Opened with ``O_NONBLOCK`` and checked with ``fstat`` on the open file:
    opening a FIFO for reading blocks until a writer comes, and a name can be
    swapped for one between a ``stat`` and an ``open``.
    """
    import stat

    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_FONT_BYTES:
            return None
        with os.fdopen(fd, "rb", closefd=False) as fh:
            data = fh.read(MAX_FONT_BYTES + 1)
        return data if len(data) <= MAX_FONT_BYTES else None
    except OSError:
        return None
    finally:
        os.close(fd)


def _scan_dirs(dirs: list[str]) -> list[tuple[str, str, str, int]]:
    """Family and style names read from the files themselves (no fontconfig)."""
    import io

    from reportlab.pdfbase.ttfonts import TTFontFile

    rows = []
    for p in _font_files(dirs):
        data = _read_font(p)
        if data is None:
            continue
        try:
            f = TTFontFile(io.BytesIO(data), validate=0, subfontIndex=0)
        except Exception:  # noqa: BLE001 - unreadable or CFF font: skip it
            continue
        family = f.familyName.decode("utf-8", "replace") if isinstance(f.familyName, bytes) else str(f.familyName)
        style = f.styleName.decode("utf-8", "replace") if isinstance(f.styleName, bytes) else str(f.styleName)
        rows.append((family, style, str(p), 0))
    return rows


def _fontpkg_rows() -> list[_Row]:
    """Font files of the installed fontpkg-* packages (normal and italic)."""
    try:
        import fontpkg
    except ImportError:
        return []
    rows = []
    for fam in fontpkg.families().values():
        for f in fam.files:
            if not str(f.path).lower().endswith(".ttf"):
                continue
            italic = f.style == "italic"
            if f.variable:
                rows.append((fam.name, "variable-italic" if italic else "variable", str(f.path), 0))
            elif f.weight in (None, 400, 700):
                bold = f.weight == 700
                name = {(False, False): "Regular", (True, False): "Bold", (False, True): "Italic"}.get(
                    (bold, italic), "Bold Italic"
                )
                rows.append((fam.name, name, str(f.path), 0))
    return rows


@functools.lru_cache(maxsize=4)
def _inventory(user_dirs: tuple[str, ...]) -> tuple[_Row, ...]:
    rows: list[_Row] = []
    if user_dirs:
        rows += _scan_dirs(list(user_dirs))
    rows += _fontpkg_rows()
    system = _fc_list()
    rows += system or _scan_dirs([d for d in _DEBIAN_DIRS if os.path.isdir(d)])
    return tuple(r for r in rows if r[2].lower().endswith((".ttf", ".ttc")))


def cache_dir() -> Path:
    """Where instantiated font faces are kept between runs (``settings.cache_dir``)."""
    return settings.current().cache_dir / "fonts"


#: Names instantiated faces made with a fixed timestamp (older ones were stamped when made).
_INSTANCE_TAG = "-r2"


def _instance(path: str, weight: int) -> str:
    """A static face of a variable font at *weight*, made once and cached.

    The cache key is the source file's content hash, so an upgraded font
    package never reuses a stale face; the file is written under a temporary
    name and renamed, so parallel batch workers never read half a font.

    The face's bytes are a function of the source font alone: its ``head``
    table keeps the source's modification time instead of the moment it was
    made. reportlab copies ``head`` into every embedded subset, so a face
    stamped "now" made each machine's (and each fresh cache's) letters
    differ, and when processes made the face at once (the first run on a
    machine: the fork server, its workers, other runs), the letters of that
    run differed from every later one. Identical bytes also make those
    concurrent writers harmless. ``_INSTANCE_TAG`` in the name keeps faces
    stamped by older versions from being reused.
    """
    with open(path, "rb") as fh:
        digest = hashlib.sha256(fh.read()).hexdigest()[:16]
    target = cache_dir() / f"{Path(path).stem.split('[')[0]}-wght{weight}-{digest}{_INSTANCE_TAG}.ttf"
    if target.exists():
        return str(target)
    from fontTools.ttLib import TTFont
    from fontTools.varLib import instancer

    with TTFont(path) as font:
        axes = {a.axisTag: a.defaultValue for a in font["fvar"].axes}
        axes["wght"] = weight
        static = instancer.instantiateVariableFont(font, axes, optimize=False, updateFontNames=True)
        static.recalcTimestamp = False  # keep the source's head.modified (see above)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            static.save(out)
        os.replace(tmp, target)
    except BaseException:
        os.unlink(tmp)
        raise
    return str(target)


def find_font(family: str, style: str = "regular") -> FontFile | None:
    rows = _inventory(settings.current().font_dirs)
    wanted = _STYLE_NAMES[style]
    for fam, sty, path, index in rows:
        families = [f.strip() for f in fam.split(",")]
        if family not in families:
            continue
        if sty.startswith("variable"):
            if (sty == "variable-italic") != (style in ("italic", "bolditalic")):
                continue
            if style in ("bold", "bolditalic"):
                return FontFile(family, style, _instance(path, 700), 0)
            return FontFile(family, style, path, index)
        styles = [s.strip() for s in sty.split(",")]
        if any(s in styles for s in wanted):
            return FontFile(family, style, path, index)
    return None


class ScriptFont:
    """The faces chosen for one script, looked up when first used.

    Lazily, because a pip font's bold face costs seconds to instantiate the
    first time and most letters never use bold italic. A missing face falls
    back: bold italic to bold, bold to a heading family (BOLD_FAMILIES),
    anything else to regular.
    """

    def __init__(self, script: str, family: str, regular: FontFile) -> None:
        self.script = script
        self.family = family
        self._faces: dict[str, FontFile] = {"regular": regular}

    def face(self, style: str) -> FontFile:
        if style not in self._faces:
            self._faces[style] = self._find(style)
        return self._faces[style]

    def _find(self, style: str) -> FontFile:
        found = find_font(self.family, style)
        if found is not None:
            return found
        if style == "bolditalic":
            return self.face("bold")
        if style == "bold":
            for family in BOLD_FAMILIES.get(self.script, ()):
                found = find_font(family, "regular")
                if found is not None:
                    return found
        return self._faces["regular"]


class ThemeScriptFont(ScriptFont):
    """A theme's font for a script (themefonts.py): its own faces, and no other family's.

    A face the theme does not give falls back inside the family, never to
    the default family (a heading in another family than the body looks
    wrong): bold to the regular face, which the PDF draws in a synthetic
    bold (``pdffonts.font``), italic to the regular face upright, bold
    italic to the bold face.
    """

    def __init__(self, font: ThemeFont, theme_file: str) -> None:
        faces = {
            style: FontFile(font.family, style, face.path, face.index, f"{face.field} in {theme_file}")
            for style, face in font.faces
        }
        super().__init__(font.script, font.family, faces["regular"])
        self._faces.update(faces)

    def _find(self, style: str) -> FontFile:
        return self.face("bold") if style == "bolditalic" else self._faces["regular"]


@functools.lru_cache(maxsize=16)
def resolve(script: str) -> ScriptFont:
    """The best installed family for *script*, or FontError saying what to install."""
    for family in FAMILIES[script]:
        regular = find_font(family, "regular")
        if regular is None:
            continue
        return ScriptFont(script, family, regular)
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
        raise _missing(ch, font, field)


def missing_glyphs(text: str, font: FontFile, field: str | None) -> list[MissingGlyphError]:
    """Every distinct character of *text* that *font* lacks, in order: ``check`` reports them all."""
    have = coverage(font.path, font.index)
    missing = dict.fromkeys(ch for ch in text if ch not in _INVISIBLE and ord(ch) not in have)
    return [_missing(ch, font, field) for ch in missing]


def _missing(ch: str, font: FontFile, field: str | None) -> MissingGlyphError:
    name = unicodedata.name(ch, "unnamed character")
    if font.origin:
        # A theme's font: it is never eked out with another family (one
        # paragraph, one family), so the fix is in the text or the theme.
        error = MissingGlyphError(
            f"the theme's font {font.family} ({font.origin}) has no glyph for "
            f"U+{ord(ch):04X} {name} ({ch!r}); it would print as a box. Remove or replace "
            f"the character, or give the theme a font that has it",
            field=field,
        )
        error.theme_font = True
        return error
    return MissingGlyphError(
        f"the font {font.label} has no glyph for "
        f"U+{ord(ch):04X} {name} ({ch!r}); it would print as a box. Remove or replace "
        f"the character, or install a font that has it",
        field=field,
    )


@functools.lru_cache(maxsize=4)
def fingerprint(user_dirs: tuple[str, ...] | None = None) -> dict[str, str]:
    """Each family appeal-gen may print with -> a digest of the files that would give it, in look-up order.

    Two machines make the same letters only with the same fonts: a batch
    run on several machines (docs/cluster.md) compares its workers' with
    its own before it writes their letters. A file counts by its name, size
    and content (not its folder, which differs between installations); the
    order counts too, since the first file of a family wins. A family no
    file gives is "missing".
    """
    rows = _inventory(settings.current().font_dirs if user_dirs is None else user_dirs)
    wanted = [*(f for fams in FAMILIES.values() for f in fams), *(f for fams in BOLD_FAMILIES.values() for f in fams)]
    found: dict[str, str] = {}
    for family in dict.fromkeys(wanted):
        h = hashlib.sha256()
        files = 0
        for fam, sty, path, index in rows:
            if family not in (f.strip() for f in fam.split(",")):
                continue
            files += 1
            try:
                with open(path, "rb") as fh:
                    content = hashlib.file_digest(fh, "sha256").hexdigest()
            except OSError:
                content = "unreadable"
            h.update(f"{sty}\0{Path(path).name}\0{index}\0{content}\n".encode())
        found[family] = h.hexdigest()[:16] if files else "missing"
    return found
