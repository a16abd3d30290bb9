"""What the studio's pages show, worked out from a spec's text by the library.

The form's inputs and sections (from ``form``), ``check``'s problems for a
text (``spec.parse_spec`` and ``validate.validate``), an appeal's summary
for the list, and a new appeal's blank text. No route and no request here:
the route modules (``routes_*.py``) ask these and render templates.
"""

from __future__ import annotations

import datetime
import json
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import yaml

from ..errors import AppealGenError, SpecErrors
from ..spec import Spec, parse_spec
from . import form
from .workspace import Workspace, digest

#: The languages appeal-gen ships, offered when adding a language to a spec.
LANGUAGES = {
    "en": "English",
    "fr": "Français",
    "es": "Español",
    "ru": "Русский",
    "ar": "العربية",
    "km": "ខ្មែរ",
    "zh": "中文",
}
RTL = frozenset({"ar", "fa", "he", "ur"})


def direction(lang: str) -> str:
    return "rtl" if lang.split("_")[0] in RTL else "ltr"


@dataclass
class Problem:
    field: str | None
    where: str
    message: str
    warning: bool = False
    lang: str = ""  #: the language a stale translation's problem is about (``staleness.StaleError``)


@dataclass
class Checked:
    spec: Spec | None
    problems: list[Problem] = field(default_factory=list)

    def at(self) -> dict[str, list[Problem]]:
        out: dict[str, list[Problem]] = {}
        for p in self.problems:
            out.setdefault(p.field or "", []).append(p)
        return out


_parsed: OrderedDict[str, Spec | SpecErrors] = OrderedDict()
_parsed_lock = threading.Lock()


#: libyaml's safe loader where PyYAML has it: the form reads the spec's values on every edit.
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load(text: str) -> Any:
    """The spec's plain values (no marks), for the form; ``parse`` gives the checked spec."""
    return yaml.load(text, Loader=_LOADER)


def parse(text: str, name: str) -> Spec:
    """``spec.parse_spec``, remembered for the last few texts: an edit's check, preview and list share one parse."""
    key = digest(f"{name}\0{text}")
    with _parsed_lock:
        hit = _parsed.get(key)
        if hit is not None:
            _parsed.move_to_end(key)
    if hit is None:
        try:
            hit = parse_spec(text, name)
        except SpecErrors as exc:
            hit = exc
        with _parsed_lock:
            _parsed[key] = hit
            while len(_parsed) > 8:
                _parsed.popitem(last=False)
    if isinstance(hit, SpecErrors):
        raise hit
    return hit


@dataclass
class Unreadable:
    """A spec text the form cannot show: its YAML does not parse, or is not a mapping of fields.

    The editor shows *errors* as ``check`` prints them and the text itself to
    fix, never an empty form (whose next edit or save could overwrite the file).
    """

    errors: list[str]
    line: int | None  #: the first error's line (1-based), highlighted in the text

    def excerpt(self, text: str, around: int = 3) -> list[tuple[int, str]]:
        """The lines near the error, numbered, for the page to show with the error line marked."""
        lines = text.split("\n")
        at = (self.line or 1) - 1
        lo, hi = max(0, at - around), min(len(lines), at + around + 1)
        return [(n + 1, lines[n]) for n in range(lo, hi)]


def unreadable(text: str, name: str) -> Unreadable | None:
    """Why the form cannot show *text* (``check``'s messages), or None when it can.

    Only a text that is not YAML, or not a mapping, is unreadable: a spec
    with wrong or missing fields is shown in the form with the problems at
    their fields.
    """
    try:
        data = load(text)
        if isinstance(data, dict):
            return None
    except yaml.YAMLError:
        pass
    try:
        parse(text, name)
    except SpecErrors as exc:
        if exc.errors:
            return Unreadable([e.format() for e in exc.errors], exc.errors[0].line)
        return Unreadable([exc.format()], exc.line)
    except AppealGenError as exc:
        return Unreadable([exc.format()], exc.line)
    return Unreadable([f"{name}: the spec is not a mapping of fields"], None)


_checked: OrderedDict[str, Checked] = OrderedDict()
_checked_lock = threading.Lock()


def check_text(text: str, name: str, only: str | None = None) -> Checked:
    """``appeal-gen check``'s problems for *text*: the spec's own, then every language's (validate.py).

    *only* limits the second part to one language (what one field's edit can change there).
    Remembered for the last few texts: after an edit, the list of problems, the
    form and the editor page ask about the same text.
    """
    key = digest(f"{name}\0{only or ''}\0{text}")
    with _checked_lock:
        hit = _checked.get(key)
        if hit is not None:
            _checked.move_to_end(key)
            return hit
    checked = _check(text, name, only)
    with _checked_lock:
        _checked[key] = checked
        while len(_checked) > 8:
            _checked.popitem(last=False)
    return checked


