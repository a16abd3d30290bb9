"""Pre-printed stationery: each page of the letter drawn over a page of the organisation's letterhead PDF.

``--stationery first.pdf,rest.pdf`` (or one PDF: its first page under the
letter's first page, its second page, if it has one, under the others; one
page: under every page). The stationery replaces what a theme would draw as
letterhead (its logo, organisation block and footer line); the theme's page
size, margins and colour still apply, and the stationery's pages must be the
letter's size.

How: the stationery page becomes a Form XObject *inside reportlab's own
document* (its content stream, and its resources converted object by object
into reportlab's PDF objects), painted first on each page. So the letter
stays a PDF that reportlab wrote, which the batch's shared layouts
(render/compose.py) and combined PDFs (combine.py) copy byte for byte, and
the stationery is embedded once per document: in a batch, once per language
layout, never per letter.

Safe: read with pypdf (maintained), size and object limits, encrypted files
refused, and only the page's drawing is taken (its content and resources:
fonts, images, colour spaces), never its annotations, links, actions or
scripts.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError

#: A stationery PDF larger than this is refused unread (a letterhead is a few hundred KiB).
MAX_STATIONERY_BYTES = 20 * 1024 * 1024
#: PDF objects one stationery page may bring along (fonts, images and what they refer to).
MAX_OBJECTS = 20_000
#: Nesting of the objects a stationery page brings along.
MAX_DEPTH = 64
#: Keys never copied: what could act (links, scripts, actions) or tie the page to its old file.
_DROPPED = frozenset({"Parent", "Annots", "AA", "A", "OpenAction", "JS", "JavaScript", "URI", "Launch", "P"})


class StationeryError(InputError):
    """A stationery PDF that cannot be used."""


@dataclass(frozen=True)
class Paper:
    """One stationery page: its file's bytes, the page's index in it and its size in points."""

    file: str
    data: bytes
    index: int
    size: tuple[float, float]


@dataclass(frozen=True)
class Stationery:
    """The page under a letter's first page, and the one under the others."""

    first: Paper
    rest: Paper

    def paper(self, page_number: int) -> Paper:
        return self.first if page_number == 1 else self.rest

    def check_size(self, size: tuple[float, float]) -> None:
        """Refuse stationery that is not the letter's paper size (within a point)."""
        for paper in (self.first, self.rest):
            if abs(paper.size[0] - size[0]) > 1 or abs(paper.size[1] - size[1]) > 1:
                raise StationeryError(
                    f"page {paper.index + 1} is {paper.size[0]:.0f} x {paper.size[1]:.0f} pt, but the letters are "
                    f"{size[0]:.0f} x {size[1]:.0f} pt; give the theme the stationery's page_size",
                    file=paper.file,
                )


def load_stationery(value: str) -> Stationery:
    """``--stationery``'s value: ``FILE.pdf`` (page 1 first, page 2 or 1 after) or ``FIRST.pdf,REST.pdf``."""
    names = [v.strip() for v in value.split(",") if v.strip()]
    if not 1 <= len(names) <= 2:
        raise StationeryError(f"--stationery: expected FILE.pdf or FIRST.pdf,REST.pdf, not '{value}'")
    first = _pages(names[0])
    if len(names) == 2:
        return Stationery(first[0], _pages(names[1])[0])
    return Stationery(first[0], first[1] if len(first) > 1 else first[0])


def _pages(file: str) -> list[Paper]:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        with open(file, "rb") as fh:
            data = fh.read(MAX_STATIONERY_BYTES + 1)
    except OSError as exc:
        raise StationeryError(f"cannot read the stationery: {exc.strerror}", file=file) from None
    if len(data) > MAX_STATIONERY_BYTES:
        raise StationeryError(f"the stationery is more than {MAX_STATIONERY_BYTES // (1024 * 1024)} MiB", file=file)
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise StationeryError("the stationery PDF is encrypted; save it without a password", file=file)
        pages = []
        for i, page in enumerate(reader.pages[:2]):
            box = page.mediabox
            pages.append(Paper(file, data, i, (float(box.width), float(box.height))))
    except StationeryError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, RecursionError) as exc:
        raise StationeryError(f"not a PDF appeal-gen can read: {exc}", file=file) from None
    if not pages:
        raise StationeryError("the stationery PDF has no pages", file=file)
    return pages


def form_name(paper: Paper) -> str:
    """The Form XObject's name in a document: one per stationery page."""
    import hashlib

    return f"AGpaper{hashlib.sha256(paper.data).hexdigest()[:16]}p{paper.index}"


