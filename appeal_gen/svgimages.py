"""SVG logos: checked by appeal-gen, then drawn to pixels once, at their printed size, by resvg.

An SVG is a program more than a picture: it can point at other files
(``<image href="/home/me/scan.png">``, ``file:`` and ``http:`` URLs,
``@import`` in its style sheet), declare XML entities (a "billion laughs"
expands a few hundred bytes into gigabytes; an external entity reads a
file), nest without end, or multiply its shapes through ``<use>`` chains.
The renderer chosen, resvg (``resvg-py``, the optional extra ``svg``), is
written in Rust, has no network code, and refuses entity loops, but it does
read an ``<image>``'s absolute path from the disk. So nothing reaches it
that appeal-gen has not read first, in full:

- parsed by lxml with entities unresolved, no DTD loaded, nothing fetched;
  a document with a ``DOCTYPE`` is refused (an SVG needs none);
- every reference (an ``href``, a ``url(...)`` in an attribute or a style
  sheet) must point inside the document (``#id``); ``@import``, scripts,
  embedded pictures (``<image>``, ``<foreignObject>``) are refused;
- text is refused: it would be drawn with whatever fonts the machine has
  (letters differing from one computer to the next); designers export
  logos with their text as outlines;
- at most ``MAX_DEPTH`` levels and ``MAX_ELEMENTS`` elements, counting each
  ``<use>`` as the copy it draws (and refusing one that draws itself);
- its proportions from its ``viewBox`` (or its width and height), within
  ``MAX_ASPECT``: the pixels are decided here, from the printed width at
  ``images.PRINT_DPI``, and written into the copy resvg reads, so no size
  an SVG claims can make the renderer allocate more.

resvg gets that re-serialised copy (comments, processing instructions and
other programs' elements removed) as a string, no path and no folder to
resolve names in, and no system fonts. Its PNG goes through the same
decoding and re-encoding as a PNG logo (``images.decode_image``), once when
the theme is read: the PDF and the DOCX both use those pixels.
"""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path
from typing import Any

from .images import MAX_IMAGE_PIXELS, Image, ImageError, decode_image, load_image, read_image_file

SVG_NS = "http://www.w3.org/2000/svg"
#: Nesting deeper than this is refused (a logo has a handful of groups).
MAX_DEPTH = 64
#: Elements drawn, each ``<use>`` counted as what it copies: a few hundred make a logo.
MAX_ELEMENTS = 20_000
#: Longest side over shortest side: a letterhead logo, not a rule or a column.
MAX_ASPECT = 20.0
#: Elements refused, by local name, and why.
REFUSED = {
    "script": "a script",
    "foreignObject": "embedded HTML (<foreignObject>)",
    "image": "an embedded picture (<image>); use the PNG itself as the logo",
    "text": "text, which each computer would draw in its own fonts; convert the text to outlines (paths)",
    "font": "an SVG font",
    "font-face": "an SVG font",
}
#: CSS lengths in user units (px), for an SVG without a viewBox.
_UNITS = {"": 1.0, "px": 1.0, "pt": 4 / 3, "pc": 16.0, "mm": 96 / 25.4, "cm": 96 / 2.54, "in": 96.0}
_LENGTH = re.compile(r"\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*([a-z]*)\s*")
_DOCTYPE = re.compile(rb"<!\s*DOCTYPE", re.I)
_URL = re.compile(r"url\(\s*['\"]?([^'\")]*)", re.I)


def load_logo(path: Path, max_width: int) -> Image:
    """The logo file at *path* (already confined): an SVG drawn here, else a PNG or JPEG (``images.load_image``).

    A batch reads its theme more than once in a process (to check it before
    any letter, for the letters' fingerprints, for the renderer): the logo
    is decoded, scaled and re-encoded once per file version (its size,
    modification time and inode), not each time.
    """
    try:
        st = os.stat(path, follow_symlinks=False)
    except OSError as exc:
        raise ImageError(f"cannot read '{path.name}': {exc.strerror}") from None
    return _load_logo(path, max_width, (st.st_size, st.st_mtime_ns, st.st_ino))


@functools.lru_cache(maxsize=8)
def _load_logo(path: Path, max_width: int, version: tuple[int, int, int]) -> Image:
    return load_svg(path, max_width) if path.suffix.lower() == ".svg" else load_image(path, max_width)


def load_svg(path: Path, max_width: int) -> Image:
    """The SVG at *path* (already confined), checked, drawn *max_width* pixels across, as an ``Image``."""
    from lxml import etree

    name = path.name
    data = read_image_file(path)
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=True, remove_pis=True
    )
    no_doctype = f"'{name}' has a DOCTYPE; an SVG logo needs none (it could declare entities)"
    if _DOCTYPE.search(data):  # before parsing: its entities are not even declared
        raise ImageError(no_doctype)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        message = re.sub(r", line \d+, column \d+$", "", str(exc.msg))
        raise ImageError(f"'{name}' line {exc.lineno}: not well-formed XML: {message}") from None
    doc = root.getroottree().docinfo
    if doc.doctype or doc.internalDTD is not None:  # one the search did not see (UTF-16)
        raise ImageError(no_doctype)
    if root.tag != f"{{{SVG_NS}}}svg":
        raise ImageError(f"'{name}' is not an SVG image (its root element is not <svg>)")
    _drop_foreign(root)
    _check(root, name)
    width, height = _size(root, name)
    rows = max(1, round(max_width * height / width))
    if max_width * rows > MAX_IMAGE_PIXELS:  # unreachable with MAX_ASPECT and the logo's width limit; a guard
        raise ImageError(f"'{name}' would be {max_width} x {rows} pixels; give it a wider viewBox")
    # The copy resvg reads says its size in pixels; its drawing keeps its own coordinates.
    if root.get("viewBox") is None:
        root.set("viewBox", f"0 0 {width:g} {height:g}")
    root.set("width", str(max_width))
    root.set("height", str(rows))
    root.attrib.pop("preserveAspectRatio", None)
    png = _render(etree.tostring(root, encoding="unicode"), max_width)
    image = decode_image(png, name)
    if abs(image.height - rows) > 1 or image.width != max_width:
        raise ImageError(f"'{name}' was drawn {image.width} x {image.height} pixels, not {max_width} x {rows}")
    return image


