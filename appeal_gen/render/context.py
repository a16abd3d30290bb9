"""What the renderers keep between letters, owned by objects instead of module globals.

A batch worker draws thousands of letters that share most of their text,
so the renderer keeps bounded caches: laid-out letters per language, parsed
paragraph markup, and the personal parts (salutations, closings) that repeat
from letter to letter. They used to be module-level dicts plus a module
global (``LAYOUT_DIR``) that batch set from outside. A ``PdfContext`` owns
them instead: a long-running server holds one per worker process, a batch
worker gets one made with its run's layout folder, and a test starts clean
by passing a new one. ``render_pdf`` uses the process's default context when
it is given none, which is what a one-off build wants.

Not in here, on purpose: the fonts registered with reportlab (reportlab's
font registry is one per process, so ``pdffonts.REGISTERED`` mirrors it) and
the memoised pure functions (``functools.lru_cache``: bounded, thread-safe
and the same for every context).

The DOCX side has the same shape: a ``DocxContext`` owns the compiled Jinja
templates (by source text), the deflated template parts (by content) and
the templates compiled for a language (``CompiledTemplate``), all bounded.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .docxzip import Deflated, deflate


class BoundedCache(dict[Hashable, Any]):
    """A dict that is emptied when it holds *size* entries.

    Emptied rather than evicting one entry: what a batch keeps is the
    current campaign's few layouts and paragraphs, which are re-made at once.
    A dict subclass, so that look-ups (the hot path of a batch) cost what a
    dict's do; only ``put`` takes the lock.
    """

    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size
        self._lock = threading.Lock()

    def put(self, key: Hashable, value: Any) -> None:
        with self._lock:
            if key not in self and len(self) >= self.size:
                self.clear()
            self[key] = value


#: Laid-out letters kept: one per language and options of the campaigns at hand.
LAYOUT_CACHE_SIZE = 32
#: Parsed paragraphs kept (a long batch's personal paragraphs must not grow memory).
PARSED_CACHE_SIZE = 4096
#: Personal parts kept: a campaign's salutations and closings repeat.
PARTS_CACHE_SIZE = 512


@dataclass
class PdfContext:
    """The PDF renderer's caches and settings for one process (or one test)."""

    #: A folder where processes of one batch run share their laid-out letters
    #: (None: memory only). Laying a language out costs 0.1-0.3 s; with the
    #: folder, each language is laid out once per run, not once per worker.
    layout_dir: Path | None = None
    layouts: BoundedCache = field(default_factory=lambda: BoundedCache(LAYOUT_CACHE_SIZE))
    parsed: BoundedCache = field(default_factory=lambda: BoundedCache(PARSED_CACHE_SIZE))
    parts: BoundedCache = field(default_factory=lambda: BoundedCache(PARTS_CACHE_SIZE))


_DEFAULT = PdfContext()


def default_context() -> PdfContext:
    """The context ``render_pdf`` uses when it is given none."""
    return _DEFAULT


def set_default_context(context: PdfContext) -> PdfContext:
    """Make *context* the process's default (a batch worker's, made with its run's layout folder); return it."""
    global _DEFAULT
    _DEFAULT = context
    return context


#: Compiled Jinja templates kept. Every language of a worker uses the same
#: template file, whose patched body, headers and properties are the same text
#: in every language: compiling once instead of seven times is most of a
#: ``CompiledTemplate``'s cost.
COMPILED_CACHE_SIZE = 64
#: Deflated parts kept: a template's theme, fonts, settings and images are the
#: same bytes in every language.
DEFLATED_CACHE_SIZE = 256
#: Templates compiled for a language kept (a server's few templates times seven languages).
TEMPLATES_CACHE_SIZE = 32


@dataclass
class DocxContext:
    """The DOCX renderer's caches for one process (or one test).

    The Jinja environment is made once per context: the environments
    ``sandbox.environment`` makes are all alike, so one compiled template
    serves any of them.
    """

    compiled: BoundedCache = field(default_factory=lambda: BoundedCache(COMPILED_CACHE_SIZE))
    deflated: BoundedCache = field(default_factory=lambda: BoundedCache(DEFLATED_CACHE_SIZE))
    #: ``docxtemplate.CompiledTemplate`` objects (see ``docxtemplate.compiled_template``).
    templates: BoundedCache = field(default_factory=lambda: BoundedCache(TEMPLATES_CACHE_SIZE))
    #: Language -> its default template's path, for the batch fast path: finding it
    #: takes a few file-system look-ups, 25 times the cost of the rest of a letter's
    #: template look-up (``render.docx.prepare_batch``).
    default_templates: BoundedCache = field(default_factory=lambda: BoundedCache(TEMPLATES_CACHE_SIZE))
    _environment: Any = field(default=None, repr=False)

    def environment(self) -> Any:
        """The sandboxed Jinja environment templates are compiled in (made on first use)."""
        if self._environment is None:
            from .. import sandbox

            self._environment = sandbox.environment()
        return self._environment

    def compile(self, source: str) -> Any:
        """*source*'s compiled Jinja template, compiled once per context."""
        template = self.compiled.get(source)
        if template is None:
            template = self.environment().from_string(source)
            self.compiled.put(source, template)
        return template

    def deflate(self, data: bytes) -> Deflated:
        """*data* deflated, once per context for the same bytes."""
        packed = self.deflated.get(data)
        if packed is None:
            packed = deflate(data)
            self.deflated.put(data, packed)
        return packed


_DEFAULT_DOCX = DocxContext()


def default_docx_context() -> DocxContext:
    """The context the DOCX renderer uses when it is given none."""
    return _DEFAULT_DOCX
