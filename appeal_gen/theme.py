"""An organisation's look, from a ``theme.yaml``: paper, margins, logo, colour, letterhead and footer.

Documented field by field in docs/theme.md. A theme is read like a spec:
with the project's bounded YAML loader (``_yaml``), every node checked, and
every problem reported as ``FILE:LINE:COL: field: message`` (exit 2) before
anything is rendered. Its images are read only from the theme's own folder
and re-encoded (``images``). The result is a frozen, hashable value: the PDF
renderer keys its per-language layouts on it, and a batch's workers each
load it once.

No theme means today's look exactly: every default here is the value the
renderers used before themes existed (A4, 20 mm margins and 22 mm at the
bottom, the accent #B3121B, no logo).
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from . import _yaml
from .errors import SpecError, SpecErrors
from .images import PRINT_DPI, Image, ImageError, confined
from .svgimages import load_logo
from .themefonts import ThemeFont, read_fonts

if TYPE_CHECKING:
    from .spec import Spec

MM = 72 / 25.4
#: Named paper sizes, in points (ISO 216 and the North American sizes).
PAPER: dict[str, tuple[float, float]] = {
    "a4": (595.2756, 841.8898),
    "a5": (419.5276, 595.2756),
    "letter": (612.0, 792.0),
    "legal": (612.0, 1008.0),
}
#: Units a length may be given in, in points.
UNITS = {"mm": MM, "cm": 10 * MM, "in": 72.0, "pt": 1.0}
#: The defaults: what a letter looks like with no theme.
DEFAULT_PAGE = PAPER["a4"]
DEFAULT_MARGINS = (20 * MM, 20 * MM, 22 * MM, 20 * MM)  # top, right, bottom, left
DEFAULT_ACCENT = "#B3121B"
DEFAULT_LOGO_WIDTH = 40 * MM
MAX_LOGO_WIDTH = 120 * MM
#: The room the text must keep on a page (a letter's two-column head and its demands need it).
MIN_TEXT_WIDTH = 100 * MM
MIN_TEXT_HEIGHT = 120 * MM
#: The footer's reference and page number sit under the bottom margin: it must leave them room,
#: and with a footer line, 5 mm of paper below it (the strip most printers cannot print on).
MIN_BOTTOM = 15 * MM
MIN_BOTTOM_WITH_FOOTER = 22 * MM
MAX_PAGE = 1200 * MM
#: Limits on a theme's text: a letterhead is a few short lines.
MAX_LINES = 8
MAX_LINE_CHARS = 200

_LENGTH = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(mm|cm|in|pt)\s*$", re.I)
_SIZE = re.compile(r"^\s*(.+?)\s*[x×]\s*(.+?)\s*$", re.I)
_COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")
_LANG = re.compile(r"^[a-z]{2,3}(?:[_-][A-Za-z0-9]{2,8})*$")

_KEYS = ("page_size", "margins", "accent_color", "logo", "organisation", "footer", "fonts")
_MARGIN_KEYS = ("top", "right", "bottom", "left")
_LOGO_KEYS = ("file", "alt", "width")
_ORG_KEYS = ("name", "address", "contacts")

#: The YAML tags a theme's values may have: plain scalars.
_SCALAR_TAGS = frozenset(f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool"))

_STANDARD_TAGS = _SCALAR_TAGS | {f"tag:yaml.org,2002:{t}" for t in ("null", "timestamp", "seq", "map")}

#: A text in several languages: ((language, text), ...), in the file's order.
Texts = tuple[tuple[str, str], ...]
#: Lines in several languages: ((language, (line, ...)), ...).
Lines = tuple[tuple[str, tuple[str, ...]], ...]


class ThemeError(SpecError):
    """A theme file that cannot be used as written."""


def picked(values: tuple[tuple[str, object], ...], lang: str) -> str | None:
    """The key ``pick`` takes for *lang*: its own, else its base language's (``fr`` for ``fr_CA``), else the first."""
    if not values:
        return None
    keys = [k for k, _ in values]
    for key in (lang, lang.split("_")[0]):
        if key in keys:
            return key
    return keys[0]


