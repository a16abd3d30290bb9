"""The appeal spec: its schema, its validation and the typed objects it becomes.

The schema is declared once (``_SCHEMA``) and drives three things: the
validator, which reports *every* problem with its line and column instead of
stopping at the first; the construction of the typed ``Spec``; and the list
of free-text (translatable) field paths used by translation tooling.
Validation walks PyYAML nodes, not Python values, so that each error can
point at the exact place in the file (see ``_yaml``).

Over the ~600 lines a module is meant to stay under, on purpose: the schema,
its validator and the builder of ``Spec`` read the same private field table
(``_Field``, ``_SCHEMA``); split into modules, that table would become a
public interface for the sake of the split. The spec's leaves already live
apart (``_yaml``, ``conventions``, ``staleness``).
"""

from __future__ import annotations

import datetime as _dt
import difflib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml

from . import _yaml, sanitize
from .addressing import GENDERS, RANKS
from .errors import SpecError, SpecErrors

#: Violation types, as Front Line Defenders, Amnesty and the Observatory use
#: them. The printed names come from the message catalogs, never from here.
STATUSES = (
    "judicial_harassment",
    "arbitrary_detention",
    "threats",
    "killing",
    "enforced_disappearance",
    "physical_attack",
    "torture",
    "travel_ban",
    "surveillance",
    "raid",
    "smear_campaign",
    "sentencing",
    "restrictions_on_association",
    "release",
    "other",
)

SPEC_VERSION = 1
_LANG_RE = re.compile(r"^[a-z]{2,3}(_[A-Z]{2}|_[A-Z][a-z]{3})?$")
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_URL_RE = re.compile(r"^(https?://|mailto:)\S+$")
#: Walking a node tree expands YAML aliases; a few hundred bytes of nested
#: aliases ("billion laughs") expand to billions of nodes. A real spec has a
#: few hundred nodes.
MAX_NODES = 50_000
MAX_DEPTH = 30
MAX_TEXT_CHARS = 20_000
#: Characters in a whole-number field (spec_version, ua_number ...). YAML
#: reads ``0x``, ``0o``, ``0b``, ``1_000`` and base-60 ``1:2:3`` integers of
#: any length: a 100,000-digit one takes seconds to build (base 60 is
#: quadratic) and then cannot even be printed (Python's int-to-string limit).
#: The check is on the text, before anything is converted.
MAX_INT_CHARS = 20


# --------------------------------------------------------------------------
# The typed result


@dataclass(frozen=True)
class Text:
    """A free-text value in one or more languages.

    ``values`` maps a language code to its text; ``source`` is the language
    the spec is written in. ``path`` is the dotted field path, kept so that
    a missing translation can be reported by name.
    """

    values: dict[str, str]
    source: str
    path: str
    line: int | None = None
    column: int | None = None
    #: A name written once (a plain string in a name field): the same in
    #: every language, so it never counts as untranslated.
    universal: bool = False
    #: A name field (kind "name"), plain or per language: translators are
    #: offered it with a note, and ``check`` warns when a letter in another
    #: script would print it in Latin letters.
    is_name: bool = False

    def get(self, lang: str) -> str | None:
        value = self.values.get(lang)
        if value is None and self.universal:
            return self.values[self.source]
        return value


@dataclass(frozen=True)
class Reference:
    code: str
    ua_number: str | None = None
    follow_up: int | None = None
    document_index: str | None = None


@dataclass(frozen=True)
class Issuer:
    name: Text
    address: tuple[str, ...] = ()
    phone: str | None = None
    email: str | None = None
    website: str | None = None


@dataclass(frozen=True)
class Subject:
    name: Text
    short_name: Text | None = None
    kind: str = "person"
    role: Text | None = None
    pronoun: str | None = None
    description: Text | None = None


@dataclass(frozen=True)
class Update:
    date: _dt.date
    headline: Text
    body: Text


