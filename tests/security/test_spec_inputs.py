"""Hostile or broken spec files: a one-line error with file, line and field, exit 2, nothing written.

Each case is the spec text (or bytes) and the exact error printed by
``appeal-gen build``. The limits are in appeal_gen/spec.py and _yaml.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from appeal_gen import _yaml, spec

from ..conftest import DATA
from .conftest import cli

MINIMAL = (DATA / "minimal.yaml").read_text(encoding="utf-8")

BOMB = (
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
    "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
    "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
)

CASES: dict[str, tuple[str | bytes, str]] = {
    "python_object_apply": (
        MINIMAL.replace("title: Defender", "title: !!python/object/apply:os.system ['id']\nx: Defender"),
        "spec.yaml:11:8: title: the YAML tag '!!python/object/apply:os.system' is not allowed; "
        "a spec holds plain values only",
    ),
    "python_name": (
        MINIMAL.replace("status: arbitrary_detention", "status: !!python/name:os.system"),
        "spec.yaml:10:9: status: the YAML tag '!!python/name:os.system' is not allowed; a spec holds plain values only",
    ),
    "python_module": (
        MINIMAL.replace("country: KH", "country: !!python/module:os"),
        "spec.yaml:9:10: country: the YAML tag '!!python/module:os' is not allowed; a spec holds plain values only",
    ),
    "binary_tag": (
        MINIMAL.replace("summary: A defender", "summary: !!binary aGVsbG8=\nx: A defender"),
        "spec.yaml:12:10: summary: the YAML tag '!!binary' is not allowed; a spec holds plain values only",
    ),
    "local_include_tag": (
        MINIMAL.replace("concern: We are", "concern: !include /etc/passwd\nx: We are"),
        "spec.yaml:15:10: concern: the YAML tag '!include' is not allowed; a spec holds plain values only",
    ),
    "alias_bomb_in_a_known_field": (
        BOMB.replace("a: &a", "x-anchors:\n  a: &a")
        .replace("\nb:", "\n  b:")
        .replace("\nc:", "\n  c:")
        .replace("\nd:", "\n  d:")
        .replace("\ne:", "\n  e:")
        .replace("\nf:", "\n  f:")
        .replace("\ng:", "\n  g:")
        + MINIMAL.replace("demands:\n", "demands: *g\nx-old-demands:\n"),
        "spec.yaml:7:13: x-anchors.f.1: more than 200000 YAML nodes (YAML aliases expanding?); "
        "a spec this large is refused",
    ),
    "deep_nesting": (
        MINIMAL + "x: " + "[" * 5000 + "]" * 5000 + "\n",
        "spec.yaml:24:63: x.0.0.…: nested more than 60 levels deep",
    ),
    "overlong_field": (
        MINIMAL.replace("summary: A defender was detained on 1 March 2024.", "summary: " + "x" * 20_001),
        "spec.yaml:12:10: summary: longer than 20000 characters",
    ),
    "duplicate_key": (
        MINIMAL + "title: Another title\n",
        "spec.yaml:24:1: title: duplicate key (first given on line 11)",
    ),
    "not_utf8": (
        MINIMAL.replace("A. Defender", "Andr\xe9").encode("latin-1"),
        "spec.yaml:14: not valid UTF-8 (byte 0xe9); save the file as UTF-8",
    ),
    "nul_byte": (
        MINIMAL.replace("title: Defender", "title: Def\x00ender"),
        "spec.yaml:11:11: YAML syntax error: the character U+0000 is not allowed in YAML; remove it "
        "(a control character pasted from another program?)",
    ),
    "top_level_list": ("- a\n- b\n", "spec.yaml:1:1: expected a mapping, found a list"),
    "empty_file": ("", "spec.yaml:1:1: the spec is empty"),
    "only_comments": ("# nothing here\n", "spec.yaml:1:1: the spec is empty"),
    "tab_indentation": (
        MINIMAL.replace("  code: TEST-001", "\tcode: TEST-001"),
        "spec.yaml:5:1: YAML syntax error: found character '\\t' that cannot start any token "
        "while scanning for the next token",
    ),
    "unclosed_quote": (
        MINIMAL.replace('title: Defender <detained> & "held" incommunicado', 'title: "Defender'),
        "spec.yaml:11:8: YAML syntax error: found unexpected end of stream while scanning a quoted scalar "
        "that starts here (problem found at line 24)",
    ),
    "many_demands": (
        MINIMAL.replace("demands:\n", "demands:\n" + "  - x\n" * 60_000),
        "spec.yaml:50000:5: demands.49983: more than 50000 values (YAML aliases expanding?); "
        "a spec this large is refused",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_hostile_spec_exact_error_exit_2_nothing_written(case: str, tmp_path: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    content, expected = CASES[case]
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "spec.yaml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    out = tmp_path / "out"
    code, stdout, err = cli(capsys, "build", "spec.yaml", "-o", str(out))
    assert (code, stdout) == (2, "")
    assert err.splitlines()[0] == expected
    assert not out.exists()


def test_spec_larger_than_the_limit(tmp_path: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    (tmp_path / "spec.yaml").write_text(MINIMAL + "# " + "x" * (_yaml.MAX_SPEC_BYTES) + "\n", encoding="utf-8")
    code, _, err = cli(capsys, "check", "spec.yaml")
    assert code == 2
    size = (tmp_path / "spec.yaml").stat().st_size
    assert err == f"spec.yaml: spec is {size} bytes, more than the limit of 2097152\n"


def test_a_folder_instead_of_a_spec(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    code, _, err = cli(capsys, "check", str(tmp_path))
    assert code == 2
    assert err == f"{tmp_path}: cannot read spec: Is a directory\n"


def test_limits_are_what_security_md_says() -> None:
    assert (spec.MAX_NODES, spec.MAX_DEPTH, spec.MAX_TEXT_CHARS, _yaml.MAX_SPEC_BYTES) == (
        50_000,
        30,
        20_000,
        2 * 1024 * 1024,
    )
