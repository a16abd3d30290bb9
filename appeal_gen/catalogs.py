"""The message catalogs as translators maintain them: create, update, check.

Translators work on gettext ``.po`` files in Poedit or Weblate; these are
the three operations around that work (``appeal-gen locale new|update|check``),
built on babel's catalog tools so that extraction, fuzzy merging and plural
rules are the standard ones every .po tool agrees with. What babel does not
do is refuse a malformed file: it reads ``msgstr "abc`` (no closing quote) as
``ab`` without a word, so every catalog is first checked line by line here,
and a broken one stops with its file and line instead of printing a clipped
phrase to an authority.
"""

from __future__ import annotations

import datetime as _dt
import difflib
import gettext
import io
import os
import re
import string
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import CatalogError, UsageError
from .locale import DOMAIN, SOURCE_LANGUAGE, catalog_path, locales_dir, shipped_languages, template_path
from .resources import __version__

if TYPE_CHECKING:
    from babel.messages.catalog import Catalog, Message

PACKAGE_DIR = Path(__file__).resolve().parent
#: Function names whose first string argument is a message, in code and in
#: DOCX templates (``{{ _("Text") }}``).
KEYWORDS = {"_": None, "N_": None, "gettext": None, "n_": (1, 2), "ngettext": (1, 2)}
COMMENT_TAGS = ("TRANSLATORS:",)
#: Marker strings whose translation is a setting, not a phrase.
SETTINGS = {"native-digits": ("yes", "no")}
#: Write .po files as babel (and the shipped catalogs) do: no source line
#: numbers, so moving code does not touch every catalog.
_WRITE_OPTIONS = {"width": 76, "no_location": True, "include_previous": True}


def display(path: Path) -> str:
    """*path* relative to the current folder when it is inside it, as people type it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return str(path)


# --------------------------------------------------------------------------
# Reading a .po strictly

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


def _read(path: Path) -> Catalog:
    return parse_po(read_po_bytes(path, str(path)), display(path))


def _serialise(catalog: Catalog) -> bytes:
    from babel.messages.pofile import write_po

    buf = io.BytesIO()
    write_po(buf, catalog, **_WRITE_OPTIONS)  # type: ignore[arg-type]
    return buf.getvalue()


def _write(path: Path, catalog: Catalog) -> None:
    from .output import write_atomic

    write_atomic(path, _serialise(catalog))


# --------------------------------------------------------------------------
# Extraction


def _templates_dir() -> Path | None:
    from .resources import TEMPLATES_DIR_CANDIDATES

    return next((d for d in TEMPLATES_DIR_CANDIDATES if d.is_dir()), None)


def _docx_lines(path: Path) -> list[str]:
    """The text of every paragraph of a DOCX (body, headers, footers), one per line.

    Word may split a Jinja tag over several runs; joining a paragraph's runs
    gives back the tag as docxtpl will see it.
    """
    from xml.etree import ElementTree

    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    from . import ooxml, sandbox

    # The same checks as a template used for letters: no zip bomb is inflated, no entity expanded.
    sandbox.check_template_file(path)
    lines: list[str] = []
    with ooxml.open_package(path, str(path)) as z:
        parts = sorted(n for n in z.names() if re.fullmatch(r"word/(document|header\d*|footer\d*)\.xml", n))
        for name in parts:
            root = ElementTree.fromstring(z.read(name))
            for p in root.iter(f"{w}p"):
                lines.append("".join(t.text or "" for t in p.iter(f"{w}t")))
    return lines


def _extract_docx(path: Path) -> Iterator[tuple[int, str, list[str]]]:
    from jinja2.ext import babel_extract

    # docxtpl's paragraph/row/cell/run tags ({%p ...%}) are not Jinja syntax:
    # without them jinja2's extractor would refuse the whole document.
    text = re.sub(r"(\{[%{])(?:p|tr|tc|r)(?=\s)", r"\1", "\n".join(_docx_lines(path)))
    source = io.BytesIO(text.encode("utf-8"))
    for lineno, _func, message, comments in babel_extract(source, tuple(KEYWORDS), list(COMMENT_TAGS), {}):
        if isinstance(message, str):
            yield lineno, message, list(comments)


def _add_country_forms(cat: Catalog) -> None:
    """One entry per country of document.COUNTRY_FORMS: its authorities in the form the sentence needs.

    The codes are data, not literal calls, so babel's extractor cannot see them.
    """
    from .document import COUNTRY_FORMS, country_form_msgid

    for code in COUNTRY_FORMS:
        note = [  # one comment per line, as a catalog read back gives them
            f"TRANSLATORS: the authorities of this country ({code}), in the",
            "grammatical form the sentence before the demands needs, e.g.",
            'French "les autorités cambodgiennes".',
        ]
        where = [("appeal_gen/document.py", 0)]
        cat.add(country_form_msgid(code), None, where, auto_comments=note, context=f"country:{code}")


def extract() -> Catalog:
    """Every translatable string of the code and the DOCX templates, as a template catalog."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_dir

    cat = Catalog(
        project="appeal-gen",
        version=__version__,
        msgid_bugs_address="translators of appeal-gen",
        charset="utf-8",
        fuzzy=True,
    )
    for filename, lineno, message, comments, context in extract_from_dir(
        str(PACKAGE_DIR),
        method_map=[("**.py", "python")],
        keywords=KEYWORDS,
        comment_tags=COMMENT_TAGS,
        strip_comment_tags=False,
    ):
        cat.add(message, None, [(f"appeal_gen/{filename}", lineno)], auto_comments=comments, context=context)
    _add_country_forms(cat)
    tdir = _templates_dir()
    if tdir is not None:
        for docx in sorted(tdir.rglob("*.docx")):
            rel = f"templates/{docx.relative_to(tdir).as_posix()}"
            for lineno, message, comments in _extract_docx(docx):
                cat.add(message, None, [(rel, lineno)], auto_comments=comments)
    return cat


