"""appeal_gen._yaml: libyaml's parser under the Python composer gives the pure loader's tree.

``compose`` reads events from libyaml (four to five times faster) and builds
nodes with the same bounded composer; translate, edit and staleness splice
text at the nodes' marks, so the marks, values, tags and styles must be the
pure loader's exactly, for every spec the project ships or tests with.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from appeal_gen import _yaml
from appeal_gen.errors import SpecError

from .conftest import DATA, ROOT

SPECS = sorted({*DATA.rglob("*.yaml"), *(ROOT / "examples").rglob("*.yaml")})


def _same(fast: yaml.Node, pure: yaml.Node, where: str) -> None:
    assert type(fast) is type(pure), where
    assert fast.tag == pure.tag, where
    for mark in ("start_mark", "end_mark"):
        a, b = getattr(fast, mark), getattr(pure, mark)
        assert (a.line, a.column, a.index) == (b.line, b.column, b.index), f"{where} {mark}"
    if isinstance(pure, yaml.ScalarNode):
        assert (fast.value, fast.style) == (pure.value, pure.style), where
        return
    assert bool(fast.flow_style) == bool(pure.flow_style), where  # type: ignore[attr-defined]
    assert len(fast.value) == len(pure.value), where
    if isinstance(pure, yaml.SequenceNode):
        for i, (a, b) in enumerate(zip(fast.value, pure.value, strict=True)):
            _same(a, b, f"{where}.{i}")
    else:
        for (ka, va), (kb, vb) in zip(fast.value, pure.value, strict=True):
            _same(ka, kb, f"{where}.{kb.value}?")
            _same(va, vb, f"{where}.{kb.value}")


@pytest.mark.skipif(_yaml._CParser is None, reason="PyYAML built without libyaml")
@pytest.mark.parametrize("path", SPECS, ids=lambda p: str(p.relative_to(ROOT)))
def test_libyaml_events_give_the_pure_loaders_tree(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    try:
        pure = yaml.compose(text, Loader=_yaml._BoundedLoader)
    except yaml.YAMLError:
        pytest.skip("not YAML on purpose")
    fast = yaml.compose(text, Loader=_yaml._FastBoundedLoader)
    assert pure is not None and fast is not None
    _same(fast, pure, path.name)


def test_a_syntax_error_keeps_the_pure_loaders_message() -> None:
    # libyaml words this "did not find expected ',' or ']'"; the pure loader's words are the ones check prints.
    with pytest.raises(SpecError) as caught:
        _yaml.compose("title: [x\n", "spec.yaml")
    assert caught.value.format() == (
        "spec.yaml:1:8: YAML syntax error: expected ',' or ']', but got '<stream end>' "
        "while parsing a flow sequence that starts here (problem found at line 2)"
    )


def test_aliases_are_still_counted_through_libyaml() -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{k}: &{k} [{', '.join(['*' + p] * 10)}]\n" for p, k in zip("abcdef", "bcdefg", strict=True)
    )
    with pytest.raises(SpecError) as caught:
        _yaml.compose(bomb, "spec.yaml")
    assert "more than 200000 YAML nodes (YAML aliases expanding?)" in caught.value.format()
