"""Running templates that volunteers wrote, with limits.

A DOCX template is code: its Jinja tags run when a letter is rendered. Under
plain Jinja, ``{{ cycler.__init__.__globals__.os.popen('id').read() }}``
runs a shell command, so templates run in Jinja's ``SandboxedEnvironment``
(no attribute access to Python internals), with autoescaping, and with the
limits below, because the sandbox alone still lets a template spin for
hours or ask for gigabytes (``{{ 'x' * 10**9 }}``). The template file itself
is checked before any XML parser or unzip sees it: a zip bomb or an XML
entity bomb is refused by its numbers, and a remote "attached template" is
refused because Word would fetch it when the letter is opened.

The limits are module constants; SECURITY.md says how to change them.
"""

from __future__ import annotations

import contextlib
import re
import signal
import threading
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from .errors import TemplateError

#: A template file larger than this is refused unopened.
MAX_TEMPLATE_BYTES = 20 * 1024 * 1024
#: Sum of the uncompressed sizes of the template's zip entries.
MAX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024
#: Uncompressed / compressed size for any entry larger than 1 MiB (Word's
#: own XML compresses about 10:1; a zip bomb compresses 1000:1).
MAX_COMPRESSION_RATIO = 100
MAX_ZIP_ENTRIES = 2000
#: Wall-clock seconds one letter's template may take to render.
RENDER_SECONDS = 10.0
#: Characters a template may produce for one document part.
MAX_OUTPUT_CHARS = 50_000_000
#: Largest string or list a template expression may build.
MAX_VALUE_LENGTH = 1_000_000

_HYPERLINK = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink"


class TemplateLimitError(TemplateError):
    """A template went over one of the limits above."""


# --------------------------------------------------------------------------
# The template file


