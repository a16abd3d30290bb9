"""An appeal's own text out to translators and back, as gettext .po files.

Translators never edit YAML: ``export`` writes every text field that lacks a
language as one .po entry (the source text as msgid, the field path as
msgctxt, ``SPEC:LINE`` as its reference), which Poedit and Weblate open as
they are; ``import`` puts the finished translations back into the spec,
changing nothing else in the file (see ``_yaml.add_translations``).

Nothing is applied on trust. An entry marked fuzzy ("needs work") or left
empty is not imported; an entry whose msgid is no longer the spec's text
(someone edited the English after the export) is reported, never applied,
since it translates words the appeal no longer says. Before the spec is
replaced, the new file is read back and compared with the old one plus the
translations: if anything else differs, nothing is written.
"""

from __future__ import annotations

import datetime as _dt
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from . import _yaml
from .catalogs import parse_po
from .errors import AppealGenError, CatalogError, SpecError, UsageError
from .spec import Spec, Text, load_spec, parse_spec
from .staleness import fingerprint, stale

if TYPE_CHECKING:
    from babel.messages.catalog import Catalog, Message

    from .memory import Memory

#: Fields whose text is paragraphs with markup (docs/spec.md, "Paragraphs").
_LONG = ("summary", "description", "body", "context", "concern")
_HINT_LONG = (
    "Paragraphs: keep the blank lines between paragraphs. Keep **bold**, *italic* and "
    "[link text](https://...) markup: translate the words inside, never the address. "
    "Write \\* for an asterisk that is not markup."
)
_HINT_DEMAND = (
    "One demand, starting with a verb. Keep **bold**, *italic* and [link text](https://...) markup; "
    "write \\* for an asterisk that is not markup."
)
_HINT_LINE = "One line, printed as it is."


_HINT_NAME = (
    "A name: use the established form in this language ({lang}), or transliterate it. "
    "If it is written the same way, copy it as it is."
)


def names_to_offer(spec: Spec, lang: str) -> list[Text]:
    """Names written once (plain strings) that have no *lang* form yet.

    Such a name is valid in every language and never missing, but a letter
    in another script may want its own form (the Khmer letter's ហ៊ុន សែន for
    "Hun Sen"), so translators are offered it with a note (``_HINT_NAME``).
    """
    base = lang.split("_")[0]
    return [t for t in spec.texts if t.is_name and t.universal and lang not in t.values and base not in t.values]


def _hint(path: str) -> str:
    if path.rsplit(".", 1)[-1] in _LONG:
        return _HINT_LONG
    if path.startswith("demands."):
        return _HINT_DEMAND
    return _HINT_LINE


def _check_lang(spec: Spec, lang: str) -> None:
    from babel import Locale, UnknownLocaleError

    try:
        Locale.parse(lang)
    except (UnknownLocaleError, ValueError):
        raise UsageError(f"--lang: unknown language '{lang}'") from None
    if lang == spec.language:
        raise UsageError(f"--lang: '{lang}' is the spec's own language; choose the language to translate into")


@dataclass
class ExportResult:
    data: bytes
    exported: int
    kept: int = 0  #: translations carried over from an earlier export
    review: int = 0  #: translations whose source text changed: kept but marked fuzzy
    stale: int = 0  #: fields whose translation in the spec is stale, offered again (fuzzy)
    from_memory: int = 0  #: entries pre-filled from the translation memory (fuzzy)
    #: memory files left out because they could not be read, one line each
    warnings: list[str] = field(default_factory=list)


def _previous_source(before: Message | None, recorded: str | None) -> str | None:
    """The source text a stale translation was made from, when an earlier export still has it.

    The spec keeps only a fingerprint; an entry of the previous .po for the
    same field whose msgid has that fingerprint is that very text.
    """
    if before is None or recorded is None or not isinstance(before.id, str):
        return None
    return before.id if fingerprint(before.id) == recorded else None


def _other_languages(spec: Spec, t: Text, lang: str, stale_in: dict[str, set[str]]) -> list[str]:
    """The field's current text in the spec's other languages, for a translator who reads one of those best."""
    out = []
    for other, value in t.values.items():
        if other in (t.source, lang) or t.path in stale_in.setdefault(other, {s.text.path for s in stale(spec, other)}):
            continue
        out.append(f"{other}: {value}")
    return out


