"""The PDF's fonts: which face draws each character, registered with reportlab on first use.

Text is cut into script runs (Latin, Arabic, Khmer, Han) and each run is
drawn with its script's font; every character is checked against the exact
face that will draw it, so nothing is ever drawn as a box. Every value
reaches reportlab as escaped text inside markup written here, so nothing in
a spec or catalog can become a reportlab tag.

A theme may give its own font for a script (themefonts.py). The fonts in
effect are a ``FontSet``, part of the ``PdfOptions`` and made current for the
time a letter is drawn (``using``): a context variable, not an argument,
because the choice reaches every function that measures or marks up text,
and those memoise on their arguments (so the set's ``key`` is one of them).
reportlab's font names are keyed by the face: ``AG-latin-regular`` for the
default Latin font, ``AG-latin~<key>-regular`` for a theme's, ``key`` being
a digest of the theme's font files. Two themes (or a theme and none) in one
process never draw with each other's faces.
"""

from __future__ import annotations

import contextlib
import contextvars
import copy
import functools
import os
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any
from xml.sax.saxutils import escape

from .. import fonts
from ..errors import MissingGlyphError
from ..markup import Para, Run
from ..themefonts import ThemeFont
from . import subsets
from .pdfstyles import ACCENT

#: The (face tag, style) faces registered with reportlab, the tag being the
#: script, plus ``~key`` for a theme's font. reportlab's font registry is one
#: per process, so this mirror of it is too (not in a ``PdfContext``): a face
#: registered once is drawn by every later letter.
REGISTERED: set[tuple[str, str]] = set()
#: The stroke of a synthetic bold, in ems: about what Word and LibreOffice draw.
SYNTHETIC_BOLD_EM = 0.03


@dataclass(frozen=True)
class FontSet:
    """The fonts a letter is drawn with: a theme's own per script (``Theme.fonts``), the defaults for the rest."""

    fonts: tuple[ThemeFont, ...] = ()
    #: The theme file, named in a missing glyph's message.
    theme_file: str = ""
    #: What the memoised text functions add to their arguments: "" for the defaults. Made once
    #: (it is read for every paragraph) and a field, so that every copy pickles alike (layout files' names).
    key: str = dataclass_field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", ",".join(f"{f.script}~{f.key}" for f in self.fonts))


DEFAULT_FONTS = FontSet()
_ACTIVE: contextvars.ContextVar[FontSet] = contextvars.ContextVar("appeal_gen_fonts", default=DEFAULT_FONTS)


@contextlib.contextmanager
def using(font_set: FontSet) -> Iterator[None]:
    """Draw with *font_set* inside the ``with`` block (this thread or task only)."""
    token = _ACTIVE.set(font_set)
    try:
        yield
    finally:
        _ACTIVE.reset(token)


def active() -> FontSet:
    """The fonts in effect (``using``)."""
    return _ACTIVE.get()


@functools.lru_cache(maxsize=16)
def _theme_fonts(font_set: FontSet) -> dict[str, tuple[str, fonts.ScriptFont]]:
    """Script -> (face tag, its faces) for the scripts *font_set* gives; made once per set."""
    return {
        f.script: (f"{f.script}~{f.key}", fonts.ThemeScriptFont(f, font_set.theme_file or "the theme"))
        for f in font_set.fonts
    }


def _chosen(script: str) -> tuple[str, fonts.ScriptFont]:
    font_set = _ACTIVE.get()
    if font_set.fonts:
        given = _theme_fonts(font_set).get(script)
        if given is not None:
            return given
    return script, fonts.resolve(script)


def script_font(script: str) -> fonts.ScriptFont:
    """The faces that draw *script* now: the theme's, if it gives one, else the installed default."""
    return _chosen(script)[1]