def check_template_file(path: Path) -> None:
    """Refuse a DOCX template whose numbers or references are unsafe, before opening it."""
    where = str(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise TemplateError(f"cannot read the template: {exc.strerror}", file=where) from None
    if size > MAX_TEMPLATE_BYTES:
        raise TemplateLimitError(
            f"the template is {size:,} bytes; the limit is {MAX_TEMPLATE_BYTES:,}", file=where, field="template"
        )
    if not zipfile.is_zipfile(path):
        raise TemplateError("not a DOCX file (a DOCX is a zip archive); save the template as .docx", file=where)
    try:
        with zipfile.ZipFile(path) as z:
            entries = z.infolist()
            _check_entries(entries, where)
            names = {e.filename for e in entries}
            if "word/document.xml" not in names:
                raise TemplateError("not a Word document: it has no word/document.xml", file=where)
            for entry in entries:
                if entry.filename.endswith((".xml", ".rels")):
                    _check_xml_part(entry.filename, z.read(entry), where)
    except (zipfile.BadZipFile, OSError, RuntimeError) as exc:
        raise TemplateError(f"cannot read the template as a zip archive: {exc}", file=where) from None


def _check_entries(entries: list[zipfile.ZipInfo], where: str) -> None:
    if len(entries) > MAX_ZIP_ENTRIES:
        raise TemplateLimitError(
            f"the template holds {len(entries):,} files; the limit is {MAX_ZIP_ENTRIES:,}", file=where
        )
    total = sum(e.file_size for e in entries)
    if total > MAX_UNCOMPRESSED_BYTES:
        raise TemplateLimitError(
            f"the template unpacks to {total:,} bytes; the limit is {MAX_UNCOMPRESSED_BYTES:,}", file=where
        )
    for e in entries:
        if e.file_size > 1024 * 1024 and e.file_size > MAX_COMPRESSION_RATIO * max(e.compress_size, 1):
            raise TemplateLimitError(
                f"{e.filename} is compressed {e.file_size // max(e.compress_size, 1):,}:1 (a zip bomb?); "
                f"the limit is {MAX_COMPRESSION_RATIO}:1",
                file=where,
            )


_EXTERNAL = re.compile(rb'<Relationship\b[^>]*\bTargetMode="External"[^>]*>')


def _check_xml_part(name: str, data: bytes, where: str) -> None:
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise TemplateError(
            f"{name} declares a DOCTYPE or XML entities, which Word never writes; refused (entity expansion)",
            file=where,
        )
    if name.endswith(".rels"):
        for m in _EXTERNAL.finditer(data):
            if _HYPERLINK.encode() not in m.group():
                target = re.search(rb'Target="([^"]*)"', m.group())
                shown = target.group(1).decode("utf-8", "replace") if target else "?"
                raise TemplateError(
                    f"{name} makes Word fetch an external file ({shown}) when the letter is opened; "
                    "only hyperlinks may point outside the document",
                    file=where,
                )


# --------------------------------------------------------------------------
# Rendering


def environment() -> Any:
    """A sandboxed, autoescaping Jinja environment with size limits."""
    from jinja2.sandbox import SandboxedEnvironment

    class LimitedSandbox(SandboxedEnvironment):
        intercepted_binops = frozenset({"*", "**", "+", "%"})

        def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
            if operator == "**" and isinstance(right, int) and abs(right) > 64 and left not in (0, 1, -1):
                raise TemplateLimitError(f"the template computes {left!r} ** {right}, a number too large to print")
            if operator == "*":
                _check_repeat(left, right)
                _check_repeat(right, left)
            if operator == "+" and hasattr(left, "__len__") and hasattr(right, "__len__"):
                _check_length(len(left) + len(right))
            if operator == "%":
                _check_format(left)
            return super().call_binop(context, operator, left, right)

        def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805 - Jinja's signature
            _check_arguments(args, kwargs)
            return super().call(__context, __obj, *args, **kwargs)

        def wrap_str_format(self, value: Any) -> Any:
            # Jinja wraps str.format when the attribute is read: check the
            # pattern there, before anything is formatted.
            if getattr(value, "__name__", "") in ("format", "format_map"):
                _check_format(getattr(value, "__self__", None))
            return super().wrap_str_format(value)

    env = LimitedSandbox(autoescape=True)
    env.filters = {name: _guarded(name, f) for name, f in env.filters.items()}
    env.concat = _bounded_concat  # type: ignore[method-assign]
    return env


def _check_length(n: int) -> None:
    if n > MAX_VALUE_LENGTH:
        raise TemplateLimitError(f"the template builds a value of {n:,} items; the limit is {MAX_VALUE_LENGTH:,}")


def _check_repeat(seq: Any, times: Any) -> None:
    if isinstance(seq, str | list | tuple) and isinstance(times, int):
        _check_length(len(seq) * times)


#: A str.format field or a %-conversion with a width or precision of
#: millions: "{:>999999999}", "%999999999d".
_BIG_FORMAT = re.compile(r"\{[^{}]*:[^{}]*\d{7,}[^{}]*\}")
_BIG_PERCENT = re.compile(r"%[-+ #0]*(\d{7,}|\*)|%[-+ #0]*\d*\.\d{7,}")


def _check_arguments(args: Iterable[Any], kwargs: dict[str, Any]) -> None:
    """No width or count that asks for millions of characters."""
    for a in (*args, *kwargs.values()):
        if isinstance(a, int) and not isinstance(a, bool) and abs(a) > MAX_VALUE_LENGTH:
            raise TemplateLimitError(f"the template passes {a:,} to a function; the limit is {MAX_VALUE_LENGTH:,}")


def _check_format(pattern: Any) -> None:
    if isinstance(pattern, str) and (_BIG_FORMAT.search(pattern) or _BIG_PERCENT.search(pattern)):
        raise TemplateLimitError("the template formats a value millions of characters wide")


def _guarded(name: str, f: Any) -> Any:
    """A filter that refuses huge widths; values themselves are never inspected.

    (A value is data: a fax number "%0012345678" must print, not fail.)
    """
    import functools

    @functools.wraps(f)
    def filt(*args: Any, **kwargs: Any) -> Any:
        _check_arguments(args[1:], kwargs)
        if name == "format" and args:
            _check_format(args[0])
        return f(*args, **kwargs)

    return filt


def _bounded_concat(parts: Iterable[str]) -> str:
    out: list[str] = []
    n = 0
    for p in parts:
        n += len(p)
        if n > MAX_OUTPUT_CHARS:
            raise TemplateLimitError(f"the template writes more than {MAX_OUTPUT_CHARS:,} characters")
        out.append(p)
    return "".join(out)


@contextlib.contextmanager
def time_limit(seconds: float | None = None) -> Iterator[None]:
    """Stop a runaway template after *seconds* (default RENDER_SECONDS) of wall-clock time.

    SIGALRM works only in the main thread of a process (the CLI, and each
    batch worker); elsewhere the size limits still apply but time does not.
    """
    limit = RENDER_SECONDS if seconds is None else seconds
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def expired(signum: int, frame: Any) -> None:
        raise TemplateLimitError(f"the template ran for more than {limit:g} seconds (an endless loop?)")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, limit)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
