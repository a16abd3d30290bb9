"""Reading a gettext ``.po`` file strictly: its size, its syntax line by line, its header, then babel.

A leaf module (it needs only ``errors`` and babel) because two rooms read
catalogs: ``locale`` compiles them to look strings up, and ``catalogs``
maintains them (new, update, check). When the reader lived in catalogs.py,
``locale`` imported ``catalogs`` which imports ``locale``: a circle.

babel alone reads ``msgstr "abc`` (no closing quote) as ``ab`` without a
word, so every catalog is first checked line by line here, and a broken one
stops with its file and line instead of printing a clipped phrase to an
authority.
"""

from __future__ import annotations

import gettext
import io
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import CatalogError

if TYPE_CHECKING:
    from babel.messages.catalog import Catalog


_KEYWORD_LINE = re.compile(r"(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)(?=[\s\"]|$)\s*(.*)$")
_ESCAPES = set('\\"ntrabfv')


def _string_problem(rest: str) -> str | None:
    """Why *rest* is not one complete C string literal, or None if it is."""
    if not rest.startswith('"'):
        return 'expected a string in double quotes ("...")'
    i = 1
    while i < len(rest):
        c = rest[i]
        if c == "\\":
            if i + 1 >= len(rest):
                break
            if rest[i + 1] not in _ESCAPES:
                return f"unknown escape \\{rest[i + 1]} (write \\\\ for a backslash)"
            i += 2
            continue
        if c == '"':
            tail = rest[i + 1 :].strip()
            if tail:
                return 'text after the closing quote (write \\" for a quote inside the text)'
            return None
        i += 1
    return 'unterminated string: the closing " is missing'


def lint_po(data: bytes, file: str) -> list[CatalogError]:
    """Syntax problems of a .po file, each with its line, in file order."""
    problems: list[CatalogError] = []
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        at = data[: exc.start].count(b"\n") + 1
        return [CatalogError("not valid UTF-8; save the catalog as UTF-8", file=file, line=at)]
    pending_msgid: int | None = None  # line of a msgid still waiting for its msgstr
    last: str | None = None  # the keyword a continuation string belongs to
    for n, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if line.startswith("#~"):
            line = line[2:].strip()
            if line.startswith("|"):  # the previous msgid of an obsolete entry
                continue
        elif line.startswith("#") or not line:
            if not line:
                last = None
            continue
        m = _KEYWORD_LINE.match(line)
        if m:
            keyword, rest = m.group(1), m.group(2)
            if keyword in ("msgid", "msgctxt"):
                if pending_msgid is not None:
                    problems.append(CatalogError("msgid has no msgstr", file=file, line=pending_msgid))
                pending_msgid = n if keyword == "msgid" else None
            elif keyword.startswith("msgstr"):
                pending_msgid = None
            last = keyword
        elif line.startswith('"'):
            rest = line
            if last is None:
                problems.append(CatalogError("a string that belongs to no msgid or msgstr", file=file, line=n))
                continue
        else:
            problems.append(
                CatalogError(
                    f"unexpected text '{line[:30]}'; "
                    "expected msgctxt, msgid, msgstr, a string in quotes or a # comment",
                    file=file,
                    line=n,
                )
            )
            continue
        why = _string_problem(rest)
        if why:
            problems.append(CatalogError(why, file=file, line=n))
    if pending_msgid is not None:
        problems.append(CatalogError("msgid has no msgstr", file=file, line=pending_msgid))
    return problems


#: Size of a .po file. The shipped catalogs are about 5 KiB; a spec's
#: translation export is about the size of the spec (at most 2 MiB).
MAX_PO_BYTES = 4 * 1024 * 1024
#: Characters in one msgid or msgstr: as many as a spec's text field
#: (``spec.MAX_TEXT_CHARS``), since ``translate import`` reads spec text from
#: .po files too. A fixed phrase is a line or two.
MAX_MSG_CHARS = 20_000
#: Plural forms a catalog may declare (CLDR's most, Arabic's, is 6).
MAX_PLURALS = 6
#: The counts a Plural-Forms expression is tried on before it is used: every
#: one must give a form index from 0 to nplurals - 1, without an error.
_PLURAL_PROBES = (*range(0, 1001), 10_000, 100_000, 1_000_000, 2**31 - 1)


def _header_fields(text: str) -> dict[str, tuple[str, int]]:
    """The header entry's fields (``msgid ""``) as name -> (value, line of the field).

    Read from the text itself, before babel, because babel turns a broken
    field into an exception with no line (``int('x')``) or into one that
    surfaces much later (an unknown charset when the catalog is compiled).
    The text has passed ``lint_po``, so each string is a valid literal.
    """
    import ast

    lines = text.splitlines()
    fields: dict[str, tuple[str, int]] = {}
    i = 0
    while i < len(lines) and not lines[i].startswith("msgid "):
        i += 1
    if i >= len(lines) or lines[i].strip() != 'msgid ""':
        return fields
    i += 1
    if i >= len(lines) or not lines[i].startswith("msgstr "):
        return fields
    parts: list[tuple[str, int]] = [(ast.literal_eval(lines[i][7:].strip()), i + 1)]
    i += 1
    while i < len(lines) and lines[i].startswith('"'):
        parts.append((ast.literal_eval(lines[i].strip()), i + 1))
        i += 1
    current, start = "", 0
    for chunk, n in parts:
        for piece in re.split(r"(?<=\n)", chunk):
            if not piece:
                continue
            if not current:
                start = n
            current += piece
            if current.endswith("\n"):
                name, _, value = current.partition(":")
                fields.setdefault(name.strip(), (value.strip(), start))
                current = ""
    if current:
        name, _, value = current.partition(":")
        fields.setdefault(name.strip(), (value.strip(), start))
    return fields


