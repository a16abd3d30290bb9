"""A PDF's pages as PNG images for the live preview (pypdfium2 in-process).

Rendering is serialised by one lock (``render_lock``): reportlab and the
font caches are not made for threads.
"""

from __future__ import annotations

import hashlib
import io
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from typing import Any

PREVIEW_SCALE = 1.0  # 72 dpi: an A4 page is 595 x 842 pixels

render_lock = threading.Lock()


_png_cache: OrderedDict[bytes, bytes] = OrderedDict()
_png_lock = threading.Lock()


def _png(bitmap: Any) -> bytes:
    """One page's pixels as PNG, reused when the page looks exactly as before.

    Encoding is most of a preview's time, and an edit changes one page (or
    the few its text reflows over): the others are found by the digest of
    their pixels, which costs a few milliseconds.
    """
    key = hashlib.blake2b(bitmap.buffer, digest_size=16).digest()
    with _png_lock:
        hit = _png_cache.get(key)
        if hit is not None:
            _png_cache.move_to_end(key)
            return hit
    out = io.BytesIO()
    bitmap.to_pil().save(out, format="PNG", compress_level=1)
    data = out.getvalue()
    with _png_lock:
        _png_cache[key] = data
        while len(_png_cache) > 64:
            _png_cache.popitem(last=False)
    return data


def rasterise(pdf: bytes) -> tuple[list[bytes], str]:
    import pypdfium2

    doc = pypdfium2.PdfDocument(pdf)
    try:
        bitmaps, texts = [], []
        for page in doc:
            bitmaps.append(page.render(scale=PREVIEW_SCALE))
            texts.append(page.get_textpage().get_text_range())
        # Pillow's encoder lets go of the GIL: the changed pages are encoded side by side.
        pages = list(_encoder.map(_png, bitmaps)) if len(bitmaps) > 1 else [_png(b) for b in bitmaps]
        return pages, "\n".join(texts)
    finally:
        doc.close()


_encoder = ThreadPoolExecutor(max_workers=2, thread_name_prefix="studio-png")