def pick(values: tuple[tuple[str, object], ...], lang: str) -> object:
    """The value for *lang* (see ``picked``); None when there is none."""
    key = picked(values, lang)
    return dict(values)[key] if key is not None else None


def field_of(name: str, values: tuple[tuple[str, object], ...], lang: str) -> str:
    """The field path of the value *lang* takes (``footer.fr``; ``footer`` when given once)."""
    key = picked(values, lang)
    return name if key in (None, "*") else f"{name}.{key}"


@dataclass(frozen=True)
class Logo:
    """The theme's logo: its re-encoded pixels, what it shows (per language), how wide it is printed."""

    image: Image
    #: Alternative text per language (read aloud by screen readers; Word's "Alt Text").
    alt: Texts
    #: Width on the page in points; the height follows the image.
    width: float

    def alt_text(self, lang: str) -> str:
        return str(pick(self.alt, lang) or "")


@dataclass(frozen=True)
class Theme:
    """A validated theme. Lengths are in points; texts are per language (``pick``)."""

    path: str
    page_size: tuple[float, float] = DEFAULT_PAGE
    #: top, right, bottom, left.
    margins: tuple[float, float, float, float] = DEFAULT_MARGINS
    accent: str = DEFAULT_ACCENT
    logo: Logo | None = None
    name: Texts = ()
    address: Lines = ()
    contacts: Lines = ()
    footer: Texts = ()
    #: The organisation's own fonts, per script (themefonts.py); scripts not given keep the defaults.
    fonts: tuple[ThemeFont, ...] = ()
    #: Field -> (line, column), for errors found when a language is drawn (a missing glyph).
    positions: tuple[tuple[str, tuple[int, int]], ...] = field(default=(), compare=False, repr=False)

    @property
    def has_letterhead(self) -> bool:
        return bool(self.logo or self.name or self.address or self.contacts)

    def letterhead_lines(self, lang: str) -> tuple[str | None, tuple[str, ...]]:
        """The organisation block in *lang*: its name (or None) and its address and contact lines."""
        name = pick(self.name, lang)
        lines = (*(pick(self.address, lang) or ()), *(pick(self.contacts, lang) or ()))  # type: ignore[misc]
        return (str(name) if name else None), tuple(lines)

    def footer_text(self, lang: str) -> str | None:
        text = pick(self.footer, lang)
        return str(text) if text else None

    def locate(self, field_path: str) -> tuple[int | None, int | None]:
        """Where *field_path* (or its nearest parent) is written in the theme file."""
        table = dict(self.positions)
        while field_path:
            if field_path in table:
                return table[field_path]
            field_path = field_path.rpartition(".")[0]
        return None, None

    def error(self, exc: SpecError | Exception, field_path: str) -> ThemeError:
        """*exc* (raised drawing the theme's *field_path*) located in the theme file."""
        line, column = self.locate(field_path)
        message = getattr(exc, "message", str(exc))
        return ThemeError(message, file=self.path, line=line, column=column, field=field_path)


def load_theme(path: str | Path) -> Theme:
    """Read, validate and build the theme at *path*; ``SpecErrors`` with every problem, by line."""
    file = str(path)
    try:
        text = _yaml.read_spec_text(file)
    except SpecError as exc:
        raise SpecErrors([ThemeError(exc.message.replace("spec", "theme"), file=file, line=exc.line)]) from None
    root = _yaml.compose(text, file) if text.strip() else None
    if root is None:
        raise SpecErrors([ThemeError("the theme is empty", file=file, line=1, column=1)])
    return _ThemeReader(file).theme(root)


def theme_path(spec: Spec, override: str | Path | None = None) -> str | None:
    """The theme a build or batch uses: *override* (``--theme``, the user's own choice), else the spec's.

    A spec's ``theme:`` is a path inside the spec's folder (no ``..``, no
    link): a spec handed on by someone else cannot make appeal-gen read
    files elsewhere.
    """
    if override is not None:
        return os.fspath(override)
    if spec.theme is None:
        return None
    try:
        return os.fspath(confined(Path(spec.path).parent, spec.theme.strip(), "the spec's folder"))
    except ImageError as exc:
        raise SpecErrors([SpecError(exc.message, file=spec.path, field="theme")]) from None