@dataclass(frozen=True)
class Authority:
    office: Text
    honorific: Text | None = None
    name: Text | None = None
    #: The family name a named salutation uses ("Dear Ms Moreau", "尊敬的莫罗女士"); never guessed from ``name``.
    family_name: Text | None = None
    institution: Text | None = None
    address: tuple[str, ...] = ()
    email: str | None = None
    fax: str | None = None
    phone: str | None = None
    salutation: Text | None = None
    preferred_language: str | None = None
    #: Grammatical gender and rank, for the salutation and closing a letter gives them (addressing.py).
    gender: str | None = None
    rank: str | None = None


@dataclass(frozen=True)
class LetterText:
    """The spec's model letter (``letter:``), for supporters' letters (letters.py)."""

    #: The subject line of a supporter's letter and its e-mail draft (None: the appeal's title).
    subject: Text | None = None
    opening: Text | None = None
    body: Text | None = None
    closing: Text | None = None


@dataclass(frozen=True)
class Link:
    title: Text
    url: str


@dataclass(frozen=True)
class Spec:
    path: str
    language: str
    reference: Reference
    issuers: tuple[Issuer, ...]
    date: _dt.date
    country: str
    status: str
    title: Text
    summary: Text
    subjects: tuple[Subject, ...]
    concern: Text
    demands: tuple[Text, ...]
    authorities: tuple[Authority, ...]
    dateline: Text | None = None
    updates: tuple[Update, ...] = ()
    context: Text | None = None
    copies_to: tuple[Authority, ...] = ()
    deadline: _dt.date | None = None
    links: tuple[Link, ...] = ()
    #: The model letter supporters send (None: the catalogs' default wording).
    letter: LetterText | None = None
    languages: tuple[str, ...] = ()
    #: The theme file the spec names (``theme:``), relative to the spec's folder; ``--theme`` wins.
    theme: str | None = None
    #: language -> how it is written (conventions.Conventions): regional dates, typography, country forms
    conventions: dict[str, Any] = field(default_factory=dict, repr=False)
    texts: tuple[Text, ...] = field(default=(), repr=False)
    #: language -> field path -> fingerprint of the source text its translation was made from (staleness.py)
    translated_from: dict[str, dict[str, str]] = field(default_factory=dict, repr=False)
    #: Problems that did not stop the spec (see sanitize.py), as FILE:LINE:COL: field: message.
    warnings: tuple[str, ...] = field(default=(), repr=False)

    @property
    def slug(self) -> str:
        return slugify(self.reference.code)

    def content_languages(self) -> tuple[str, ...]:
        """Languages to build for ``--lang all``: declared, else every one present."""
        if self.languages:
            return self.languages
        seen = {self.language}
        for t in self.texts:
            seen.update(t.values)
        return (self.language, *sorted(seen - {self.language}))

    def locate(self, path: str) -> tuple[int | None, int | None]:
        """Line and column of a free-text field (or its nearest parent) in the file."""
        best = None
        for t in self.texts:
            if path == t.path or path.startswith(t.path + "."):
                return t.line, t.column
            if best is None and t.path.startswith(path + "."):
                best = t
        return (best.line, best.column) if best else (None, None)

    def missing_translations(self, lang: str) -> list[Text]:
        """Text fields with no *lang* text (``fr`` text serves ``fr_CA``)."""
        base = lang.split("_")[0]
        return [t for t in self.texts if not t.universal and lang not in t.values and base not in t.values]


def slugify(code: str) -> str:
    """A file-name-safe, lower-case form of a reference code.

    >>> slugify("FLD-KH/CCHR 2017")
    'fld-kh-cchr-2017'
    >>> slugify("CON")
    'con_'

    A Windows device name (``con``, ``aux``, ``com1``) gets a ``_``, as list
    ids do (``filenames.slug``): ``con.en.pdf`` cannot be opened on Windows.
    """
    from .filenames import RESERVED

    slug = re.sub(r"[^a-z0-9]+", "-", code.lower()).strip("-")[:80].strip("-")
    return (slug + "_" if slug in RESERVED else slug) or "appeal"


