"""YAML reading that keeps where every value came from.

PyYAML's ``compose`` stops before construction, so each node still has its
start mark; validating nodes instead of constructed Python values is what
lets every error name the line and column the user has to fix. Only the safe
loader is used: a spec can never construct Python objects.
"""

from __future__ import annotations

import yaml

from .errors import SpecError

#: Refuse files larger than this before parsing them (a spec is a few KiB).
MAX_SPEC_BYTES = 2 * 1024 * 1024


def compose(text: str, file: str) -> yaml.Node | None:
    """Parse *text* into a node tree, turning syntax errors into ``SpecError``."""
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
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
    except yaml.YAMLError as exc:  # pragma: no cover - pyyaml always marks
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
    with open(path, "rb") as fh:
        raw = fh.read()
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
