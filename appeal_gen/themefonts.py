"""A theme's own fonts (``fonts:`` in theme.yaml): read, checked, and described for the renderers.

An organisation's house font replaces appeal-gen's default family for one
script (docs/theme.md): ``latin`` (every letter outside Arabic, Khmer and
Han: Latin, Cyrillic and Greek, as ``fonts.script_of`` groups them),
``arabic``, ``khmer`` or ``han``. Each face is a file in the theme's own
folder, under the logo's rules (``images.confined``: no ``..``, no absolute
path, no link), read once here with fontTools and refused with one clear
line when reportlab could not embed it: a CFF-outline OpenType file, a
variable font, a collection index out of range, a font with no Unicode
character map or one whose licence forbids embedding.

Only ``regular`` is required. A missing face is never taken from another
family, since a heading in the default family under a body in the house
font looks like a mistake: bold is the regular face drawn in a synthetic
bold (as Word does), italic the regular face upright, bold italic the bold
face. The values are frozen and hashable: they are part of a ``Theme``,
which keys the renderers' layouts, and their digests part of a batch's
fingerprints and a cluster's handshake.

This module sits with theme.py, below ``fonts``: it knows files and
fontTools, not how fonts are chosen for text.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import yaml

#: The scripts a theme may give a font for: ``fonts.FAMILIES``'s keys.
SCRIPTS = ("latin", "arabic", "khmer", "han")
#: The faces of one script's font; only ``regular`` is required.
FACES = ("regular", "bold", "italic", "bolditalic")
#: A theme font larger than this is refused unread (a full Chinese TrueType font is about 20 MiB).
MAX_THEME_FONT_BYTES = 32 * 1024 * 1024


class ThemeFontError(Exception):
    """A font file a theme names that cannot be used; the message says why (theme.py locates it)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class ThemeFace:
    """One face file: its path (checked to be inside the theme's folder), index in a collection, theme field."""

    path: str
    index: int
    #: ``fonts.latin.bold``: named in a missing glyph's message.
    field: str
    #: The face's content hash: a worker with another file under the same name makes other letters.
    digest: str


@dataclass(frozen=True)
class ThemeFont:
    """A theme's font for one script: its family name (for the DOCX's styles) and the faces given."""

    script: str
    family: str
    faces: tuple[tuple[str, ThemeFace], ...]

    def face(self, style: str) -> ThemeFace | None:
        """The face given for *style*, or None (the renderers fall back, see the module's docstring)."""
        return dict(self.faces).get(style)

    @property
    def key(self) -> str:
        """A short name for this font's files, unique to their content: reportlab's font names carry it."""
        h = hashlib.sha256()
        for style, face in self.faces:
            h.update(f"{style}\0{face.index}\0{face.digest}\n".encode())
        return h.hexdigest()[:12]


def load_face(folder: Path, name: str, index: int, field: str) -> tuple[ThemeFace, str]:
    """The face file *name* in *folder* checked for reportlab, and its family name; ``ThemeFontError`` if not."""
    from .images import ImageError, confined, read_confined

    try:
        path = confined(folder, name.strip())
        data = read_confined(path, MAX_THEME_FONT_BYTES, "a font file is far smaller")
    except ImageError as exc:
        raise ThemeFontError(exc.message) from None
    family = check_font(data, index, path.name)
    return ThemeFace(str(path), index, field, hashlib.sha256(data).hexdigest()), family


def check_font(data: bytes, index: int, name: str) -> str:
    """The family name of face *index* of the font *data*, after the checks reportlab's embedding needs."""
    from fontTools.ttLib import TTCollection, TTFont

    try:
        if data[:4] == b"ttcf":
            count = len(TTCollection(io.BytesIO(data), lazy=True).fonts)
            if not 0 <= index < count:
                raise ThemeFontError(
                    f"'{name}' is a collection of {count} fonts; 'index' must be 0 to {count - 1}, not {index}"
                )
            font = TTFont(io.BytesIO(data), fontNumber=index, lazy=True)
        else:
            if index != 0:
                raise ThemeFontError(f"'{name}' holds one font, not a collection: 'index' must be 0 or left out")
            font = TTFont(io.BytesIO(data), lazy=True)
        tables = set(font.keys())
        cmap = font.getBestCmap() if "cmap" in tables else None
        family = _family(font)
    except ThemeFontError:
        raise
    except Exception as exc:  # noqa: BLE001 - fontTools raises many kinds (TTLibError, struct.error...) on a broken file
        raise ThemeFontError(
            f"'{name}' is not a font file appeal-gen can read (TrueType .ttf or .ttc): {exc}".rstrip(": ")
        ) from None
    if "CFF " in tables or "CFF2" in tables:
        raise ThemeFontError(
            f"'{name}' has PostScript (CFF) outlines, which reportlab cannot embed in a PDF; "
            "use the font's TrueType-outline version (.ttf)"
        )
    if "glyf" not in tables:
        raise ThemeFontError(f"'{name}' has no TrueType outlines (no 'glyf' table); use a .ttf font")
    if "fvar" in tables:
        raise ThemeFontError(
            f"'{name}' is a variable font; give its static faces instead (Regular, Bold, ...: "
            "the font's download usually has them in a 'static' folder)"
        )
    if not cmap:
        raise ThemeFontError(f"'{name}' has no Unicode character map: no text can be drawn with it")
    _check_embeddable(data, index, name)
    return family