def export_po(
    spec: Spec,
    lang: str,
    *,
    previous: bytes | None = None,
    previous_name: str = "",
    memory: Memory | None = None,
) -> ExportResult:
    """The .po of every text field of *spec* that has no *lang* text, or a stale one.

    With *previous* (the file this export replaces), translations already
    made there are kept, as msgmerge does: unchanged entries as they were,
    entries whose source text changed marked fuzzy with the old source shown,
    so re-exporting never throws a translator's work away. An entry of a
    field the spec has translated meanwhile stays as it is (it imports as
    "already there"); only an entry whose field is gone becomes obsolete.

    A stale field (``staleness.stale``) comes back with the spec's old
    translation, marked fuzzy, and its old source text as ``#| msgid`` when
    the previous export still has it. *memory* pre-fills entries that have
    nothing yet, marked fuzzy, with their origin in a translator comment.
    Other current translations of each field are shown as translator
    comments, for a translator who reads one of them better than the source.
    """
    from babel import Locale
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    _check_lang(spec, lang)
    source_name = Locale.parse(spec.language).english_name
    cat = Catalog(
        locale=lang,
        header_comment=(
            f"# {Locale.parse(lang).english_name} translation of the appeal {spec.reference.code} ({spec.path}).\n"
            f"# Each msgid is a field's {source_name} text; the context names the field.\n"
            "# Entries marked fuzzy (needs work) or left empty are not imported.\n#"
        ),
        project=spec.reference.code,
        version=spec.date.isoformat(),
        msgid_bugs_address=next((i.email for i in spec.issuers if i.email), "the appeal's issuers"),
        creation_date=_dt.datetime.combine(spec.date, _dt.time(0, 0), tzinfo=_dt.UTC),
        revision_date=_dt.datetime.combine(spec.date, _dt.time(0, 0), tzinfo=_dt.UTC),
        language_team=lang,
        charset="utf-8",
        fuzzy=False,
    )
    old = parse_po(previous, previous_name) if previous is not None else None
    old_by_field = {m.context: m for m in old if m.id and m.context} if old is not None else {}
    result = ExportResult(b"", 0)
    stale_fields = {s.text.path: s for s in stale(spec, lang)}
    stale_in: dict[str, set[str]] = {}
    missing = {t.path for t in [*spec.missing_translations(lang), *names_to_offer(spec, lang)]}
    for t in sorted(spec.texts, key=lambda t: (t.line or 0, t.column or 0)):
        msgid = t.values[t.source]
        before = old_by_field.pop(t.path, None)
        if t.path not in missing and t.path not in stale_fields:
            if before is not None and before.string:
                _keep_done(cat, before, msgid, t.path)
            continue
        msg = cat.add(
            msgid,
            "",
            locations=[(spec.path, t.line or 0)],
            auto_comments=[_HINT_NAME.format(lang=lang) if t.is_name else _hint(t.path)],
            user_comments=_other_languages(spec, t, lang, stale_in),
            context=t.path,
        )
        result.exported += 1
        if msg is None:  # pragma: no cover - contexts are unique
            continue
        gone = stale_fields.get(t.path)
        if before is not None and before.string and (gone is None or before.id == msgid):
            msg.string = before.string
            if before.id == msgid:
                if before.fuzzy:
                    msg.flags.add("fuzzy")
                result.kept += 1
            else:
                msg.flags.add("fuzzy")
                msg.previous_id = [str(before.id)]
                result.review += 1
        elif gone is not None:
            msg.string = t.values[gone.lang]
            msg.flags.add("fuzzy")
            old_source = _previous_source(before, gone.recorded)
            if old_source is not None:
                msg.previous_id = [old_source]
            msg.auto_comments.append(
                f"Stale: the {spec.language} text changed since this translation was made"
                + ("" if old_source is not None else " (the earlier text is not known)")
                + "; review it and clear the fuzzy mark."
            )
            result.stale += 1
        elif memory is not None and (match := memory.get(msgid)) is not None:
            msg.string = match.text
            msg.flags.add("fuzzy")
            msg.user_comments.append(f"translation memory: {match.origin}")
            result.from_memory += 1
    for ctx, before in old_by_field.items():
        if before.string:
            # The field is gone: kept as an obsolete entry (#~) so nothing typed is lost.
            cat.obsolete[(str(before.id), ctx)] = before
    buf = io.BytesIO()
    write_po(buf, cat, width=76, include_previous=True, include_lineno=True)
    result.data = buf.getvalue()
    return result


