"""Which translations were made from the source text the spec has now.

A translation is only as good as the source text it was made from: when
staff edit the English of a demand after the German was imported, the two
letters say different things, and nothing in the German shows it. So each
spec remembers, per language, a short fingerprint of the source text every
translation was made from, in one top-level block that ``translate import``
and ``translate accept`` write::

    translated_from:
      de:
        title: 3f2a9c1b
        demands.1: 0c7d51e4

A translation whose field's source text no longer has the recorded
fingerprint is *stale*: ``check`` reports it, ``build`` and ``batch`` refuse
it (unless ``--allow-stale``) and ``translate export`` offers it again.

The fingerprint covers the text, not how it is typed (see ``fingerprint``),
so re-indenting the YAML or re-wrapping a folded paragraph changes nothing,
while any changed word does. A language with no block at all (a spec from
before this record existed) is taken as it is: nothing can be known about
it, ``check`` says so, and ``translate accept`` records its present state.
The record lives in the spec itself, so there is no state elsewhere to lose.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

import yaml

from . import _yaml
from .errors import SpecError, SpecErrors

if TYPE_CHECKING:
    from .spec import Spec, Text

#: The top-level key of the record.
KEY = "translated_from"
_COMMENT = "# The source text each translation was made from (fingerprints; docs/spec.md). Kept by appeal-gen."


def fingerprint(text: str) -> str:
    """Eight hex digits of the SHA-256 of *text*, NFC-normalised with its whitespace collapsed.

    Whitespace and Unicode normalisation are how a text is typed, not what
    it says: a re-wrapped paragraph or a re-saved file keeps its fingerprint.
    Eight digits make a wrong match for a changed text one in four billion.

    >>> fingerprint("Release  him\\n now.") == fingerprint("Release him now.")
    True
    >>> fingerprint("Release him now.") == fingerprint("Release him today.")
    False
    """
    norm = " ".join(unicodedata.normalize("NFC", text).split())
    return hashlib.sha256(norm.encode("utf-8")).hexdigest()[:8]


@dataclass(frozen=True)
class Stale:
    """One translation made from a source text the spec no longer has."""

    text: Text
    lang: str  #: the language whose text is stale (``fr`` when it serves ``fr_CA``)
    recorded: str | None  #: the recorded fingerprint; None when the field has no record

    def message(self) -> str:
        src = self.text.source
        if self.recorded is None:
            return f"no record of the {src} text the {self.lang} translation was made from"
        return f"the {src} text changed since the {self.lang} translation was made"

    def error(self, file: str, *, warning: bool = False) -> StaleError:
        text = f"warning: {self.message()}" if warning else self.message()
        error = StaleError(text, file=file, line=self.text.line, column=self.text.column, field=self.text.path)
        error.lang = self.lang
        return error


class StaleError(SpecError):
    """A stale translation, as ``check`` and ``build`` name it; *lang* is the stale language."""

    lang: str = ""


def _used(t: Text, lang: str) -> str | None:
    """The language of *t* that a *lang* letter prints (``fr`` text serves ``fr_CA``)."""
    if lang in t.values:
        return lang
    base = lang.split("_")[0]
    return base if base in t.values else None


def stale(spec: Spec, lang: str) -> list[Stale]:
    """Every stale translation a *lang* letter would print, in file order.

    Cheap (one hash per field), and called once per language and run.
    """
    out = []
    for t in spec.texts:
        used = _used(t, lang)
        if used is None or used == t.source:
            continue
        records = spec.translated_from.get(used)
        if records is None:
            continue  # no record for the language: a spec from before records (module docstring)
        recorded = records.get(t.path)
        if recorded != fingerprint(t.values[t.source]):
            out.append(Stale(t, used, recorded))
    return out


def unrecorded_languages(spec: Spec) -> list[str]:
    """Translated languages with no record at all: their staleness cannot be known."""
    langs: dict[str, None] = {}
    for t in spec.texts:
        for lang in t.values:
            if lang != t.source and lang not in spec.translated_from:
                langs[lang] = None
    return list(langs)


class StaleTranslationsError(SpecErrors):
    """A build asked for a language whose translations do not match the source any more."""

    def __init__(self, errors: list[SpecError], spec: Spec, langs: list[str]) -> None:
        super().__init__(errors)
        self.hint = (
            f"{spec.path}: {', '.join(langs)}: stale translations: review them "
            f"('appeal-gen translate export {spec.path} --lang {langs[0]}'), "
            "or build with --allow-stale to print them as they are"
        )

    def format(self) -> str:
        return super().format() + "\n" + self.hint


# --------------------------------------------------------------------------
# Writing the record


def current_records(spec: Spec, lang: str) -> dict[str, str]:
    """The record that says every *lang* translation of *spec* was made from its present source."""
    return {t.path: fingerprint(t.values[t.source]) for t in spec.texts if lang in t.values and lang != t.source}


def _dump(records: dict[str, dict[str, str]], column: int, nl: str) -> str:
    pad = " " * column
    lines = [pad + f"{KEY}:"]
    for lang, fields in records.items():
        if not fields:
            continue
        lines.append(pad + f"  {lang}:")
        for path, fp in fields.items():
            lines.append(pad + f"    {path}: {_scalar(fp)}")
    if len(lines) == 1:
        return ""
    return nl.join(lines) + nl


def _scalar(value: str) -> str:
    """A fingerprint as typed; quoted unless it is letters and digits only (a hand-edited one may not be)."""
    if value.isascii() and value.isalnum():
        return value
    return _yaml.flow_scalar(value)


def write_records(text: str, file: str, records: dict[str, dict[str, str]]) -> str:
    """*text* with its ``translated_from`` block replaced by *records* (or added at the end).

    The block is rewritten as a whole, in place of the old one: it is
    appeal-gen's bookkeeping, and every other character of the file stays.
    """
    root = _yaml.compose(text, file)
    if not isinstance(root, yaml.MappingNode) or root.flow_style or not root.value:
        raise SpecError("cannot record the translations: the spec is not a block mapping", file=file)
    nl = "\r\n" if "\r\n" in text else "\n"
    column = root.value[0][0].start_mark.column
    block = _dump(records, column, nl)
    for key, value in root.value:
        if isinstance(key, yaml.ScalarNode) and key.value == KEY:
            start = key.start_mark.index
            end = _yaml.line_end(text, value.end_mark.index)
            if not block:
                # Drop the key, and the comment line written with it.
                before = text[:start]
                if before.rstrip("\r\n").endswith(_COMMENT):
                    start = before.rstrip("\r\n").rfind(_COMMENT)
                return text[:start] + text[end:]
            return text[:start] + block + text[end:]
    if not block:
        return text
    lead = "" if not text or text.endswith("\n") else nl
    return text + lead + _COMMENT + nl + block


def updated(spec: Spec, lang: str, fields: dict[str, str]) -> dict[str, dict[str, str]]:
    """The spec's record with *lang*'s updated by *fields* (path -> fingerprint), tidied.

    Each language keeps only the fields that have its text, in file order: a
    record of a translation that is gone says nothing, and keeping only the
    spec's own field paths means a hand-typed key is never written back.
    """
    records = {k: dict(v) for k, v in spec.translated_from.items()}
    records.setdefault(lang, {}).update(fields)
    out = {}
    for code, recs in records.items():
        kept = {t.path: recs[t.path] for t in spec.texts if t.path in recs and code in t.values and code != t.source}
        if kept:
            out[code] = kept
    return out


def records_text(
    spec_text: str, spec: Spec, lang: str, fields: dict[str, str]
) -> tuple[str, dict[str, dict[str, str]]]:
    """*spec_text* with the record of *lang* updated by *fields*, and the record it now holds."""
    records = updated(spec, lang, fields)
    return write_records(spec_text, spec.path, records), records


def verify(old: Spec, new_text: str, file: str, expect: dict[str, dict[str, str]] | None = None) -> Spec:
    """Read an edited spec back: same data as *old* apart from the record, or nothing is written."""
    from .errors import AppealGenError
    from .spec import parse_spec

    try:
        new = parse_spec(new_text, file)
    except AppealGenError as exc:
        raise AppealGenError(f"recording the translations would break the spec ({exc}); nothing was written") from None
    if [(t.path, t.values) for t in new.texts] != [(t.path, t.values) for t in old.texts] or (
        expect is not None and new.translated_from != expect
    ):
        raise AppealGenError(
            "recording the translations would change other values of the spec; nothing was written "
            "(please report this with the spec file)",
            file=file,
        )
    return new


@dataclass
class AcceptResult:
    text: str
    recorded: dict[str, int]  #: language -> fields recorded


def accept(spec_text: str, file: str, languages: list[str], only: list[str] | None = None) -> AcceptResult:
    """Record that every present translation of *languages* is of the present source text.

    For a spec from before records, or after checking by hand that a stale
    translation still says what the changed source says. *only* limits it to
    those field paths (a translator confirming one field in the studio).
    """
    from .errors import UsageError
    from .spec import parse_spec

    spec = parse_spec(spec_text, file)
    if languages == ["all"]:
        languages = [lang for lang in spec.content_languages() if lang != spec.language]
    text = spec_text
    counts: dict[str, int] = {}
    expect: dict[str, dict[str, str]] = {}
    for lang in languages:
        if lang == spec.language:
            raise UsageError(f"--lang: '{lang}' is the spec's own language; its text is the source")
        fields = current_records(spec, lang)
        if only is not None:
            fields = {path: fp for path, fp in fields.items() if path in only}
        text, expect = records_text(text, parse_spec(text, file), lang, fields)
        counts[lang] = len(fields)
    if languages:
        verify(spec, text, file, expect)
    return AcceptResult(text, counts)


def accept_file(path: str, languages: list[str]) -> AcceptResult:
    """``translate accept``: update the record in the spec file, if it changes."""
    from pathlib import Path

    from .output import write_atomic

    text = _yaml.read_spec_text(path)
    result = accept(text, path, languages)
    if result.text != text:
        raw = Path(path).read_bytes()
        bom = "\ufeff" if raw.startswith(b"\xef\xbb\xbf") else ""
        write_atomic(Path(path), (bom + result.text).encode("utf-8"))
    return result