def _check(text: str, name: str, only: str | None) -> Checked:
    from ..validate import validate

    def problem(e: AppealGenError, warning: bool = False) -> Problem:
        where = ":".join(str(x) for x in (e.line, e.column) if x is not None)
        return Problem(e.field, where, e.message, warning, getattr(e, "lang", ""))

    try:
        spec = parse(text, name)
    except SpecErrors as exc:
        return Checked(None, [problem(e) for e in exc.errors])
    except AppealGenError as exc:
        return Checked(None, [problem(exc)])
    languages = [only] if only in spec.content_languages() else spec.content_languages()
    report = validate(spec, languages, survey=True)
    return Checked(spec, [problem(e) for e in report.errors] + [problem(w, True) for w in report.warnings])


def form_suffixes() -> tuple[str, ...]:
    return (".yaml", ".yml")


def quote_name(name: str) -> str:
    """A spec's name as it goes in a URL's query."""
    return quote(name, safe="/")


def source_language(text: str) -> str:
    try:
        data = load(text)
    except yaml.YAMLError:
        return "en"
    return str(data.get("language", "en")) if isinstance(data, dict) else "en"


def belongs(problem_field: str | None, path: str, lang: str) -> bool:
    """Whether a problem of *problem_field* is shown at the input of *path* (in *lang*)."""
    if not problem_field:
        return False
    full = f"{path}.{lang}" if lang else path
    return problem_field in (path, full) or problem_field.startswith(full + ".")


def blank_spec(today: datetime.date) -> str:
    """The text of a new appeal: every required field, empty, for the form to fill."""
    return (
        "# A new appeal, started in appeal-gen studio. Every field is documented in docs/spec.md.\n"
        "spec_version: 1\n"
        "language: en\n"
        "reference:\n"
        "  code: NEW\n"
        "issuers:\n"
        '- name: ""\n'
        f"date: {today.isoformat()}\n"
        'country: ""\n'
        'status: ""\n'
        'title: ""\n'
        'summary: ""\n'
        "subjects:\n"
        '- name: ""\n'
        'concern: ""\n'
        "demands:\n"
        '- ""\n'
        "authorities:\n"
        '- name: ""\n'
        '  office: ""\n'
        '  salutation: ""\n'
    )


@dataclass
class Summary:
    name: str
    code: str = ""
    title: str = ""
    languages: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    error: str = ""
    built: str = ""
    draft: bool = False


def summary(ws: Workspace, name: str) -> Summary:
    from ..staleness import stale

    out = Summary(name, draft=ws.draft(name) is not None)
    try:
        spec = parse_spec(ws.read(name), name)
    except SpecErrors as exc:
        first = exc.errors[0] if exc.errors else exc
        out.error = f"{len(exc.errors)} problem(s), first: {first.format()}"
        return out
    except AppealGenError as exc:
        out.error = exc.format()
        return out
    out.code = spec.reference.code
    out.title = spec.title.get(spec.language) or ""
    out.languages = list(spec.content_languages())
    out.missing = [lang for lang in out.languages if spec.missing_translations(lang)]
    out.stale = [lang for lang in out.languages if lang != spec.language and stale(spec, lang)]
    built = [p.stat().st_mtime for p in ws.build_dir().glob(f"{spec.slug}.*.pdf") if p.is_file()]
    if built:
        out.built = datetime.datetime.fromtimestamp(max(built)).strftime("%Y-%m-%d %H:%M")
    return out


@dataclass
class Input:
    """One input of the form: its spec path, label, value and, in a language tab, the source beside it."""

    path: str
    label: str
    kind: str
    value: str
    lang: str = ""  #: set when the input edits one language of a text field
    source: str | None = None  #: the source-language text shown beside a translation
    id: str = ""
    hint: str = ""
    text_lang: str = ""  #: the language its text is in, when not a translation (``conventions.fr.authorities``)


def _text_value(value: Any, lang: str, source: str) -> str:
    if isinstance(value, dict):
        v = value.get(lang)
        return "" if v is None else str(v)
    if value is None:
        return ""
    return str(value) if lang == source else ""


def editor_context(
    name: str,
    text: str,
    base: str,
    lang: str,
    *,
    restored: bool = False,
    notice: str = "",
    focus: str = "",
    report: list[tuple[str, str]] | None = None,
) -> dict[str, Any]:
    """What ``editor.html`` and ``form.html`` show for *text* in the *lang* tab."""
    try:
        data = load(text)
    except yaml.YAMLError:
        data = None
    if not isinstance(data, dict):
        data = {}
    source = str(data.get("language") or "en")
    langs = [str(x) for x in (data.get("languages") or [source])]
    lang = lang if lang in langs or lang in LANGUAGES else source
    checked = check_text(text, name)
    stale = stale_translations(checked.spec, langs) if checked.spec is not None else {}
    return {
        "name": name,
        "base": base,
        "lang": lang,
        "source": source,
        "languages": langs,
        "sections": _sections(data, lang, source),
        "checked": checked,
        "at": checked.at(),
        "restored": restored,
        "notice": notice,
        "focus": focus,
        "report": report or [],
        "stale": stale.get(lang, {}),
        "stale_counts": {code: len(paths) for code, paths in stale.items() if paths},
        "q": quote_name(name),
    }


