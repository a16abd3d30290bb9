"""Editing one field of a spec's YAML text in place.

The studio (and any other editor) changes a spec one field at a time; the
file is the user's, with their comments, key order, quoting and line
breaks, so an edit must change the characters of that field and nothing
else. As in ``translate import`` (``_yaml.add_translations``), PyYAML's
node marks locate the field in the text and the new value is spliced in;
every edit is then re-read to prove that exactly the intended value
changed, so a file can never be saved half-edited or subtly different.
"""

from __future__ import annotations

from typing import Any

import yaml

from . import _yaml
from .errors import InputError

_Path = list[str]


class EditRefusedError(InputError):
    """An edit that cannot be made in place; the message names the field."""


def split_path(path: str) -> _Path:
    """``demands.0.en`` or ``demands[0].en`` as ``["demands", "0", "en"]``."""
    parts = path.replace("[", ".").replace("]", "").split(".")
    if not path or any(not p for p in parts):
        raise EditRefusedError(f"not a field path: {path!r}", field=path)
    return parts


#: libyaml's loader where PyYAML has it, for reading values (``_data``): ten times faster on a
#: spec of some hundred lines, which is what keeps a studio edit live.
_FAST = getattr(yaml, "CSafeLoader", None)


def _root(text: str, file: str) -> yaml.Node:
    root = _yaml.compose(text, file)  # libyaml's events under the bounded composer; marks as the pure loader's
    if not isinstance(root, yaml.MappingNode):
        raise EditRefusedError("the spec is not a mapping of fields", file=file)
    return root


def _data(text: str) -> Any:
    return yaml.load(text, Loader=_FAST or yaml.SafeLoader)


def _get(data: Any, parts: _Path) -> Any:
    for p in parts:
        data = data[int(p)] if isinstance(data, list) else data[p]
    return data


def _block(value: str, indent: int, nl: str) -> str:
    """*value* as a literal block scalar whose lines start at *indent* (``|-`` keeps no final newline)."""
    chomp = "-" if not value.endswith("\n") else "+" if value.endswith("\n\n") else ""
    body = value[:-1] if value.endswith("\n") and chomp == "" else value
    if chomp == "+":
        body = value[:-1]
    lines = body.split("\n")
    lead = str(indent) if lines and lines[0].startswith(" ") else ""
    pad = " " * indent
    return f"|{lead}{chomp}" + "".join(nl + (pad + ln if ln else "") for ln in lines)


def _scalar_text(value: str, indent: int, nl: str, old: Any = None) -> str:
    """The plainest YAML for *value*: plain when it reads back the same, else a block or quoted.

    A date or a number typed over a plain date or number (*old*, as read)
    stays plain, so ``date: 2017-12-07`` is not turned into a quoted string.
    """
    if "\n" in value and not any(c in value for c in "\r\t") and value.strip(" \n"):
        if all(not ln or ln[0] != " " or i > 0 for i, ln in enumerate(value.split("\n"))):
            return _block(value, indent, nl)
    if value and value == value.strip() and "\n" not in value and ": " not in value and " #" not in value:
        try:
            loaded = yaml.safe_load(value)
        except yaml.YAMLError:
            loaded = None
        if loaded == value or (
            old is not None
            and not isinstance(old, str)
            and type(loaded) is type(old)
            and str(loaded).lower() == value.lower()
        ):
            return value
    return _yaml.flow_scalar(value)


def _indent_of(text: str, index: int) -> int:
    start = text.rfind("\n", 0, index) + 1
    line = text[start:index]
    return len(line) - len(line.lstrip(" "))


def set_value(text: str, file: str, path: str, value: str, *, source: str | None = None) -> str:
    """*text* with the string at *path* replaced by *value*, every other character kept.

    *path* names a scalar (``title``, ``title.fr``, ``demands.0``,
    ``authorities.1.office``). A translation that is not there yet
    (``title.fr`` where ``title`` has no ``fr``, or is one plain string in
    the *source* language) is added as ``translate import`` adds it.
    Raises ``EditRefusedError`` when the edit cannot be made in place.
    """
    parts = split_path(path)
    root = _root(text, file)
    nl = "\r\n" if "\r\n" in text else "\n"
    try:
        node, parent, _key = _yaml.walk(root, parts)
    except (KeyError, IndexError, ValueError):
        return _add(text, file, parts, value, source, path)
    if id(node) in _yaml.shared_nodes(root):
        raise EditRefusedError("written once and reused with a YAML alias; edit it in the file itself", field=path)
    if not isinstance(node, yaml.ScalarNode):
        raise EditRefusedError("not a single value", field=path)
    start, end = node.start_mark.index, node.end_mark.index
    old = text[start:end]
    if getattr(parent, "flow_style", False):
        new = _yaml.flow_scalar(value)
    else:
        old_value = yaml.safe_load(text[start:end]) if not node.style else None
        new = _scalar_text(value, _indent_of(text, start) + 2, nl, old_value)
        rest = text[end : _yaml.line_end(text, end)] if node.style not in ("|", ">") else ""
        if new.startswith("|") and rest.strip():
            new = _yaml.flow_scalar(value)  # a comment after the value must stay outside a block
    if node.style in ("|", ">"):
        # A block scalar's span ends after its last line break (and blank lines): keep them.
        new += old[len(old.rstrip(" \r\n")) :]
    out = text[:start] + new + text[end:]
    _verify(text, out, file, parts, value)
    return out


