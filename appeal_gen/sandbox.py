"""Running templates that volunteers wrote, with limits.

A DOCX template is code: its Jinja tags run when a letter is rendered. Under
plain Jinja, ``{{ cycler.__init__.__globals__.os.popen('id').read() }}``
runs a shell command, so templates run in Jinja's ``SandboxedEnvironment``
(no attribute access to Python internals), with autoescaping, and with the
limits below, because the sandbox alone still lets a template spin for
hours or ask for gigabytes (``{{ 'x' * 10**9 }}``, or a string doubled in a
loop): the limits bound the size of what a template builds, not only its
time. The template file itself is checked (``appeal_gen.ooxml``) before
python-docx or docxtpl sees it: a zip bomb is refused by the numbers in its
central directory, a DOCTYPE or entity in any encoding by expat, and any
relationship or field code that would make Word fetch a file when the
letter is opened by inspecting each part's XML.

The limits are module constants; SECURITY.md says how to change them.
"""

from __future__ import annotations

import contextlib
import hashlib
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
    from . import ooxml

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise TemplateError(f"cannot read the template: {exc.strerror}", file=where) from None
    key = (where, hashlib.sha256(data).digest(), _limits())
    if key not in _CHECKED:
        with time_limit():  # expat reads up to MAX_UNCOMPRESSED_BYTES of XML: seconds, but bounded
            ooxml.check_package(data, where)
        if len(_CHECKED) >= 64:
            _CHECKED.clear()
        _CHECKED.add(key)


#: Templates that passed, by name, content and limits: a build checks the
#: same template once per language, and the parse takes some 40 ms.
_CHECKED: set[tuple[str, bytes, tuple[int, ...]]] = set()


def _limits() -> tuple[int, ...]:
    return (MAX_TEMPLATE_BYTES, MAX_UNCOMPRESSED_BYTES, MAX_COMPRESSION_RATIO, MAX_ZIP_ENTRIES)


# --------------------------------------------------------------------------
# Rendering


def environment() -> Any:
    """A sandboxed, autoescaping Jinja environment with size limits.

    The limits bound the *size* of what a template builds, not only its time:
    ten seconds is long enough to double a string past any memory. Every
    place where Python would make a large string or list out of small ones
    is checked before it runs, from an estimate that does not build it: the
    operators (``*``, ``+``, ``%``, ``~``), ``str.format`` and the ``format``
    filter (fields times the widest value or width), growing a list
    (``append``, ``extend``), the filters and methods that join, pad, indent
    or replace, and printing any value (a list of a million megabyte strings
    is small until it is printed). What the template writes is counted as it
    streams (``_bounded_concat``).
    """
    from jinja2.compiler import CodeGenerator
    from jinja2.sandbox import SandboxedEnvironment

    class LimitedCodeGenerator(CodeGenerator):
        def visit_Concat(self, node: Any, frame: Any) -> None:  # noqa: N802 - Jinja's name
            # a ~ b ~ c: each operand measured before it is turned into text,
            # and the result, so a loop that doubles a string stops at the limit.
            self.write("environment.limit_value(")
            super().visit_Concat(node, frame)
            self.write(")")

    class LimitedSandbox(SandboxedEnvironment):
        intercepted_binops = frozenset({"*", "**", "+", "%"})
        code_generator_class = LimitedCodeGenerator

        @staticmethod
        def limit_value(value: Any) -> Any:
            _check_length(_size(value, MAX_VALUE_LENGTH))
            return value

        def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
            if operator == "**" and isinstance(right, int) and abs(right) > 64 and left not in (0, 1, -1):
                raise TemplateLimitError(f"the template computes {left!r} ** {right}, a number too large to print")
            if operator == "*":
                _check_repeat(left, right)
                _check_repeat(right, left)
            if operator == "+" and hasattr(left, "__len__") and hasattr(right, "__len__"):
                _check_length(len(left) + len(right))
            if operator == "%" and isinstance(left, str):
                _check_format(left)
                _check_formatted(left, right if isinstance(right, tuple) else (right,), {})
            return super().call_binop(context, operator, left, right)

        def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805 - Jinja's signature
            _check_arguments(args, kwargs)
            _check_method(__obj, args, kwargs)
            if any(_lazy(a) for a in args):  # [].extend(gen), ''.join(gen), dict.update(gen)
                args = tuple(_measured(a) if _lazy(a) else a for a in args)
            return super().call(__context, __obj, *args, **kwargs)

        def wrap_str_format(self, value: Any) -> Any:
            # Jinja wraps str.format when the attribute is read: check the
            # pattern there, before anything is formatted, and the values
            # when it is called.
            fmt = super().wrap_str_format(value)
            if fmt is None:
                return None
            pattern = value.__self__
            _check_format(pattern)

            def checked(*args: Any, **kwargs: Any) -> Any:
                _check_formatted(pattern, args, kwargs)
                return fmt(*args, **kwargs)

            return checked

    from docxtpl import RichText

    _RICH_TEXT.add(RichText)
    env = LimitedSandbox(autoescape=True, finalize=_finalize)
    env.filters = {name: _guarded(name, f) for name, f in env.filters.items()}
    env.concat = _bounded_concat  # type: ignore[method-assign]
    return env


