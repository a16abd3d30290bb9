"""YAML reading that keeps where every value came from.

PyYAML's ``compose`` stops before construction, so each node still has its
start mark; validating nodes instead of constructed Python values is what
lets every error name the line and column the user has to fix. Only the safe
loader is used: a spec can never construct Python objects.
"""

from __future__ import annotations

from typing import Any

import yaml

from .errors import SpecError

#: Refuse files larger than this before parsing them (a spec is a few KiB).
MAX_SPEC_BYTES = 2 * 1024 * 1024
#: Nodes the composer may build, counting every alias as the whole value it
#: repeats, mapping keys included. The validator's own limit
#: (``spec.MAX_NODES``) counts only the values it checks, and it never walks
#: mapping keys, so an alias bomb hidden in keys (``? *a : x``) has to be
#: stopped here, while the tree is built, before anything expands it.
MAX_COMPOSED_NODES = 200_000
#: Nesting the composer may reach. PyYAML composes recursively, so without a
#: bound a deep key (``? [[[[...`` or ``{{{{...}: x}``) ends in RecursionError;
#: twice ``spec.MAX_DEPTH``, so that deep values still get the validator's
#: error with their field.
MAX_COMPOSED_DEPTH = 60


class _Limit(yaml.MarkedYAMLError):
    """A composer limit, reported like a syntax error: at the node that crossed it, with its field."""

    field: str | None = None