def _add(text: str, file: str, parts: _Path, value: str, source: str | None, path: str) -> str:
    """A translation the field lacks: ``_yaml.add_translations`` writes it in place."""
    data = _data(text)
    try:
        parent = _get(data, parts[:-1])
    except (KeyError, IndexError, ValueError, TypeError):
        if source is None:
            return _add_nested(text, file, data, parts, value, path)
        raise EditRefusedError("no such field", field=path) from None
    key = parts[-1]
    if not (isinstance(parent, (str, dict)) and key.replace("_", "").isalnum()):
        raise EditRefusedError("no such field", field=path)
    if isinstance(parent, dict) and source is None:
        out = add_key(text, file, ".".join(parts[:-1]), key, typed(value))
    else:
        src = source or (data.get("language") if isinstance(data, dict) else None) or "en"
        try:
            out = _yaml.add_translations(text, file, src, [(".".join(parts[:-1]), key, value)])
        except _yaml.EditError as exc:
            raise EditRefusedError(str(exc), field=path) from None
    _verify(text, out, file, parts, value)
    return out


def _add_nested(text: str, file: str, data: Any, parts: _Path, value: str, path: str) -> str:
    """A key under mappings the spec does not have yet (``conventions.fr.locale``): added with them."""
    k = len(parts) - 1
    while k > 0:
        try:
            found = _get(data, parts[: k - 1]) if k > 1 else data
        except (KeyError, IndexError, ValueError, TypeError):
            k -= 1
            continue
        if not isinstance(found, dict) or parts[k - 1] in found:
            raise EditRefusedError("no such field", field=path)
        break
    else:
        raise EditRefusedError("no such field", field=path)
    if not all(p.replace("_", "").isalnum() and not p.isdigit() for p in parts[k - 1 :]):
        raise EditRefusedError("no such field", field=path)
    nested: Any = typed(value)
    for p in reversed(parts[k:]):
        nested = {p: nested}
    out = add_key(text, file, ".".join(parts[: k - 1]), parts[k - 1], nested)
    expected = _data(text)
    (_get(expected, parts[: k - 1]) if k > 1 else expected)[parts[k - 1]] = nested
    if _data(out) != expected:
        raise EditRefusedError("the field could not be added in place", field=path)
    return out


def remove_key(text: str, file: str, path: str) -> str:
    """*text* without the key at *path* (a cleared optional field), every other character kept.

    The key's lines go (with a comment on the value's own line); comments on
    lines of their own and the rest of the file stay. A mapping left empty
    by the removal (``conventions.fr`` after its only key) goes with it, up
    to the first mapping that keeps a key. Raises ``EditRefusedError`` when
    that cannot be done in place (a flow mapping, the last key of a list
    item, a value reused by an alias).
    """
    parts = split_path(path)
    root = _root(text, file)
    try:
        node, parent, key = _yaml.walk(root, parts)
    except (KeyError, IndexError, ValueError):
        return text  # nothing to remove
    while isinstance(parent, yaml.MappingNode) and len(parent.value) == 1 and len(parts) > 1:
        # The only key of its mapping: remove the mapping's own key instead.
        up = parts[:-1]
        outer = _yaml.walk(root, up[:-1])[0] if len(up) > 1 else root
        if not isinstance(outer, yaml.MappingNode):
            raise EditRefusedError("the last field of a list item cannot be removed; remove the item", field=path)
        parts = up
        node, parent, key = _yaml.walk(root, parts)
    if not isinstance(parent, yaml.MappingNode) or key is None or parent.flow_style:
        raise EditRefusedError("not a field written one key per line", field=path)
    if id(node) in _yaml.shared_nodes(root):
        raise EditRefusedError("written once and reused with a YAML alias; edit it in the file itself", field=path)
    start = key.start_mark.index
    line_start = text.rfind("\n", 0, start) + 1
    i = next(n for n, (k, _v) in enumerate(parent.value) if k is key)
    if text[line_start:start].strip():
        # The first key of a list item (``- name: …``): the next key moves up after the dash.
        if i + 1 >= len(parent.value):
            raise EditRefusedError("the last field of a list item cannot be removed; remove the item", field=path)
        out = text[:start] + text[parent.value[i + 1][0].start_mark.index :]
    else:
        out = text[:line_start] + text[_yaml.line_end(text, node.end_mark.index) :]
    expected = _data(text)
    holder = _get(expected, parts[:-1])
    del holder[parts[-1]]
    try:
        same = _data(out) == expected
    except yaml.YAMLError:
        same = False
    if not same:
        raise EditRefusedError("the field could not be removed in place", field=path)
    return out