def _check_header(text: str, file: str) -> None:
    """Refuse a header that would break compiling or using the catalog.

    An unknown charset, a Plural-Forms whose ``nplurals`` is not a small
    number, or whose expression does not parse, divides by zero or gives a
    form the catalog does not have, raise ``CatalogError`` with the line.
    This runs once per catalog read (catalogs are cached), so probing the
    expression on a thousand counts costs nothing a letter would notice.
    """
    import codecs

    fields = _header_fields(text)
    if "Content-Type" in fields:
        value, line = fields["Content-Type"]
        m = re.search(r"charset\s*=\s*([^\s;]*)", value)
        if m:
            try:
                codecs.lookup(m.group(1))
            except LookupError:
                raise CatalogError(
                    f"unknown charset '{m.group(1)[:40]}' in Content-Type; save the catalog as UTF-8 "
                    "and declare charset=UTF-8",
                    file=file,
                    line=line,
                ) from None
    if "Plural-Forms" not in fields:
        return
    value, line = fields["Plural-Forms"]
    m = re.fullmatch(r"nplurals\s*=\s*(\w+)\s*;\s*plural\s*=\s*(.+?);?", value)
    if not m:
        raise CatalogError(
            f"Plural-Forms '{value[:80]}' cannot be read; write it as 'nplurals=N; plural=EXPRESSION;'",
            file=file,
            line=line,
        )
    if not re.fullmatch(r"\d{1,2}", m.group(1)) or not 1 <= int(m.group(1)) <= MAX_PLURALS:
        raise CatalogError(
            f"Plural-Forms: nplurals={m.group(1)[:20]} is not a number from 1 to {MAX_PLURALS}",
            file=file,
            line=line,
        )
    nplurals, expr = int(m.group(1)), m.group(2).strip()
    try:
        rule = gettext.c2py(expr)
    except (ValueError, SyntaxError, RecursionError, MemoryError) as exc:
        raise CatalogError(f"Plural-Forms: plural={expr[:80]} cannot be read ({exc})", file=file, line=line) from None
    for n in _PLURAL_PROBES:
        try:
            form = rule(n)
        except (ArithmeticError, ValueError, RecursionError, MemoryError) as exc:
            why = "division by zero" if isinstance(exc, ZeroDivisionError) else str(exc) or type(exc).__name__
            raise CatalogError(
                f"Plural-Forms: plural={expr[:80]} fails for n={n} ({why})", file=file, line=line
            ) from None
        if not isinstance(form, int) or not 0 <= form < nplurals:
            raise CatalogError(
                f"Plural-Forms: plural={expr[:80]} gives form {form} for n={n}; "
                f"with nplurals={nplurals} it must give 0 to {nplurals - 1}",
                file=file,
                line=line,
            )


def parse_po(data: bytes, file: str) -> Catalog:
    """Read a .po strictly: the first syntax or header problem raises ``CatalogError``."""
    from babel.messages.pofile import PoFileError, read_po

    if len(data) > MAX_PO_BYTES:
        raise CatalogError(f"the catalog is {len(data):,} bytes, more than the limit of {MAX_PO_BYTES:,}", file=file)
    problems = lint_po(data, file)
    if problems:
        raise problems[0]
    _check_header(data.decode("utf-8-sig"), file)
    try:
        catalog = read_po(io.BytesIO(data), abort_invalid=True)
    except PoFileError as exc:
        message = re.sub(r" on \d+$", "", str(exc))
        raise CatalogError(message, file=file, line=exc.lineno or None) from None
    except (ValueError, LookupError, UnicodeError) as exc:
        detail = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        raise CatalogError(f"cannot read catalog: {detail}", file=file) from None
    for entry in catalog:
        texts = [*(entry.id if isinstance(entry.id, (list, tuple)) else (entry.id,))]
        texts += [*(entry.string if isinstance(entry.string, (list, tuple)) else (entry.string,))]
        if any(len(t or "") > MAX_MSG_CHARS for t in texts):
            raise CatalogError(
                f"a message longer than {MAX_MSG_CHARS:,} characters; a fixed phrase is a line or two",
                file=file,
                line=entry.lineno or None,
            )
    return catalog


def read_po_bytes(path: Path | str, file: str) -> bytes:
    """The bytes of the catalog at *path*, refused unread when larger than ``MAX_PO_BYTES``.

    Opened non-blocking and checked with ``fstat``: a FIFO or a device put
    where a catalog belongs is refused instead of blocking or filling memory.
    """
    import stat

    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise CatalogError(f"cannot read catalog: {exc.strerror}", file=file) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise CatalogError("cannot read catalog: not a regular file", file=file)
        if st.st_size > MAX_PO_BYTES:
            raise CatalogError(
                f"the catalog is {st.st_size:,} bytes, more than the limit of {MAX_PO_BYTES:,}", file=file
            )
        with os.fdopen(fd, "rb", closefd=False) as fh:
            return fh.read(MAX_PO_BYTES + 1)
    except OSError as exc:
        raise CatalogError(f"cannot read catalog: {exc.strerror}", file=file) from None
    finally:
        os.close(fd)