def _finalize(value: Any) -> Any:
    """What ``{{ ... }}`` prints: measured first, and kept verbatim in the DOCX.

    docxtpl turns ``{_{``, ``}_}``, ``{_%`` and ``%_}`` into ``{{``, ``}}``,
    ``{%`` and ``%}`` in the *rendered* XML (its way to print a literal tag
    from template text), so a value holding ``{_{`` printed differently in
    the DOCX and the PDF. A value's underscore next to a brace is written as
    the character reference ``&#95;``, which that replacement does not see
    and the XML parser reads back as ``_``.

    Called for every value of every letter: plain strings and docxtpl's
    RichText (its ``xml``) take the short paths.
    """
    if type(value) is str:
        if len(value) > MAX_VALUE_LENGTH:
            _check_length(len(value))
        if "_" in value and ("{_" in value or "_}" in value):  # one fast scan for most values
            from markupsafe import escape

            return _keep_braces(str(escape(value)))
        return value
    kind = type(value)
    if kind in _SMALL:
        return value
    xml = value.xml if kind in _RICH_TEXT else None
    if type(xml) is not str:
        _check_length(_size(value, MAX_VALUE_LENGTH))
        html = getattr(value, "__html__", None)
        if html is None:
            return value
        xml = str(html())
    elif len(xml) > MAX_VALUE_LENGTH:
        _check_length(len(xml))
    if "_" in xml and ("{_" in xml or "_}" in xml):
        return _keep_braces(xml)
    return value


#: Values that print short whatever they hold.
_SMALL = frozenset({type(None), bool, int, float})  # an int prints at most 4,300 digits (sys.int_info)
#: docxtpl's RichText, whose ``xml`` is what it prints (set by ``environment``).
_RICH_TEXT: set[type] = set()


def _keep_braces(xml: str) -> Any:
    from markupsafe import Markup

    return Markup(xml.replace("{_", "{&#95;").replace("_}", "&#95;}"))


def _size(value: Any, limit: int) -> int:
    """About how many characters *value* prints as, counted no further than just past *limit*.

    Containers are walked without being turned into text (``str`` of a list
    of a million megabyte strings would be the very allocation to avoid);
    a list that holds itself only adds up until it passes the limit.
    """
    if isinstance(value, str):
        return len(value)
    if not isinstance(value, list | tuple | dict | set | frozenset):
        return _scalar_size(value)
    total = 0
    stack = [value]
    while stack:
        c = stack.pop()
        total += 2
        for item in (x for kv in c.items() for x in kv) if isinstance(c, dict) else c:
            if isinstance(item, str):
                total += len(item) + 4
            elif isinstance(item, list | tuple | dict | set | frozenset):
                stack.append(item)
            else:
                total += _scalar_size(item) + 2
            if total > limit:
                return total
    return total


def _scalar_size(value: Any) -> int:
    if isinstance(value, int):
        return value.bit_length() // 3 + 2
    xml = getattr(value, "xml", None)  # docxtpl's RichText
    if isinstance(xml, str):
        return len(xml)
    n = getattr(value, "__len__", None)
    if n is not None:
        try:
            return int(n())
        except Exception:  # noqa: BLE001 - an object whose length cannot be asked
            return 64
    return 64


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
#: The widths and precisions a pattern asks for, in either syntax.
_WIDTHS = re.compile(r"%[-+ #0]*(?:\([^)]*\))?[-+ #0]*(\d*)(?:\.(\d*))?|\{[^{}]*?:[^{}\d]*(\d*)(?:\.(\d*))?")


def _check_arguments(args: Iterable[Any], kwargs: dict[str, Any]) -> None:
    """No width or count that asks for millions of characters."""
    for a in (*args, *kwargs.values()):
        if isinstance(a, int) and not isinstance(a, bool) and abs(a) > MAX_VALUE_LENGTH:
            raise TemplateLimitError(f"the template passes {a:,} to a function; the limit is {MAX_VALUE_LENGTH:,}")


def _check_format(pattern: Any) -> None:
    if isinstance(pattern, str) and (_BIG_FORMAT.search(pattern) or _BIG_PERCENT.search(pattern)):
        raise TemplateLimitError("the template formats a value millions of characters wide")


def _check_formatted(pattern: str, args: Iterable[Any], kwargs: dict[str, Any]) -> None:
    """The most a ``%`` or ``str.format`` pattern can print: each field as wide as the widest value or width.

    ``'%s%s%s' % (s, s, s)``, ``'{0}{0}{0}'.format(s)`` and a thousand
    ``{:>999999}`` each stay under every single limit and still make
    gigabytes; this bound catches them before Python builds the string.
    """
    fields = pattern.count("%") + pattern.count("{")
    if not fields:
        return
    widest = 0
    for m in _WIDTHS.finditer(pattern):
        for g in m.groups():
            if g:
                widest = max(widest, int(g[:8]))
    _check_length(len(pattern) + fields * widest)
    for a in (*args, *kwargs.values()):
        if isinstance(a, int) and not isinstance(a, bool):
            widest = max(widest, abs(a))  # a width given as an argument: "{:{}}"
        widest = max(widest, _size(a, MAX_VALUE_LENGTH))
        _check_length(len(pattern) + fields * widest)  # at once: a million arguments are not all measured