def _required(path: str) -> bool:
    from .spec import iter_required_keys

    schema_path = ".".join("[]" if p.isdigit() else p for p in split_path(path)).replace(".[]", "[]")
    return schema_path in set(iter_required_keys())


def _forget_record(text: str, file: str, lang: str) -> str:
    """*text* without the ``translated_from`` record of a translation that is gone (staleness.py)."""
    from .errors import AppealGenError
    from .spec import parse_spec
    from .staleness import records_text

    try:
        spec = parse_spec(text, file)
    except AppealGenError:
        return text  # the record is tidied by the next edit of a spec that reads
    return records_text(text, spec, lang, {})[0]


def clear(text: str, file: str, path: str, lang: str = "") -> str:
    """*text* with the field at *path* (its *lang* text, for a text field) cleared by a person.

    A field the spec may leave out is removed (``remove_key``), so a cleared
    deadline or e-mail is absent rather than an empty string ``check`` would
    refuse; so is a cleared translation, which is then missing, as before it
    was typed. A required field, a list entry and a source text that still
    has translations are kept, empty, in their place (``check`` names them).
    """
    data = _data(text)
    parts = split_path(path)
    try:
        current = _get(data, parts)
    except (KeyError, IndexError, ValueError, TypeError):
        return text  # not there: already clear
    source = str(data.get("language", "en")) if isinstance(data, dict) else "en"
    if lang and lang != source:
        if isinstance(current, dict) and lang in current:
            return _forget_record(remove_key(text, file, f"{path}.{lang}"), file, lang)
        return text
    if parts[-1].isdigit() or _required(path):
        return set_text(text, file, path, lang, "") if lang else set_value(text, file, path, "")
    if lang and isinstance(current, dict) and set(current) - {source}:
        return set_text(text, file, path, lang, "")
    return remove_key(text, file, path)


def typed(value: str) -> Any:
    """A date, whole number or true/false typed as text, as YAML would read it written plain (else the text)."""
    import datetime

    try:
        loaded = yaml.safe_load(value)
    except yaml.YAMLError:
        return value
    if isinstance(loaded, bool) and value in ("true", "false"):
        return loaded
    if isinstance(loaded, (datetime.date, int)) and not isinstance(loaded, bool) and str(loaded) == value:
        return loaded
    return value


def add_key(text: str, file: str, path: str, key: str, value: Any) -> str:
    """*text* with ``key: value`` added as the last entry of the block mapping at *path* ("" for the top)."""
    root = _root(text, file)
    try:
        node = _yaml.walk(root, split_path(path))[0] if path else root
    except (KeyError, IndexError, ValueError):
        raise EditRefusedError("no such field", field=path) from None
    if not isinstance(node, yaml.MappingNode) or node.flow_style or not node.value:
        raise EditRefusedError("not a mapping written one key per line", field=path or key)
    nl = "\r\n" if "\r\n" in text else "\n"
    column = node.value[0][0].start_mark.column
    at = _yaml.line_end(text, node.value[-1][1].end_mark.index)
    dumped = yaml.dump({key: value}, Dumper=_yaml.LiteralDumper, allow_unicode=True, width=1_000_000, sort_keys=False)
    block = "".join(" " * column + ln + nl if ln else nl for ln in dumped.rstrip("\n").split("\n"))
    lead = "" if at == 0 or text[at - 1] == "\n" else nl
    return text[:at] + lead + block + text[at:]