def font(script: str, style: str = "regular") -> str:
    """The reportlab name of one face of a script's font, registered on first use.

    Faces are registered one by one because a face may cost seconds to make
    the first time (a bold instance of a variable pip font).
    """
    tag, chosen = _chosen(script)
    family = f"AG-{tag}"
    name = f"{family}-{style}"
    if (tag, style) not in REGISTERED:
        from reportlab.lib.fonts import addMapping
        from reportlab.pdfbase import pdfmetrics

        from .subsets import ttfont_class

        face = chosen.face(style)
        if style != "regular" and face == chosen.face("regular"):
            font(script, "regular")  # the twin below: a synthetic bold needs its regular face registered
        twin = next(
            (
                pdfmetrics.getFont(f"{family}-{other}")
                for other in fonts.STYLES
                if (tag, other) in REGISTERED and chosen.face(other) == face
            ),
            None,
        )
        if twin is not None:
            # The same face as another style (WenQuanYi has no bold).
            # reportlab registers a second font of the same face as the first
            # one under the new name; parsing a CJK font again to find that
            # out cost 0.1 s.
            ttf = copy.copy(twin)
            ttf.fontName = name
            if style in ("bold", "bolditalic") and twin.fontName.endswith(("-regular", "-italic")):
                # No bold face: drawn filled and stroked (see subsets.stroking_canvas).
                subsets.SYNTHETIC_BOLD[name] = SYNTHETIC_BOLD_EM
        else:
            ttf = ttfont_class()(name, face.path, subfontIndex=face.index)
        _register(ttf, tag, face.index)
        addMapping(family, int(style in ("bold", "bolditalic")), int(style in ("italic", "bolditalic")), name)
        REGISTERED.add((tag, style))
    return name


def _register(ttf: Any, tag: str, index: int) -> None:
    """Register *ttf* (face *index* of its file); a theme's face (*tag* with ``~``) under a name of its own.

    reportlab keeps one font per PostScript name: registering a second file
    of the same name (a theme's subset of DejaVu Serif after another theme's
    full one, another version of Noto Sans) silently draws with the first
    file's glyphs, boxes where it lacks a letter. A theme's face is
    registered under a name of its own file, then given its name back for
    the PDF. The twin of a face (the same file, another style) shares it,
    as the default fonts' twins do.
    """
    from reportlab.pdfbase import pdfmetrics

    if "~" not in tag:
        pdfmetrics.registerFont(ttf)  # the defaults: registered as they always were, the same bytes
        return
    real = ttf.face.name
    ttf.face.name = b"%s~%s~%s~%d" % (real, tag.encode(), os.fsencode(ttf.face.filename), index)
    try:
        pdfmetrics.registerFont(ttf)
    finally:
        ttf.face.name = real


def font_of_name(name: str) -> str:
    """Register the face a reportlab *name* made by ``font`` stands for (another worker's layout names it)."""
    tag, style = name.removeprefix("AG-").rsplit("-", 1)
    made = font(tag.split("~")[0], style)
    assert made == name, f"{name} is not a face of the fonts in effect ({made})"
    return made


def register(script: str) -> str:
    """Register a script's regular and bold faces; return the family name."""
    font(script, "regular")
    font(script, "bold")
    return f"AG-{_chosen(script)[0]}"


def forget_shaped_glyphs() -> None:
    """Give every document the same private-use codes for shaped glyphs (see ``subsets.forget_shaped_glyphs``)."""
    subsets.forget_shaped_glyphs(f"AG-{tag}-{style}" for tag, style in sorted(REGISTERED))


def split_scripts(
    text: str,
    base: str,
    field: str | None = None,
    problems: list[MissingGlyphError] | None = None,
    *,
    bold: bool = False,
) -> Iterator[tuple[str, str]]:
    """Cut *text* into (script, piece); neutral characters stay with their run.

    In shaped (Khmer) paragraphs every character the base font has stays in
    the base font: reportlab's shaper cannot mix fonts within a paragraph.
    Except in *bold* runs: the Khmer fonts have no bold Latin (Khmer OS has
    no bold, and its "bold", Khmer OS Muol Light, draws Latin at regular
    weight), so a word of Latin letters with no Khmer in it is drawn with the
    Latin font's bold face (issue 15). Words are shaped one font at a time
    (``subsets``), so this costs nothing in the shaping.
    With *problems*, a word that cannot be laid out is listed there instead
    of raised, so that ``check`` reports every one (``pdf.glyph_problems``).
    """
    keep = fonts.coverage(*_face_key(base)) if base in _SINGLE_FONT_SCRIPTS else frozenset()
    current = base
    buf: list[str] = []
    for word in _WORDS.findall(text) if keep else (text,):
        whole = None
        if bold and keep and _LATIN_LETTER.search(word) and not _KHMER_CHAR.search(word):
            whole = "latin"
        elif keep and not all(ord(c) in keep for c in word):
            # reportlab shapes a word with the font of its first character,
            # so one word must not need two fonts: a word the Khmer font
            # cannot draw whole (Greek, say) takes one font for all of it.
            foreign = [c for c in word if ord(c) not in keep and fonts.script_of(c)]
            if foreign and _KHMER_CHAR.search(word):
                error = MissingGlyphError(
                    f"the word {word!r} joins Khmer to {foreign[0]!r} "
                    f"(U+{ord(foreign[0]):04X} {unicodedata.name(foreign[0], 'unnamed character')}), "
                    "which the Khmer font has no glyph for; put a space between them",
                    field=field,
                )
                if problems is None:
                    raise error
                problems.append(error)
            whole = fonts.script_of(foreign[0]) if foreign else None
        for ch in word:
            script = whole or (base if ord(ch) in keep else (fonts.script_of(ch) or current))
            if script != current and buf:
                yield current, "".join(buf)
                buf = []
            current = script
            buf.append(ch)
    if buf:
        yield current, "".join(buf)