#: Methods that grow the object they belong to, and by how much.
_GROWING = frozenset({"append", "extend", "insert", "add", "update", "setdefault"})


def _check_method(obj: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """``list.append`` in a loop, ``sep.join(...)``, ``s.replace(...)``, ``s.expandtabs(...)``: sized first."""
    owner = getattr(obj, "__self__", None)
    name = getattr(obj, "__name__", "")
    if name == "generate_lorem_ipsum":  # lipsum(n): up to 100 words a paragraph
        n = args[0] if args else kwargs.get("n", 5)
        _check_length(abs(n) * 1000 if isinstance(n, int) else 0)
    if owner is None or not name:
        return
    if isinstance(owner, list | dict | set) and name in _GROWING:
        added = sum(len(a) if hasattr(a, "__len__") and name in ("extend", "update") else 1 for a in args)
        _check_length(len(owner) + added + len(kwargs))
    elif isinstance(owner, str):
        if name == "join" and args:
            _check_joined(args[0], owner)
        elif name == "replace" and len(args) >= 2:
            _check_replaced(owner, args[0], args[1])
        elif name == "expandtabs":
            width = args[0] if args and isinstance(args[0], int) else 8
            _check_length(len(owner) + owner.count("\t") * abs(width))


def _check_joined(items: Any, sep: str) -> list[Any]:
    """The items of a join, measured before they are joined.

    A generator (``range(10**5)|map('center', 999999)``) is read one item at
    a time and stopped as soon as the total passes the limit: reading it
    whole first would be the very allocation to avoid.
    """
    if isinstance(items, list | tuple):
        _check_length(_size(list(items), MAX_VALUE_LENGTH) + len(sep) * len(items))
        return list(items)
    return list(_measured(items, len(sep)))


def _measured(items: Any, extra: int = 0) -> Iterator[Any]:
    """*items*, one by one, stopping once what they print adds up past MAX_VALUE_LENGTH."""
    total = 0
    for item in items:
        total += _size(item, MAX_VALUE_LENGTH) + extra
        _check_length(total)
        yield item


def _lazy(value: Any) -> bool:
    """An iterator that makes its items as it is read (map, a generator), which ``len`` cannot size."""
    return hasattr(value, "__next__") and not isinstance(value, str | bytes)


def _check_replaced(text: Any, old: Any, new: Any) -> None:
    if isinstance(text, str) and isinstance(old, str) and isinstance(new, str):
        count = text.count(old) if old else len(text) + 1
        _check_length(len(text) + count * len(new))


def _guarded(name: str, f: Any) -> Any:
    """A filter that refuses huge widths and results it can size before it runs.

    Values are never inspected as patterns (a value is data: a fax number
    "%0012345678" must print, not fail), only measured.
    """
    import functools

    #: Filters given the environment or evaluation context first (join, sum, replace, wordwrap...).
    off = 1 if getattr(f, "jinja_pass_arg", None) is not None else 0

    @functools.wraps(f)
    def filt(*args: Any, **kwargs: Any) -> Any:
        _check_arguments(args[1:], kwargs)
        if len(args) <= off:
            return f(*args, **kwargs)
        value, rest = args[off], args[off + 1 :]
        if _lazy(value) and name not in ("join", "sum"):
            # list, sort, unique, tojson... would read a generator whole.
            value = _measured(value)
            args = (*args[:off], value, *rest)
        if name == "format":
            _check_format(value)
            if isinstance(value, str):
                _check_formatted(value, rest, kwargs)
        elif name == "join" and not isinstance(value, str):
            sep = rest[0] if rest else kwargs.get("d", "")
            args = (*args[:off], _check_joined(value, str(sep)), *rest)
        elif name == "sum":
            items = list(_measured(value)) if _lazy(value) else list(value)
            _check_length(_size(items, MAX_VALUE_LENGTH))  # all items together, counted once
            args = (*args[:off], items, *rest)
        elif name == "replace" and len(rest) >= 2:
            _check_replaced(value, rest[0], rest[1])
        elif name == "indent" and isinstance(value, str):
            width = rest[0] if rest else kwargs.get("width", 4)
            width = len(width) if isinstance(width, str) else width if isinstance(width, int) else 4
            _check_length(len(value) + (value.count("\n") + 1) * abs(width))
        elif name == "wordwrap" and isinstance(value, str):
            wrap = rest[3] if len(rest) > 3 else kwargs.get("wrapstring") or "\n"
            _check_length(len(value) * (1 + len(str(wrap))))
        elif name not in ("length", "count", "first", "last", "default", "d"):
            _check_length(_size(value, MAX_VALUE_LENGTH))
        result = f(*args, **kwargs)
        # map makes new values as it is read: measured, so whatever reads it whole stops in time.
        return _measured(result) if name == "map" and _lazy(result) else result

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
