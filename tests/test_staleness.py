"""Translations that cannot go stale: the source text each was made from is recorded.

The scenario of issue 13: a German translation is imported, then staff
change the English of a demand. Every command must tell the user before the
old German reaches a letter.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from babel.messages.pofile import read_po

from appeal_gen import load_spec

from .conftest import DATA, EXAMPLE, copy_locales, docx_paragraphs, fill_po, pdf_text, run, squash

OLD = "Guarantee her access to a lawyer of her choice;"
NEW = "Guarantee her access to a lawyer of her choice and to her family;"


def _translated(tmp_path: Path, capsys) -> tuple[Path, Path]:  # type: ignore[no-untyped-def]
    """The minimal spec with every field translated into German by export and import.

    Names are offered too (validate.py's Latin-name rule); the translator keeps them as written.
    """
    spec = tmp_path / "appeal.yaml"
    shutil.copyfile(DATA / "minimal.yaml", spec)
    po = tmp_path / "appeal.de.po"
    assert run(capsys, "translate", "export", str(spec), "--lang", "de")[0] == 0
    with open(po, "rb") as fh:
        german = {m.context: f"DE {m.id}" for m in read_po(fh) if m.id and not m.context.endswith(".name")}
    fill_po(po, german, key="context")
    code, _, err = run(capsys, "translate", "import", str(spec), str(po))
    assert (code, err) == (0, "")
    return spec, po


def _edit_demand(spec: Path) -> None:
    text = spec.read_text(encoding="utf-8")
    assert text.count(f"en: {OLD}") == 1
    spec.write_text(text.replace(f"en: {OLD}", f"en: {NEW}"), encoding="utf-8")


def test_a_changed_source_text_is_reported_refused_offered_again_and_current_after_reimport(  # type: ignore[no-untyped-def]
    tmp_path: Path, capsys
) -> None:
    spec, po = _translated(tmp_path, capsys)
    code, out, err = run(capsys, "check", str(spec))
    assert (code, err) == (0, "")

    _edit_demand(spec)
    line = next(i for i, ln in enumerate(spec.read_text(encoding="utf-8").splitlines(), 1) if NEW in ln)
    stale_line = f"{spec}:{line}:5: demands.1: the en text changed since the de translation was made"

    code, out, err = run(capsys, "check", str(spec))
    assert (code, out, err) == (2, "", stale_line + "\n")

    out_dir = tmp_path / "out"
    code, out, err = run(capsys, "build", str(spec), "--lang", "de", "-o", str(out_dir))
    assert code == 2 and out == ""
    assert err.splitlines()[0] == stale_line
    assert "--allow-stale" in err.splitlines()[1]
    assert not out_dir.exists()

    code, out, err = run(capsys, "build", str(spec), "--lang", "de", "-o", str(out_dir), "--allow-stale")
    assert code == 0
    assert stale_line.replace("demands.1: ", "demands.1: warning: ") in err.splitlines()
    assert f"DE {OLD}" in squash(pdf_text((out_dir / "test-001.de.pdf").read_bytes()))

    # Export offers the demand again: the old German, fuzzy, the old English as #| msgid.
    code, out, _ = run(capsys, "translate", "export", str(spec), "--lang", "de")
    assert out == (
        f"{po}: 4 fields to translate into de; 1 stale (the source changed since they were translated), marked fuzzy\n"
    )
    po_text = po.read_text(encoding="utf-8")
    assert f'#, fuzzy\n#| msgid "{OLD}"\nmsgctxt "demands.1"\nmsgid "{NEW}"\nmsgstr "DE {OLD}"\n' in po_text
    with open(po, "rb") as fh:
        cat = read_po(fh)
    assert not cat.obsolete  # the translator's other entries stay live
    assert len([m for m in cat if m.id]) == 11  # 8 texts, and 3 names offered again (kept as written)

    fill_po(po, {"demands.1": f"DE {NEW}"}, key="context")
    code, out, err = run(capsys, "translate", "import", str(spec), str(po))
    assert (code, err) == (0, "")
    assert (
        out == f"{spec}: 1 translations imported, 1 of them replacing stale ones, 7 already there; every field has de\n"
    )
    assert load_spec(str(spec)).demands[1].values == {"en": NEW, "de": f"DE {NEW}"}
    assert run(capsys, "check", str(spec))[0] == 0
    code, _, err = run(capsys, "build", str(spec), "--lang", "de", "-o", str(tmp_path / "new"))
    assert code == 0 and "demands.1" not in err
    paragraphs = [text for _, text in docx_paragraphs((tmp_path / "new" / "test-001.de.docx").read_bytes())]
    assert any(f"DE {NEW}" in p for p in paragraphs)
    assert not any(p.endswith(f"DE {OLD}") for p in paragraphs)


def test_a_stale_translation_confirmed_unchanged_becomes_current(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    spec, po = _translated(tmp_path, capsys)
    _edit_demand(spec)
    run(capsys, "translate", "export", str(spec), "--lang", "de")
    fill_po(po, {"demands.1": f"DE {OLD}"}, key="context")  # clears the fuzzy mark, keeps the words
    code, out, _ = run(capsys, "translate", "import", str(spec), str(po))
    assert code == 0
    assert "1 stale ones confirmed unchanged" in out
    assert run(capsys, "check", str(spec))[:3:2] == (0, "")


def test_rewrapping_or_reindenting_the_source_is_not_a_change(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    spec, _ = _translated(tmp_path, capsys)
    text = spec.read_text(encoding="utf-8")
    text = text.replace(
        f"  - en: {OLD}\n", "  - en: >-\n      Guarantee her access\n      to a lawyer   of her choice;\n"
    )
    spec.write_text(text, encoding="utf-8")
    assert load_spec(str(spec)).demands[1].values["en"] == "Guarantee her access to a lawyer   of her choice;"
    assert run(capsys, "check", str(spec)) == (
        0,
        f"{spec}: OK: TEST-001, 3 demands, 1 authority, languages: en, de\n",
        "",
    )
    # One changed word is a change.
    spec.write_text(text.replace("of her choice;", "of their choice;"), encoding="utf-8")
    assert run(capsys, "check", str(spec))[0] == 2


def test_a_translation_typed_into_the_yaml_by_hand_has_no_record(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    spec, _ = _translated(tmp_path, capsys)
    text = spec.read_text(encoding="utf-8")
    spec.write_text(text.replace("  - name: A. Defender\n", "  - name:\n      en: A. Defender\n      de: A. V.\n"))
    code, out, err = run(capsys, "check", str(spec))
    assert (code, out) == (2, "")
    assert err == f"{spec}:19:7: subjects.0.name: no record of the en text the de translation was made from\n"
    code, out, _ = run(capsys, "translate", "accept", str(spec), "--lang", "de")
    assert (code, out) == (0, f"{spec}: recorded as current: de (9 fields)\n")
    assert run(capsys, "check", str(spec))[0] == 0


def test_a_spec_without_records_builds_is_warned_about_and_accept_records_it(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    spec = tmp_path / "appeal.yaml"
    text = EXAMPLE.read_text(encoding="utf-8")
    legacy = text[: text.index("# The source text each translation was made from")]
    spec.write_text(legacy, encoding="utf-8")
    code, out, err = run(capsys, "check", str(spec))
    assert code == 0
    assert err.splitlines()[0] == (
        f"{spec}: translated_from.fr: warning: no record of the en text the fr translations were made from, "
        f"so a change to it cannot be detected; once the fr text is checked, run "
        f"'appeal-gen translate accept {spec} --lang fr'"
    )
    assert len(err.splitlines()) == 6  # fr es ru ar km zh
    code, out, err = run(capsys, "build", str(spec), "--lang", "all", "--format", "pdf", "-o", str(tmp_path / "o"))
    assert code == 0 and len(out.splitlines()) == 7
    # Nothing is known about them: an edit goes unnoticed until they are accepted.
    code, out, _ = run(capsys, "translate", "accept", str(spec), "--lang", "all")
    assert code == 0 and out.startswith(f"{spec}: recorded as current: fr (33 fields), es (33 fields)")
    assert spec.read_text(encoding="utf-8") == text  # exactly the example's own record
    spec.write_text(
        text.replace("- en: Immediately cease the investigation", "- en: Cease the investigation", 1), encoding="utf-8"
    )
    code, _, err = run(capsys, "check", str(spec))
    assert code == 2
    assert [ln.split(": ", 1)[1] for ln in err.splitlines()] == [
        f"demands.0: the en text changed since the {lang} translation was made"
        for lang in ("fr", "es", "ru", "ar", "km", "zh")
    ]


def test_the_example_is_recorded_and_current(capsys) -> None:  # type: ignore[no-untyped-def]
    spec = load_spec(str(EXAMPLE))
    assert list(spec.translated_from) == [lang for lang in spec.languages if lang != "en"]
    assert run(capsys, "check", str(EXAMPLE))[::2] == (0, "")


def test_batch_refuses_rows_of_a_stale_language_or_notes_them_in_the_manifest(
    tmp_path: Path, capsys, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    import yaml

    # German fixed text too: a letter is never written in a language without it (batch/languages.py).
    loc = copy_locales(tmp_path, monkeypatch)
    assert run(capsys, "locale", "new", "de")[0] == 0
    fill_po(
        loc / "de" / "LC_MESSAGES" / "appeal_gen.po",
        yaml.safe_load((DATA / "translate" / "de_messages.yaml").read_text(encoding="utf-8")),
    )
    spec, _ = _translated(tmp_path, capsys)
    _edit_demand(spec)
    rows = tmp_path / "rows.csv"
    rows.write_text("name,language\nAna,de\nBo,en\n", encoding="utf-8")
    out_dir = tmp_path / "out"
    args = ("batch", str(spec), "--recipients", str(rows), "-o", str(out_dir), "--format", "pdf", "--jobs", "1")
    code, _, err = run(capsys, *args, "--quiet")
    assert code == 1
    assert (
        f"{rows}:2: language: the 'de' translation is stale, the en text changed since it was made: demands.1; "
        "review it (translate export), or run with --allow-stale"
    ) in err.splitlines()
    code, _, err = run(capsys, *args, "--quiet", "--allow-stale")
    assert code == 0
    assert "warning: de: the en text changed since these were translated: demands.1" in err.splitlines()
    rows_out = json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))["rows"]
    assert [r["message"] for r in rows_out] == ["stale de translation printed (--allow-stale): demands.1", ""]


# --------------------------------------------------------------------------
# Translation memory and a source language other than English


def test_export_memory_prefills_from_earlier_specs_and_compendiums_as_fuzzy(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    earlier, _ = _translated(tmp_path, capsys)
    new = tmp_path / "new" / "appeal.yaml"
    new.parent.mkdir()
    text = (DATA / "minimal.yaml").read_text(encoding="utf-8").replace("TEST-001", "TEST-002")
    new.write_text(text.replace("A defender was detained on 1 March 2024.", "Another defender was detained."))
    code, out, err = run(capsys, "translate", "export", str(new), "--lang", "de", "--memory", str(tmp_path))
    po = new.with_name("appeal.de.po")
    assert (code, err) == (0, "")
    assert out == f"{po}: 11 fields to translate into de; 7 pre-filled from the memory, marked fuzzy\n"
    with open(po, "rb") as fh:
        cat = {m.context: m for m in read_po(fh) if m.id}
    demand = cat["demands.0"]
    assert demand.fuzzy and demand.string == "DE Release A. Defender immediately & unconditionally;"
    assert " ".join(demand.user_comments) == f"translation memory: {earlier}: demands.0"
    assert cat["summary"].string == "" and not cat["summary"].fuzzy
    # Fuzzy entries are never imported as they are.
    code, out, _ = run(capsys, "translate", "import", str(new), str(po))
    assert out == f"{new}: 0 translations imported, 8 not finished; 8 fields still lack de\n"

    # The same from a compendium built from the folder.
    comp = tmp_path / "memory.de.po"
    code, out, _ = run(capsys, "translate", "memory", str(tmp_path), "--lang", "de", "-o", str(comp))
    assert (code, out) == (0, f"{comp}: 8 translations into de from 2 specs\n")
    po.unlink()
    run(capsys, "translate", "export", str(new), "--lang", "de", "--memory", str(comp))
    with open(po, "rb") as fh:
        cat = {m.context: m for m in read_po(fh) if m.id}
    assert cat["demands.0"].fuzzy and cat["demands.0"].string == "DE Release A. Defender immediately & unconditionally;"
    assert " ".join(cat["demands.0"].user_comments).startswith(f"translation memory: {comp}:")


def test_a_stale_translation_is_not_memory(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    earlier, _ = _translated(tmp_path, capsys)
    _edit_demand(earlier)
    new = tmp_path / "new.yaml"
    new.write_text((DATA / "minimal.yaml").read_text(encoding="utf-8").replace(OLD, NEW), encoding="utf-8")
    run(capsys, "translate", "export", str(new), "--lang", "de", "--memory", str(earlier))
    with open(tmp_path / "new.de.po", "rb") as fh:
        cat = {m.context: m for m in read_po(fh) if m.id}
    assert cat["demands.1"].string == ""
    assert cat["demands.0"].string == "DE Release A. Defender immediately & unconditionally;"


def test_export_from_a_spanish_source_shows_the_other_translations(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    spec = tmp_path / "es.yaml"
    text = (DATA / "minimal.yaml").read_text(encoding="utf-8").replace("language: en", "language: es")
    text = text.replace(
        "concern: We are concerned for **her** safety.",
        "concern:\n  es: Nos preocupa su seguridad.\n  en: We are concerned for **her** safety.\n"
        "  fr: Nous craignons pour sa sécurité.",
    )
    spec.write_text(text, encoding="utf-8")
    code, _, err = run(capsys, "translate", "export", str(spec), "--lang", "de")
    assert (code, err) == (0, "")
    with open(tmp_path / "es.de.po", "rb") as fh:
        cat = {m.context: m for m in read_po(fh) if m.id}
    assert cat["concern"].id == "Nos preocupa su seguridad."
    assert cat["concern"].user_comments == [
        "en: We are concerned for **her** safety.",
        "fr: Nous craignons pour sa sécurité.",
    ]
    assert "# en: We are concerned for **her** safety.\n# fr: Nous craignons" in (tmp_path / "es.de.po").read_text(
        encoding="utf-8"
    )


def test_aliases_in_the_record_cannot_expand_it_without_bound(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    spec = tmp_path / "bomb.yaml"
    fields = ", ".join(f"f{i}: 1234abcd" for i in range(20_000))
    langs = "".join(f"  {lang}: *m\n" for lang in ("fr", "es", "ru", "ar", "km", "zh"))
    spec.write_text(
        (DATA / "minimal.yaml").read_text(encoding="utf-8") + f"translated_from:\n  de: &m {{{fields}}}\n{langs}"
    )
    code, out, err = run(capsys, "check", str(spec))
    assert (code, out) == (2, "")
    # The composer counts each alias as all it repeats (_yaml.MAX_NODES), so the bomb stops where it is read.
    assert err.endswith(
        ": translated_from.ar: more than 200000 YAML nodes (YAML aliases expanding?); a spec this large is refused\n"
    )


def test_a_memory_file_that_cannot_be_read_is_named_and_left_out(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    _translated(tmp_path, capsys)
    (tmp_path / "broken.yaml").write_text("title: [\n", encoding="utf-8")
    new = tmp_path / "new" / "appeal.yaml"
    new.parent.mkdir()
    shutil.copyfile(DATA / "minimal.yaml", new)
    code, out, err = run(capsys, "translate", "export", str(new), "--lang", "de", "--memory", str(tmp_path))
    assert code == 0 and "; 8 pre-filled from the memory, marked fuzzy" in out
    assert err.startswith(f"{tmp_path / 'broken.yaml'}: warning: not used as memory: {tmp_path / 'broken.yaml'}:2:1: ")


def test_hand_typed_keys_in_the_record_are_never_written_back(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    spec, _ = _translated(tmp_path, capsys)
    with open(spec, "a", encoding="utf-8") as fh:
        fh.write('  fr:\n    "x: #y": "zz zz"\n    title: "*bad"\n')
    code, out, _ = run(capsys, "translate", "accept", str(spec), "--lang", "de")
    assert (code, out) == (0, f"{spec}: recorded as current: de (8 fields)\n")
    text = spec.read_text(encoding="utf-8")
    assert "fr:" not in text and "x: #y" not in text
    assert list(load_spec(str(spec)).translated_from) == ["de"]


def test_accept_only_some_fields_leaves_the_others_stale() -> None:
    from appeal_gen.spec import parse_spec
    from appeal_gen.staleness import accept, stale

    text = EXAMPLE.read_text(encoding="utf-8")
    text = text.replace("  en: Prime Minister seeks to shut down", "  en: The Prime Minister seeks to shut down", 1)
    text = text.replace("  en: On 26 November 2017, Cambodian", "  en: On 26 November 2017, the Cambodian", 1)
    before = parse_spec(text, "a.yaml")
    assert [s.text.path for s in stale(before, "fr")] == ["title", "summary"]
    result = accept(text, "a.yaml", ["fr"], only=["title"])
    after = parse_spec(result.text, "a.yaml")
    assert [s.text.path for s in stale(after, "fr")] == ["summary"]
    assert [s.text.path for s in stale(after, "es")] == ["title", "summary"]
    assert result.recorded == {"fr": 1}