def _same_messages(a: Catalog, b: Catalog) -> bool:
    # Order and source lines are left out: moving code around is not a change
    # translators need to hear about.
    def key(c: Catalog) -> list[str]:
        return sorted(repr((m.id, m.context, tuple(m.auto_comments), tuple(sorted(m.flags)))) for m in c if m.id)

    return key(a) == key(b)


# --------------------------------------------------------------------------
# new / update


def new_catalog(lang: str, base: Path | None = None) -> Path:
    """Start the catalog of *lang* from the message template (``locale new``)."""
    from babel import Locale, UnknownLocaleError

    try:
        Locale.parse(lang)
    except (UnknownLocaleError, ValueError):
        raise UsageError(f"unknown language '{lang}'; use a code such as de, pt_BR or sw") from None
    if lang == SOURCE_LANGUAGE:
        raise UsageError(f"'{lang}' is the language the messages are written in; it has no catalog")
    path = catalog_path(lang, base)
    if path.exists():
        raise UsageError(f"{display(path)} already exists; run 'appeal-gen locale update' to bring it up to date")
    pot = template_path(base)
    if pot.is_file():
        template = _read(pot)
    else:
        template = extract()
    from babel.messages.catalog import Catalog

    cat = Catalog(
        locale=lang,
        domain=DOMAIN,
        header_comment=f"# {Locale.parse(lang).english_name} translations for appeal-gen.\n#",
        project="appeal-gen",
        version=__version__,
        msgid_bugs_address="translators of appeal-gen",
        creation_date=template.creation_date,
        revision_date=_dt.datetime.now(_dt.UTC).replace(second=0, microsecond=0),
        language_team=lang,
        charset="utf-8",
        fuzzy=False,
    )
    cat.update(template, update_creation_date=True)
    _write(path, cat)
    return path


@dataclass
class UpdateResult:
    template: Path
    template_changed: bool
    #: language -> (path, new strings, strings marked fuzzy, strings made obsolete, written)
    languages: dict[str, tuple[Path, int, int, int, bool]] = field(default_factory=dict)


def update_catalogs(base: Path | None = None) -> UpdateResult:
    """Re-extract the template and merge it into every catalog (``locale update``).

    A catalog whose strings did not change is not rewritten, so running the
    command twice changes nothing.
    """
    pot = template_path(base)
    fresh = extract()
    old = _read(pot) if pot.is_file() else None
    changed = old is None or not _same_messages(old, fresh)
    if changed:
        fresh.creation_date = _dt.datetime.now(_dt.UTC).replace(second=0, microsecond=0)
        _write(pot, fresh)
        template = fresh
    else:
        assert old is not None
        template = old
    result = UpdateResult(pot, changed)
    for lang in shipped_languages(base):
        path = catalog_path(lang, base)
        if not path.is_file():
            continue
        cat = _read(path)
        before = _serialise(cat)
        known = {(m.id, m.context) for m in cat if m.id}
        was_fuzzy = {(m.id, m.context) for m in cat if m.id and m.fuzzy}
        obsolete_before = len(cat.obsolete)
        cat.update(template, update_creation_date=True)
        after = _serialise(cat)
        new = sum(1 for m in cat if m.id and (m.id, m.context) not in known and not m.fuzzy)
        fuzzy = sum(1 for m in cat if m.id and m.fuzzy and (m.id, m.context) not in was_fuzzy)
        obsolete = len(cat.obsolete) - obsolete_before
        written = after != before
        if written:
            _write(path, cat)
        result.languages[lang] = (path, new, fuzzy, max(obsolete, 0), written)
    return result


# --------------------------------------------------------------------------
# check


