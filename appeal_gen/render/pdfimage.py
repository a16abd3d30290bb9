"""A theme's logo as a PDF image XObject, encoded once per process and drawn as letterhead furniture.

reportlab's own image drawing (``canvas.drawImage``) does, for every document
it draws a logo in, what only needs doing once: it decodes the PNG again,
hashes every pixel to name the image, splits off the alpha channel,
deflates the colour and the alpha samples again, and writes both in ASCII85
(a quarter larger than the bytes themselves). In a batch each language's
layout is one such document, and every letter of the batch is a copy of its
layout's objects, so the logo's bytes are written, hashed and (in an
``.eml``) base64-encoded once per letter: their size is the logo's cost per
letter, and the encoding its cost per layout.

Here the two streams (the colour samples, and the alpha channel as an
``/SMask``, allowed in PDF/A-2) are made once per process from the
re-encoded image (``images.Image``) and kept as bytes; every document that
draws the logo formats a small dictionary around them. Each stream is the
smaller of two encodings of the same samples: plain Flate, which suits flat
colours, and Flate over PNG's row filters (``/Predictor 15``, what Pillow's
PNG encoder chooses row by row), which suits photographs and gradients.
Binary, never ASCII85. Same image, same bytes: the output is deterministic.
"""

from __future__ import annotations

import functools
import hashlib
import io
import struct
import zlib
from dataclasses import dataclass
from typing import Any

from ..images import Image
from .pdftags import artifact

#: How the logo is marked: page furniture of the letterhead (the organisation's name is printed beside it).
LOGO_ARTIFACT = "/Pagination /Subtype /Header"


@dataclass(frozen=True)
class Samples:
    """One image stream's bytes and the dictionary entries that say how to read them."""

    data: bytes
    #: ``/DecodeParms`` of PNG row filters, or None for plain Flate.
    columns: int | None
    colors: int


@dataclass(frozen=True)
class EncodedLogo:
    """A logo's PDF streams: its colour samples, its alpha (None: opaque), a name for its XObject."""

    width: int
    height: int
    color: Samples
    alpha: Samples | None
    name: str


@functools.lru_cache(maxsize=4)
def encode_logo(image: Image) -> EncodedLogo:
    """*image*'s PDF streams, made once per process (an ``Image`` is frozen and hashable)."""
    from PIL import Image as PILImage

    with PILImage.open(io.BytesIO(image.png)) as img:
        img.load()
        rgb = img.convert("RGB")
        alpha = img.getchannel("A") if img.mode == "RGBA" else None
    # A fully opaque alpha channel is no mask at all.
    if alpha is not None and alpha.getextrema() == (255, 255):
        alpha = None
    color = _samples(rgb, 3)
    mask = _samples(alpha, 1) if alpha is not None else None
    name = "AGlogo" + hashlib.sha256(image.png).hexdigest()[:16]
    return EncodedLogo(image.width, image.height, color, mask, name)


def _samples(img: Any, colors: int) -> Samples:
    """The smaller of plain Flate and Flate over PNG row filters, for *img*'s samples."""
    plain = zlib.compress(img.tobytes(), 9)
    out = io.BytesIO()
    img.save(out, "PNG", compress_level=9)
    filtered = _idat(out.getvalue())
    if len(filtered) < len(plain):
        return Samples(filtered, img.width, colors)
    return Samples(plain, None, colors)


def _idat(png: bytes) -> bytes:
    """The zlib stream of a PNG (its IDAT chunks joined): rows each led by its filter byte."""
    out = []
    i = 8
    while i < len(png):
        (length,) = struct.unpack(">I", png[i : i + 4])
        if png[i + 4 : i + 8] == b"IDAT":
            out.append(png[i + 8 : i + 8 + length])
        i += 12 + length
    return b"".join(out)


@functools.lru_cache(maxsize=1)
def _stream_class() -> type:
    """A reportlab object writing an image stream from bytes made beforehand."""
    from reportlab.pdfbase.pdfdoc import PDFArray, PDFDictionary, PDFName, PDFObject, PDFStream

    class ImageStream(PDFObject):
        def __init__(self, logo: EncodedLogo, samples: Samples, smask: Any = None) -> None:
            self.logo, self.samples, self.smask = logo, samples, smask

        def format(self, document: Any) -> bytes:
            s = self.samples
            entries: dict[str, Any] = {
                "Type": PDFName("XObject"),
                "Subtype": PDFName("Image"),
                "Width": self.logo.width,
                "Height": self.logo.height,
                "BitsPerComponent": 8,
                "ColorSpace": PDFName("DeviceRGB" if s.colors == 3 else "DeviceGray"),
                # With a /Filter given, reportlab writes the content as it is.
                "Filter": PDFArray([PDFName("FlateDecode")]),
            }
            if s.columns is not None:
                entries["DecodeParms"] = PDFDictionary(
                    {"Predictor": 15, "Colors": s.colors, "BitsPerComponent": 8, "Columns": s.columns}
                )
            if self.smask is not None:
                entries["SMask"] = self.smask
            return PDFStream(PDFDictionary(entries), s.data).format(document)

    return ImageStream


def draw_logo(canvas: Any, image: Image, x: float, y: float, width: float, height: float) -> None:
    """*image* at (*x*, *y*), *width* x *height* points, marked as letterhead furniture.

    The XObject is added to the canvas's document the first time (later
    pages and calls reuse it, as ``drawImage`` does) from the bytes of
    ``encode_logo``.
    """
    from reportlab.pdfbase.pdfdoc import PDFObjectReference

    logo = encode_logo(image)
    doc = canvas._doc
    reg = doc.getXObjectName(logo.name)
    if reg not in doc.idToObject:
        stream = _stream_class()
        smask = None
        if logo.alpha is not None:
            mask_reg = doc.getXObjectName(logo.name + "a")
            doc.Reference(stream(logo, logo.alpha), mask_reg)
            smask = PDFObjectReference(mask_reg)
        doc.addForm(logo.name, stream(logo, logo.color, smask))
    with artifact(canvas, LOGO_ARTIFACT):
        canvas._currentPageHasImages = 1
        canvas.saveState()
        canvas.translate(x, y)
        canvas.scale(width, height)
        canvas._code.append(f"/{reg} Do")
        canvas.restoreState()
        canvas._formsinuse.append(logo.name)


@functools.lru_cache(maxsize=1)
def logo_flowable_class() -> type:
    """A platypus flowable drawing a logo with ``draw_logo``: the letterhead band's logo cell."""
    from reportlab.platypus import Flowable

    class LogoFlowable(Flowable):
        def __init__(self, image: Image, width: float, height: float) -> None:
            super().__init__()
            self.image, self.width, self.height = image, width, height

        def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
            return self.width, self.height

        def draw(self) -> None:
            draw_logo(self.canv, self.image, 0, 0, self.width, self.height)

    return LogoFlowable