_WORDS = re.compile(r"\s+|\S+")
_KHMER_CHAR = re.compile(r"[\u1780-\u17FF\u19E0-\u19FF]")
#: Letters the Latin font draws: a bold word with one of them and no Khmer is set in Latin bold.
_LATIN_LETTER = re.compile(r"[A-Za-z\u00C0-\u024F\u1E00-\u1EFF]")


_SINGLE_FONT_SCRIPTS = ("khmer",)


def _face_key(script: str) -> tuple[str, int]:
    face = script_font(script).face("regular")
    return face.path, face.index


def _neutral_runs(piece: str, script: str, have: frozenset[int], *, whole_words: bool) -> list[tuple[str, str]]:
    """*piece* of *script* cut where neutral characters its font lacks (U+202F in Khmer fonts) go to the Latin font.

    Character by character for the default fonts. For a theme's font
    (*whole_words*), only whitespace and whole words of digits and signs
    ("No. 41," "+855" in a Khmer address): it is never eked out inside a
    word of its own script, where a second font looks patched in and
    reportlab's shaper garbles Khmer. Such a word keeps its font, and the
    glyph check names what it lacks.
    """
    chunks = _WORDS.findall(piece) if whole_words else list(piece)
    sub: list[tuple[str, str]] = []
    for chunk in chunks:
        lacking = [c for c in chunk if ord(c) not in have]
        if whole_words and not chunk.isspace():
            # A word of digits and signs only ("41,", "+855") goes whole to the Latin font.
            s = "latin" if lacking and all(fonts.script_of(c) is None for c in chunk) else script
        else:
            s = "latin" if lacking and fonts.script_of(chunk[0]) is None else script
        if sub and sub[-1][0] == s:
            sub[-1] = (s, sub[-1][1] + chunk)
        else:
            sub.append((s, chunk))
    return sub


def _style_key(run: Run, force_bold: bool) -> str:
    bold = run.bold or force_bold
    return {(False, False): "regular", (True, False): "bold", (False, True): "italic", (True, True): "bolditalic"}[
        (bold, run.italic)
    ]


def markup(para: Para, base: str, *, bold: bool = False, problems: list[MissingGlyphError] | None = None) -> str:
    """Paragraph markup for reportlab, with every value escaped.

    Each character is checked against the exact face that will draw it, and
    neutral characters (spaces, digits, punctuation) that the run's font
    lacks move to the Latin font, so nothing is ever drawn as a box. With
    *problems*, every missing glyph is listed there instead of the first
    being raised: the same choice of faces serves the render and ``check``.
    """
    out = []
    for run in para.runs:
        style = _style_key(run, bold)
        pieces = []
        # reportlab breaks lines at U+202F (its list of spaces has it): the
        # no-break space keeps French "; ! ?" from starting a line.
        for script, piece in split_scripts(
            run.text.replace("\u202f", "\u00a0"), base, para.field, problems, bold=style in ("bold", "bolditalic")
        ):
            face = script_font(script).face(style)
            have = fonts.coverage(face.path, face.index)
            if script != "latin" and any(ord(c) not in have and fonts.script_of(c) is None for c in piece):
                sub = _neutral_runs(piece, script, have, whole_words=bool(face.origin))
            else:
                sub = [(script, piece)]
            for s, p in sub:
                if problems is None:
                    fonts.check_glyphs(p, script_font(s).face(style), para.field)
                else:
                    problems.extend(fonts.missing_glyphs(p, script_font(s).face(style), para.field))
                pieces.append(f'<font name="{font(s, style)}">{escape(p)}</font>')
        text = "".join(pieces)
        if run.url:
            text = f'<a href="{escape(run.url, {chr(34): "&quot;"})}" color="{ACCENT}">{text}</a>'
        out.append(text)
    return "".join(out)