# --------------------------------------------------------------------------
# The schema


@dataclass(frozen=True)
class _Field:
    kind: str  # see _Validator._check
    required: bool = False
    item: Any = None  # kind of list items, or a dict schema for objects
    schema: dict[str, _Field] | None = None
    nonempty: bool = False


def _obj(schema: dict[str, _Field], required: bool = False, **kw: Any) -> _Field:
    return _Field("object", required=required, schema=schema, **kw)


def _list(item: _Field, required: bool = False, nonempty: bool = False) -> _Field:
    return _Field("list", required=required, item=item, nonempty=nonempty)


_AUTHORITY = {
    "honorific": _Field("name"),
    "name": _Field("name"),
    "family_name": _Field("name"),
    "office": _Field("text", required=True),
    "institution": _Field("text"),
    "address": _list(_Field("str")),
    "email": _Field("email"),
    "fax": _Field("str"),
    "phone": _Field("str"),
    "salutation": _Field("text"),
    "preferred_language": _Field("lang"),
    "gender": _Field("gender"),
    "rank": _Field("rank"),
}

_SCHEMA: dict[str, _Field] = {
    "spec_version": _Field("int", required=True),
    "language": _Field("lang", required=True),
    "languages": _list(_Field("lang")),
    "reference": _obj(
        {
            "code": _Field("str", required=True),
            "ua_number": _Field("str"),
            "follow_up": _Field("count"),
            "document_index": _Field("str"),
        },
        required=True,
    ),
    "issuers": _list(
        _obj(
            {
                "name": _Field("name", required=True),
                "address": _list(_Field("str")),
                "phone": _Field("str"),
                "email": _Field("email"),
                "website": _Field("url"),
            }
        ),
        required=True,
        nonempty=True,
    ),
    "date": _Field("date", required=True),
    "dateline": _Field("text"),
    "country": _Field("country", required=True),
    "status": _Field("status", required=True),
    "title": _Field("text", required=True),
    "summary": _Field("text", required=True),
    "subjects": _list(
        _obj(
            {
                "name": _Field("name", required=True),
                "short_name": _Field("name"),
                "kind": _Field("kind"),
                "role": _Field("text"),
                "pronoun": _Field("pronoun"),
                "description": _Field("text"),
            }
        ),
        required=True,
        nonempty=True,
    ),
    "updates": _list(
        _obj(
            {
                "date": _Field("date", required=True),
                "headline": _Field("text", required=True),
                "body": _Field("text", required=True),
            }
        )
    ),
    "context": _Field("text"),
    "concern": _Field("text", required=True),
    "demands": _list(_Field("text"), required=True, nonempty=True),
    "authorities": _list(_obj(_AUTHORITY), required=True, nonempty=True),
    "copies_to": _list(_obj(_AUTHORITY)),
    "deadline": _Field("date"),
    "links": _list(_obj({"title": _Field("text", required=True), "url": _Field("url", required=True)})),
    # The model letter of supporters' letters (letters.py).
    "letter": _obj(
        {"subject": _Field("text"), "opening": _Field("text"), "body": _Field("text"), "closing": _Field("text")}
    ),
    # How each language is written: regional dates, typography, country forms (locale.py).
    "conventions": _Field("conventions"),
    # The organisation's look: a theme.yaml, relative to the spec (theme.py, docs/theme.md).
    "theme": _Field("str"),
    # Written by appeal-gen (translate import/accept): see staleness.py.
    "translated_from": _Field("records"),
}

_STANDARD_TAGS = frozenset(
    f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null", "timestamp", "seq", "map")
)
_KINDS = ("person", "organisation", "group", "community")
_PRONOUNS = ("she", "he", "they", "it")

#: CLDR territory codes that are not countries an appeal can be about:
#: the European Union, the eurozone, the United Nations, outlying Oceania and
#: "unknown region". (Kosovo's XK is a country and stays.)
_NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "QO", "ZZ"})