def _keep_done(cat: Catalog, before: Message, msgid: str, ctx: str) -> None:
    """An earlier entry of a field the spec has (current) text for: kept as the translator left it."""
    kept = cat.add(
        msgid,
        before.string,
        locations=before.locations,
        auto_comments=before.auto_comments,
        user_comments=before.user_comments,
        flags=before.flags,
        context=ctx,
    )
    if kept is not None and before.id != msgid:
        kept.flags.add("fuzzy")
        kept.previous_id = [str(before.id)]


@dataclass
class ImportResult:
    lang: str
    text: str  #: the new spec file content
    imported: list[str] = field(default_factory=list)  #: field paths
    unchanged: int = 0
    #: entries left out, one message each as ``PO:LINE: field: why``
    skipped: list[AppealGenError] = field(default_factory=list)
    #: entries that could not be applied (stale, unknown field, conflict): exit 2
    refused: list[AppealGenError] = field(default_factory=list)
    added_to_languages: bool = False
    still_missing: int = 0
    #: stale translations replaced by the new ones (also in ``imported``)
    replaced: list[str] = field(default_factory=list)
    #: stale translations the translator confirmed unchanged: recorded as current
    confirmed: list[str] = field(default_factory=list)

    def summary(self, spec_name: str) -> str:
        """The one line ``translate import`` prints (the studio shows it too)."""
        parts = [f"{len(self.imported)} translations imported"]
        if self.replaced:
            parts.append(f"{len(self.replaced)} of them replacing stale ones")
        if self.confirmed:
            parts.append(f"{len(self.confirmed)} stale ones confirmed unchanged")
        if self.unchanged:
            parts.append(f"{self.unchanged} already there")
        if self.skipped:
            parts.append(f"{len(self.skipped)} not finished")
        if self.refused:
            parts.append(f"{len(self.refused)} refused")
        missing = self.still_missing
        tail = f"; {missing} fields still lack {self.lang}" if missing else f"; every field has {self.lang}"
        if self.added_to_languages:
            tail += f"; added {self.lang} to languages"
        return f"{spec_name}: {', '.join(parts)}{tail}"


def catalog_language(cat: Catalog) -> str | None:
    """The language a .po names in its header (``Language:``), if any."""
    return cat.locale_identifier or dict(cat.mime_headers).get("Language") or None