def stale_translations(spec: Spec, langs: list[str]) -> dict[str, dict[str, str]]:
    """Language -> field path -> why its translation is stale (``staleness.stale``), for the tabs."""
    from ..staleness import stale

    out: dict[str, dict[str, str]] = {}
    for lang in langs:
        if lang != spec.language:
            out[lang] = {s.text.path: s.message() for s in stale(spec, lang) if s.lang == lang}
    return out


def focus_after(text: str, path: str, op: str, index: int) -> str:
    """The id of what has the keyboard focus once a list operation's new form is in place.

    Added: the new item (its first field). Removed: the item now in its place,
    else the one before it, else the list's Add button. Moved: the same move
    button of the moved item (``studio.js`` steps to its other button when
    that one is disabled at either end of the list).
    """
    try:
        items = _get(load(text), path)
    except yaml.YAMLError:
        items = None
    count = len(items) if isinstance(items, list) else 0
    ident = path.replace(".", "-")
    if op == "add" and count:
        return f"item-{ident}-{count - 1}"
    if op == "remove":
        return f"item-{ident}-{min(index, count - 1)}" if count else f"add-{ident}"
    if op in ("up", "down"):
        to = index - 1 if op == "up" else index + 1
        return f"btn-{ident}-{max(0, min(to, count - 1))}-{op}"
    return ""


def _input(f: form.Field, prefix: str, value: Any, lang: str, source: str) -> Input:
    path = prefix + f.key
    ident = "f-" + path.replace(".", "-")
    if f.kind in form.TRANSLATED:
        shown = _text_value(value, lang, source)
        src = None if lang == source else _text_value(value, source, source)
        return Input(path, f.label, f.kind, shown, lang, src, ident + f"-{lang}", f.hint)
    return Input(path, f.label, f.kind, "" if value is None else str(value), "", None, ident, f.hint)


def _get(data: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        if isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        elif isinstance(data, dict):
            data = data.get(part)
        else:
            return None
    return data


def _sections(data: dict[str, Any], lang: str, source: str) -> list[dict[str, Any]]:
    sections: list[dict[str, Any]] = []
    for title, items in form.SECTIONS:
        entries: list[dict[str, Any]] = []
        for item in items:
            if isinstance(item, form.Field):
                if item.kind == "lines":
                    continue
                entries.append({"input": _input(item, "", _get(data, item.key), lang, source)})
                continue
            values = data.get(item.key) or []
            rows: list[dict[str, Any]] = []
            for i, value in enumerate(values if isinstance(values, list) else []):
                if not item.fields:
                    f = form.Field(str(i), item.item_kind, f"{item.item_label} {i + 1}")
                    rows.append({"inputs": [_input(f, f"{item.key}.", value, lang, source)], "lines": []})
                    continue
                inputs: list[Input] = []
                lines: list[dict[str, Any]] = []
                for f in item.fields:
                    v = value.get(f.key) if isinstance(value, dict) else None
                    if f.kind == "lines":
                        entries_ = v if isinstance(v, list) else []
                        lines.append(
                            {
                                "path": f"{item.key}.{i}.{f.key}",
                                "label": f.label,
                                "inputs": [
                                    _input(
                                        form.Field(str(j), "str", f"{f.label} {j + 1}"),
                                        f"{item.key}.{i}.{f.key}.",
                                        x,
                                        lang,
                                        source,
                                    )
                                    for j, x in enumerate(entries_)
                                ],
                            }
                        )
                        continue
                    inputs.append(_input(f, f"{item.key}.{i}.", v, lang, source))
                rows.append({"inputs": inputs, "lines": lines})
            entries.append({"list": item, "rows": rows, "blank": json.dumps(item.blank)})
        sections.append({"title": title, "entries": entries})
    conv = data.get("conventions")
    mine = conv.get(lang) if isinstance(conv, dict) else None
    conventions: list[dict[str, Any]] = []
    for f in form.CONVENTIONS:
        v = mine.get(f.key) if isinstance(mine, dict) else None
        shown = "" if v is None else str(v).lower() if isinstance(v, bool) else str(v)
        path = f"conventions.{lang}.{f.key}"
        ident = "f-" + path.replace(".", "-")
        conventions.append({"input": Input(path, f.label, f.kind, shown, "", None, ident, f.hint, text_lang=lang)})
    sections.append({"title": f"How {LANGUAGES.get(lang, lang)} is written", "entries": conventions})
    return sections