def resolve_theme(spec: Spec, override: str | Path | None = None) -> Theme | None:
    """The ``Theme`` of ``theme_path`` loaded (None: the default look)."""
    path = theme_path(spec, override)
    return load_theme(path) if path is not None else None


@functools.lru_cache(maxsize=8)
def _digest(path: str, stamp: tuple[int, int]) -> str:
    theme = load_theme(path)
    h = hashlib.sha256(Path(path).read_bytes())
    h.update(theme.logo.image.png if theme.logo else b"")
    for font in theme.fonts:
        for style, face in font.faces:
            h.update(f"font\0{font.script}\0{style}\0{face.index}\0{face.digest}\0".encode())
    return h.hexdigest()


def theme_digest(path: str) -> str:
    """What a theme's letters depend on (its file, its logo's pixels, its fonts' contents): a batch's
    fingerprints and a cluster's handshake hold it, so a worker with other font files is refused."""
    st = os.stat(path)
    return _digest(path, (st.st_size, st.st_mtime_ns))


class _Reader:
    """Checks a theme's nodes (mappings, texts, lengths, per-language values), collecting every problem."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.folder = Path(file).parent
        self.errors: list[SpecError] = []
        self.positions: dict[str, tuple[int, int]] = {}

    def error(self, node: yaml.Node, where: str, message: str) -> None:
        mark = node.start_mark
        self.errors.append(ThemeError(message, file=self.file, line=mark.line + 1, column=mark.column + 1, field=where))

    def mapping(self, node: yaml.Node, where: str, keys: tuple[str, ...]) -> dict[str, yaml.Node]:
        if not isinstance(node, yaml.MappingNode):
            self.error(node, where, f"expected a mapping with the keys {', '.join(keys)}")
            return {}
        out: dict[str, yaml.Node] = {}
        for k, v in node.value:
            name = k.value if isinstance(k, yaml.ScalarNode) else None
            if name not in keys:
                close = difflib.get_close_matches(str(name), keys, n=1, cutoff=0.6)
                hint = f"; did you mean '{close[0]}'?" if close else f"; known keys: {', '.join(keys)}"
                self.error(k, f"{where}.{name}" if where else str(name), f"unknown key{hint}")
            elif name in out:
                self.error(k, f"{where}.{name}" if where else name, "given twice")
            else:
                out[name] = v
                path = f"{where}.{name}" if where else name
                self.positions[path] = (v.start_mark.line + 1, v.start_mark.column + 1)
        return out

    def scalar(self, node: yaml.Node, where: str) -> str | None:
        """A scalar's text as written (``2cm``, ``#1F4E79``, ``yes``); a list, mapping or empty value is an error."""
        if isinstance(node, yaml.ScalarNode) and node.tag in _SCALAR_TAGS:
            return str(node.value)
        if node.tag in _STANDARD_TAGS:
            self.error(node, where, "expected a text")
        else:  # never constructed, only refused, like a spec's
            self.error(node, where, f"the YAML tag {node.tag} is not allowed in a theme")
        return None

    def text(self, node: yaml.Node, where: str) -> str | None:
        value = self.scalar(node, where)
        if value is None:
            return None
        value = " ".join(value.split())
        if not value:
            self.error(node, where, "is empty")
            return None
        if len(value) > MAX_LINE_CHARS:
            self.error(node, where, f"is {len(value)} characters, more than {MAX_LINE_CHARS} for a letterhead line")
            return None
        bad = next((c for c in value if ord(c) < 32 or 0xD800 <= ord(c) < 0xE000 or c in "\ufffe\uffff"), None)
        if bad is not None:
            self.error(node, where, f"holds the control character U+{ord(bad):04X}; remove it")
            return None
        return value

    def length(self, node: yaml.Node, where: str) -> float | None:
        value = self.scalar(node, where)
        m = _LENGTH.match(value or "")
        if not m:
            if value is not None:
                self.error(
                    node, where, f"'{value}' is not a length; write a number and a unit: 20mm, 2cm, 0.75in, 54pt"
                )
            return None
        return float(m.group(1)) * UNITS[m.group(2).lower()]

    def per_language(self, node: yaml.Node, where: str, one: str) -> tuple[tuple[str, object], ...]:
        """A value given once (every language) or per language (``en: ...``, ``fr: ...``)."""
        read = self.lines if one == "lines" else self.text
        if isinstance(node, yaml.MappingNode):
            out = []
            for k, v in node.value:
                lang = str(k.value) if isinstance(k, yaml.ScalarNode) else ""
                if not _LANG.match(lang):
                    self.error(k, f"{where}.{lang}", "expected a language code (en, fr, ar, ...) as the key")
                    continue
                self.positions[f"{where}.{lang}"] = (v.start_mark.line + 1, v.start_mark.column + 1)
                value = read(v, f"{where}.{lang}")
                if value is not None:
                    out.append((lang.replace("-", "_"), value))
            return tuple(out)
        value = read(node, where)
        return (("*", value),) if value is not None else ()

    def lines(self, node: yaml.Node, where: str) -> tuple[str, ...] | None:
        if isinstance(node, yaml.ScalarNode):
            one = self.text(node, where)
            return (one,) if one else None
        if not isinstance(node, yaml.SequenceNode):
            self.error(node, where, "expected a list of lines")
            return None
        if len(node.value) > MAX_LINES:
            self.error(node, where, f"has {len(node.value)} lines; a letterhead holds at most {MAX_LINES}")
            return None
        for i, item in enumerate(node.value):
            self.positions[f"{where}.{i}"] = (item.start_mark.line + 1, item.start_mark.column + 1)
        out = [self.text(item, f"{where}.{i}") for i, item in enumerate(node.value)]
        return tuple(x for x in out if x is not None)