def import_po(spec_text: str, spec_file: str, po: bytes, po_file: str, lang: str | None = None) -> ImportResult:
    """The spec's text with the finished translations of *po* added (nothing is written here).

    Each translation imported, and each stale one the translator confirmed
    unchanged, is recorded as made from the present source text
    (``staleness``); a stale translation is replaced by the new one.
    """
    spec = parse_spec(spec_text, spec_file)
    cat = parse_po(po, po_file)
    lang = lang or catalog_language(cat)
    if not lang:
        raise CatalogError(
            "the file names no language (no 'Language:' header); give it with --lang", file=po_file, line=1
        )
    _check_lang(spec, lang)
    texts = {t.path: t for t in spec.texts}
    stale_fields = {s.text.path for s in stale(spec, lang) if s.lang == lang}
    result = ImportResult(lang, spec_text, still_missing=len(spec.missing_translations(lang)))
    edits: list[tuple[str, str, str]] = []
    replace: list[tuple[str, str, str]] = []
    for msg in cat:
        if not msg.id:
            continue
        ctx = msg.context

        def problem(text: str, ctx: str | None = ctx, line: int | None = msg.lineno) -> CatalogError:
            return CatalogError(text, file=po_file, line=line, field=ctx)

        if msg.pluralizable or not isinstance(msg.string, str):
            result.refused.append(problem("plural entry; appeal text has no plural forms"))
            continue
        if not ctx:
            result.refused.append(problem("entry without msgctxt (the field path); not made by 'translate export'"))
            continue
        t: Text | None = texts.get(ctx)
        if t is None:
            result.refused.append(problem(f"the spec has no text field '{ctx}'"))
            continue
        if msg.id != t.values[t.source]:
            result.refused.append(
                problem(
                    f"the spec's {t.source} text of this field has changed since the export; not imported. "
                    f"Export again (your translation is kept, marked for review) and check it"
                )
            )
            continue
        value = msg.string.strip()
        if msg.fuzzy:
            result.skipped.append(problem("marked fuzzy (needs work); not imported until it is confirmed"))
            continue
        if not value:
            if t.is_name and t.universal:
                continue  # a name offered for its own form, left as written: it serves every language
            result.skipped.append(problem("not translated yet"))
            continue
        current = t.values.get(lang)
        if current == value:
            if ctx in stale_fields:
                result.confirmed.append(ctx)
            else:
                result.unchanged += 1
            continue
        if current is not None and ctx in stale_fields:
            replace.append((ctx, lang, value))
            continue
        if current is not None:
            result.refused.append(
                problem(f"the spec already has different '{lang}' text for this field; kept the spec's")
            )
            continue
        edits.append((ctx, lang, value))
    if not edits and not replace and not result.confirmed:
        return result
    new_text, new_spec = spec_text, spec
    if edits or replace:
        try:
            new_text = _replace_translations(spec_text, spec_file, replace)
            new_text = _yaml.add_translations(new_text, spec_file, spec.language, edits)
        except _yaml.EditError as exc:
            raise SpecError(f"cannot add the translation: {exc}", file=spec_file) from None
        new_spec = _verify(spec_text, new_text, spec, spec_file, [*replace, *edits])
    if spec.languages and lang not in spec.languages and not new_spec.missing_translations(lang):
        new_text = _add_language(new_text, spec_file, lang)
        new_spec = parse_spec(new_text, spec_file)
        result.added_to_languages = lang in new_spec.languages
    new_text, new_spec = _record(new_text, new_spec, lang, [p for p, _, _ in (*replace, *edits)] + result.confirmed)
    result.text = new_text
    result.imported = [path for path, _, _ in (*replace, *edits)]
    result.replaced = [path for path, _, _ in replace]
    result.still_missing = len(new_spec.missing_translations(lang))
    return result


def _record(text: str, spec: Spec, lang: str, paths: list[str]) -> tuple[str, Spec]:
    """*text* with *paths* recorded as translated into *lang* from their present source text.

    The first import into a language with no record yet (a spec from before
    records) records its other translations as they are, as ``translate
    accept`` would: otherwise they would all turn stale at once.
    """
    from .staleness import current_records, records_text, verify

    texts = {t.path: t for t in spec.texts}
    fields = {} if lang in spec.translated_from else current_records(spec, lang)
    fields.update({p: fingerprint(texts[p].values[texts[p].source]) for p in paths})
    new_text, expect = records_text(text, spec, lang, fields)
    return new_text, verify(spec, new_text, spec.path, expect)


def _replace_translations(text: str, file: str, edits: list[tuple[str, str, str]]) -> str:
    """Replace the ``lang: value`` of each (field path, lang, value), every other character as it was."""
    if not edits:
        return text
    root = _yaml.compose(text, file)
    if root is None:
        raise _yaml.EditError("the spec is empty")
    nl = "\r\n" if "\r\n" in text else "\n"
    patches = []
    for path, lang, value in edits:
        try:
            node, field_node, key = _yaml.walk(root, [*path.split("."), lang])
        except (KeyError, IndexError, ValueError):
            raise _yaml.EditError(f"{path}: no such field") from None
        if key is None or not isinstance(node, yaml.ScalarNode):
            raise _yaml.EditError(f"{path}.{lang}: not a text value")
        if getattr(field_node, "flow_style", False):
            patches.append((node.start_mark.index, node.end_mark.index, _yaml.flow_scalar(value)))
            continue
        column = key.start_mark.column
        end = _yaml.line_end(text, node.end_mark.index)
        patches.append((key.start_mark.index, end, _yaml.entry(lang, value, column, nl)[column:]))
    for start, end, replacement in sorted(patches, key=lambda p: p[0], reverse=True):
        text = text[:start] + replacement + text[end:]
    return text