class _BoundedLoader(yaml.SafeLoader):
    """The safe loader's composer with a bound on nodes (aliases expanded) and depth.

    Each anchored node remembers how many nodes it stands for, so an alias
    adds its whole expansion to the count in O(1): a billion-laughs spec is
    refused after at most ``MAX_COMPOSED_NODES`` steps, wherever its aliases
    are used, keys included.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._nodes = 0
        self._depth = 0
        self._weight: dict[int, int] = {}
        self._path: list[str] = []  # the field being composed, for the error

    def _limit(self, problem: str, mark: Any) -> _Limit:
        exc = _Limit(problem=problem, problem_mark=mark)
        # The outer fields say where to look; sixty levels of "0.0.0" do not.
        exc.field = ".".join(self._path[:3]) + (".…" if len(self._path) > 3 else "") or None
        return exc

    def _add(self, n: int, mark: Any) -> None:
        self._nodes += n
        if self._nodes > MAX_COMPOSED_NODES:
            raise self._limit(
                f"more than {MAX_COMPOSED_NODES} YAML nodes (YAML aliases expanding?); a spec this large is refused",
                mark,
            )

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        # PyYAML passes a mapping value's key node, a list item's position,
        # or None for a mapping key (shown as "?").
        if parent is not None:
            part = index.value if isinstance(index, yaml.ScalarNode) else index
            self._path.append("?" if part is None or isinstance(part, yaml.Node) else str(part)[:40])
        try:
            return self._compose_counted(parent, index)
        finally:
            if parent is not None:
                self._path.pop()

    def _compose_counted(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            node = super().compose_node(parent, index)
            # An alias of a node still being composed (``&a [*a]``) counts as one.
            self._add(self._weight.get(id(node), 1), event.start_mark)
            return node
        self._depth += 1
        if self._depth > MAX_COMPOSED_DEPTH:
            raise self._limit(f"nested more than {MAX_COMPOSED_DEPTH} levels deep", event.start_mark)
        before = self._nodes
        self._add(1, event.start_mark)
        node = super().compose_node(parent, index)
        self._depth -= 1
        if getattr(event, "anchor", None) is not None:
            self._weight[id(node)] = self._nodes - before
        return node


try:  # libyaml's parser, where PyYAML was built with it
    from yaml._yaml import CParser as _CParser
except ImportError:  # pragma: no cover - PyYAML without libyaml: the pure loader alone
    _CParser = None  # type: ignore[misc,assignment]

if _CParser is not None:

    class _FastBoundedLoader(_CParser, _BoundedLoader):
        """``_BoundedLoader`` reading its events from libyaml: the same nodes and limits, four to five times faster.

        Scanning and parsing are most of the time a spec takes to read (65 ms
        of 80 for the example's 900 nodes; 15 s for a 1.4 MB spec refused at
        the node limit). libyaml does them in C and hands its events to the
        same Python composer, so the node and depth limits, the resolver and
        the marks (line, column, character index) are unchanged. What it
        reports as a syntax error is read again by the pure loader
        (``compose``), whose messages ``check`` prints.
        """

        def __init__(self, stream: str) -> None:
            _CParser.__init__(self, stream)
            yaml.composer.Composer.__init__(self)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)
            self._nodes = 0
            self._depth = 0
            self._weight = {}
            self._path = []

        # libyaml's own composer would skip the limits: compose with the Python one.
        get_single_node = yaml.composer.Composer.get_single_node
        check_node = yaml.composer.Composer.check_node
        get_node = yaml.composer.Composer.get_node

        def compose_scalar_node(self, anchor: Any) -> yaml.ScalarNode:
            node: yaml.ScalarNode = yaml.composer.Composer.compose_scalar_node(self, anchor)
            node.style = node.style or None  # libyaml says '' for a plain scalar, the pure parser None
            return node


def compose(text: str, file: str) -> yaml.Node | None:
    """Parse *text* into a node tree, turning syntax errors into ``SpecError``."""
    try:
        if _CParser is not None and not text.startswith("\ufeff"):  # libyaml counts marks after a BOM differently
            try:
                return yaml.compose(text, Loader=_FastBoundedLoader)
            except _Limit:
                raise
            except yaml.YAMLError:
                pass  # the pure loader's message, below, is the one users know
        return yaml.compose(text, Loader=_BoundedLoader)
    except _Limit as exc:
        mark = exc.problem_mark
        assert mark is not None
        raise SpecError(
            str(exc.problem), file=file, line=mark.line + 1, column=mark.column + 1, field=exc.field
        ) from None
    except yaml.MarkedYAMLError as exc:
        # The context mark is where the broken construct began (an opening
        # quote, a mapping), which is where the fix goes; the problem mark is
        # often just the end of the file.
        mark = exc.context_mark or exc.problem_mark
        problem = exc.problem or "invalid YAML"
        detail = f" {exc.context}" if exc.context else ""
        if exc.context_mark and exc.problem_mark and exc.problem_mark.line != exc.context_mark.line:
            detail += f" that starts here (problem found at line {exc.problem_mark.line + 1})"
        raise SpecError(
            f"YAML syntax error: {problem}{detail}",
            file=file,
            line=mark.line + 1 if mark else None,
            column=mark.column + 1 if mark else None,
        ) from None
    except yaml.reader.ReaderError as exc:
        # A character YAML forbids (NUL, most control characters): the reader
        # gives a character offset, not a line.
        before = text[: exc.position]
        line = before.count("\n") + 1
        column = exc.position - (before.rfind("\n") + 1) + 1
        raise SpecError(
            f"YAML syntax error: the character U+{exc.character:04X} is not allowed in YAML; "
            "remove it (a control character pasted from another program?)",
            file=file,
            line=line,
            column=column,
        ) from None
    except RecursionError:
        raise SpecError("YAML nested too deeply to read", file=file) from None
    except yaml.YAMLError as exc:  # pragma: no cover - pyyaml marks everything else
        raise SpecError(f"YAML syntax error: {exc}", file=file) from None


def read_spec_text(path: str) -> str:
    """Read a spec file as UTF-8, reporting decoding problems with their line."""
    import os

    try:
        size = os.path.getsize(path)
    except OSError as exc:
        raise SpecError(f"cannot read spec: {exc.strerror}", file=path) from None
    if size > MAX_SPEC_BYTES:
        raise SpecError(
            f"spec is {size} bytes, more than the limit of {MAX_SPEC_BYTES}",
            file=path,
        )
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_SPEC_BYTES + 1)
    except OSError as exc:
        raise SpecError(f"cannot read spec: {exc.strerror}", file=path) from None
    if len(raw) > MAX_SPEC_BYTES:  # a pipe or a file that grew
        raise SpecError(f"spec is more than the limit of {MAX_SPEC_BYTES} bytes", file=path)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise SpecError(
            f"not valid UTF-8 (byte 0x{raw[exc.start]:02x}); save the file as UTF-8",
            file=path,
            line=line,
        ) from None
    return text


# --------------------------------------------------------------------------
# Adding translations to a spec's text, changing nothing else


class LiteralDumper(yaml.SafeDumper):
    """Writes multi-line text as a literal block (``|-``), as people write it."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