@dataclass
class LanguageReport:
    lang: str
    path: Path
    total: int = 0
    translated: int = 0
    fuzzy: int = 0
    untranslated: int = 0
    problems: list[CatalogError] = field(default_factory=list)
    #: ``FILE:LINE: fuzzy|untranslated: "msgid"``: what is left to do, in file order
    todo: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and self.fuzzy == 0 and self.untranslated == 0

    def summary(self) -> str:
        state = "OK" if self.ok else ("broken" if self.problems else "incomplete")
        return (
            f"{self.lang}: {self.translated} of {self.total} strings translated, "
            f"{self.fuzzy} fuzzy, {self.untranslated} untranslated: {state}"
        )


@dataclass
class CheckReport:
    languages: list[LanguageReport]
    template_problems: list[CatalogError]

    @property
    def ok(self) -> bool:
        return not self.template_problems and all(r.ok for r in self.languages)


def _fields(text: str) -> set[str]:
    """The ``{name}`` placeholders of *text*; raises ValueError on a stray brace."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def _msgstr_line(lines: list[str], msgid_line: int | None) -> int | None:
    if msgid_line is None:
        return None
    for i in range(msgid_line - 1, min(len(lines), msgid_line + 200)):
        if lines[i].lstrip().startswith("msgstr"):
            return i + 1
    return msgid_line


def _header_line(lines: list[str], name: str) -> int | None:
    for i, line in enumerate(lines):
        if line.startswith(f'"{name}:'):
            return i + 1
    return None


def _plural_rule_matches(expected: str, found: str) -> bool:
    try:
        a, b = gettext.c2py(expected), gettext.c2py(found)
    except (ValueError, SyntaxError):
        return False
    return all(a(n) == b(n) for n in (*range(0, 1201), 100_000, 1_000_000, 2_000_000))


def _check_message(msg: Message, lines: list[str], file: str, nplurals: int) -> list[CatalogError]:
    line = _msgstr_line(lines, msg.lineno)
    ids = msg.id if isinstance(msg.id, (list, tuple)) else (msg.id,)
    strs = msg.string if isinstance(msg.string, (list, tuple)) else (msg.string,)
    out: list[CatalogError] = []
    if msg.pluralizable and len(strs) != nplurals:
        out.append(
            CatalogError(
                f"{len(strs)} plural forms (msgstr[0]..msgstr[{len(strs) - 1}]) but the catalog's "
                f"Plural-Forms says nplurals={nplurals}",
                file=file,
                line=line,
            )
        )
    try:
        expected = set().union(*(_fields(i) for i in ids))
    except ValueError:
        expected = set()
    if msg.id in SETTINGS and msg.string and msg.string not in SETTINGS[msg.id]:
        choices = " or ".join(f'"{c}"' for c in SETTINGS[msg.id])
        out.append(CatalogError(f'msgstr of "{msg.id}" must be {choices}, not "{msg.string}"', file=file, line=line))
    if not expected:
        return out
    shown = msg.id[0] if isinstance(msg.id, tuple) else msg.id
    for index, s in enumerate(strs):
        if not s:
            continue
        # For a message with plural forms, name the form: msgstr[1].
        which = f"msgstr[{index}]" if isinstance(msg.id, tuple) else "msgstr"
        try:
            found = _fields(s)
        except ValueError:
            out.append(
                CatalogError(
                    f'broken placeholder in {which} "{s}": a {{ or }} without its partner '
                    "(copy placeholders such as {country} exactly; write {{ or }} for a brace)",
                    file=file,
                    line=line,
                )
            )
            continue
        for name in sorted(found - expected):
            close = difflib.get_close_matches(name, sorted(expected), n=1, cutoff=0.5)
            hint = f"; did you mean {{{close[0]}}}?" if close else ""
            out.append(
                CatalogError(f'unknown placeholder {{{name}}} in {which} for "{shown}"{hint}', file=file, line=line)
            )
        for name in sorted(expected - found):
            out.append(
                CatalogError(
                    f'placeholder {{{name}}} of msgid "{shown}" is missing from its {which}; '
                    f"copy {{{name}}} into the translation unchanged",
                    file=file,
                    line=line,
                )
            )
    return out


def check_language(lang: str, template: Catalog | None, base: Path | None = None) -> LanguageReport:
    """Counts and problems of one catalog."""
    from babel import Locale, UnknownLocaleError
    from babel.messages.plurals import get_plural

    path = catalog_path(lang, base)
    report = LanguageReport(lang, path)
    file = display(path)
    try:
        data = read_po_bytes(path, file)
    except CatalogError as exc:
        report.problems.append(exc)
        return report
    syntax = lint_po(data, file)
    if syntax:
        report.problems.extend(syntax)
        return report
    deferred: CatalogError | None = None
    try:
        cat = parse_po(data, file)
    except CatalogError as exc:
        if "num_plurals" not in str(exc):
            report.problems.append(exc)
            return report
        # Too many plural forms for the header: the header is usually what
        # is wrong, so read leniently and report it (below) first.
        import contextlib

        from babel.messages.pofile import read_po

        # babel prints "WARNING: Problem on line ..." for what it skips.
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            cat = read_po(io.BytesIO(data))
        deferred = exc
    lines = data.decode("utf-8-sig").splitlines()

    declared = cat.locale_identifier
    if declared and declared != lang:
        report.problems.append(
            CatalogError(
                f"the header says Language: {declared}, but the catalog is in the folder of '{lang}'",
                file=file,
                line=_header_line(lines, "Language"),
            )
        )
    try:
        Locale.parse(lang)
        rule = get_plural(lang)
    except (UnknownLocaleError, ValueError):
        report.problems.append(CatalogError(f"'{lang}' is not a language babel knows", file=file))
        return report
    header = dict(cat.mime_headers)
    plural_header = header.get("Plural-Forms")
    pline = _header_line(lines, "Plural-Forms")
    nplurals = rule.num_plurals
    if not plural_header:
        report.problems.append(
            CatalogError(f"no Plural-Forms header; {lang} needs '{rule.plural_forms}'", file=file, line=1)
        )
    else:
        m = re.search(r"nplurals\s*=\s*(\d+)\s*;\s*plural\s*=\s*(.+?);?\s*$", plural_header)
        if not m:
            report.problems.append(
                CatalogError(
                    f"Plural-Forms '{plural_header}' cannot be read; {lang} needs '{rule.plural_forms}'",
                    file=file,
                    line=pline,
                )
            )
        else:
            nplurals = int(m.group(1))
            if nplurals != rule.num_plurals or not _plural_rule_matches(rule.plural_expr, m.group(2)):
                report.problems.append(
                    CatalogError(
                        f"Plural-Forms '{plural_header}' does not match {lang} "
                        f"({rule.num_plurals} forms); use '{rule.plural_forms}'",
                        file=file,
                        line=pline,
                    )
                )

    if deferred is not None:
        report.problems.append(deferred)
    messages = {(m.id, m.context): m for m in cat if m.id}
    wanted = [(m.id, m.context) for m in template if m.id] if template is not None else list(messages)
    missing = [k for k in wanted if k not in messages]
    for key in wanted:
        msg = messages.get(key)
        if msg is None:
            continue
        report.total += 1
        strs = msg.string if isinstance(msg.string, (list, tuple)) else (msg.string,)
        shown = msg.id if isinstance(msg.id, str) else msg.id[0]
        if not all(strs):
            report.untranslated += 1
            report.todo.append(f'{file}:{_msgstr_line(lines, msg.lineno)}: untranslated: "{shown}"')
            continue
        if msg.fuzzy:
            report.fuzzy += 1
            report.todo.append(f'{file}:{_msgstr_line(lines, msg.lineno)}: fuzzy (needs review): "{shown}"')
            continue
        report.translated += 1
        report.problems.extend(_check_message(msg, lines, file, nplurals))
    if missing:
        report.total += len(missing)
        report.untranslated += len(missing)
        report.problems.append(
            CatalogError(
                f"{len(missing)} strings of the template are not in this catalog "
                f"(first: \"{missing[0][0]}\"); run 'appeal-gen locale update'",
                file=file,
            )
        )
    return report


def check_catalogs(langs: Sequence[str] | None = None, base: Path | None = None) -> CheckReport:
    """Check the given languages (default: every catalog) against the template."""
    pot = template_path(base)
    template_problems: list[CatalogError] = []
    template: Catalog | None = None
    if pot.is_file():
        try:
            template = _read(pot)
        except CatalogError as exc:
            template_problems.append(exc)
    else:
        template_problems.append(CatalogError("the message template is missing; run 'appeal-gen locale update'"))
    if template is not None:
        fresh = extract()
        have = {(m.id, m.context) for m in template if m.id}
        need = {(m.id, m.context) for m in fresh if m.id}
        if have != need:
            added, gone = len(need - have), len(have - need)
            template_problems.append(
                CatalogError(
                    f"out of date with the code: {added} new and {gone} removed strings; "
                    "run 'appeal-gen locale update'",
                    file=display(pot),
                )
            )
    available = [lang for lang in shipped_languages(base) if lang != SOURCE_LANGUAGE]
    if langs:
        for lang in langs:
            if lang not in available:
                raise UsageError(
                    f"there is no catalog for '{lang}' in {locales_dir()}; "
                    f"create it with 'appeal-gen locale new {lang}'"
                )
        chosen = list(langs)
    else:
        chosen = available
    return CheckReport([check_language(lang, template, base) for lang in chosen], template_problems)
