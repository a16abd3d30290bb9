"""locale new / update / check, as translators and CI run them."""

from __future__ import annotations

from pathlib import Path

import pytest

from appeal_gen import catalogs

from .conftest import copy_locales, run

SHIPPED = ["ar", "es", "fr", "km", "ru", "zh"]


def _edit(path: Path, old: str, new: str) -> int:
    """Replace the line *old* by *new*; return its line number."""
    lines = path.read_text(encoding="utf-8").split("\n")
    n = lines.index(old)
    lines[n] = new
    path.write_text("\n".join(lines), encoding="utf-8")
    return n + 1


def test_shipped_catalogs_are_complete_and_clean(capsys) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run(capsys, "locale", "check")
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        *(f"{lang}: 49 of 49 strings translated, 0 fuzzy, 0 untranslated: OK" for lang in SHIPPED),
        "locale check: OK: 6 catalogs",
    ]


def test_broken_placeholder_is_reported_with_file_line_and_exit_2(tmp_path: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    loc = copy_locales(tmp_path, monkeypatch)
    po = loc / "fr" / "LC_MESSAGES" / "appeal_gen.po"
    line = _edit(po, 'msgstr "Fax : {number}"', 'msgstr "Fax : {numero}"')
    assert po.read_text(encoding="utf-8").split("\n")[line - 1] == 'msgstr "Fax : {numero}"'
    code, out, err = run(capsys, "locale", "check", "fr")
    assert code == 2
    assert out.splitlines() == [
        "fr: 49 of 49 strings translated, 0 fuzzy, 0 untranslated: broken",
        f'{po}:{line}: unknown placeholder {{numero}} in msgstr for "Fax: {{number}}"; did you mean {{number}}?',
        f'{po}:{line}: placeholder {{number}} of msgid "Fax: {{number}}" is missing from its msgstr; '
        "copy {number} into the translation unchanged",
    ]
    assert err == "locale check: problems in fr\n"


def test_stray_brace_is_a_broken_placeholder(tmp_path: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    loc = copy_locales(tmp_path, monkeypatch)
    po = loc / "fr" / "LC_MESSAGES" / "appeal_gen.po"
    line = _edit(po, 'msgstr "Fax : {number}"', 'msgstr "Fax : {number"')
    code, out, _ = run(capsys, "locale", "check", "fr")
    assert code == 2
    assert out.splitlines()[1] == (
        f'{po}:{line}: broken placeholder in msgstr "Fax : {{number": a {{ or }} without its partner '
        "(copy placeholders such as {country} exactly; write {{ or }} for a brace)"
    )


def test_unterminated_string_is_caught_by_check_and_by_build(tmp_path: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    loc = copy_locales(tmp_path, monkeypatch)
    po = loc / "fr" / "LC_MESSAGES" / "appeal_gen.po"
    _edit(po, 'msgstr "Menaces"', 'msgstr "Menaces')
    code, out, _ = run(capsys, "locale", "check")
    assert code == 2
    lines = out.splitlines()
    assert f'{po}:29: unterminated string: the closing " is missing' in lines
    assert "fr: 0 of 0 strings translated, 0 fuzzy, 0 untranslated: broken" in lines
    assert "es: 49 of 49 strings translated, 0 fuzzy, 0 untranslated: OK" in lines
    # babel alone would read it as "Menace" and print that; the build refuses.
    from .conftest import DATA

    code, stdout, err = run(
        capsys, "build", str(DATA / "minimal.yaml"), "--lang", "fr", "--allow-fallback", "-o", str(tmp_path / "out")
    )
    assert (code, stdout) == (2, "")
    assert err == f'{po}:29: unterminated string: the closing " is missing\n'
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('msgstr "Men"aces"', 'text after the closing quote (write \\" for a quote inside the text)'),
        ('msgstr "Men\\aces\\q"', "unknown escape \\q (write \\\\ for a backslash)"),
        ("msgstr Menaces", 'expected a string in double quotes ("...")'),
        ("Menaces", "unexpected text 'Menaces'; expected msgctxt, msgid, msgstr, a string in quotes or a # comment"),
    ],
)
def test_other_syntax_errors_name_their_line(line: str, message: str, tmp_path: Path) -> None:
    po = tmp_path / "x.po"
    po.write_text('msgid ""\nmsgstr ""\n\nmsgid "Threats"\n' + line + "\n", encoding="utf-8")
    problems = catalogs.lint_po(po.read_bytes(), str(po))
    assert next(p.format() for p in problems) == f"{po}:5: {message}"


def test_comments_previous_and_obsolete_entries_are_valid() -> None:
    data = (
        b'msgid ""\nmsgstr ""\n\n#. note\n#, fuzzy\n#| msgid "Thraets"\nmsgid "Threats"\nmsgstr "Menaces"\n\n'
        b'#~| msgid "Rade"\n#~ msgid "Raid"\n#~ msgstr ""\n#~ "Perquisition"\n'
    )
    assert catalogs.lint_po(data, "x.po") == []


def test_msgid_without_msgstr(tmp_path: Path) -> None:
    data = b'msgid ""\nmsgstr ""\n\nmsgid "Threats"\n\nmsgid "Raid"\nmsgstr "x"\n'
    assert [p.format() for p in catalogs.lint_po(data, "x.po")] == ["x.po:4: msgid has no msgstr"]


def test_plural_forms_that_do_not_match_the_language(tmp_path: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    loc = copy_locales(tmp_path, monkeypatch)
    po = loc / "ru" / "LC_MESSAGES" / "appeal_gen.po"
    text = po.read_text(encoding="utf-8")
    start = text.index('"Plural-Forms:')
    end = text.index('"MIME-Version')
    po.write_text(text[:start] + '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n' + text[end:], encoding="utf-8")
    line = text[:start].count("\n") + 1
    code, out, _ = run(capsys, "locale", "check", "ru")
    assert code == 2
    assert out.splitlines()[1] == (
        f"{po}:{line}: Plural-Forms 'nplurals=2; plural=(n != 1);' does not match ru (3 forms); use "
        "'nplurals=3; plural=n % 10 == 1 && n % 100 != 11 ? 0 : n % 10 >= 2 && n % 10 <= 4 && "
        "(n % 100 < 12 || n % 100 > 14) ? 1 : 2;'"
    )


def test_setting_strings_must_be_yes_or_no(tmp_path: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    loc = copy_locales(tmp_path, monkeypatch)
    po = loc / "km" / "LC_MESSAGES" / "appeal_gen.po"
    line = _edit(po, 'msgstr "yes"', 'msgstr "បាទ"')
    code, out, _ = run(capsys, "locale", "check", "km")
    assert code == 2
    assert f'{po}:{line}: msgstr of "native-digits" must be "yes" or "no", not "បាទ"' in out.splitlines()


def test_new_language_starts_empty_with_its_plural_rule(tmp_path: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    loc = copy_locales(tmp_path, monkeypatch)
    code, out, _ = run(capsys, "locale", "new", "pl")
    po = loc / "pl" / "LC_MESSAGES" / "appeal_gen.po"
    assert (code, out) == (0, f"{po}: created; translate it, then run 'appeal-gen locale check pl'\n")
    text = po.read_text(encoding="utf-8")
    assert '"Language: pl\\n"' in text
    assert (
        '"Plural-Forms: nplurals=3; plural=n == 1 ? 0 : n % 10 >= 2 && n % 10 <= 4 "\n'
        '"&& (n % 100 < 12 || n % 100 > 14) ? 1 : 2;\\n"\n'
    ) in text
    assert 'msgid "Please write to"\nmsgstr ""' in text
    code, out, _ = run(capsys, "locale", "check", "pl")
    assert code == 2
    assert out.splitlines()[0] == "pl: 0 of 49 strings translated, 0 fuzzy, 49 untranslated: incomplete"
    # Creating it twice would throw the translations away.
    code, _, err = run(capsys, "locale", "new", "pl")
    assert (code, err) == (2, f"{po} already exists; run 'appeal-gen locale update' to bring it up to date\n")


@pytest.mark.parametrize(
    ("lang", "message"),
    [
        ("xx", "unknown language 'xx'; use a code such as de, pt_BR or sw"),
        ("en", "'en' is the language the messages are written in; it has no catalog"),
    ],
)
def test_new_refuses_unknown_or_source_language(lang: str, message: str, tmp_path: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    loc = copy_locales(tmp_path, monkeypatch)
    code, _, err = run(capsys, "locale", "new", lang)
    assert (code, err) == (2, message + "\n")
    assert not (loc / lang).exists()


def test_check_unknown_language(tmp_path: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    loc = copy_locales(tmp_path, monkeypatch)
    code, _, err = run(capsys, "locale", "check", "de")
    assert (code, err) == (2, f"there is no catalog for 'de' in {loc}; create it with 'appeal-gen locale new de'\n")


def test_update_marks_changed_strings_fuzzy_and_is_idempotent(tmp_path: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    loc = copy_locales(tmp_path, monkeypatch)
    po = loc / "fr" / "LC_MESSAGES" / "appeal_gen.po"
    # As if the code had said "Please write to:" when French was translated.
    _edit(po, 'msgid "Please write to"', 'msgid "Please write to:"')
    code, out, _ = run(capsys, "locale", "update")
    assert code == 0
    assert f"{loc / 'appeal_gen.pot'}: unchanged" in out.splitlines()
    assert f"{po}: updated: 0 new, 1 fuzzy, 0 obsolete (fr)" in out.splitlines()
    assert f"{loc / 'es' / 'LC_MESSAGES' / 'appeal_gen.po'}: unchanged: 0 new, 0 fuzzy, 0 obsolete (es)" in out
    text = po.read_text(encoding="utf-8")
    assert '#, fuzzy\n#| msgid "Please write to:"\nmsgid "Please write to"\nmsgstr "Veuillez écrire à"' in text
    assert 'msgid "Please write to:"' not in text.replace('#| msgid "Please write to:"', "")
    code, out, _ = run(capsys, "locale", "check", "fr")
    assert code == 2
    assert out.splitlines()[0] == "fr: 48 of 49 strings translated, 1 fuzzy, 0 untranslated: incomplete"
    before = {p: p.read_bytes() for p in loc.rglob("*.po*")}
    code, out, _ = run(capsys, "locale", "update")
    assert code == 0
    assert {p: p.read_bytes() for p in loc.rglob("*.po*")} == before


def test_update_rebuilds_a_stale_template_and_check_notices_it(tmp_path: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    loc = copy_locales(tmp_path, monkeypatch)
    pot = loc / "appeal_gen.pot"
    text = pot.read_text(encoding="utf-8")
    pot.write_text(text.replace('msgid "Copies to"\nmsgstr ""\n\n', ""), encoding="utf-8")
    code, out, _ = run(capsys, "locale", "check", "es")
    assert code == 2
    assert out.splitlines()[0] == (
        f"{pot}: out of date with the code: 1 new and 0 removed strings; run 'appeal-gen locale update'"
    )
    code, out, _ = run(capsys, "locale", "update")
    assert code == 0
    assert out.splitlines()[0] == f"{pot}: updated"
    assert 'msgid "Copies to"' in pot.read_text(encoding="utf-8")
    code, _, _ = run(capsys, "locale", "check")
    assert code == 0


def test_docx_template_strings_are_extracted(tmp_path: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from appeal_gen import resources

    from .render.test_templates import template_with

    loc = copy_locales(tmp_path, monkeypatch)
    templates = tmp_path / "templates"
    template_with(templates / "de" / "appeal.docx", '{{ _("In solidarity") }}')
    template_with(templates / "appeal.docx", None)
    monkeypatch.setattr(resources, "TEMPLATES_DIR_CANDIDATES", (templates,))
    code, _, _ = run(capsys, "locale", "update")
    assert code == 0
    assert 'msgid "In solidarity"\nmsgstr ""' in (loc / "appeal_gen.pot").read_text(encoding="utf-8")
    assert 'msgid "In solidarity"\nmsgstr ""' in (loc / "fr" / "LC_MESSAGES" / "appeal_gen.po").read_text(
        encoding="utf-8"
    )
