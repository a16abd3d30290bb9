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

if TYPE_CHECKING:
    from babel.messages.catalog import Catalog

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


def export_po(spec: Spec, lang: str, *, previous: bytes | None = None, previous_name: str = "") -> ExportResult:
    """The .po of every text field of *spec* that has no *lang* text.

    With *previous* (the file this export replaces), translations already
    made there are kept, as msgmerge does: unchanged entries as they were,
    entries whose source text changed marked fuzzy with the old source shown,
    so re-exporting never throws a translator's work away.
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
    missing = sorted(
        [*spec.missing_translations(lang), *names_to_offer(spec, lang)], key=lambda t: (t.line or 0, t.column or 0)
    )
    for t in missing:
        msgid = t.values[t.source]
        msg = cat.add(
            msgid,
            "",
            locations=[(spec.path, t.line or 0)],
            auto_comments=[_HINT_NAME.format(lang=lang) if t.is_name else _hint(t.path)],
            context=t.path,
        )
        before = old_by_field.pop(t.path, None)
        if msg is not None and before is not None and before.string:
            msg.string = before.string
            if before.id == msgid:
                if before.fuzzy:
                    msg.flags.add("fuzzy")
                result.kept += 1
            else:
                msg.flags.add("fuzzy")
                msg.previous_id = [str(before.id)]
                result.review += 1
        result.exported += 1
    for ctx, before in old_by_field.items():
        if before.string:
            # Already in the spec, or the field is gone: kept as an obsolete
            # entry (#~) so nothing typed is lost.
            cat.obsolete[(str(before.id), ctx)] = before
    buf = io.BytesIO()
    write_po(buf, cat, width=76, include_previous=True, include_lineno=True)
    result.data = buf.getvalue()
    return result


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


def _catalog_language(cat: Catalog) -> str | None:
    return cat.locale_identifier or dict(cat.mime_headers).get("Language") or None


def import_po(spec_text: str, spec_file: str, po: bytes, po_file: str, lang: str | None = None) -> ImportResult:
    """The spec's text with the finished translations of *po* added (nothing is written here)."""
    spec = parse_spec(spec_text, spec_file)
    cat = parse_po(po, po_file)
    lang = lang or _catalog_language(cat)
    if not lang:
        raise CatalogError(
            "the file names no language (no 'Language:' header); give it with --lang", file=po_file, line=1
        )
    _check_lang(spec, lang)
    texts = {t.path: t for t in spec.texts}
    result = ImportResult(lang, spec_text)
    edits: list[tuple[str, str, str]] = []
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
            result.unchanged += 1
            continue
        if current is not None:
            result.refused.append(
                problem(f"the spec already has different '{lang}' text for this field; kept the spec's")
            )
            continue
        edits.append((ctx, lang, value))
    if not edits:
        return result
    try:
        new_text = _yaml.add_translations(spec_text, spec_file, spec.language, edits)
    except _yaml.EditError as exc:
        raise SpecError(f"cannot add the translation: {exc}", file=spec_file) from None
    new_spec = _verify(spec_text, new_text, spec, spec_file, edits)
    if spec.languages and lang not in spec.languages and not new_spec.missing_translations(lang):
        new_text = _add_language(new_text, spec_file, lang)
        new_spec = parse_spec(new_text, spec_file)
        result.added_to_languages = lang in new_spec.languages
    result.text = new_text
    result.imported = [path for path, _, _ in edits]
    result.still_missing = len(new_spec.missing_translations(lang))
    return result


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
        at = _yaml._line_end(text, last.end_mark.index)
        dash = seq.start_mark.column
        gap = " " * max(1, seq.value[0].start_mark.column - dash - 1)
        lead = "" if text[at - 1] == "\n" else nl
        return text[:at] + lead + " " * dash + "-" + gap + lang + nl + text[at:]
    return text


def default_po_path(spec_path: str, lang: str) -> Path:
    """``appeal.yaml`` -> ``appeal.de.po`` beside it."""
    p = Path(spec_path)
    return p.with_name(f"{p.stem}.{lang}.po")


def export_file(spec_path: str, lang: str, out: Path | None) -> tuple[Path, ExportResult]:
    """Export *spec_path* into *out* (default beside the spec), merging a previous export."""
    from .output import write_atomic

    spec = load_spec(spec_path)
    target = out or default_po_path(spec_path, lang)
    previous = target.read_bytes() if target.is_file() else None
    result = export_po(spec, lang, previous=previous, previous_name=str(target))
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
    if result.imported:
        raw = Path(spec_path).read_bytes()
        bom = "\ufeff" if raw.startswith(b"\xef\xbb\xbf") else ""
        write_atomic(Path(spec_path), (bom + result.text).encode("utf-8"))
    return result
