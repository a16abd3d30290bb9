"""The DOCX renderer's caches belong to a ``DocxContext``: passed down, bounded, and never stale."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from appeal_gen import build_letter
from appeal_gen.locale import LocaleInfo
from appeal_gen.render.context import COMPILED_CACHE_SIZE, DocxContext, default_docx_context
from appeal_gen.render.docx import CompiledTemplate, DocxOptions, compiled_template, default_template, render_docx

from ..conftest import docx_paragraphs
from .test_templates import template_with


def test_a_context_of_its_own_gets_the_compiled_templates_and_gives_the_same_bytes(example_spec) -> None:  # type: ignore[no-untyped-def]
    letter = build_letter(example_spec, LocaleInfo("fr"))
    options = DocxOptions(date=example_spec.date)
    ours = DocxContext()
    compiled = CompiledTemplate(default_template("fr"), letter, ours)
    before = dict(default_docx_context().compiled)
    assert compiled.render(letter, options) == render_docx(letter, options)
    # The body, headers and footers were compiled into the context passed down, not a module global.
    assert compiled.body in ours.compiled.values()
    assert len(ours.deflated) > 0
    assert {k: v for k, v in default_docx_context().compiled.items() if k in before} == before


def test_the_caches_are_bounded() -> None:
    context = DocxContext()
    for n in range(COMPILED_CACHE_SIZE * 3):
        context.compile(f"text {n}")
    assert 0 < len(context.compiled) <= COMPILED_CACHE_SIZE


def test_an_edited_template_is_compiled_again(example_spec, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    letter = build_letter(example_spec, LocaleInfo("en"))
    path = tmp_path / "appeal.docx"
    shutil.copyfile(default_template("en"), path)
    context = DocxContext()
    first = compiled_template(path, letter, context)
    assert compiled_template(path, letter, context) is first  # kept while the file is unchanged
    template_with(path, "Edited since the first letter")
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    second = compiled_template(path, letter, context)
    assert second is not first
    text = " ".join(t for _, t in docx_paragraphs(second.render(letter, DocxOptions(date=example_spec.date))))
    assert text.startswith("Edited since the first letter ")
    assert "Edited" not in " ".join(t for _, t in docx_paragraphs(first.render(letter, DocxOptions())))
