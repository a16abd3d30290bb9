"""A personal letter's PDF: its language's shared layout plus its own address, salutation and signature.

A batch's letters differ only in those parts, so each language is laid out
once (``shared_layout``, kept in the context and, for a batch run, in its
layout folder for the other workers), and each letter draws only its
personal parts into the layout's fixed rooms (render/compose.py). The
caches are the ``PdfContext``'s, passed down, not module globals.
"""

from __future__ import annotations

import io
import math
from pathlib import Path
from typing import Any

from ..document import Letter, shared_values
from ..errors import LayoutError
from ..markup import Para
from ..scripts import has_rtl
from . import subsets
from .context import PdfContext
from .paragraphs import Writer
from .pdfdocument import PdfOptions, render_document
from .pdffonts import font, forget_shaped_glyphs
from .pdftags import text_marker


def shared_key(letter: Letter, options: PdfOptions) -> tuple[Any, ...]:
    """What a language's layout depends on: the options and the letter's shared values."""
    return (options, *shared_values(letter))


def shared_layout(letter: Letter, options: PdfOptions, context: PdfContext) -> Any:
    """The letter without its personal parts, laid out once per worker and language."""
    from .compose import SharedLayout

    key = shared_key(letter, options)
    layout = context.layouts.get(key)
    if layout is None and context.layout_dir is not None:
        layout = _load_layout(context.layout_dir, key)
        if layout is not None:
            # Laid out by another worker: its fonts must be registered here
            # before the personal parts take their subsets over.
            for name in layout.seed.fonts:
                script, style = name.removeprefix("AG-").rsplit("-", 1)
                font(script, style)
    if layout is None:
        from .subsets import Seed

        sizes: dict[str, tuple[float, float]] = {}
        seed = Seed()
        data = render_document(letter, options, context, sizes, seed)
        layout = SharedLayout.from_pdf(data, sizes, seed)
        if context.layout_dir is not None:
            _store_layout(context.layout_dir, key, layout)
    if key not in context.layouts:
        context.layouts.put(key, layout)
    return layout


def _layout_path(folder: Path, key: tuple[Any, ...]) -> Path:
    import hashlib
    import pickle

    return folder / f"{hashlib.sha256(pickle.dumps(key, protocol=5)).hexdigest()}.layout"


def _load_layout(folder: Path, key: tuple[Any, ...]) -> Any:
    import pickle

    try:
        with open(_layout_path(folder, key), "rb") as fh:
            return pickle.load(fh)
    except (OSError, EOFError, pickle.UnpicklingError):
        return None


def _store_layout(folder: Path, key: tuple[Any, ...], layout: Any) -> None:
    import pickle

    from ..output import write_all

    try:
        write_all({_layout_path(folder, key): pickle.dumps(layout, protocol=5)}, durable=False)
    except Exception:  # noqa: BLE001 - a cache: a worker that cannot write it lays the letter out itself
        pass


def personal_parts(letter: Letter, layout: Any, context: PdfContext) -> dict[str, bytes]:
    """Each slot's part of *letter*: a one-page PDF the slot's size, its paragraphs drawn from the top.

    Parts already drawn are kept per (layout, slot, paragraphs) in
    ``context.parts``: a campaign's salutations and closings repeat from
    letter to letter, and a supporter's letter keeps the appeal's own
    addressee.
    """
    rcpt = letter.recipient
    assert rcpt is not None
    w = Writer(letter, layout.sizes["address"][0], context)
    paras = {
        "address": tuple((p, "address") for p in rcpt.address),
        "salutation": ((rcpt.salutation, "salutation"),),
        "closing": (*((p, "closing") for p in rcpt.closing), *((p, "address") for p in rcpt.signatory)),
    }
    out = {}
    for name in sorted(layout.slots):
        key = (layout.digest, name, w.base, w.rtl, paras[name])
        part = context.parts.get(key)
        if part is None:
            part = slot_pdf(w, layout, name, paras[name])
            context.parts.put(key, part)
        out[name] = part
    return out


def slot_pdf(w: Writer, layout: Any, name: str, paras: tuple[tuple[Para, str], ...]) -> bytes:
    """One slot's part: a pure function of the layout and the paragraphs (each part starts afresh)."""
    from reportlab.pdfgen.canvas import Canvas

    forget_shaped_glyphs()
    subsets.continue_shaping(layout.seed)
    room = {"address": "the address field", "salutation": "the salutation line", "closing": "the signature"}
    width, height = layout.sizes[name]
    drawn: dict[str, str] = {}  # font -> the text drawn in it
    placed = []
    y = height
    after: float | None = None
    for para, style_name in paras:
        style = w.styles[style_name]
        flow = w.para(para, style_name, width)
        for frag in flow.frags:  # before wrap() turns them into lines
            drawn[frag.fontName] = drawn.get(frag.fontName, "") + frag.text
        _, h = flow.wrap(width, height)
        if after is not None:
            y -= after + style.spaceBefore
        y -= h
        placed.append((flow, y, para.field))
        after = style.spaceAfter
    if y < -0.01:
        leading = w.styles["address"].leading
        raise LayoutError(
            f"needs {math.ceil((height - y) / leading)} lines, but {room[name]} of the letter holds "
            f"{round(height / leading)}; shorten it or give fewer lines",
            field=placed[-1][2],
        )
    if name == "salutation" and y > 0:
        # The room holds two lines for a long salutation; a one-line one sits
        # on its floor, a paragraph's gap above the letter's first paragraph,
        # not two blank lines (the spare line goes above it, after the subject).
        placed = [(flow, at - y, field) for flow, at, field in placed]
    # Fonts meeting characters the layout lacks: in right-to-left text, a
    # line split between a shared and a new subset reads back out of order,
    # so those fonts get subsets of their own; others add a subset.
    new = subsets.needs_own_subsets(layout.seed, drawn) | subsets.new_shaped_glyphs(layout.seed)
    own = {name for name in new if has_rtl(drawn.get(name, ""))}
    extend = new - own
    while True:
        buf = io.BytesIO()
        canvas = subsets.stroking_canvas(Canvas)(
            buf, invariant=1, pageCompression=1, initialFontName=f"{w.family}-regular"
        )
        canvas.ag_mark = text_marker(canvas, w.letter.lang)
        subsets.seed(subsets.document_of(canvas), layout.seed, own, extend)
        canvas.setPageSize((width, height))
        try:
            for flow, at, _ in placed:
                flow.drawOn(canvas, 0, at)
        except subsets.NewGlyphs as exc:
            (own if has_rtl(drawn.get(exc.font, "")) else extend).add(exc.font)
            continue
        canvas.showPage()
        canvas.save()
        return buf.getvalue()