def _expected(data: Any, source: str, edits: list[tuple[str, str, str]]) -> Any:
    for path, lang, value in edits:
        parts = path.split(".")
        node = data
        for part in parts[:-1]:
            node = node[int(part)] if isinstance(node, list) else node[part]
        last: Any = int(parts[-1]) if isinstance(node, list) else parts[-1]
        if isinstance(node[last], dict):
            node[last][lang] = value
        else:
            node[last] = {source: node[last], lang: value}
    return data


def _strip(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: _strip(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_strip(v) for v in data]
    return data.strip() if isinstance(data, str) else data


def _verify(old: str, new: str, spec: Spec, file: str, edits: list[tuple[str, str, str]]) -> Spec:
    """Read the edited file back: exactly the old data plus the translations, or nothing is written."""
    try:
        new_spec = parse_spec(new, file)
        same = _strip(yaml.safe_load(new)) == _strip(_expected(yaml.safe_load(old), spec.language, edits))
    except (AppealGenError, yaml.YAMLError) as exc:
        raise AppealGenError(f"adding the translations would break the spec ({exc}); nothing was written") from None
    if not same:
        raise AppealGenError(
            "adding the translations would change other values of the spec; nothing was written "
            "(please report this with the spec file)",
            file=file,
        )
    return new_spec


def _add_language(text: str, file: str, lang: str) -> str:
    """Append *lang* to the ``languages:`` list, so ``--lang all`` builds it."""
    root = _yaml.compose(text, file)
    if not isinstance(root, yaml.MappingNode):
        return text
    for key, seq in root.value:
        if key.value != "languages" or not isinstance(seq, yaml.SequenceNode) or not seq.value:
            continue
        if seq.flow_style:
            close = seq.end_mark.index - 1
            p = close
            while text[p - 1] in " \t\r\n":
                p -= 1
            return text[:p] + f", {lang}" + text[p:]
        nl = "\r\n" if "\r\n" in text else "\n"
        last = seq.value[-1]
        at = _yaml.line_end(text, last.end_mark.index)
        dash = seq.start_mark.column
        gap = " " * max(1, seq.value[0].start_mark.column - dash - 1)
        lead = "" if text[at - 1] == "\n" else nl
        return text[:at] + lead + " " * dash + "-" + gap + lang + nl + text[at:]
    return text


def default_po_path(spec_path: str, lang: str) -> Path:
    """``appeal.yaml`` -> ``appeal.de.po`` beside it."""
    p = Path(spec_path)
    return p.with_name(f"{p.stem}.{lang}.po")


def export_file(
    spec_path: str, lang: str, out: Path | None, *, memory: list[str] | None = None
) -> tuple[Path, ExportResult]:
    """Export *spec_path* into *out* (default beside the spec), merging a previous export."""
    from .output import write_atomic

    spec = load_spec(spec_path)
    _check_lang(spec, lang)
    mem = None
    if memory:
        from .memory import load_memory

        mem = load_memory(memory, spec.language, lang, skip=spec_path)
    target = out or default_po_path(spec_path, lang)
    previous = target.read_bytes() if target.is_file() else None
    result = export_po(spec, lang, previous=previous, previous_name=str(target), memory=mem)
    result.warnings = mem.warnings if mem is not None else []
    write_atomic(target, result.data)
    return target, result


def import_file(spec_path: str, po_path: str, lang: str | None = None) -> ImportResult:
    """Import *po_path* into the spec file at *spec_path*, replacing it only if something changed."""
    from .output import write_atomic

    spec_text = _yaml.read_spec_text(spec_path)
    try:
        po = Path(po_path).read_bytes()
    except OSError as exc:
        raise CatalogError(f"cannot read: {exc.strerror}", file=po_path) from None
    result = import_po(spec_text, spec_path, po, po_path, lang)
    if result.text != spec_text:
        raw = Path(spec_path).read_bytes()
        bom = "\ufeff" if raw.startswith(b"\xef\xbb\xbf") else ""
        write_atomic(Path(spec_path), (bom + result.text).encode("utf-8"))
    return result