def _render(svg: str, width: int) -> bytes:
    """*svg* drawn *width* pixels across by resvg: no system fonts, no folder to read files from."""
    try:
        import resvg_py
    except ImportError:
        raise ImageError(
            "SVG logos need the optional SVG renderer: pip install 'appeal-gen[svg]' (or give a PNG)"
        ) from None
    try:
        return bytes(resvg_py.svg_to_bytes(svg_string=svg, width=width, skip_system_fonts=True))
    except Exception as exc:  # noqa: BLE001 - the renderer's own refusal, whatever its type
        raise ImageError(f"the SVG renderer cannot draw it: {exc}") from None


def _drop_foreign(root: Any) -> None:
    """Remove elements of other programs (Inkscape's, RDF metadata): resvg ignores them, nothing checks them."""
    for el in list(root.iter()):
        if el is not root and isinstance(el.tag, str) and not el.tag.startswith(f"{{{SVG_NS}}}"):
            parent = el.getparent()
            if parent is not None:
                parent.remove(el)


def _check(root: Any, name: str) -> None:
    """Refuse references outside the document, refused elements, and too deep or too many elements."""
    ids: dict[str, Any] = {}
    for el in root.iter():
        local = el.tag.rpartition("}")[2]
        where = f"'{name}' line {el.sourceline}: <{local}>"
        if local in REFUSED:
            raise ImageError(f"{where} is {REFUSED[local]}; SVG logos may hold only shapes")
        if el.get("id") is not None:
            ids[el.get("id")] = el
        for key, value in el.attrib.items():
            if key.rpartition("}")[2] == "href" and not value.strip().startswith("#"):
                raise ImageError(f"{where} refers to '{value}'; {_ONLY_OWN}")
            _urls(value, where)
        css = "".join(el.itertext()) if local == "style" else el.get("style", "")
        if "@import" in css.lower():
            raise ImageError(f"{where} imports a style sheet (@import); {_ONLY_OWN}")
        if "\\" in css:
            # An escape can spell url( so that no pattern here sees it.
            raise ImageError(f"{where} has a backslash escape in its style; write the style without escapes")
        _urls(css, where)
    depth = [(root, 1)]
    while depth:
        el, level = depth.pop()
        if level > MAX_DEPTH:
            raise ImageError(f"'{name}' line {el.sourceline}: nested more than {MAX_DEPTH} levels deep")
        depth.extend((child, level + 1) for child in el)
    counted: dict[Any, int] = {}
    if _count(root, ids, counted, set(), name) > MAX_ELEMENTS:
        raise ImageError(f"'{name}' draws more than {MAX_ELEMENTS:,} elements (counting each <use>); simplify it")


_ONLY_OWN = "an SVG logo may refer only to its own parts ('#id'): nothing is read from other files or the web"


def _urls(text: str, where: str) -> None:
    for m in _URL.finditer(text):
        if not m.group(1).strip().startswith("#"):
            raise ImageError(f"{where} refers to '{m.group(1)}'; {_ONLY_OWN}")


def _count(el: Any, ids: dict[str, Any], counted: dict[Any, int], path: set[Any], name: str) -> int:
    """Elements *el* draws, a ``<use>`` counting what it copies (memoised, so a chain is counted, not walked)."""
    if el in counted:
        return counted[el]
    if el in path:
        raise ImageError(f"'{name}' line {el.sourceline}: a <use> draws itself")
    path.add(el)
    total = 1
    for child in el:
        total += _count(child, ids, counted, path, name)
        if total > MAX_ELEMENTS:
            break
    if el.tag == f"{{{SVG_NS}}}use":
        ref = next((v for k, v in el.attrib.items() if k.rpartition("}")[2] == "href"), "")
        target = ids.get(ref.strip()[1:])
        if target is not None and target in path:
            raise ImageError(f"'{name}' line {el.sourceline}: a <use> draws itself")
        if target is not None:
            total += _count(target, ids, counted, path, name)
    path.discard(el)
    counted[el] = total
    return total


def _size(root: Any, name: str) -> tuple[float, float]:
    """The SVG's width and height in user units: its viewBox's, else its width and height attributes."""
    box = root.get("viewBox")
    if box is not None:
        parts = box.replace(",", " ").split()
        try:
            w, h = float(parts[2]), float(parts[3])
        except (IndexError, ValueError):
            raise ImageError(f"'{name}': its viewBox '{box}' is not four numbers") from None
    else:
        w, h = _length(root.get("width"), name, "width"), _length(root.get("height"), name, "height")
    if not (w > 0 and h > 0) or max(w / h, h / w) > MAX_ASPECT:
        raise ImageError(
            f"'{name}' is {w:g} x {h:g}; a logo's sides must be positive and at most {MAX_ASPECT:g} times each other"
        )
    return w, h


def _length(value: str | None, name: str, field: str) -> float:
    m = _LENGTH.fullmatch(value or "")
    if m is None or m.group(2) not in _UNITS:
        raise ImageError(
            f"'{name}' has no viewBox and its {field} is '{value or ''}'; give it a viewBox "
            "(or a width and height in px, pt, mm, cm or in)"
        )
    return float(m.group(1)) * _UNITS[m.group(2)]
