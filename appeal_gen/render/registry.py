"""The output formats, each with one renderer: the one place that says which formats exist.

``build`` and the CLI's ``--format`` take their formats from here, so a new
format (HTML, plain text) is one renderer module plus one line in
``_BUILTIN``. Renderers are named by ``"module:function"`` and imported on
first use, so that ``appeal-gen --help`` (which lists the formats) does not
import reportlab or docxtpl.
"""

from __future__ import annotations

import datetime as _dt
import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..document import Letter
    from ..theme import Theme
    from .stationery import Stationery


@dataclass(frozen=True)
class RenderRequest:
    """What every renderer may use besides the letter: one type for all, so build calls them alike."""

    letter: Letter
    #: The appeal's date (the DOCX's document properties).
    date: _dt.date | None = None
    #: A DOCX template to use instead of the default.
    template: Path | None = None
    #: The language's gettext, for strings a template marks for translation.
    gettext: Callable[[str], str] | None = None
    #: The organisation's look (theme.py): page, margins, logo, colour, letterhead; None: the default look.
    theme: Theme | None = None
    #: Pre-printed stationery the PDF's pages are drawn over (render/stationery.py); None: none.
    stationery: Stationery | None = None
    #: The PDF standard asked for (``--pdf-standard``: "pdfa-2b"), or None.
    pdf_standard: str | None = None


Renderer = Callable[[RenderRequest], bytes]

#: The standards ``--pdf-standard`` accepts (render/pdfa.py makes them).
PDF_STANDARDS = ("pdfa-2b",)

#: Format -> its renderer, in the order builds make them and ``--format`` lists them.
_BUILTIN: dict[str, str] = {
    "pdf": "appeal_gen.render.pdf:render_request",
    "docx": "appeal_gen.render.docx:render_request",
    "html": "appeal_gen.render.html:render_request",
    "txt": "appeal_gen.render.text:render_request",
}
#: What ``build`` and ``batch`` make when ``--format`` is not given: the printable letters.
DEFAULT_FORMATS: tuple[str, ...] = ("pdf", "docx")
_RENDERERS: dict[str, str] = dict(_BUILTIN)

#: Format -> a renderer the batch uses instead, for formats that can prepare
#: once what every letter of a language shares (DOCX: its compiled template).
#: Same bytes as the format's renderer; the batch only asks here, so it names
#: no format.
_BATCH: dict[str, str] = {
    "docx": "appeal_gen.render.docx:render_batch_request",
}


def register(fmt: str, target: str, *, batch: str | None = None) -> None:
    """Add (or replace) the renderer of *fmt*: *target* is ``"package.module:function"``.

    *batch*, if given, names a faster renderer of the same bytes for many
    letters in one process (see ``batch_renderer``).
    """
    _RENDERERS[fmt] = target
    if batch is None:
        _BATCH.pop(fmt, None)
    else:
        _BATCH[fmt] = batch


def formats() -> tuple[str, ...]:
    """Every format, in build order."""
    return tuple(_RENDERERS)


def _load(target: str) -> Renderer:
    module, _, name = target.partition(":")
    function: Renderer = getattr(importlib.import_module(module), name)
    return function


def renderer(fmt: str) -> Renderer:
    """The renderer of *fmt* (a ``KeyError`` for an unknown one: callers check ``formats()`` first)."""
    return _load(_RENDERERS[fmt])


def batch_renderer(fmt: str) -> Renderer:
    """The renderer a batch uses for *fmt*: its registered fast path, else its renderer."""
    target = _BATCH.get(fmt)
    return _load(target) if target is not None else renderer(fmt)