def _verify(old: str, new: str, file: str, parts: _Path, value: str) -> None:
    """Refuse an edit whose result reads back as anything but the old data with *value* at *parts*."""
    try:
        expected = _data(old)
        got = _data(new)
    except yaml.YAMLError:
        raise EditRefusedError("the edit would break the file's YAML", field=".".join(parts)) from None
    target = expected
    for i, p in enumerate(parts[:-1]):
        nxt = target[int(p)] if isinstance(target, list) else target[p]
        if isinstance(nxt, str) and i == len(parts) - 2:
            src = str(expected.get("language", "en"))
            nxt = {src: nxt}
            if isinstance(target, list):
                target[int(p)] = nxt
            else:
                target[p] = nxt
        target = nxt
    last = parts[-1]
    try:
        typed = _get(got, parts)
    except (KeyError, IndexError, ValueError, TypeError):
        typed = None
    same = typed is not None and not isinstance(typed, str) and str(typed).lower() == value.lower()
    placed = typed if same else value
    if isinstance(target, list):
        target[int(last)] = placed
    else:
        target[last] = placed
    if got != expected:
        raise EditRefusedError("the edit could not be made in place", field=".".join(parts))


def _items(text: str, file: str, path: str) -> tuple[yaml.SequenceNode, list[tuple[int, int]]]:
    """A block list at *path* and the text span of each of its items (dash to the next item)."""
    root = _root(text, file)
    try:
        node, _parent, _key = _yaml.walk(root, split_path(path))
    except (KeyError, IndexError, ValueError):
        raise EditRefusedError("no such list", field=path) from None
    if not isinstance(node, yaml.SequenceNode) or node.flow_style or not node.value:
        raise EditRefusedError("not a list written one item per line", field=path)
    starts = []
    for i, item in enumerate(node.value):
        dash = text.rfind("-", 0, item.start_mark.index)
        start = text.rfind("\n", 0, dash) + 1
        floor = node.value[i - 1].end_mark.index if i else 0
        # Comment lines just above an item belong to it: they move and go with it.
        while start > floor:
            prev = text.rfind("\n", 0, start - 1) + 1
            if prev < floor or not text[prev:start].strip().startswith("#"):
                break
            start = prev
        starts.append(start)
    last = node.value[-1]
    spans = [(a, b) for a, b in zip(starts, [*starts[1:], _yaml.line_end(text, last.end_mark.index)], strict=True)]
    return node, spans


def _list_data(text: str, path: str) -> list[Any]:
    got = _get(_data(text), split_path(path))
    assert isinstance(got, list)
    return got


def _rekey(text: str, file: str, path: str, remap: dict[int, int | None]) -> str:
    """*text* with the translation records (``translated_from``) of items of *path* moved with them.

    A record is keyed by field path (``updates.0.body``): when items move,
    the record of each must follow its item, or every translation of a
    shifted item would read as stale (and a removed item's record would be
    claimed by its successor).
    """
    from .staleness import write_records

    data = _data(text)
    records = data.get("translated_from") if isinstance(data, dict) else None
    if not isinstance(records, dict):
        return text
    prefix = path + "."
    changed = False
    out: dict[str, dict[str, str]] = {}
    for lang, fields in records.items():
        if not isinstance(fields, dict):
            return text  # a record check reports; left as it is
        kept: dict[str, str] = {}
        for key, fp in fields.items():
            key = str(key)
            head, _, rest = key.removeprefix(prefix).partition(".")
            if key.startswith(prefix) and head.isdigit() and int(head) in remap:
                changed = True
                new = remap[int(head)]
                if new is None:
                    continue
                key = f"{prefix}{new}" + (f".{rest}" if rest else "")
            kept[key] = str(fp)
        out[str(lang)] = kept
    return write_records(text, file, out) if changed else text


def list_move(text: str, file: str, path: str, index: int, to: int) -> str:
    """The item *index* of the list at *path* moved to position *to*, its lines (and comments) intact."""
    _node, spans = _items(text, file, path)
    n = len(spans)
    if not (0 <= index < n and 0 <= to < n):
        raise EditRefusedError(f"no item {index} or {to} in a list of {n}", field=path)
    nl = "\r\n" if "\r\n" in text else "\n"
    chunks = [text[a:b] if text[a:b].endswith("\n") else text[a:b] + nl for a, b in spans]
    chunks.insert(to, chunks.pop(index))
    out = text[: spans[0][0]] + "".join(chunks) + text[spans[-1][1] :]
    expected = _list_data(text, path)
    expected.insert(to, expected.pop(index))
    if _list_data(out, path) != expected:
        raise EditRefusedError("the list could not be reordered in place", field=path)
    order = list(range(n))
    order.insert(to, order.pop(index))
    return _rekey(out, file, path, {old: new for new, old in enumerate(order) if old != new})


