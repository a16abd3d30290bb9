"""Formats come from the renderer registry: a new one is one module plus one registration."""

from __future__ import annotations

from pathlib import Path

import pytest

from appeal_gen.render import registry

from ..conftest import EXAMPLE, run


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
