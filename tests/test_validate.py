"""Issue 13, items 2 and 3: ``check`` finds everything ``build`` would refuse; names in every script.

What a user sees: the exact lines ``check`` and ``build`` print, the exit
status, and the names read back from the PDF and the DOCX of each language.
"""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

from babel.messages.pofile import read_po

from appeal_gen import load_spec
from appeal_gen.build import build

from .conftest import DATA, EXAMPLE, run

THREE = DATA / "broken" / "three_glyphs.yaml"
NAMES = DATA / "names" / "names.yaml"
BOX = "; it would print as a box. Remove or replace the character, or install a font that has it"


def test_check_reports_three_missing_glyphs_in_one_run(capsys) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run(capsys, "check", str(THREE))
    assert (code, out) == (2, "")
    assert err.splitlines() == [
        f"{THREE}:12:8: title: the font Noto Sans Bold has no glyph for U+1F600 GRINNING FACE ('😀'){BOX}",
        f"{THREE}:13:10: summary: the font Noto Sans has no glyph for U+2603 SNOWMAN ('☃'){BOX}",
        f"{THREE}:16:10: concern: the font Noto Sans has no glyph for U+1F30D EARTH GLOBE EUROPE-AFRICA ('🌍'){BOX}",
    ]


def test_build_refuses_with_the_same_lines_as_check_and_writes_nothing(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    _, _, checked = run(capsys, "check", str(THREE))
    out = tmp_path / "out"
    code, stdout, err = run(capsys, "build", str(THREE), "-o", str(out))
    assert (code, stdout, err) == (2, "", checked)
    assert not out.exists() or list(out.iterdir()) == []


def test_a_missing_glyph_only_in_a_translation_names_its_language(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    spec = tmp_path / "fr.yaml"
    text = (
        (DATA / "minimal.yaml")
        .read_text(encoding="utf-8")
        .replace("language: en\n", "language: en\nlanguages: [en, fr]\n")
    )
    spec.write_text(
        text.replace('title: Defender <detained> & "held" incommunicado', "title: {en: Detained, fr: Détenu ☃}")
    )
    code, _, err = run(capsys, "check", str(spec))
    assert code == 2
    assert next(line for line in err.splitlines() if "translated_from" not in line) == (
        f"{spec}:12:8: title: in the 'fr' text: the font Noto Sans Bold has no glyph for U+2603 SNOWMAN ('☃'){BOX}"
    )


def test_check_reports_missing_text_of_every_language_at_once(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    spec = tmp_path / "two.yaml"
    spec.write_text(
        (DATA / "minimal.yaml")
        .read_text(encoding="utf-8")
        .replace(
            'title: Defender <detained> & "held" incommunicado', "title: {en: Detained, fr: Détenu, es: Detenido}"
        ),
        encoding="utf-8",
    )
    code, out, err = run(capsys, "check", str(spec))
    assert (code, out) == (2, "")
    err = "".join(line + "\n" for line in err.splitlines() if "translated_from" not in line)
    fields = "summary, subjects.0.name, concern, demands.0, demands.1, demands.2, authorities.0.office, "
    fields += "authorities.0.salutation"
    assert err.splitlines() == [
        f"{spec}:12:10: summary: no '{lang}' text for 7 of 8 fields: "
        + fields.replace("subjects.0.name, ", "")
        + f"; add them to the spec as '{lang}:' entries (for translators: appeal-gen translate export {spec} "
        f"--lang {lang}), or build with --allow-fallback to print the en text instead"
        for lang in ("es", "fr")
    ]


#: How each letter's PDF text shows the authority's name: pypdf reads
#: Arabic back as its letters (the fonts' ToUnicode maps), but Khmer in
#: drawing order (the vowel sign ែ before its consonant: pypdf does not read
#: /ActualText), so Khmer is matched by a cluster that has no reordering.
PDF_FORMS = {
    "en": "Samdech Hun Sen",
    "ru": "Самдек Хун Сен",
    "ar": "هون سين",
    "km": "ហ៊ុន",
    "zh": "洪森",
}
DOCX_FORMS = {
    "en": "Samdech Hun Sen",
    "ru": "Самдек Хун Сен",
    "ar": "سامديتش هون سين",
    "km": "សម្តេច ហ៊ុន សែន",
    "zh": "桑德 洪森",
}
SUBJECT = {"en": "Kem Sokha", "ru": "Кем Сокха", "ar": "كيم سوخا", "km": "កឹម សុខា", "zh": "根索卡"}


def test_names_print_in_each_letters_own_script_in_pdf_and_docx(tmp_path: Path) -> None:
    from .conftest import pdf_text

    spec = load_spec(str(NAMES))
    result = build(spec, tmp_path, languages=spec.content_languages(), allow_fallback=True)
    assert len(result.files) == 10
    for lang in spec.content_languages():
        pdf = pdf_text((tmp_path / f"test-001.{lang}.pdf").read_bytes())
        assert PDF_FORMS[lang] in pdf, lang
        with zipfile.ZipFile(io.BytesIO((tmp_path / f"test-001.{lang}.docx").read_bytes())) as z:
            xml = z.read("word/document.xml").decode("utf-8")
        assert f">{DOCX_FORMS[lang]}<" in xml, lang
        assert SUBJECT[lang] in xml, lang
        if lang != "en":
            assert "Hun Sen" not in pdf and "Hun Sen" not in xml, lang
            assert "Kem Sokha" not in xml, lang


def _latin(spec: Path, line: int, column: int, field: str, name: str) -> str:
    return (
        f"{spec}:{line}:{column}: {field}: warning: the km letter prints a Latin-script name '{name}'; "
        "give its km form in a mapping of forms per language (docs/spec.md, 'Translatable or not')"
    )


def test_check_warns_when_a_non_latin_letter_prints_a_latin_name(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    spec = tmp_path / "km.yaml"
    text = (DATA / "khmer.yaml").read_text(encoding="utf-8")
    text = text.replace("  - name: ហ៊ុន សែន\n", "  - name: Hun Sen\n")
    spec.write_text(text, encoding="utf-8")
    code, out, err = run(capsys, "check", str(spec))
    # A warning changes no exit status.
    assert code == 0 and out == f"{spec}: OK: TEST-KM-001, 1 demand, 1 authority, languages: km\n"
    assert err.splitlines() == [
        _latin(spec, 9, 11, "issuers.0.name", "Front Line Defenders"),
        _latin(spec, 21, 11, "authorities.0.name", "Hun Sen"),
    ]
    # Beside errors, the warnings are still printed.
    spec.write_text(text.replace("language: km\n", "language: km\nlanguages: [km, en]\n"), encoding="utf-8")
    code, out, err = run(capsys, "check", str(spec))
    assert (code, out) == (2, "")
    lines = err.splitlines()
    assert lines[:2] == [
        _latin(spec, 10, 11, "issuers.0.name", "Front Line Defenders"),
        _latin(spec, 22, 11, "authorities.0.name", "Hun Sen"),
    ]
    assert lines[2].startswith(f"{spec}:14:8: title: no 'en' text for 6 of 6 fields")
    # A form given for the language is the writer's choice, even in Latin letters.
    spec.write_text(text.replace("name: Hun Sen", "name: {km: Hun Sen}"), encoding="utf-8")
    code, out, err = run(capsys, "check", str(spec))
    assert code == 0 and err.splitlines() == [_latin(spec, 9, 11, "issuers.0.name", "Front Line Defenders")]


def test_export_offers_names_with_a_note_and_an_empty_one_stays_as_written(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    spec = tmp_path / "minimal.yaml"
    shutil.copyfile(DATA / "minimal.yaml", spec)
    code, out, _ = run(capsys, "translate", "export", str(spec), "--lang", "km")
    assert (code, out) == (0, f"{tmp_path / 'minimal.km.po'}: 11 fields to translate into km\n")
    with open(tmp_path / "minimal.km.po", "rb") as fh:
        entries = {m.context: m for m in read_po(fh) if m.id}
    note = "A name: use the established form in this language (km), or transliterate it. "
    note += "If it is written the same way, copy it as it is."
    for field, name in (
        ("issuers.0.name", "Example Defenders & Partners"),
        ("subjects.0.name", "A. Defender"),
        ("authorities.0.name", "B. Minister"),
    ):
        assert entries[field].id == name
        assert " ".join(entries[field].auto_comments) == note


def test_the_example_names_hun_sen_in_the_script_of_each_letter(tmp_path: Path) -> None:
    from .conftest import pdf_text

    spec = load_spec(str(EXAMPLE))
    build(spec, tmp_path, formats=("pdf",), languages=("ru", "ar", "km", "zh"))
    for lang in ("ru", "ar", "km", "zh"):
        text = pdf_text((tmp_path / f"fld-kh-cchr-2017.{lang}.pdf").read_bytes())
        assert "Hun Sen" not in text, lang
        assert PDF_FORMS[lang].split()[-1] in text, lang


def test_check_warns_when_the_first_authority_cannot_fit_a_batch_letters_address_field(
    tmp_path: Path,
    capsys,  # type: ignore[no-untyped-def]
) -> None:
    spec = tmp_path / "long.yaml"
    lines = "".join(f"      - Line {i}\n" for i in range(1, 8))
    text = (DATA / "minimal.yaml").read_text(encoding="utf-8")
    spec.write_text(
        text.replace("    office: Minister of Justice\n", f"    office: Minister of Justice\n    address:\n{lines}")
    )
    code, out, err = run(capsys, "check", str(spec))
    assert (code, out) == (0, f"{spec}: OK: TEST-001, 3 demands, 1 authority, languages: en\n")
    assert err == (
        f"{spec}:22:13: authorities.0: warning: the address block has 9 lines, but a batch letter's address field "
        "holds 8; letters to supporters' rows without an addressee would be refused\n"
    )