def _family(font: object) -> str:
    """The family name Word and LibreOffice list the font under (the typographic family, else the legacy one)."""
    names = font["name"]  # type: ignore[index]
    for name_id in (16, 1):
        value = names.getDebugName(name_id)
        if value:
            return str(value).strip()
    raise ThemeFontError("the font has no family name")


def _check_embeddable(data: bytes, index: int, name: str) -> None:
    """reportlab's own reading of the file: what it refuses (a licence forbidding embedding, say), refused here."""
    from reportlab.pdfbase.ttfonts import TTFError, TTFontFile

    try:
        TTFontFile(io.BytesIO(data), validate=0, subfontIndex=index)
    except TTFError as exc:
        raise ThemeFontError(f"'{name}' cannot be embedded in a PDF: {exc}") from None
    except Exception as exc:  # noqa: BLE001 - reportlab's parser raises plain errors on broken tables
        raise ThemeFontError(f"'{name}' is not a font file appeal-gen can read: {exc}") from None


class Reader(Protocol):
    """What ``read_fonts`` needs of theme.py's reader: its folder, its node checks and its error list."""

    folder: Path

    def error(self, node: yaml.Node, where: str, message: str) -> None: ...

    def mapping(self, node: yaml.Node, where: str, keys: tuple[str, ...]) -> dict[str, yaml.Node]: ...

    def scalar(self, node: yaml.Node, where: str) -> str | None: ...


def read_fonts(reader: Reader, node: yaml.Node) -> tuple[ThemeFont, ...]:
    """The ``fonts:`` mapping: per script, a file (its regular face) or a mapping of faces.

    A face is a file name, or ``{file: NAME.ttc, index: N}`` for one font of
    a collection. Every problem goes to *reader*'s errors, located by field
    (``fonts.latin.bold``).
    """
    out = []
    for script, given in reader.mapping(node, "fonts", SCRIPTS).items():
        where = f"fonts.{script}"
        faces = {"regular": given} if isinstance(given, yaml.ScalarNode) else reader.mapping(given, where, FACES)
        if isinstance(given, yaml.MappingNode) and "regular" not in faces:
            reader.error(given, where, "needs 'regular': the font file of the ordinary text")
        family = None
        read: list[tuple[str, ThemeFace]] = []
        for style in FACES:
            if style not in faces:
                continue
            field = where if isinstance(given, yaml.ScalarNode) else f"{where}.{style}"
            loaded = _read_face(reader, faces[style], field)
            if loaded is None:
                continue
            face, name = loaded
            if family is not None and name != family and style != "regular":
                reader.error(
                    faces[style], field, f"is the family '{name}', not '{family}' as 'regular': one family per script"
                )
                continue
            family = family or name
            read.append((style, face))
        if family is not None and read and read[0][0] == "regular":
            out.append(ThemeFont(script, family, tuple(read)))
    return tuple(out)


def _read_face(reader: Reader, node: yaml.Node, field: str) -> tuple[ThemeFace, str] | None:
    index = 0
    file_node = node
    if isinstance(node, yaml.MappingNode):
        given = reader.mapping(node, field, ("file", "index"))
        if "file" not in given:
            reader.error(node, field, "needs 'file': the font file, next to theme.yaml")
            return None
        file_node = given["file"]
        if "index" in given:
            text = reader.scalar(given["index"], f"{field}.index")
            if text is None:
                return None
            if not text.strip().isdigit():
                reader.error(
                    given["index"], f"{field}.index", f"'{text}' is not a number: the font's place in the .ttc"
                )
                return None
            index = int(text)
    name = reader.scalar(file_node, field)
    if name is None:
        return None
    try:
        return load_face(reader.folder, name, index, field)
    except ThemeFontError as exc:
        reader.error(file_node, field, exc.message)
        return None