def paint(canvas: Any, paper: Paper) -> None:
    """Paint *paper* under everything on *canvas*'s current page (registered in its document on first use)."""
    name = form_name(paper)
    doc = canvas._doc
    if not doc.hasForm(name):
        doc.addForm(name, _form(paper, doc))
    # An artifact in a tagged PDF (render/pdftags.py): the paper is not part of the letter's text.
    canvas._code.insert(0, f"/Artifact BMC q /{doc.getXObjectName(name)} Do Q EMC")
    canvas._formsinuse.append(name)


def _form(paper: Paper, doc: Any) -> Any:
    from pypdf import PdfReader
    from reportlab.pdfbase import pdfdoc

    try:
        page = PdfReader(io.BytesIO(paper.data), strict=False).pages[paper.index]
        converter = _Converter(doc, form_name(paper))
        resources = page.get("/Resources")
        contents = page.get_contents()
        content = contents.get_data() if contents is not None else b""
        box = page.mediabox
        form = pdfdoc.PDFStream(
            pdfdoc.PDFDictionary(
                {
                    "Type": "/XObject",
                    "Subtype": "/Form",
                    "FormType": 1,
                    "BBox": pdfdoc.PDFArray([float(box.left), float(box.bottom), float(box.right), float(box.top)]),
                    "Matrix": pdfdoc.PDFArray([1, 0, 0, 1, -float(box.left), -float(box.bottom)]),
                    "Resources": converter.value(resources, 0) if resources is not None else pdfdoc.PDFDictionary(),
                }
            ),
            content,
        )
    except StationeryError:
        raise
    except Exception as exc:  # noqa: BLE001 - pypdf meets whatever a damaged file holds
        raise StationeryError(f"cannot use page {paper.index + 1}: {exc}", file=paper.file) from None
    return form


class _Converter:
    """pypdf's objects as reportlab's, each indirect object once, within ``MAX_OBJECTS`` and ``MAX_DEPTH``."""

    def __init__(self, doc: Any, prefix: str) -> None:
        self.doc = doc
        self.prefix = prefix
        self.done: dict[int, Any] = {}

    def value(self, obj: Any, depth: int) -> Any:
        from pypdf import generic as g
        from reportlab.pdfbase import pdfdoc

        if depth > MAX_DEPTH:
            raise StationeryError(f"the stationery's objects are nested more than {MAX_DEPTH} deep")
        if isinstance(obj, g.IndirectObject):
            return self.indirect(obj, depth)
        if isinstance(obj, g.StreamObject):
            head = {k[1:]: self.value(v, depth + 1) for k, v in obj.items() if k[1:] not in _DROPPED}
            head.pop("Length", None)
            # The stream's bytes as stored (still filtered, as its /Filter says): StreamObject's own get_data.
            raw = g.StreamObject.get_data(obj)
            if "Filter" not in head:
                head.pop("DecodeParms", None)
            return pdfdoc.PDFStream(pdfdoc.PDFDictionary(head), raw)
        if isinstance(obj, g.DictionaryObject):
            return pdfdoc.PDFDictionary(
                {k[1:]: self.value(v, depth + 1) for k, v in obj.items() if k[1:] not in _DROPPED}
            )
        if isinstance(obj, g.ArrayObject):
            return pdfdoc.PDFArray([self.value(v, depth + 1) for v in obj])
        if isinstance(obj, g.NameObject):
            return pdfdoc.PDFName(str(obj)[1:]).encode("latin-1", "replace")
        if isinstance(obj, g.BooleanObject):
            return b"true" if obj else b"false"
        if isinstance(obj, g.NullObject) or obj is None:
            return b"null"
        if isinstance(obj, (g.ByteStringObject, g.TextStringObject)):
            data = obj.original_bytes if isinstance(obj, g.TextStringObject) else bytes(obj)
            return b"<" + data.hex().encode() + b">"
        if isinstance(obj, g.NumberObject):
            return int(obj)
        if isinstance(obj, g.FloatObject):
            return float(obj)
        raise StationeryError(f"the stationery holds an object appeal-gen does not copy ({type(obj).__name__})")

    def indirect(self, ref: Any, depth: int) -> Any:
        from pypdf import generic as g
        from reportlab.pdfbase import pdfdoc

        key = ref.idnum
        if key in self.done:
            return self.done[key]
        if len(self.done) >= MAX_OBJECTS:
            raise StationeryError(f"the stationery page uses more than {MAX_OBJECTS:,} PDF objects")
        target = ref.get_object()
        if not isinstance(target, (g.DictionaryObject, g.ArrayObject)):
            # A number or a name kept apart: written in place.
            self.done[key] = value = self.value(target, depth + 1)
            return value
        name = f"{self.prefix}.{key}"
        self.done[key] = pdfdoc.PDFObjectReference(name)
        self.doc.Reference(self.value(target, depth + 1), name)
        return self.done[key]


def stationery_files(value: str) -> list[Path]:
    """The files a ``--stationery`` value names, for a batch's fingerprints."""
    return [Path(v.strip()) for v in value.split(",") if v.strip()]