class _ThemeReader(_Reader):
    """The theme's own fields, on top of the generic checks."""

    def theme(self, root: yaml.Node) -> Theme:
        top = self.mapping(root, "", _KEYS)
        kw: dict[str, object] = {}
        if "page_size" in top:
            size = self.page_size(top["page_size"])
            if size:
                kw["page_size"] = size
        if "margins" in top:
            kw["margins"] = self.margins(top["margins"])
        if "accent_color" in top:
            node = top["accent_color"]
            value = self.scalar(node, "accent_color")
            if value is not None and not _COLOUR.match(value.strip()):
                self.error(node, "accent_color", f"'{value}' is not a colour; write it as #RRGGBB, e.g. #1F4E79")
            elif value is not None:
                kw["accent"] = value.strip().upper()
        if "logo" in top:
            logo = self.logo(top["logo"])
            if logo is not None:
                kw["logo"] = logo
        if "organisation" in top:
            org = self.mapping(top["organisation"], "organisation", _ORG_KEYS)
            if "name" in org:
                kw["name"] = self.per_language(org["name"], "organisation.name", "text")
            for key in ("address", "contacts"):
                if key in org:
                    kw[key] = self.per_language(org[key], f"organisation.{key}", "lines")
        if "footer" in top:
            kw["footer"] = self.per_language(top["footer"], "footer", "text")
        if "fonts" in top:
            kw["fonts"] = read_fonts(self, top["fonts"])
        self.check_room(top, kw)
        if self.errors:
            raise SpecErrors(sorted(self.errors, key=lambda e: (e.line or 0, e.column or 0)))
        return Theme(path=self.file, positions=tuple(self.positions.items()), **kw)  # type: ignore[arg-type]

    def page_size(self, node: yaml.Node) -> tuple[float, float] | None:
        value = self.scalar(node, "page_size")
        if value is None:
            return None
        if value.strip().lower() in PAPER:
            return PAPER[value.strip().lower()]
        m = _SIZE.match(value)
        dims = [_LENGTH.match(m.group(1)), _LENGTH.match(m.group(2))] if m else []
        if not m or not all(dims):
            names = ", ".join(k if k != "a4" and k != "a5" else k.upper() for k in PAPER)
            close = difflib.get_close_matches(value.strip().lower(), list(PAPER), n=1, cutoff=0.6)
            hint = f"did you mean '{close[0]}'? " if close else ""
            self.error(
                node, "page_size", f"'{value}' is not a page size; {hint}use {names}, or WIDTH x HEIGHT (216mm x 279mm)"
            )
            return None
        w, h = (float(d.group(1)) * UNITS[d.group(2).lower()] for d in dims if d)
        if not (0 < w <= MAX_PAGE and 0 < h <= MAX_PAGE):
            self.error(node, "page_size", f"'{value}' is not a paper size appeal-gen can lay a letter out on")
            return None
        return (w, h)

    def margins(self, node: yaml.Node) -> tuple[float, float, float, float]:
        if isinstance(node, yaml.ScalarNode):
            one = self.length(node, "margins")
            if one is None:
                return DEFAULT_MARGINS
            return (one, one, one, one)
        given = self.mapping(node, "margins", _MARGIN_KEYS)
        out = list(DEFAULT_MARGINS)
        for i, key in enumerate(_MARGIN_KEYS):
            if key in given:
                value = self.length(given[key], f"margins.{key}")
                if value is not None:
                    out[i] = value
        return (out[0], out[1], out[2], out[3])

    def logo(self, node: yaml.Node) -> Logo | None:
        given = self.mapping(node, "logo", _LOGO_KEYS)
        if "file" not in given:
            if isinstance(node, yaml.MappingNode):
                self.error(node, "logo", "needs 'file' (the image, next to theme.yaml) and 'alt' (what it shows)")
            return None
        if "alt" not in given:
            self.error(node, "logo", "needs 'alt': the logo's text for screen readers (the organisation's name)")
        file_node = given["file"]
        name = self.scalar(file_node, "logo.file")
        width = self.length(given["width"], "logo.width") if "width" in given else DEFAULT_LOGO_WIDTH
        if width is not None and not (5 * MM <= width <= MAX_LOGO_WIDTH):
            self.error(given["width"], "logo.width", "must be between 5mm and 120mm")
            width = None
        alt = self.per_language(given["alt"], "logo.alt", "text") if "alt" in given else ()
        if name is None:
            return None
        try:
            dots = math.ceil((width or MAX_LOGO_WIDTH) / 72 * PRINT_DPI)
            image = load_logo(confined(self.folder, name.strip()), dots)
        except ImageError as exc:
            self.error(file_node, "logo.file", exc.message)
            return None
        if width is None or not alt:
            return None
        return Logo(image=image, alt=alt, width=width)  # type: ignore[arg-type]

    def check_room(self, top: dict[str, yaml.Node], kw: dict[str, object]) -> None:
        """The margins must leave the letter room on the page, and the footer room below them."""
        if "margins" not in top and "page_size" not in top:
            return
        size: tuple[float, float] = kw.get("page_size", DEFAULT_PAGE)  # type: ignore[assignment]
        margins: tuple[float, float, float, float] = kw.get("margins", DEFAULT_MARGINS)  # type: ignore[assignment]
        w, h = size
        t, r, b, left = margins
        node = top.get("margins") or top["page_size"]
        where = "margins" if "margins" in top else "page_size"
        if w - left - r < MIN_TEXT_WIDTH:
            self.error(
                node, where, f"leaves {(w - left - r) / MM:.0f}mm across for the text; a letter needs at least 100mm"
            )
        if h - t - b < MIN_TEXT_HEIGHT:
            self.error(node, where, f"leaves {(h - t - b) / MM:.0f}mm down for the text; a letter needs at least 120mm")
        least = MIN_BOTTOM_WITH_FOOTER if "footer" in top else MIN_BOTTOM
        if b < least - 0.01:
            self.error(
                node,
                "margins.bottom" if where == "margins" else where,
                f"{b / MM:.0f}mm is too little: the footer (reference, page number"
                f"{', footer line' if 'footer' in top else ''}) needs {least / MM:.0f}mm",
            )