_KIND_NAMES = {
    "str": "a string",
    "text": "text (a string, or a mapping of language codes to strings)",
    "name": "a name (a string, used in every language, or a mapping of language codes to strings)",
    "int": "a whole number",
    "count": "a whole number",
    "date": "a date written YYYY-MM-DD",
    "email": "an email address",
    "url": "a URL beginning with https://, http:// or mailto:",
    "lang": "a language code such as en, fr or pt_BR",
    "list": "a list",
    "object": "a mapping",
    "records": "a mapping of language codes to field fingerprints",
    "conventions": "a mapping of language codes to conventions",
}


def free_text_paths(spec: Spec) -> list[str]:
    """Every translatable field path of *spec*, in file order."""
    return [t.path for t in spec.texts]


# --------------------------------------------------------------------------
# Validation on nodes


def _describe(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    tag = node.tag.rsplit(":", 1)[-1]
    return {
        "str": "a string",
        "int": "a number",
        "float": "a number",
        "bool": "true/false",
        "null": "empty",
        "timestamp": "a date",
    }.get(tag, tag)


def _position(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


class _Validator:
    """Every problem of one spec, each at its line and column, with the typed values it checked.

    Over the ~150 lines a class is meant to stay under, on purpose: one
    method per kind of schema node (object, list, scalar, text, records),
    all recursing through ``check`` and sharing the error list and the node
    budget (``MAX_NODES``) that bounds a hostile file; split, the budget and
    the errors would travel between classes.
    """

    def __init__(self, file: str) -> None:
        self.file = file
        self.errors: list[SpecError] = []
        self.texts: list[Text] = []
        self.source_lang = "en"
        self.nodes = 0
        self.halted = False
        self.warnings: list[str] = []

    def error(self, node: yaml.Node | None, path: str, message: str) -> None:
        mark = node.start_mark if node is not None else None
        self.errors.append(
            SpecError(
                message,
                file=self.file,
                line=mark.line + 1 if mark else None,
                column=mark.column + 1 if mark else None,
                field=path or None,
            )
        )

    def _count(self, node: yaml.Node, depth: int, path: str) -> bool:
        """False when *node* must not be checked; ``halted`` when nothing more should be.

        A refused tag skips only its own value, so the other problems of the
        spec are still reported; the size and depth limits stop everything,
        because they exist to bound the work.
        """
        self.nodes += 1
        if node.tag not in _STANDARD_TAGS:
            tag = node.tag.replace("tag:yaml.org,2002:", "!!")
            self.error(node, path, f"the YAML tag '{tag}' is not allowed; a spec holds plain values only")
            return False
        if self.nodes > MAX_NODES:
            self.halted = True
            if self.nodes == MAX_NODES + 1:
                self.error(
                    node,
                    path,
                    f"more than {MAX_NODES} values (YAML aliases expanding?); a spec this large is refused",
                )
            return False
        if depth > MAX_DEPTH:
            self.halted = True
            self.error(node, path, f"nested more than {MAX_DEPTH} levels deep")
            return False
        return True

    # Objects ----------------------------------------------------------------
    def obj(self, node: yaml.Node, schema: dict[str, _Field], path: str, depth: int = 0) -> dict[str, Any] | None:
        if not isinstance(node, yaml.MappingNode):
            self.error(node, path, f"expected a mapping, found {_describe(node)}")
            return None
        out: dict[str, Any] = {}
        seen: dict[str, yaml.Node] = {}
        unknown: list[tuple[yaml.Node, str, str]] = []
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            sub = f"{path}.{key}" if path else str(key)
            if not self._count(value_node, depth, sub):
                if self.halted:
                    return None
                if isinstance(key, str):
                    seen[key] = key_node
                continue
            if not isinstance(key, str):
                self.error(key_node, path, "keys must be plain names")
                continue
            if key in seen:
                first = seen[key].start_mark.line + 1
                self.error(key_node, sub, f"duplicate key (first given on line {first})")
                continue
            seen[key] = key_node
            spec = schema.get(key)
            if spec is None:
                unknown.append((key_node, sub, key))
                continue
            value = self.check(value_node, spec, sub, depth + 1)
            if value is not None:
                out[key] = value
        suggested = set()
        for key_node, sub, key in unknown:
            close = difflib.get_close_matches(key, [k for k in schema if k not in seen], n=1, cutoff=0.6)
            if close:
                suggested.add(close[0])
                self.error(key_node, sub, f"unknown key; did you mean '{close[0]}'?")
            else:
                # translated_from is appeal-gen's bookkeeping (staleness.py), not a key people type.
                allowed = ", ".join(k for k in schema if k != "translated_from")
                self.error(key_node, sub, f"unknown key; allowed here: {allowed}")
        for name, spec in schema.items():
            if spec.required and name not in seen and name not in suggested:
                sub = f"{path}.{name}" if path else name
                what = _KIND_NAMES.get(spec.kind, spec.kind)
                where = f" to {path}" if path else ""
                self.error(node, sub, f"required field is missing; add '{name}:'{where} with {what}")
        return out

    # Any kind ---------------------------------------------------------------
    def check(self, node: yaml.Node, spec: _Field, path: str, depth: int) -> Any:
        kind = spec.kind
        if kind == "object":
            assert spec.schema is not None
            return self.obj(node, spec.schema, path, depth)
        if kind == "list":
            if not isinstance(node, yaml.SequenceNode):
                if isinstance(node, yaml.ScalarNode) and node.tag.endswith(":null") and spec.nonempty:
                    self.error(node, path, "must list at least one item")
                    return None
                self.error(node, path, f"expected a list, found {_describe(node)}")
                return None
            if spec.nonempty and not node.value:
                self.error(node, path, "must list at least one item")
                return None
            items: list[Any] = []
            for i, item in enumerate(node.value):
                if not self._count(item, depth, f"{path}.{i}"):
                    if self.halted:
                        return None
                    items.append(None)
                    continue
                v = self.check(item, spec.item, f"{path}.{i}", depth + 1)
                items.append(v)
            return items if all(v is not None for v in items) else None
        if kind in ("text", "name"):
            return self.text(node, path, depth, universal=kind == "name")
        if kind == "conventions":
            from .conventions import read_conventions

            return read_conventions(self, node, path, depth)
        if kind == "records":
            return self.records(node, path, depth)
        return self.scalar(node, kind, path)

    def _plain(self, node: yaml.Node, path: str, expect: str) -> str | None:
        if not isinstance(node, yaml.ScalarNode) or node.tag.endswith(":null"):
            self.error(node, path, f"expected {expect}, found {_describe(node)}")
            return None
        value, replaced = sanitize.clean(str(node.value))
        if replaced:
            mark = node.start_mark
            self.warnings.append(f"{self.file}:{mark.line + 1}:{mark.column + 1}: {sanitize.warning(path, replaced)}")
        return value

    def scalar(self, node: yaml.Node, kind: str, path: str) -> Any:
        expect = _KIND_NAMES.get(kind, "a string")
        if kind == "count":
            return self._positive(node, path, self.scalar(node, "int", path))
        if kind == "int":
            if not (isinstance(node, yaml.ScalarNode) and node.tag.endswith(":int")):
                self.error(node, path, f"expected {expect}, found {_describe(node)}")
                return None
            if len(node.value) > MAX_INT_CHARS:
                n = len(node.value)
                self.error(node, path, f"expected {expect} of at most {MAX_INT_CHARS} characters, found {n}")
                return None
            try:
                return int(yaml.SafeLoader.construct_yaml_int(yaml.SafeLoader(""), node))
            except ValueError:
                self.error(node, path, f"expected {expect}, found '{node.value}'")
                return None
        if kind == "date":
            raw = self._plain(node, path, expect)
            if raw is None:
                return None
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
                self.error(node, path, f"expected {expect}, found '{raw}'")
                return None
            try:
                return _dt.date.fromisoformat(raw)
            except ValueError as exc:
                self.error(node, path, f"impossible date '{raw}' ({exc})")
                return None
        value = self._plain(node, path, expect)
        if value is None:
            return None
        value = value.strip()
        if not value:
            self.error(node, path, "must not be empty")
            return None
        if kind == "email":
            # The issuer's address is every draft's From: checked here once, by the rule every header
            # follows (mailheaders), so that a bad one is one spec error and not an error on every row.
            from .mailheaders import check_addr_spec, shown

            problem = "is not an email address" if not _EMAIL_RE.match(value) else check_addr_spec(value)
            if problem:
                self.error(node, path, f"'{shown(value)}' {problem}")
                return None
        if kind == "url" and not _URL_RE.match(value):
            self.error(node, path, f"'{value}' is not a URL beginning with https://, http:// or mailto:")
            return None
        if kind == "lang":
            return self._lang(node, path, value)
        if kind == "country":
            return self._country(node, path, value)
        if kind in ("status", "kind", "pronoun", "gender", "rank"):
            choices = {"status": STATUSES, "kind": _KINDS, "pronoun": _PRONOUNS, "gender": GENDERS, "rank": RANKS}[kind]
            if value not in choices:
                close = difflib.get_close_matches(value, choices, n=1, cutoff=0.6)
                hint = f"did you mean '{close[0]}'? " if close else ""
                self.error(node, path, f"unknown {kind} '{value}'; {hint}choose one of: {', '.join(choices)}")
                return None
        if len(value) > MAX_TEXT_CHARS:
            self.error(node, path, f"longer than {MAX_TEXT_CHARS} characters")
            return None
        return value

    def records(self, node: yaml.Node, path: str, depth: int) -> dict[str, dict[str, str]] | None:
        """Validate the ``translated_from`` block, the record staleness.py keeps (see there).

        Here, on the validator's side, because it is read with the validator's own
        counting and language checks; staleness.py reads what it gives.

        Values are read from the nodes as typed, so a fingerprint made only of
        digits stays a string and keeps its leading zeros. Every node counts
        towards the validator's limits, as everywhere else: aliases could
        otherwise expand a small block into millions of entries.
        """
        if not isinstance(node, yaml.MappingNode):
            self.error(node, path, "expected a mapping of language codes to field fingerprints")
            return None
        out: dict[str, dict[str, str]] = {}
        for lang_node, fields in node.value:
            lang = self._lang(lang_node, path, str(lang_node.value))
            if lang is None:
                continue
            sub = f"{path}.{lang}"
            if not self._count(fields, depth, sub):
                if self.halted:
                    return None
                continue
            if not isinstance(fields, yaml.MappingNode):
                self.error(fields, sub, "expected a mapping of field names to fingerprints")
                continue
            records: dict[str, str] = {}
            for key, value in fields.value:
                if not self._count(value, depth + 1, sub):
                    if self.halted:
                        return None
                    continue
                scalars = isinstance(key, yaml.ScalarNode) and isinstance(value, yaml.ScalarNode)
                if not scalars or not str(value.value):
                    self.error(key, sub, "expected 'field: fingerprint' lines")
                    continue
                records[str(key.value)] = str(value.value).strip()
            out[lang] = records
        return out

    def _lang(self, node: yaml.Node, path: str, value: str) -> str | None:
        from babel import Locale, UnknownLocaleError

        if not _LANG_RE.match(value):
            self.error(node, path, f"'{value}' is not a language code such as en, fr or pt_BR")
            return None
        if value.split("_")[0] == "und":  # babel would guess a language for it (und -> en_US)
            self.error(node, path, f"'{value}' means an undetermined language; give a language code such as en or km")
            return None
        try:
            Locale.parse(value)
        except (UnknownLocaleError, ValueError):
            self.error(node, path, f"unknown language '{value}'")
            return None
        return value

    def _positive(self, node: yaml.Node, path: str, value: Any) -> Any:
        if value is not None and value < 1:
            self.error(node, path, f"must be 1 or more, found {value}")
            return None
        return value

    def _country(self, node: yaml.Node, path: str, value: str) -> str | None:
        from babel import Locale

        territories = Locale("en").territories
        code = value.upper()
        if not re.fullmatch(r"[A-Z]{2}", code) or code not in territories or code in _NOT_COUNTRIES:
            by_name = {v.lower(): k for k, v in territories.items() if re.fullmatch(r"[A-Z]{2}", k)}
            hint = ""
            if value.lower() in by_name:
                hint = f"; did you mean '{by_name[value.lower()]}' ({territories[by_name[value.lower()]]})?"
            self.error(node, path, f"unknown country code '{value}'; use an ISO 3166 two-letter code such as KH{hint}")
            return None
        return code

    def text(self, node: yaml.Node, path: str, depth: int, *, universal: bool = False) -> Text | None:
        if isinstance(node, yaml.MappingNode):
            values: dict[str, str] = {}
            for key_node, value_node in node.value:
                # A key that is a list or mapping is never turned into text:
                # its repr could be as large as the alias tree behind it.
                shown = key_node.value if isinstance(key_node, yaml.ScalarNode) else "?"
                if not self._count(value_node, depth, f"{path}.{shown}"):
                    if self.halted:
                        return None
                    continue
                if not isinstance(key_node, yaml.ScalarNode):
                    self.error(key_node, path, "keys must be language codes such as en or fr")
                    continue
                lang = self._lang(key_node, path, str(key_node.value))
                if lang is None:
                    continue
                v = self.scalar(value_node, "str", f"{path}.{lang}")
                if v is not None:
                    values[lang] = v
            if not values:
                if not node.value:
                    self.error(node, path, "must not be empty")
                return None
            if self.source_lang not in values:
                self.error(
                    node,
                    path,
                    f"has no '{self.source_lang}' text; the spec's language is {self.source_lang}, "
                    "so every text field needs it",
                )
                return None
            t = Text(values, self.source_lang, path, *_position(node), is_name=universal)
        else:
            v = self.scalar(node, "str", path)
            if v is None:
                return None
            t = Text(
                {self.source_lang: v}, self.source_lang, path, *_position(node), universal=universal, is_name=universal
            )
        self.texts.append(t)
        return t


# --------------------------------------------------------------------------
# Building the typed spec


def _authority(d: dict[str, Any]) -> Authority:
    return Authority(
        office=d["office"],
        honorific=d.get("honorific"),
        name=d.get("name"),
        family_name=d.get("family_name"),
        institution=d.get("institution"),
        address=tuple(d.get("address") or ()),
        email=d.get("email"),
        fax=d.get("fax"),
        phone=d.get("phone"),
        salutation=d.get("salutation"),
        preferred_language=d.get("preferred_language"),
        gender=d.get("gender"),
        rank=d.get("rank"),
    )


def _build(d: dict[str, Any], path: str, texts: list[Text], warnings: list[str]) -> Spec:
    ref = d["reference"]
    return Spec(
        path=path,
        language=d["language"],
        languages=tuple(d.get("languages") or ()),
        reference=Reference(
            code=ref["code"],
            ua_number=ref.get("ua_number"),
            follow_up=ref.get("follow_up"),
            document_index=ref.get("document_index"),
        ),
        issuers=tuple(
            Issuer(
                name=i["name"],
                address=tuple(i.get("address") or ()),
                phone=i.get("phone"),
                email=i.get("email"),
                website=i.get("website"),
            )
            for i in d["issuers"]
        ),
        date=d["date"],
        dateline=d.get("dateline"),
        country=d["country"],
        status=d["status"],
        title=d["title"],
        summary=d["summary"],
        subjects=tuple(
            Subject(
                name=s["name"],
                short_name=s.get("short_name"),
                kind=s.get("kind", "person"),
                role=s.get("role"),
                pronoun=s.get("pronoun"),
                description=s.get("description"),
            )
            for s in d["subjects"]
        ),
        updates=tuple(
            sorted(
                (Update(date=u["date"], headline=u["headline"], body=u["body"]) for u in d.get("updates") or ()),
                key=lambda u: u.date,
                reverse=True,
            )
        ),
        context=d.get("context"),
        concern=d["concern"],
        demands=tuple(d["demands"]),
        authorities=tuple(_authority(a) for a in d["authorities"]),
        copies_to=tuple(_authority(a) for a in d.get("copies_to") or ()),
        deadline=d.get("deadline"),
        links=tuple(Link(title=ln["title"], url=ln["url"]) for ln in d.get("links") or ()),
        letter=LetterText(**d["letter"]) if d.get("letter") else None,
        conventions=d.get("conventions") or {},
        theme=d.get("theme"),
        texts=tuple(texts),
        warnings=tuple(warnings),
        translated_from=d.get("translated_from") or {},
    )


def _source_language(root: yaml.Node) -> str:
    """Peek at ``language`` first: single-language text fields are in it."""
    if isinstance(root, yaml.MappingNode):
        for k, v in root.value:
            if isinstance(k, yaml.ScalarNode) and k.value == "language" and isinstance(v, yaml.ScalarNode):
                return str(v.value)
    return "en"


def parse_spec(text: str, file: str) -> Spec:
    """Validate *text* (the content of *file*) and build the typed spec.

    Raises ``SpecErrors`` holding every problem found, sorted by line.
    """
    try:
        root = _yaml.compose(text, file)
    except SpecError as exc:
        raise SpecErrors([exc]) from None
    if root is None:
        raise SpecErrors([SpecError("the spec is empty", file=file, line=1, column=1)])
    v = _Validator(file)
    v.source_lang = _source_language(root)
    data = v.obj(root, _SCHEMA, "")
    if data is not None and "spec_version" in data and data["spec_version"] != SPEC_VERSION:
        node = next(val for key, val in root.value if key.value == "spec_version")
        v.error(node, "spec_version", f"this appeal-gen reads spec_version {SPEC_VERSION}, not {data['spec_version']}")
    if data is not None and "date" in data and data.get("deadline") and data["deadline"] < data["date"]:
        node = next(val for key, val in root.value if key.value == "deadline")
        v.error(node, "deadline", f"the deadline {data['deadline']} is before the appeal's date {data['date']}")
    if v.errors or data is None:
        raise SpecErrors(v.errors)
    return _build(data, file, v.texts, v.warnings)


def load_spec(path: str) -> Spec:
    """Read, validate and build the spec at *path*."""
    return parse_spec(_yaml.read_spec_text(path), path)


def _schema_fields() -> Iterator[tuple[str, _Field]]:
    """Every field of the schema with its path (lists shown as ``[]``), parents before their keys."""

    def walk(schema: dict[str, _Field], prefix: str) -> Iterator[tuple[str, _Field]]:
        for name, f in schema.items():
            p = f"{prefix}{name}"
            yield p, f
            if f.kind == "object" and f.schema:
                yield from walk(f.schema, p + ".")
            if f.kind == "list" and f.item is not None and f.item.kind == "object":
                yield from walk(f.item.schema, p + "[].")

    yield from walk(_SCHEMA, "")


def iter_schema_keys() -> Iterator[str]:
    """Every documented field path (lists shown as ``[]``), for docs and tests."""
    return (path for path, _ in _schema_fields())


def iter_required_keys() -> Iterator[str]:
    """The field paths required where their parent is (as ``iter_schema_keys`` writes them), for editors.

    An editor removes an optional field the user clears, but keeps a required
    one (empty, for ``check`` to name) where it is in the file. A key of an
    optional object is listed when the object needs it (``copies_to[].office``).
    """
    return (path for path, f in _schema_fields() if f.required)