def list_remove(text: str, file: str, path: str, index: int) -> str:
    """The list at *path* without its item *index* (a list's last item cannot be removed here)."""
    _node, spans = _items(text, file, path)
    if not 0 <= index < len(spans):
        raise EditRefusedError(f"no item {index} in a list of {len(spans)}", field=path)
    if len(spans) == 1:
        raise EditRefusedError("the list's last item: change it rather than remove it", field=path)
    a, b = spans[index]
    out = text[:a] + text[b:]
    expected = _list_data(text, path)
    expected.pop(index)
    if _list_data(out, path) != expected:
        raise EditRefusedError("the item could not be removed in place", field=path)
    remap: dict[int, int | None] = {index: None}
    remap.update({i: i - 1 for i in range(index + 1, len(spans))})
    return _rekey(out, file, path, remap)


def list_insert(text: str, file: str, path: str, index: int, item: Any) -> str:
    """The list at *path* with *item* inserted before its item *index* (at the end when *index* is its length)."""
    parts = split_path(path)
    try:
        present = _get(_data(text), parts)
    except (KeyError, IndexError, ValueError, TypeError):
        present = None
    if not present or index >= len(present):
        return list_append(text, file, path, item)
    _node, spans = _items(text, file, path)
    a, _b = spans[index]
    nl = "\r\n" if "\r\n" in text else "\n"
    at = text.rfind("-", a, _node.value[index].start_mark.index)
    column = at - (text.rfind("\n", 0, at) + 1)
    out = text[:a] + _dump_item(item, column, nl) + text[a:]
    expected = _list_data(text, path)
    expected.insert(index, item)
    if _list_data(out, path) != expected:
        raise EditRefusedError("the item could not be inserted in place", field=path)
    return _rekey(out, file, path, {i: i + 1 for i in range(index, len(spans))})


def _dump_item(item: Any, column: int, nl: str) -> str:
    dumped = yaml.dump([item], Dumper=_yaml.LiteralDumper, allow_unicode=True, width=1_000_000, sort_keys=False)
    return "".join(" " * column + ln + nl if ln else nl for ln in dumped.rstrip("\n").split("\n"))


def list_append(text: str, file: str, path: str, item: Any) -> str:
    """The list at *path* with *item* (a string or a mapping of strings) added at its end.

    A list the spec does not have yet (an optional one, such as ``updates``) is added with the item.
    """
    parts = split_path(path)
    try:
        present = _get(_data(text), parts)
    except (KeyError, IndexError, ValueError, TypeError):
        present = None
    if present is None or present == []:
        out = add_key(text, file, ".".join(parts[:-1]), parts[-1], [item])
        if _list_data(out, path) != [item]:
            raise EditRefusedError("the list could not be added in place", field=path)
        return out
    _node, spans = _items(text, file, path)
    a, b = spans[-1]
    nl = "\r\n" if "\r\n" in text else "\n"
    last = text[a:b]
    dash = text.rfind("-", a, _node.value[-1].start_mark.index)
    column = dash - (text.rfind("\n", 0, dash) + 1)
    block = _dump_item(item, column, nl)
    if not last.endswith("\n"):
        block = nl + block
    out = text[:b] + block + text[b:]
    expected = _list_data(text, path)
    expected.append(item)
    if _list_data(out, path) != expected:
        raise EditRefusedError("the item could not be added in place", field=path)
    return out


def set_text(text: str, file: str, field: str, lang: str, value: str) -> str:
    """*text* with the *lang* text of the text field *field* set to *value*.

    A translation typed by a person against the source text they see is
    current: its record in ``translated_from`` (staleness.py) is updated
    with the source's fingerprint, as ``translate import`` does, so it is
    not reported stale. An edit of the source text leaves the records
    alone, which is what marks the translations made from the old text
    stale.
    """
    from .errors import AppealGenError
    from .spec import parse_spec
    from .staleness import fingerprint, records_text

    data = _data(text)
    source = str(data.get("language", "en")) if isinstance(data, dict) else "en"
    try:
        current = _get(data, split_path(field))
    except (KeyError, IndexError, ValueError, TypeError):
        raise EditRefusedError("no such field", field=field) from None
    if isinstance(current, str) and lang == source:
        return set_value(text, file, field, value)
    out = set_value(text, file, f"{field}.{lang}", value, source=source)
    if lang == source:
        return out
    try:
        spec = parse_spec(out, file)
    except AppealGenError:
        return out  # the record waits for a spec that reads; check names the problem meanwhile
    text_field = next((t for t in spec.texts if t.path == field), None)
    if text_field is None or text_field.source not in text_field.values:
        return out
    recorded, _records = records_text(out, spec, lang, {field: fingerprint(text_field.values[text_field.source])})
    return recorded
