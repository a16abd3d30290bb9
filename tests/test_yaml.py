"""appeal_gen._yaml: the bounded composer gives PyYAML's own safe nodes, fast (libyaml) or pure."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from appeal_gen import _yaml

from .conftest import DATA, EXAMPLE

SPECS = sorted({EXAMPLE, *DATA.rglob("*.yaml")})


def shape(n: Any) -> Any:
    """A node with everything a spec reader uses: tags, values, styles, flow, marks."""
    marks = (n.start_mark.index, n.end_mark.index, n.start_mark.line, n.start_mark.column)
    if isinstance(n, yaml.ScalarNode):
        return ("scalar", n.tag, n.value, n.style, *marks)
    if isinstance(n, yaml.SequenceNode):
        return ("seq", n.tag, bool(n.flow_style), *marks, [shape(x) for x in n.value])
    return ("map", n.tag, bool(n.flow_style), *marks, [(shape(k), shape(v)) for k, v in n.value])


@pytest.mark.parametrize("path", SPECS, ids=lambda p: str(Path(p).relative_to(Path(p).parents[1])))
def test_compose_gives_the_pure_safe_loaders_nodes(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    try:
        expected = shape(yaml.compose(text, Loader=yaml.SafeLoader))
    except yaml.YAMLError:
        with pytest.raises(_yaml.SpecError):
            _yaml.compose(text, str(path))
        return
    assert shape(_yaml.compose(text, str(path))) == expected


def test_a_spec_composes_in_a_fraction_of_the_pure_loaders_time() -> None:
    """The studio parses the spec on every edit: libyaml's scanner is what keeps that live."""
    if getattr(getattr(yaml, "cyaml", None), "CParser", None) is None:
        pytest.skip("PyYAML without libyaml")
    text = EXAMPLE.read_text(encoding="utf-8")

    def best(f: Any) -> float:
        times = []
        for _ in range(5):
            t = time.perf_counter()
            f()
            times.append(time.perf_counter() - t)
        return min(times)

    ours = best(lambda: _yaml.compose(text, "a.yaml"))
    pure = best(lambda: yaml.compose(text, Loader=yaml.SafeLoader))
    assert ours < pure / 3


def test_a_syntax_error_is_the_pure_loaders_message() -> None:
    with pytest.raises(_yaml.SpecError) as info:
        _yaml.compose('title: "open\nnext: x\n', "a.yaml")
    assert info.value.format() == (
        "a.yaml:1:8: YAML syntax error: found unexpected end of stream while scanning a quoted scalar "
        "that starts here (problem found at line 3)"
    )
