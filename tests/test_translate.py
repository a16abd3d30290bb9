"""translate export / import: the spec's own text out to a .po and back.

The YAML a person wrote must come back as they wrote it: only the added
translations may differ.
"""

from __future__ import annotations

import difflib
import shutil
from pathlib import Path

import yaml
from babel.messages.pofile import read_po

from appeal_gen import load_spec
from appeal_gen.staleness import fingerprint

from .conftest import DATA, EXAMPLE, fill_po, run

STYLES = DATA / "translate" / "styles.yaml"


def _german(path: Path) -> dict[str, str]:
    """'DE: ' + the source text, for every entry: enough to see what went where."""
    with open(path, "rb") as fh:
        return {m.context: f"DE: {m.id}" for m in read_po(fh) if m.id}


def test_example_round_trip_adds_one_line_per_field_and_changes_nothing_else(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    spec = tmp_path / "appeal.yaml"
    shutil.copyfile(EXAMPLE, spec)
    before = spec.read_text(encoding="utf-8")
    code, out, _ = run(capsys, "translate", "export", str(spec), "--lang", "de")
    po = tmp_path / "appeal.de.po"
    assert (code, out) == (0, f"{po}: 33 fields to translate into de\n")
    fill_po(po, _german(po), key="context")
    code, out, err = run(capsys, "translate", "import", str(spec), str(po))
    assert (code, err) == (0, "")
    assert out == f"{spec}: 33 translations imported; every field has de; added de to languages\n"
    after = spec.read_text(encoding="utf-8")
    diff = [d for d in difflib.ndiff(before.splitlines(), after.splitlines()) if d[:1] in "+-"]
    assert all(d.startswith("+ ") for d in diff), [d for d in diff if not d.startswith("+ ")]
    added = [d[2:] for d in diff]
    assert added[0] == "- de"  # the languages: list
    assert sum(1 for line in added if line.lstrip().startswith("de: ")) == 33
    # Every comment of the file is still there, in order.
    comments = [ln for ln in before.splitlines() if "#" in ln]
    assert [ln for ln in after.splitlines() if "#" in ln] == comments
    old, new = load_spec(str(EXAMPLE)), load_spec(str(spec))
    assert new.languages == (*old.languages, "de")
    for o, n in zip(old.texts, new.texts, strict=True):
        assert n.path == o.path
        assert n.values == {**o.values, "de": f"DE: {o.values['en']}"}


def test_every_yaml_style_round_trips_exactly(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    spec = tmp_path / "styles.yaml"
    shutil.copyfile(STYLES, spec)
    po = tmp_path / "styles.de.po"
    assert run(capsys, "translate", "export", str(spec), "--lang", "de", "-o", str(po))[0] == 0
    # Names are offered too; left empty, they stay as written (one form for every language).
    german = {ctx: de for ctx, de in _german(po).items() if not ctx.endswith(".name")}
    german["summary"] += "\n\nzweiter Absatz"
    fill_po(po, german, key="context")
    code, out, _ = run(capsys, "translate", "import", str(spec), str(po))
    assert (code, out) == (0, f"{spec}: 10 translations imported; every field has de\n")
    # Plain strings became {en: as written, de: ...}; comments, quotes, flow
    # mappings, block scalars, indentation and blank lines are untouched.
    assert spec.read_text(encoding="utf-8") == (DATA / "translate" / "styles.de.yaml").read_text(encoding="utf-8")
    assert load_spec(str(spec)).summary.values["de"] == (
        "DE: A defender was detained on 1 March 2024.\n\nHer lawyer has not seen her since.\n\nzweiter Absatz"
    )


def test_crlf_and_byte_order_mark_are_kept(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    spec = tmp_path / "crlf.yaml"
    text = (DATA / "minimal.yaml").read_text(encoding="utf-8")
    spec.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    po = tmp_path / "crlf.de.po"
    run(capsys, "translate", "export", str(spec), "--lang", "de")
    fill_po(po, {"title": 'Verteidigerin <festgenommen> & "isoliert"'}, key="context")
    code, out, _err = run(capsys, "translate", "import", str(spec), str(po))
    assert code == 0
    assert out == f"{spec}: 1 translations imported, 7 not finished; 7 fields still lack de\n"
    raw = spec.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert b"\n" not in raw.replace(b"\r\n", b"")
    assert raw.decode("utf-8-sig").replace("\r\n", "\n") == text.replace(
        'title: Defender <detained> & "held" incommunicado\n',
        'title:\n  en: Defender <detained> & "held" incommunicado\n  de: Verteidigerin <festgenommen> & "isoliert"\n',
    ) + (
        "# The source text each translation was made from (fingerprints; docs/spec.md). Kept by appeal-gen.\n"
        "translated_from:\n  de:\n    title: " + fingerprint('Defender <detained> & "held" incommunicado') + "\n"
    )


def test_fuzzy_empty_and_stale_entries_are_reported_not_imported(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    spec = tmp_path / "minimal.yaml"
    shutil.copyfile(DATA / "minimal.yaml", spec)
    po = tmp_path / "minimal.de.po"
    run(capsys, "translate", "export", str(spec), "--lang", "de")
    fill_po(
        po,
        {
            "title": "Verteidigerin in Isolationshaft",
            "summary": "Eine Verteidigerin wurde am 1. März 2024 festgenommen.",
            "concern": "Wir sind um **ihre** Sicherheit besorgt.",
        },
        key="context",
        fuzzy=("summary",),
    )
    # Staff change the English after the export.
    spec.write_text(
        spec.read_text(encoding="utf-8").replace("We are concerned for", "We are deeply concerned for"),
        encoding="utf-8",
    )
    before = spec.read_text(encoding="utf-8")
    code, out, err = run(capsys, "translate", "import", str(spec), str(po))
    assert code == 2
    lines = po.read_text(encoding="utf-8").splitlines()

    def line_of(ctx: str) -> int:
        return lines.index(f'msgctxt "{ctx}"') + 2  # babel counts from the msgid line

    assert err.splitlines() == [
        f"{po}:{line_of('concern')}: concern: the spec's en text of this field has changed since the export; "
        "not imported. Export again (your translation is kept, marked for review) and check it",
        f"{po}:{line_of('summary')}: summary: marked fuzzy (needs work); not imported until it is confirmed",
        *(
            f"{po}:{line_of(ctx)}: {ctx}: not translated yet"
            for ctx in (
                "demands.0",
                "demands.1",
                "demands.2",
                "authorities.0.office",
                "authorities.0.salutation",
            )
        ),
    ]
    assert out == f"{spec}: 1 translations imported, 6 not finished, 1 refused; 7 fields still lack de\n"
    after = load_spec(str(spec))
    assert after.title.values == {
        "en": 'Defender <detained> & "held" incommunicado',
        "de": "Verteidigerin in Isolationshaft",
    }
    assert "de" not in after.summary.values and "de" not in after.concern.values
    assert spec.read_text(encoding="utf-8") != before

    # Export again: the stale translation comes back marked for review, the
    # finished one is no longer asked for.
    code, out, _ = run(capsys, "translate", "export", str(spec), "--lang", "de")
    assert (
        out == f"{po}: 10 fields to translate into de; kept 1 earlier translations, "
        "1 marked fuzzy because the source changed\n"
    )
    with open(po, "rb") as fh:
        cat = read_po(fh)
    concern = next(m for m in cat if m.context == "concern")
    assert concern.fuzzy and concern.string == "Wir sind um **ihre** Sicherheit besorgt."
    assert concern.id == "We are deeply concerned for **her** safety."
    assert (
        '#, fuzzy\n#| msgid "We are concerned for **her** safety."\nmsgctxt "concern"\n'
        'msgid "We are deeply concerned for **her** safety."\n'
    ) in po.read_text(encoding="utf-8")
    summary = next(m for m in cat if m.context == "summary")
    assert summary.fuzzy and summary.string.startswith("Eine Verteidigerin")
    # The finished one stays as the translator left it (it imports as "already there"), not obsolete.
    assert [m.string for m in cat if m.context == "title"] == ["Verteidigerin in Isolationshaft"]
    assert not cat.obsolete


def test_export_reference_comments_point_at_the_spec_line(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    out_po = tmp_path / "x.po"
    run(capsys, "translate", "export", str(DATA / "minimal.yaml"), "--lang", "fr", "-o", str(out_po))
    text = out_po.read_text(encoding="utf-8")
    assert (
        f"#. One line, printed as it is.\n#: {DATA / 'minimal.yaml'}:11\n"
        'msgctxt "title"\nmsgid "Defender <detained> & \\"held\\" incommunicado"\nmsgstr ""\n'
    ) in text
    assert '"Language: fr\\n"' in text


def test_export_to_the_source_language_is_refused(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    code, _, err = run(
        capsys, "translate", "export", str(DATA / "minimal.yaml"), "--lang", "en", "-o", str(tmp_path / "x.po")
    )
    assert (code, err) == (2, "--lang: 'en' is the spec's own language; choose the language to translate into\n")
    assert not (tmp_path / "x.po").exists()


def test_import_of_a_broken_po_names_its_line_and_changes_nothing(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    spec = tmp_path / "minimal.yaml"
    shutil.copyfile(DATA / "minimal.yaml", spec)
    po = tmp_path / "minimal.de.po"
    run(capsys, "translate", "export", str(spec), "--lang", "de")
    text = po.read_text(encoding="utf-8").replace(
        'msgid "Minister of Justice"\nmsgstr ""', 'msgid "Minister of Justice"\nmsgstr "Justizministerin'
    )
    po.write_text(text, encoding="utf-8")
    line = text.splitlines().index('msgstr "Justizministerin') + 1
    code, out, err = run(capsys, "translate", "import", str(spec), str(po))
    assert (code, out) == (2, "")
    assert err == f'{po}:{line}: unterminated string: the closing " is missing\n'
    assert spec.read_text(encoding="utf-8") == (DATA / "minimal.yaml").read_text(encoding="utf-8")


def test_import_refuses_unknown_fields_and_keeps_existing_translations(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    spec = tmp_path / "styles.yaml"
    shutil.copyfile(STYLES, spec)
    po = tmp_path / "fr.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: fr\\n"\n\n'
        'msgctxt "concern"\nmsgid "We are concerned for **her** safety."\nmsgstr "Autre texte."\n\n'
        'msgctxt "sumary"\nmsgid "x"\nmsgstr "y"\n',
        encoding="utf-8",
    )
    code, _out, err = run(capsys, "translate", "import", str(spec), str(po))
    assert code == 2
    assert err.splitlines() == [
        f"{po}:6: concern: the spec already has different 'fr' text for this field; kept the spec's",
        f"{po}:10: sumary: the spec has no text field 'sumary'",
    ]
    assert spec.read_text(encoding="utf-8") == STYLES.read_text(encoding="utf-8")
    assert yaml.safe_load(spec.read_text(encoding="utf-8"))["concern"]["fr"].startswith("Nous sommes")
