"""Formats come from the renderer registry: a new one is one module plus one registration."""

from __future__ import annotations

from pathlib import Path

import pytest

from appeal_gen.render import registry

from ..conftest import EXAMPLE, batch_example, run


def render_md(request: registry.RenderRequest) -> bytes:
    """A stand-in for a future Markdown renderer."""
    return f"{request.letter.title.text}\n{request.date}\n".encode()


@pytest.fixture
def md_format(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry, "_RENDERERS", dict(registry._RENDERERS))
    registry.register("md", f"{__name__}:render_md")


def test_builtin_formats_in_build_order() -> None:
    assert registry.formats() == ("pdf", "docx", "html", "txt")
    assert registry.DEFAULT_FORMATS == ("pdf", "docx")


def test_a_registered_format_is_built_and_offered_by_the_cli(md_format, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run(capsys, "build", str(EXAMPLE), "-o", str(tmp_path), "--format", "md")
    assert (code, err) == (0, "")
    assert out == f"{tmp_path / 'fld-kh-cchr-2017.en.md'}\n"
    assert (tmp_path / "fld-kh-cchr-2017.en.md").read_text(encoding="utf-8") == (
        "Prime Minister seeks to shut down leading human rights organisation\n2017-12-06\n"
    )
    code, _, err = run(capsys, "build", str(EXAMPLE), "-o", str(tmp_path), "--format", "odt")
    assert (code, err) == (2, "--format: unknown format 'odt'; choose from pdf, docx, html, txt, md\n")
    with pytest.raises(SystemExit):
        run(capsys, "build", "--help")
    assert "comma-separated: pdf, docx, html, txt, md (default: pdf,docx)" in " ".join(capsys.readouterr().out.split())


def render_md_batch(request: registry.RenderRequest) -> bytes:
    """A stand-in fast path; it marks its bytes so the test sees which renderer the batch used."""
    return b"batch " + render_md(request)


def test_a_format_may_register_a_batch_fast_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """The batch asks the registry, not a format's name, which renderer to use; build keeps the plain one."""
    monkeypatch.setattr(registry, "_RENDERERS", dict(registry._RENDERERS))
    monkeypatch.setattr(registry, "_BATCH", dict(registry._BATCH))
    registry.register("md", f"{__name__}:render_md", batch=f"{__name__}:render_md_batch")
    code, _, err = batch_example(capsys, tmp_path / "b", "md")
    assert code == 0 and " 0 failed" in err, err
    letters = sorted((tmp_path / "b" / "letters").rglob("*.md"))
    assert letters and all(p.read_text(encoding="utf-8").startswith("batch ") for p in letters)
    code, _, err = run(capsys, "build", str(EXAMPLE), "-o", str(tmp_path / "o"), "--format", "md")
    assert (code, err) == (0, "")
    assert not (tmp_path / "o" / "fld-kh-cchr-2017.en.md").read_text(encoding="utf-8").startswith("batch ")


def test_docx_batches_through_its_compiled_template_in_the_docx_context(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """The batch's DOCX templates are the DocxContext's (bounded, one owner), not a worker's own dict."""
    from appeal_gen.render.context import default_docx_context
    from appeal_gen.render.docx import default_template

    context = default_docx_context()
    context.templates.clear()
    code, _, err = batch_example(capsys, tmp_path, "docx")
    assert code == 0 and " 0 failed" in err, err
    assert list((tmp_path / "letters").rglob("*.docx"))
    assert str(default_template("en")) in {key[0] for key in context.templates}
