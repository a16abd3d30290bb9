"""Image files an organisation supplies (a theme's logo), read safely and re-encoded.

A theme comes from whoever set up the organisation's copy, and a logo file
is whatever a designer exported: so it is read only from the theme's own
folder (no ``..``, no absolute path, no symbolic link on the way, never a
URL), refused above a file size and a pixel count *before* it is decoded (a
decompression bomb is a small PNG that claims 100,000 x 100,000 pixels),
decoded by Pillow (maintained, and already what reportlab uses for images),
and re-encoded as a plain PNG: no metadata (EXIF, XMP, ICC profiles, text
chunks with the author's name or GPS position), fixed compression, so the
same file always gives the same bytes in every letter.
"""

from __future__ import annotations

import io
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError
from .output import UnsafeOutputError, check_component

#: A logo file larger than this is refused before it is opened (a letterhead logo is a few hundred KiB).
MAX_IMAGE_BYTES = 5 * 1024 * 1024
#: Pixels (width x height) a logo may have: 4,000 x 4,000 prints sharp at 300 dpi 33 cm wide.
MAX_IMAGE_PIXELS = 16_000_000
#: The resolution a logo is kept at, at its printed width. Every letter file carries its own copy,
#: so its size is the logo's cost per letter: 200 dpi has 0.44 times the pixels of 300 dpi, and a
#: logo's edges (anti-aliased) look as sharp on a laser-printed letter read at arm's length; a
#: photograph-like logo loses detail no reader of a letterhead looks for (docs/theme.md, Images).
PRINT_DPI = 200
#: The formats accepted, by Pillow's name: what Word and every PDF viewer draw.
FORMATS = ("PNG", "JPEG")


class ImageError(InputError):
    """An image a theme names cannot be used: missing, outside its folder, too large, not PNG/JPEG."""


@dataclass(frozen=True)
class Image:
    """A decoded and re-encoded image: PNG bytes without metadata, and its size in pixels."""

    png: bytes
    width: int
    height: int

    @property
    def aspect(self) -> float:
        """Height over width, to size it on a page."""
        return self.height / self.width


def confined(root: Path, relative: str, where: str = "the theme's folder") -> Path:
    """*relative* (``logo.png``, ``images/logo.png``) inside *root* (*where*, for messages), or ``ImageError``.

    The same proof as ``output.safe_path`` gives for writing: every part one
    plain name (no ``..``, no separator, no drive), and no part a symbolic
    link, so the path cannot leave *root*. URLs are plain names with a colon
    and slashes: refused as names.
    """
    parts = relative.split("/")
    try:
        for name in parts:
            check_component(name)
    except UnsafeOutputError:
        raise ImageError(
            f"'{relative}' is not a file name inside {where}; give a path relative to it, "
            "without '..' (files are never fetched from a URL)"
        ) from None
    path = os.fspath(root)
    for i, name in enumerate(parts):
        path = os.path.join(path, name)
        try:
            mode = os.lstat(path).st_mode
        except FileNotFoundError:
            raise ImageError(f"'{relative}' does not exist in {where} ({root})") from None
        except OSError as exc:
            raise ImageError(f"cannot read '{relative}': {exc.strerror}") from None
        if stat.S_ISLNK(mode):
            raise ImageError(f"'{relative}' is a symbolic link; appeal-gen reads only files inside {where}, not links")
        if i < len(parts) - 1 and not stat.S_ISDIR(mode):
            raise ImageError(f"'{relative}': '{name}' is not a folder")
        if i == len(parts) - 1 and not stat.S_ISREG(mode):
            raise ImageError(f"'{relative}' is not a file")
    return Path(path)


def load_image(path: Path, max_width: int | None = None) -> Image:
    """The image at *path* (already confined), checked against the limits, decoded and re-encoded.

    *max_width*: pixels across it needs at most (``PRINT_DPI`` at its
    printed width); a larger image is scaled down, so that every letter of a
    batch does not carry pixels no printer can show.
    """
    return decode_image(read_image_file(path), path.name, max_width)


def read_image_file(path: Path) -> bytes:
    """The bytes of the file at *path* (already confined), refused above ``MAX_IMAGE_BYTES`` without reading more."""
    return read_confined(path, MAX_IMAGE_BYTES, "use a smaller logo")


def read_confined(path: Path, limit: int, advice: str) -> bytes:
    """The bytes of the regular file at *path* (already ``confined``), at most *limit*, else ``ImageError``.

    The check and the open are two steps, so the open does not follow a
    link put in place between them, nor block on a FIFO, and the open file
    is checked again; a file over *limit* is refused (with *advice*) without
    reading more than one byte past it. A theme's logo and fonts are read here.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise ImageError(f"cannot read '{path.name}': {exc.strerror}") from None
    too_big = ImageError(f"'{path.name}' is more than {limit // (1024 * 1024)} MiB; {advice}")
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fh.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise ImageError(f"'{path.name}' is not a file")
        if st.st_size > limit:
            raise too_big
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise too_big
    return data


def decode_image(data: bytes, name: str, max_width: int | None = None) -> Image:
    """PNG or JPEG *data* (the file *name*, for messages) checked, decoded, scaled down and re-encoded."""
    from PIL import Image as PILImage

    try:
        with PILImage.open(io.BytesIO(data), formats=FORMATS) as img:
            # The header's size, before a pixel is decoded.
            width, height = img.size
            if width * height > MAX_IMAGE_PIXELS or not width or not height:
                raise ImageError(
                    f"'{name}' is {width} x {height} pixels, more than the limit of "
                    f"{MAX_IMAGE_PIXELS:,} pixels; scale it down (a logo needs about 1,000 pixels across)"
                )
            img.load()
            mode = "RGBA" if img.mode in ("RGBA", "LA", "PA") or "transparency" in img.info else "RGB"
            clean = img.convert(mode)
            if max_width is not None and width > max_width:
                clean = clean.resize(
                    (max_width, max(1, round(height * max_width / width))), PILImage.Resampling.LANCZOS
                )
    except ImageError:
        raise
    except PILImage.UnidentifiedImageError:
        raise ImageError(f"'{name}' is not a PNG or JPEG image") from None
    except (OSError, SyntaxError, ValueError, PILImage.DecompressionBombError) as exc:
        raise ImageError(f"'{name}' is a damaged image: {exc}") from None
    out = io.BytesIO()
    # A new image has no info: no EXIF, ICC profile or text chunks are written.
    PILImage.frombytes(clean.mode, clean.size, clean.tobytes()).save(out, "PNG", compress_level=9)
    return Image(out.getvalue(), clean.width, clean.height)
