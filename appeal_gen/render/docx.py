"""The editable DOCX, rendered with docxtpl from a Word template: the public entry.

The renderer is in rooms by seam: ``docxcontext`` (the template's variables
and ``DocxOptions``), ``ooxmlpatch`` (language, direction and core
properties written into the XML), ``docxzip`` (the deterministic zip) and
``docxtemplate`` (loading and rendering the template, once per letter or
compiled once per language: ``CompiledTemplate``), with their caches in a
``DocxContext`` (``render.context``). This module keeps the names callers
use (``render_docx``, ``DocxOptions``, ``CompiledTemplate``, ...) and the
format registry's entry.

The result is deterministic: fixed core-property dates and fixed zip
timestamps, so hashes can be trusted.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..document import Letter
from ..theme import Theme
from .context import DocxContext, default_docx_context
from .docxcontext import DocxOptions, context
from .docxtemplate import CompiledTemplate, check_template_source, compiled_template, default_template, render_straight
from .docxzip import ZIP_EPOCH
from .ooxmlpatch import MAX_CORE_PROPERTY_CHARS

if TYPE_CHECKING:
    from .registry import RenderRequest

__all__ = [
    "MAX_CORE_PROPERTY_CHARS",
    "ZIP_EPOCH",
    "CompiledTemplate",
    "DocxContext",
    "DocxOptions",
    "check_template_source",
    "compiled_template",
    "context",
    "default_docx_context",
    "default_template",
    "prepare_batch",
    "render_batch_request",
    "render_docx",
    "render_request",
]


def render_docx(letter: Letter, options: DocxOptions | None = None, *, title: str = "", author: str = "") -> bytes:
    """Render *letter* into the template and return the DOCX bytes."""
    return render_straight(letter, options)


def render_request(request: RenderRequest) -> bytes:
    """The format registry's entry: a ``RenderRequest`` rendered as a DOCX."""
    return render_docx(
        request.letter,
        DocxOptions(template=request.template, date=request.date, gettext=request.gettext, theme=request.theme),
    )


def render_batch_request(request: RenderRequest) -> bytes:
    """The registry's batch fast path: the same bytes as ``render_request``, the template compiled once a language.

    The compiled template is the default ``DocxContext``'s (bounded, keyed by
    the file's size and modification time), so the local backend's fork
    server compiles it once (``prepare_batch``) and every worker forked from
    it starts with it.
    """
    letter = request.letter
    compiled = prepare_batch(letter, request.template, request.theme)
    options = DocxOptions(template=compiled.path, date=request.date, theme=request.theme)
    return bytes(compiled.render(letter, options))


def prepare_batch(letter: Letter, template: Path | None, theme: Theme | None = None) -> CompiledTemplate:
    """*template* (default: the language's own) compiled for *letter*'s language, in the default context.

    The default template's path is found once a language per context: the
    look-up costs about 100 us, as much as the rest of a DOCX letter's
    template work, and a batch's templates are fixed for the run anyway
    (its fingerprints hash them once, in ``batch.planning``).
    """
    if template is None:
        paths = default_docx_context().default_templates
        template = paths.get(letter.lang)
        if template is None:
            template = default_template(letter.lang)
            paths.put(letter.lang, template)
    return compiled_template(template, letter, theme=theme)