LiteralDumper.add_representer(str, _represent_str)
_WIDE = 1_000_000  # never fold a line: a translator's line breaks are kept as typed


def entry(key: str, value: str, column: int, nl: str) -> str:
    """``key: value`` as block-mapping lines starting at *column*, ending with a newline."""
    out = yaml.dump({key: value}, Dumper=LiteralDumper, allow_unicode=True, width=_WIDE, sort_keys=False)
    pad = " " * column
    return "".join(pad + line + nl if line else nl for line in out.rstrip("\n").split("\n"))


def flow_scalar(value: str) -> str:
    """*value* as one double-quoted scalar, safe inside ``{...}`` or ``[...]``."""
    out = yaml.dump(value, default_style='"', allow_unicode=True, width=_WIDE)
    return out.rstrip("\n").removesuffix("\n...").strip()


def line_end(text: str, index: int) -> int:
    """Index just past the newline of the last non-blank line that ends before *index*.

    Block scalars end after their trailing blank lines; a value's own line,
    with any comment on it, ends at its newline.
    """
    p = index
    while p > 0 and text[p - 1] in " \t\r\n":
        p -= 1
    q = text.find("\n", p)
    return len(text) if q == -1 else q + 1


def _shift(block: str, spaces: int) -> str:
    """Indent every line but the first by *spaces* (empty lines stay empty)."""
    lines = block.split("\n")
    return "\n".join([lines[0], *((" " * spaces + ln if ln.strip("\r") else ln) for ln in lines[1:])])


def walk(node: yaml.Node, path: list[str]) -> tuple[yaml.Node, yaml.Node | None, yaml.Node | None]:
    """The node at *path* with its parent collection and, in a mapping, its key node."""
    parent: yaml.Node | None = None
    key: yaml.Node | None = None
    for part in path:
        parent = node
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if isinstance(k, yaml.ScalarNode) and k.value == part:
                    key, node = k, v
                    break
            else:
                raise KeyError(part)
        elif isinstance(node, yaml.SequenceNode):
            key, node = None, node.value[int(part)]
        else:
            raise KeyError(part)
    return node, parent, key


def shared_nodes(root: yaml.Node) -> set[int]:
    """Nodes reached more than once (YAML aliases): editing one place would not be enough."""
    seen: set[int] = set()
    shared: set[int] = set()
    stack = [root]
    while stack:
        n = stack.pop()
        if id(n) in seen:
            shared.add(id(n))
            continue
        seen.add(id(n))
        if isinstance(n, yaml.MappingNode):
            for k, v in n.value:
                stack.extend((k, v))
        elif isinstance(n, yaml.SequenceNode):
            stack.extend(n.value)
    return shared


