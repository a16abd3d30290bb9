"""Limits that hostile inputs used to get past (issue 12, classes 5 and 7).

Each input is made here, in tmp_path, and run as a user would: the command
in a subprocess with a time limit (and, where the attack is memory, an
address-space limit), and the exact one-line error with exit status 2.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from ..conftest import DATA, ROOT

MINIMAL = (DATA / "minimal.yaml").read_text(encoding="utf-8")
#: Far above what each refusal takes (well under a second), far below what
#: the attacks took before (minutes, or until memory ran out).
SECONDS = 30
#: Address space for a run that must stay small: the interpreter with
#: reportlab and openpyxl loaded needs about 300 MiB of it.
MEMORY = 1024 * 1024 * 1024


def appeal_gen(cwd: Path, *argv: str, memory: int | None = None, env: dict[str, str] | None = None) -> tuple[int, str]:
    """``appeal-gen ARGV`` in a child process: exit status and stderr."""

    def limit() -> None:  # pragma: no cover - runs in the child
        if memory is not None:
            import resource

            resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    proc = subprocess.run(
        [sys.executable, "-m", "appeal_gen", *argv],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=SECONDS,
        preexec_fn=limit,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
    )
    return proc.returncode, proc.stderr


def write_spec(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "spec.yaml"
    path.write_text(text, encoding="utf-8")
    return path


# YAML ----------------------------------------------------------------------------


def test_alias_bomb_through_mapping_keys_is_refused_while_composing(tmp_path: Path) -> None:
    anchors = "x-keys:\n  a: &a [1, 2, 3, 4, 5, 6, 7, 8, 9]\n"
    for prev, name in zip("abcdefg", "bcdefgh", strict=True):
        anchors += f"  {name}: &{name} {{" + ", ".join(f"? [*{prev}, {j}] : {j}" for j in range(9)) + "}\n"
    write_spec(tmp_path, anchors + MINIMAL.replace("title: Defender", "title:\n  ? *h\n  : Defender"))
    code, err = appeal_gen(tmp_path, "build", "spec.yaml", "-o", "out", memory=MEMORY)
    assert (code, err) == (
        2,
        "spec.yaml:7:28: more than 200000 YAML nodes (YAML aliases expanding?); a spec this large is refused\n",
    )
    assert not (tmp_path / "out").exists()


def test_alias_used_as_a_text_key_is_refused_with_its_field(tmp_path: Path) -> None:
    text = "x-a: &a [en]\n" + MINIMAL.replace("title: Defender", "title:\n  ? *a\n  : Defender")
    write_spec(tmp_path, text)
    code, err = appeal_gen(tmp_path, "check", "spec.yaml")
    assert code == 2
    assert "spec.yaml:1:6: title: keys must be language codes such as en or fr" in err.splitlines()


def test_deeply_nested_complex_key_is_refused_with_its_line(tmp_path: Path) -> None:
    write_spec(tmp_path, MINIMAL.replace("title: Defender", "title:\n  ? " + "[" * 5000 + "]" * 5000 + "\n  : x"))
    code, err = appeal_gen(tmp_path, "check", "spec.yaml")
    assert (code, err) == (2, "spec.yaml:12:63: nested more than 60 levels deep\n")


def test_deeply_nested_flow_mapping_key_is_refused_with_its_line(tmp_path: Path) -> None:
    write_spec(tmp_path, MINIMAL.replace("title: Defender", "title: {" + "{a: " * 3000 + "1" + "}" * 3000 + ": x}"))
    code, err = appeal_gen(tmp_path, "check", "spec.yaml")
    assert (code, err) == (2, "spec.yaml:11:238: nested more than 60 levels deep\n")


HUGE_INTS = {
    "hex": ("0x" + "f" * 100_000, 100_002),
    "octal": ("0" + "7" * 100_000, 100_001),
    "binary": ("0b" + "1" * 100_000, 100_002),
    "base_60": (":".join(["59"] * 30_000), 89_999),
    "underscores": ("1" + "_000" * 20_000, 80_001),
    "decimal": ("9" * 100_000, 100_000),
}


def test_huge_integers_in_every_yaml_form_are_refused_with_the_field(tmp_path: Path) -> None:
    for name, (digits, length) in HUGE_INTS.items():
        write_spec(tmp_path, MINIMAL.replace("spec_version: 1", f"spec_version: {digits}"))
        code, err = appeal_gen(tmp_path, "build", "spec.yaml", "-o", "out")
        assert (name, code, err) == (
            name,
            2,
            f"spec.yaml:2:15: spec_version: expected a whole number of at most 20 characters, found {length}\n",
        )
        assert not (tmp_path / "out").exists()
