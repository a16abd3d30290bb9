"""Per-language DOCX templates, and catalog text that looks like markup or Jinja.

A translator may give a language its own ``templates/<lang>/appeal.docx``;
and whatever a translator types into a catalog is a value, printed as typed
in both formats, never markup and never template code.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from appeal_gen import build_letter, catalogs, parse_spec, resources
from appeal_gen.build import render
from appeal_gen.locale import LocaleInfo
from appeal_gen.render.docx import DocxOptions, default_template, render_docx
from appeal_gen.render.pdf import render_pdf

from ..conftest import DATA, docx_paragraphs, fill_po, pdf_text, squash

DEFAULT = resources.TEMPLATES_DIR_CANDIDATES[-1] / "appeal.docx"


def template_with(path: Path, first_paragraph: str | None) -> Path:
    """A copy of the default template, with *first_paragraph* put before everything else."""
    import docx

    path.parent.mkdir(parents=True, exist_ok=True)
    if first_paragraph is None:
        shutil.copyfile(DEFAULT, path)
        return path
    d = docx.Document(str(DEFAULT))
    d.paragraphs[0].insert_paragraph_before(first_paragraph)
    d.save(str(path))
    return path


@pytest.fixture
def templates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "templates"
    template_with(root / "appeal.docx", None)
    template_with(root / "ar" / "appeal.docx", "Letterhead: Beirut office")
    template_with(root / "fr" / "appeal.docx", "En-tête : bureau de Paris")
    monkeypatch.setattr(resources, "TEMPLATES_DIR_CANDIDATES", (root,))
    return root


def _first_text(data: bytes) -> str:
    return next(t for _, t in docx_paragraphs(data) if t)


def test_a_language_folder_template_is_used_for_that_language_only(templates: Path, example_spec) -> None:  # type: ignore[no-untyped-def]
    assert default_template("ar") == templates / "ar" / "appeal.docx"
    assert default_template("fr_CA") == templates / "fr" / "appeal.docx"
    assert default_template("es") == templates / "appeal.docx"
    ar = render(example_spec, "ar", "docx")
    fr = render(example_spec, "fr", "docx")
    es = render(example_spec, "es", "docx")
    assert _first_text(ar) == "Letterhead: Beirut office"
    assert _first_text(fr) == "En-tête : bureau de Paris"
    assert _first_text(es) == "Front Line Defenders"
    # The language's own template still gets the appeal, right to left.
    assert "Status: " not in squash(" ".join(t for _, t in docx_paragraphs(ar)))
    assert "Prime Minister" not in " ".join(t for _, t in docx_paragraphs(ar))


def test_template_option_wins_over_the_language_folder(templates: Path, example_spec, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    chosen = template_with(tmp_path / "mine.docx", "Campaign letterhead")
    data = render(example_spec, "ar", "docx", template=chosen)
    assert _first_text(data) == "Campaign letterhead"


HOSTILE = {
    "About the situation": "<b>Situation</b> & {{ 7 * 7 }} {% if true %}IF{% endif %} &amp;",
    "Please write to": "Écrivez à <script>alert(1)</script> ${x} {#c#}",
    "Reference: {code}": "Réf. <{code}> & co",
    "Urgent appeal": "Appel urgent & <i>{{ lang }}</i>",
}


@pytest.fixture
def hostile_catalogs(tmp_path: Path) -> Path:
    base = tmp_path / "locales"
    shutil.copytree(catalogs.PACKAGE_DIR / "locales", base)
    fill_po(base / "fr" / "LC_MESSAGES" / "appeal_gen.po", HOSTILE)
    return base


def test_catalog_text_with_markup_and_jinja_prints_verbatim(hostile_catalogs: Path) -> None:
    spec = parse_spec((DATA / "minimal.yaml").read_text(encoding="utf-8"), "minimal.yaml")
    letter = build_letter(spec, LocaleInfo("fr", catalogs=hostile_catalogs), allow_fallback=True)
    expected = [
        HOSTILE["About the situation"],
        HOSTILE["Please write to"],
        "Réf. <TEST-001> & co",
        HOSTILE["Urgent appeal"],
    ]
    pdf = squash(pdf_text(render_pdf(letter)))
    docx_text = [t for _, t in docx_paragraphs(render_docx(letter, DocxOptions(date=spec.date)))]
    for text in expected:
        # The PDF prints the "Urgent appeal" label in capitals.
        assert text in pdf or (text == HOSTILE["Urgent appeal"] and text.upper() in pdf), text
        assert any(text in t for t in docx_text), text
    assert "49" not in pdf and not any("49" in t for t in docx_text)
    assert "IF" not in pdf.replace(HOSTILE["About the situation"], "")


def test_template_strings_are_translated_and_escaped(hostile_catalogs: Path, tmp_path: Path) -> None:
    fill_po(hostile_catalogs / "fr" / "LC_MESSAGES" / "appeal_gen.po", {})
    tpl = template_with(tmp_path / "t.docx", '{{ _("Urgent appeal") }} / {{ _("not in any catalog <&>") }}')
    spec = parse_spec((DATA / "minimal.yaml").read_text(encoding="utf-8"), "minimal.yaml")
    loc = LocaleInfo("fr", catalogs=hostile_catalogs)
    letter = build_letter(spec, loc, allow_fallback=True)
    data = render_docx(letter, DocxOptions(template=tpl, date=spec.date, gettext=loc._))
    assert _first_text(data) == "Appel urgent & <i>{{ lang }}</i> / not in any catalog <&>"