def _indent_step(root: yaml.Node) -> int:
    """How far this file indents a nested mapping under its key (2 if it never does)."""
    steps: dict[int, int] = {}
    stack = [root]
    while stack:
        n = stack.pop()
        if isinstance(n, yaml.MappingNode):
            for k, v in n.value:
                if isinstance(v, yaml.MappingNode) and not v.flow_style and v.value:
                    first = v.value[0][0]
                    if first.start_mark.line > k.start_mark.line:
                        d = first.start_mark.column - k.start_mark.column
                        if d > 0:
                            steps[d] = steps.get(d, 0) + 1
                stack.append(v)
        elif isinstance(n, yaml.SequenceNode):
            stack.extend(n.value)
    return max(steps, key=lambda d: (steps[d], -d)) if steps else 2


class EditError(Exception):
    """A field that cannot be edited in place (the caller reports it)."""


def add_translations(text: str, file: str, source: str, edits: list[tuple[str, str, str]]) -> str:
    """Add ``lang: value`` to each text field, leaving every other character as it was.

    *edits* holds ``(field path, lang, value)``. A mapping field gets one
    more line (or one more ``key: value`` in a ``{...}`` mapping); a plain
    string becomes a mapping of *source* to the string, as written, plus the
    new language. Editing the text in place, located by PyYAML's node marks,
    is what keeps comments, key order, quoting and indentation exactly:
    round-trip loaders re-indent a whole file to one style.
    Raises ``EditError`` naming the field when it cannot be done in place.
    """
    root = compose(text, file)
    if root is None:
        raise EditError("the spec is empty")
    nl = "\r\n" if "\r\n" in text else "\n"
    shared = shared_nodes(root)
    step = _indent_step(root)
    patches: list[tuple[int, int, str]] = []
    for path, lang, value in edits:
        try:
            node, parent, key = walk(root, path.split("."))
        except (KeyError, IndexError, ValueError):
            raise EditError(f"{path}: no such field") from None
        if id(node) in shared:
            raise EditError(f"{path}: written once and reused with a YAML alias; translate it in the file itself")
        patches.append(_patch(text, node, parent, key, source, lang, value, nl, step, path))
    out = text
    for start, end, replacement in sorted(patches, key=lambda p: p[0], reverse=True):
        out = out[:start] + replacement + out[end:]
    return out


def _patch(
    text: str,
    node: yaml.Node,
    parent: yaml.Node | None,
    key: yaml.Node | None,
    source: str,
    lang: str,
    value: str,
    nl: str,
    step: int,
    path: str,
) -> tuple[int, int, str]:
    if isinstance(node, yaml.MappingNode):
        if node.flow_style:
            close = node.end_mark.index - 1
            if text[close] != "}":
                raise EditError(f"{path}: cannot find the closing brace of its mapping")
            p = close
            while text[p - 1] in " \t\r\n":
                p -= 1
            return p, p, f", {lang}: {flow_scalar(value)}"
        column = node.value[0][0].start_mark.column
        at = line_end(text, node.value[-1][1].end_mark.index)
        lead = "" if at == 0 or text[at - 1] == "\n" else nl
        return at, at, lead + entry(lang, value, column, nl)
    if not isinstance(node, yaml.ScalarNode) or parent is None:
        raise EditError(f"{path}: not a text value")
    start, end = node.start_mark.index, node.end_mark.index
    if getattr(parent, "flow_style", False):
        return start, end, f"{{{source}: {text[start:end]}, {lang}: {flow_scalar(value)}}}"
    at = line_end(text, end)
    tail = text[start:at]
    if not tail.endswith("\n"):
        tail += nl
    if isinstance(parent, yaml.SequenceNode):
        # "- text" becomes "- en: text" with "de: ..." under "en", so both
        # keys sit where the text began.
        column = node.start_mark.column
        shift = column - parent.start_mark.column
        return start, at, f"{source}: " + _shift(tail, shift) + entry(lang, value, column, nl)
    assert key is not None
    column = key.start_mark.column + step
    colon = text.index(":", key.end_mark.index, start)
    body = nl + " " * column + f"{source}: " + _shift(tail, step)
    return colon + 1, at, body + entry(lang, value, column, nl)
