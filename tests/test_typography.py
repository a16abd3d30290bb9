"""Issue 15, the text side: dates, digits, spacing and wording as a native typesetter writes them.

Each test reads back what a reader sees: the PDF's text (pypdf, or poppler's
pdftotext where line starts matter or Khmer is shaped) and the DOCX's
paragraphs, headers and footers.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from appeal_gen import build_letter, parse_spec
from appeal_gen.document import Correspondent
from appeal_gen.letters import personalise
from appeal_gen.locale import LocaleInfo
from appeal_gen.render.docx import DocxOptions, render_docx
from appeal_gen.render.pdf import render_pdf

from .conftest import DATA, EXAMPLE, docx_paragraphs, pdf_text, run, squash

NBSP, NNBSP = "\u00a0", "\u202f"
needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")


def _example(tmp_path: Path, *edits: tuple[str, str]) -> Path:
    """The example spec with *edits* (old, new) applied, written under *tmp_path*."""
    text = EXAMPLE.read_text(encoding="utf-8")
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new, 1)
    path = tmp_path / "appeal.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _build(capsys, spec: Path, lang: str, tmp_path: Path) -> tuple[str, str, str, str]:  # type: ignore[no-untyped-def]
    """Build *lang*: (stderr, PDF text, DOCX body text, DOCX header and footer XML)."""
    out = tmp_path / f"out-{lang}"
    code, _, err = run(capsys, "build", str(spec), "--lang", lang, "-o", str(out))
    assert code == 0, err
    pdf = (out / f"fld-kh-cchr-2017.{lang}.pdf").read_bytes()
    docx = (out / f"fld-kh-cchr-2017.{lang}.docx").read_bytes()
    body = "\n".join(t for _, t in docx_paragraphs(docx))
    with zipfile.ZipFile(io.BytesIO(docx)) as z:
        furniture = "".join(z.read(n).decode() for n in z.namelist() if re.match(r"word/(header|footer)\d*\.xml", n))
    return err, pdf_text(pdf), body, furniture


def _pdftotext(pdf: bytes, tmp_path: Path, *args: str) -> str:
    path = tmp_path / "x.pdf"
    path.write_bytes(pdf)
    res = subprocess.run(["pdftotext", *args, str(path), "-"], capture_output=True, text=True, check=True)
    return res.stdout


# Item 5: dates and numbers --------------------------------------------------


def test_a_spec_names_its_region_and_dates_follow_it(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    # The example is Front Line Defenders' (Dublin): conventions.en.locale is en_IE.
    err, pdf, body, _ = _build(capsys, EXAMPLE, "en", tmp_path)
    assert err == ""
    for text in (squash(pdf), body):
        assert "Dublin, 6 December 2017" in text
        assert "Please take action by 15 January 2018." in text
        assert "December 6" not in text


@pytest.mark.parametrize("lang", ["en_IE", "en_GB"])
def test_a_regional_language_builds_without_a_warning_per_message(tmp_path: Path, capsys, lang: str) -> None:  # type: ignore[no-untyped-def]
    err, pdf, body, _ = _build(capsys, EXAMPLE, lang, tmp_path)
    assert err == ""
    assert "Dublin, 6 December 2017" in squash(pdf)
    assert "About the Cambodian Centre for Human Rights" in body


def test_a_region_named_on_the_command_line_wins_over_the_specs() -> None:
    spec = parse_spec(EXAMPLE.read_text(encoding="utf-8"), str(EXAMPLE))  # en: {locale: en_IE}
    assert build_letter(spec, LocaleInfo("en_US")).dateline == "Dublin, December 6, 2017"
    assert build_letter(spec, LocaleInfo("en")).dateline == "Dublin, 6 December 2017"


def test_french_writes_the_first_of_the_month_as_an_ordinal(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    first_of_month = (("date: 2017-12-06", "date: 2017-12-01"), ("deadline: 2018-01-15", "deadline: 2018-01-01"))
    spec = _example(tmp_path, *first_of_month)
    _, pdf, body, _ = _build(capsys, spec, "fr", tmp_path)
    for text in (squash(pdf), squash(body)):
        assert "Dublin, le 1er décembre 2017" in text
        assert "Veuillez agir au plus tard le 1er janvier 2018." in text


@needs_poppler
def test_khmer_dates_and_numbers_are_written_as_khmer_writes_them(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    _, _, body, _ = _build(capsys, EXAMPLE, "km", tmp_path)
    # As the body writes "ថ្ងៃទី២៦ ខែវិច្ឆិកា ឆ្នាំ២០១៧", a date's three parts held on one line by no-break spaces.
    assert "ឌុយប្លាំង ថ្ងៃទី៦\u00a0ខែធ្នូ\u00a0ឆ្នាំ២០១៧" in body
    assert "ថ្ងៃទី៦\u00a0ខែធ្នូ\u00a0ឆ្នាំ២០១៧ – " in body  # the update’s heading
    pdf = (tmp_path / "out-km" / "fld-kh-cchr-2017.km.pdf").read_bytes()
    layout = _pdftotext(pdf, tmp_path, "-layout")
    # Shaped Khmer comes back from the PDF as written (its /ActualText:
    # render/pdftags.py), the month after the day, digits intact.
    assert "ឌុយប្លាំង ថ្ងៃទី៦\u00a0ខែធ្នូ\u00a0ឆ្នាំ២០១៧" in layout
    footers = [ln for ln in layout.splitlines() if "ទំព័រ" in ln]  # "ទំព័រ ១ នៃ ៣": page 1 of 3
    assert len(footers) == 3
    for n, line in enumerate(footers, start=1):
        page = line.split("ទំព័រ", 1)[1]
        assert "០១២៣៤៥៦៧៨៩"[n] in page and "៣" in page, line
        assert not re.search(r"[0-9]", page), line


def test_khmer_demands_end_with_khmer_punctuation(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    # The example's Khmer demands were typed with the English ";".
    _, _, body, _ = _build(capsys, EXAMPLE, "km", tmp_path)
    letter = build_letter(parse_spec(EXAMPLE.read_text(encoding="utf-8"), str(EXAMPLE)), LocaleInfo("km"))
    demands = [p.text for _, p in letter.demands]
    assert [d[-1] for d in demands] == ["។", "។", "។"]
    for demand in demands:
        assert demand in body
    assert ";" not in "".join(demands)


def test_chinese_follow_up_number_is_spaced_like_its_dates(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    _, pdf, _, furniture = _build(capsys, EXAMPLE, "zh", tmp_path)
    assert "第1次更新" in pdf and "第 1 次更新" not in pdf
    assert "第1页，共2页" in pdf
    assert "第1次更新" in furniture


# Item 6: French typography --------------------------------------------------


def test_french_spacing_cannot_break_in_either_format(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    _, _, body, furniture = _build(capsys, EXAMPLE, "fr", tmp_path)
    # Fixed text: the catalog types plain spaces.
    assert f"Front Line Defenders exhorte les autorités cambodgiennes à{NBSP}:" in body
    assert f"Statut{NBSP}: Harcèlement judiciaire" in body
    assert f"Suivi n°{NBSP}1" in furniture
    # The spec's French text.
    assert f"a été arrêté{NNBSP}; il est" in body
    assert f"«{NBSP}révolution{NBSP}»" in body
    assert " ;" not in body and " :" not in body and "« " not in body


@needs_poppler
def test_no_french_line_starts_with_a_semicolon(tmp_path: Path) -> None:
    words = " ".join(f"{'m' * (1 + i % 7)}ot ; {'x' * (i % 5)}ça ! vrai ? oui :" for i in range(60))
    text = (
        (DATA / "minimal.yaml")
        .read_text(encoding="utf-8")
        .replace("A defender was detained on 1 March 2024.", f"'{words}'")
    )
    letter = build_letter(parse_spec(text, "x.yaml"), LocaleInfo("fr"), allow_fallback=True)
    lines = _pdftotext(render_pdf(letter), tmp_path).splitlines()
    starts = [ln for ln in lines if ln.lstrip()[:1] in (";", ":", "!", "?")]
    assert starts == []
    docx = render_docx(letter, DocxOptions())
    assert f"mot{NNBSP}; " in "\n".join(t for _, t in docx_paragraphs(docx))


def test_an_author_keeps_their_own_spacing(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    spec = _example(tmp_path, ("conventions:", "conventions:\n  fr:\n    typography: false"))
    _, _, body, _ = _build(capsys, spec, "fr", tmp_path)
    assert "a été arrêté ; il est" in body
    assert NNBSP not in body


# Item 9: fixed wording and country forms ------------------------------------

WORDING = {
    "fr": "Front Line Defenders exhorte les autorités cambodgiennes à\u00a0:",
    "ru": "Front Line Defenders призывает власти Камбоджи:",
}


@pytest.mark.parametrize("lang", sorted(WORDING))
def test_the_country_takes_the_form_its_sentence_needs(tmp_path: Path, capsys, lang: str) -> None:  # type: ignore[no-untyped-def]
    _, pdf, body, _ = _build(capsys, EXAMPLE, lang, tmp_path)
    assert WORDING[lang] in body
    assert squash(WORDING[lang].replace(NBSP, " ")) in squash(pdf.replace(NBSP, " "))


def test_arabic_and_khmer_country_forms() -> None:
    spec = parse_spec(EXAMPLE.read_text(encoding="utf-8"), str(EXAMPLE))
    assert build_letter(spec, LocaleInfo("ar")).urge.text == "تحث فرونت لاين ديفندرز السلطات الكمبودية على:"
    assert build_letter(spec, LocaleInfo("km")).urge.text == "Front Line Defenders ជំរុញឱ្យអាជ្ញាធរកម្ពុជា៖"


def test_a_spec_overrides_the_country_form(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    spec = _example(tmp_path, ("conventions:", "conventions:\n  fr:\n    authorities: les autorités du Cambodge"))
    _, pdf, body, _ = _build(capsys, spec, "fr", tmp_path)
    assert f"Front Line Defenders exhorte les autorités du Cambodge à{NBSP}:" in body
    assert "Front Line Defenders exhorte les autorités du Cambodge à :" in squash(pdf.replace(NBSP, " "))


def test_a_country_without_a_form_falls_back_to_the_cldr_name_in_parentheses() -> None:
    text = (DATA / "minimal.yaml").read_text(encoding="utf-8")
    spec = parse_spec(re.sub(r"(?m)^country: \w+", "country: LA", text), "x.yaml")
    assert build_letter(spec, LocaleInfo("fr"), allow_fallback=True).urge.text.endswith(
        f"exhorte les autorités (Laos) à{NBSP}:"
    )
    assert build_letter(spec, LocaleInfo("ru"), allow_fallback=True).urge.text.endswith("призывает власти страны Лаос:")


def test_russian_salutation_label(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    _, pdf, body, _ = _build(capsys, EXAMPLE, "ru", tmp_path)
    for text in (pdf, body):
        assert "Форма обращения: Уважаемый господин Премьер-министр" in text
        assert "\nОбращение:" not in text
        # A Russian date and headline are joined by an em dash, as the Russian body text writes them.
        assert "6 декабря 2017 г. — Премьер-министр" in squash(text)
        assert "2017 г. – " not in text


def test_spanish_letter_to_someone_unnamed_opens_as_spanish_letters_do() -> None:
    spec = parse_spec(EXAMPLE.read_text(encoding="utf-8"), str(EXAMPLE))
    loc = LocaleInfo("es")
    letter = personalise(build_letter(spec, loc), spec, loc, Correspondent(office="Embajada de Camboya"))
    assert letter.recipient is not None
    assert letter.recipient.salutation.text == "Estimada señora, estimado señor:"
    assert "Estimada señora, estimado señor:" in squash(pdf_text(render_pdf(letter)))


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("conventions:\n  en:\n    locale: fr_FR\n", "x.yaml:3:13: conventions.en.locale: 'fr_FR' is not a locale"),
        ("conventions:\n  fr:\n    typography: maybe\n", "x.yaml:3:17: conventions.fr.typography: expected true or"),
        ("conventions:\n  fr:\n    colour: red\n", "x.yaml:3:5: conventions.fr.colour: unknown key; allowed here"),
        ("conventions:\n  fr: {}\n  fr:\n    typography: false\n", "x.yaml:3:3: conventions.fr: duplicate key (first"),
        ("conventions:\n  fr:\n    authorities: [a, b]\n", "x.yaml:3:18: conventions.fr.authorities: expected a"),
    ],
)
def test_a_wrong_convention_is_reported_at_its_line(tmp_path: Path, capsys, bad: str, message: str) -> None:  # type: ignore[no-untyped-def]
    text = (DATA / "minimal.yaml").read_text(encoding="utf-8")
    spec = tmp_path / "x.yaml"
    spec.write_text(bad + text, encoding="utf-8")
    code, _, err = run(capsys, "check", str(spec))
    assert code == 2
    assert err.splitlines()[0].replace(str(spec), "x.yaml").startswith(message)
