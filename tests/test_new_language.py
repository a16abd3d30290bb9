"""Adding German with only the commands of docs/translating.md, then building it.

The test plays the translator: it runs the documented commands and types
translations into the .po files (as Poedit would save them), never touching
Python or YAML.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from .conftest import DATA, EXAMPLE, copy_locales, docx_paragraphs, fill_po, pdf_text, run, squash


def test_german_added_translated_and_built(tmp_path: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    loc = copy_locales(tmp_path, monkeypatch)
    messages = yaml.safe_load((DATA / "translate" / "de_messages.yaml").read_text(encoding="utf-8"))
    content = yaml.safe_load((DATA / "translate" / "cchr-2017.de.yaml").read_text(encoding="utf-8"))

    # 1. The fixed text, once per language.
    assert run(capsys, "locale", "new", "de")[0] == 0
    catalog = loc / "de" / "LC_MESSAGES" / "appeal_gen.po"
    fill_po(catalog, messages)
    code, out, _ = run(capsys, "locale", "check", "de")
    assert (code, out) == (
        0,
        "de: 49 of 49 strings translated, 0 fuzzy, 0 untranslated: OK\nlocale check: OK: 1 catalog\n",
    )

    # 2. The appeal's own text, every time.
    spec = tmp_path / "appeal.yaml"
    shutil.copyfile(EXAMPLE, spec)
    code, out, _ = run(capsys, "translate", "export", str(spec), "--lang", "de")
    po = tmp_path / "appeal.de.po"
    assert (code, out) == (0, f"{po}: 33 fields to translate into de\n")
    fill_po(po, content, key="context")
    code, out, err = run(capsys, "translate", "import", str(spec), str(po))
    assert (code, err) == (0, "")
    assert out == f"{spec}: 33 translations imported; every field has de; added de to languages\n"

    # 3. Build it.
    outdir = tmp_path / "out"
    code, out, err = run(capsys, "build", str(spec), "--lang", "de", "-o", str(outdir))
    assert (code, err) == (0, "")
    pdf = squash(pdf_text((outdir / "fld-kh-cchr-2017.de.pdf").read_bytes()))
    docx = [t for _, t in docx_paragraphs((outdir / "fld-kh-cchr-2017.de.docx").read_bytes())]
    in_order = [
        "Dublin, 6. Dezember 2017",
        "Premierminister will führende Menschenrechtsorganisation schließen",
        "Status: Juristische Schikanen",
        "Zur Lage",
        "Am 26. November 2017 forderte der kambodschanische Premierminister Hun Sen",
        "Über Kambodschanisches Zentrum für Menschenrechte",
        "6. Dezember 2017 – Premierminister kündigt an, dass das CCHR nicht geschlossen wird",
        "Hintergrund",
        "Front Line Defenders fordert die Behörden Kambodschas auf:",
        "1. Die Untersuchung und die Schikanen",
        "Bitte schreiben Sie an",
        "Anrede: Exzellenz",
        "Kopien an",
        "Bitte werden Sie bis zum 15. Januar 2018 aktiv.",
        "Frühere Aufrufe",
    ]
    positions = [pdf.find(t) for t in in_order]
    assert -1 not in positions, [t for t, p in zip(in_order, positions, strict=True) if p == -1]
    assert positions == sorted(positions)
    assert "Menschenrechtsverteidiger*innen" in pdf  # \* in the translation: an asterisk, not italics
    assert "Seite 1 von" in pdf
    joined = "\n".join(docx)
    for text in in_order:
        assert text.removeprefix("1. ") in joined, text
    assert "Anrede: Sehr geehrter Herr stellvertretender Premierminister" in docx

    # --lang all now builds German too.
    code, out, _ = run(capsys, "build", str(spec), "--lang", "all", "--format", "pdf", "-o", str(tmp_path / "all"))
    assert code == 0
    assert out.splitlines()[-1] == str(tmp_path / "all" / "fld-kh-cchr-2017.de.pdf")
