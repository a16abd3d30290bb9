"""A template cannot make appeal-gen build gigabytes, spin before the time limit, or inflate a zip bomb.

Each case ends as exit 2 with one line, within seconds, and with the memory
Python allocated meanwhile (tracemalloc's peak) far below what the attack
asks for.
"""

from __future__ import annotations

import time
import tracemalloc
from pathlib import Path

import pytest

from appeal_gen import sandbox

from ..conftest import copy_locales
from .conftest import EXAMPLE, batch_with_template, cli, make_template, patch_docx

S = "{% set s = 'x' * 999999 %}"


def _limit(n: str) -> str:
    return f"the template builds a value of {n} items; the limit is 1,000,000"


# Template body -> the message after "TEMPLATE: ". Each would build at least a gigabyte.
SIZE = {
    "{% set ns = namespace(s='x') %}{% for i in range(100) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}": _limit(
        "1,048,576"
    ),
    S + "{{ ('%s' * 1000) % ((s,) * 1000) }}": _limit("1,000,001,000"),
    S + "{{ '%(a)s' * 100 % {'a': s} }}": _limit("100,001,500"),
    "{{ ('{:>999999}' * 1000).format(1) }}": _limit("1,000,009,000"),
    S + "{{ ('{0}' * 1000).format(s) }}": _limit("1,000,002,000"),
    "{{ ('{:{}}' * 1000).format(*([1, 999999] * 1000)) }}": _limit("2,000,003,000"),
    S + "{{ '%s%s%s%s%s%s%s%s%s%s'|format(s, s, s, s, s, s, s, s, s, s) }}": _limit("10,000,010"),
    "{% set l = [] %}{% for i in range(100000) %}{{ l.extend(l or [0]) or '' }}{% endfor %}": _limit("1,048,577"),
    "{{ ([['x'] * 999999] * 1000)|sum(start=[])|length }}": _limit("1,000,004"),
    S + "{{ ([s] * 1000)|join }}": _limit("1,000,005"),
    S + "{{ ''.join([s] * 1000) }}": _limit("1,000,005"),
    S + "{{ [s] * 1000 }}": _limit("1,000,005"),
    S + "{{ ([s] * 1000)|string|length }}": _limit("1,000,005"),
    S + "{{ ([s] * 1000)|tojson }}": _limit("1,000,005"),
    "{{ ('\\n' * 999999)|indent(999999) }}": _limit("999,999,999,999"),
    S + "{{ s|replace('x', s) }}": _limit("999,999,000,000"),
    S + "{{ s.replace('x', s) }}": _limit("999,999,000,000"),
    S + "{{ s|wordwrap(1, wrapstring=s) }}": _limit("999,999,000,000"),
    "{{ ('\\t' * 999999).expandtabs(999999) }}": _limit("999,999,000,000"),
    S + "{% macro twice() %}{{ s }}{{ s }}{% endmacro %}{{ twice() }}": _limit("1,999,998"),
    # Generators that make a megabyte string per item, read whole by what consumes them.
    "{{ range(100000)|map('center', 999999)|join }}": _limit("1,999,998"),
    "{% set l = range(100000)|map('center', 999999)|list %}{{ l|length }}": _limit("1,999,998"),
    "{% set l = [] %}{{ l.extend(range(100000)|map('center', 999999)) or '' }}": _limit("1,999,998"),
    "{{ ''.join(range(100000)|map('center', 999999)) }}": _limit("1,999,998"),
    "{% for x in range(100000)|map('center', 999999) %}{{ loop.length }}{% endfor %}": _limit("1,999,998"),
    "{{ lipsum(999999) }}": _limit("999,999,000"),
}


@pytest.mark.parametrize("body", list(SIZE), ids=range(len(SIZE)))
def test_what_a_template_builds_is_bounded(body: str, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    template = make_template(tmp_path, "Before", body, "After")
    out = tmp_path / "out"
    tracemalloc.start()
    start = time.monotonic()
    try:
        code, stdout, err = cli(
            capsys, "build", str(EXAMPLE), "--format", "docx", "--template", str(template), "-o", str(out)
        )
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert (code, stdout, err) == (2, "", f"{template}: {SIZE[body]}\n")
    assert time.monotonic() - start < 10
    assert peak < 100 * 1024 * 1024, f"{peak:,} bytes"
    assert not out.exists() or list(out.iterdir()) == []


def test_docxtpl_preprocessing_runs_under_the_time_limit(tmp_path: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """docxtpl's patch_xml tries, at every "{{" of a run, to reach a "}}" that never comes:
    quadratic, and (in batch) it ran before the time limit started, once per letter and
    worker. 12,000 of them take about a minute; the limit stops them after one second,
    once, before any letter.
    """
    monkeypatch.setattr(sandbox, "RENDER_SECONDS", 1.0)
    template = make_template(tmp_path, "{{ recipient }}", "{{" * 12000)
    start = time.monotonic()
    code, err = batch_with_template(tmp_path, capsys, template)
    assert time.monotonic() - start < 10
    assert (code, err) == (2, f"{template}: the template ran for more than 1 seconds (an endless loop?)\n")


def _bomb(tmp_path: Path, size: int) -> Path:
    """A template whose document is *size* bytes of XML, almost all spaces (it deflates 1000:1)."""
    base = make_template(tmp_path, "{{ recipient }}", name="base.docx")
    import zipfile

    xml = zipfile.ZipFile(base).read("word/document.xml")
    head, _, tail = xml.partition(b"<w:body>")
    body = head + b"<w:body>" + b" " * size + tail
    return patch_docx(base, tmp_path / "bomb.docx", {"word/document.xml": body})


def test_batch_reads_no_zip_bomb_before_checking_it(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    bomb = _bomb(tmp_path, 120 * 1024 * 1024)
    tracemalloc.start()
    try:
        code, err = batch_with_template(tmp_path, capsys, bomb)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert code == 2
    assert err.startswith(f"{bomb}: the template unpacks to 12")
    assert err.endswith(" bytes; the limit is 104,857,600\n")
    assert peak < 50 * 1024 * 1024, f"{peak:,} bytes"


def test_batch_refuses_a_highly_compressed_document(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    bomb = _bomb(tmp_path, 30 * 1024 * 1024)
    code, err = batch_with_template(tmp_path, capsys, bomb)
    assert code == 2
    assert err.startswith(f"{bomb}: word/document.xml is compressed ")
    assert err.endswith(":1 (a zip bomb?); the limit is 100:1\n")


def test_locale_update_reads_no_zip_bomb(tmp_path: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from appeal_gen import resources

    loc = copy_locales(tmp_path, monkeypatch)
    templates = tmp_path / "templates"
    templates.mkdir()
    bomb = _bomb(tmp_path, 120 * 1024 * 1024).rename(templates / "appeal.docx")
    monkeypatch.setattr(resources, "TEMPLATES_DIR_CANDIDATES", (templates,))
    before = {p: p.read_bytes() for p in loc.rglob("*.po*")}
    tracemalloc.start()
    try:
        code, _, err = cli(capsys, "locale", "update")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert code == 2
    assert err.startswith(f"{bomb}: the template unpacks to 12")
    assert peak < 50 * 1024 * 1024, f"{peak:,} bytes"
    assert {p: p.read_bytes() for p in loc.rglob("*.po*")} == before
