"""Lists straight from a CRM (issue 14, item 5): exports as CiviCRM, Action Network, Mailchimp and
Salesforce write them, Excel's encodings and sheets, made into letters without tidying them first.

The fixtures are tests/data/recipients/crm/ (made by tools/make_crm_fixtures.py). Each test runs
``appeal-gen batch`` on one and reads back what a campaign officer would check: the names, languages
and addresses in the letters' PDF text, the manifest, the exact messages and exit status.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from .conftest import DATA, EXAMPLE, pdf_text, run

CRM = DATA / "recipients" / "crm"


def batch(capsys: pytest.CaptureFixture[str], name: str, out: Path, *extra: str) -> tuple[int, str]:
    argv = ["batch", str(EXAMPLE), "--recipients", str(CRM / name), "-o", str(out), "--format", "pdf"]
    code, _, err = run(capsys, *argv, "--jobs", "1", *extra)
    return code, err


def letter(out: Path, name: str) -> str:
    return pdf_text((out / "letters" / name).read_bytes())


def lines_after(text: str, first: str, n: int) -> list[str]:
    lines = [ln.strip() for ln in text.splitlines()]
    i = lines.index(first)
    return lines[i : i + n]


def manifest(out: Path) -> dict:  # type: ignore[type-arg]
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))


def test_civicrm_contacts_make_named_letters_with_each_countrys_address_block(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    code, err = batch(capsys, "civicrm_contacts.csv", tmp_path)
    assert code == 0
    assert sorted(p.name for p in (tmp_path / "letters").iterdir()) == [
        "101.en_GB.pdf", "102.fr.pdf", "103.es.pdf", "104.en.pdf",
    ]  # fmt: skip
    london = letter(tmp_path, "101.en_GB.pdf")
    assert lines_after(london, "H.E. Mr Daniel Okafor", 7) == [
        "H.E. Mr Daniel Okafor", "Ambassador", "Embassy of the Republic of Elbonia",
        "14 Alder Gardens", "LONDON", "NW8 4QX", "United Kingdom",
    ]  # fmt: skip
    paris = letter(tmp_path, "102.fr.pdf")
    assert lines_after(paris, "4 rue Adolphe Yvon", 3) == ["4 rue Adolphe Yvon", "75116 PARIS", "France"]
    assert "Dublin, le 6 décembre 2017" in paris
    madrid = letter(tmp_path, "103.es.pdf")
    assert lines_after(madrid, "Calle del Arce 12", 4) == ["Calle del Arce 12", "Piso 3", "28001 MADRID", "Spain"]
    deakin = letter(tmp_path, "104.en.pdf")
    assert lines_after(deakin, "5 Wattle Crescent", 3) == ["5 Wattle Crescent", "DEAKIN ACT 2600", "Australia"]
    where = f"note: {CRM / 'civicrm_contacts.csv'}:1: "
    assert f"{where}'First Name' + 'Last Name': the name of the addressee, as 'name'" in err.splitlines()
    assert (
        f"{where}'Street Address', 'Supplemental Address 1', 'City', 'State', 'Postal Code', 'Country': "
        "the addressee's address block"
    ) in err.splitlines()


def test_action_network_supporters_sign_in_the_language_their_cell_names(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    code, err = batch(capsys, "action_network_activists.csv", tmp_path)
    assert code == 0
    records = manifest(tmp_path)["rows"]
    # "english", "Español", "Русский", "العربية", "Chinese (Simplified)", "ខ្មែរ", "FR"
    assert [(r["id"], r["language"], r["name"]) for r in records] == [
        ("a1f3", "en", "Margaret Holloway"),
        ("b2e4", "es", "Lucía Fernández"),
        ("c3d5", "ru", "Ольга Смирнова"),
        ("d4c6", "ar", "ليلى حداد"),
        ("e5b7", "zh_Hans", "王小明"),
        ("f6a8", "km", "សុខ ចាន់ថា"),
        ("g7b9", "fr", "Étienne Giraud"),
    ]
    assert lines_after(letter(tmp_path, "a1f3.en.pdf"), "Margaret Holloway", 2) == ["Margaret Holloway", "Manchester"]
    assert lines_after(letter(tmp_path, "c3d5.ru.pdf"), "Ольга Смирнова", 2) == ["Ольга Смирнова", "Санкт-Петербург"]
    assert lines_after(letter(tmp_path, "e5b7.zh_Hans.pdf"), "王小明", 2) == ["王小明", "北京"]
    # A supporter's letter goes to the spec's first authority, not to the supporter's own address.
    english = letter(tmp_path, "a1f3.en.pdf")
    assert "Hun Sen" in english and "3 Canal St" not in english
    assert (
        f"note: {CRM / 'action_network_activists.csv'}:1: 'first_name' + 'last_name': the name of the supporter "
        "who signs (a supporters' list), as 'signatory_name'"
    ) in err.splitlines()


def test_mailchimp_audience_address_stays_the_supporters(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    code, err = batch(capsys, "mailchimp_audience.csv", tmp_path)
    assert code == 0
    text = letter(tmp_path, "thomas-nguyen.en.pdf")
    assert "Thomas Nguyen" in text and "Hun Sen" in text and "Lygon" not in text
    assert "Anna Kowalska" in letter(tmp_path, "anna-kowalska.fr.pdf")
    assert "extra.signatory_address" in err


def test_salesforce_report_title_rows_case_duplicate_ids_and_the_total_row(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    lst = CRM / "salesforce_report.csv"
    code, err = batch(capsys, "salesforce_report.csv", tmp_path)
    assert code == 1
    assert (
        f"{lst}:7: id: id '003a1' is already used on line 5 (as '003A1'); ids must be unique, whatever their case"
        in (err.splitlines())
    )
    total = "a 'Total' row (its first cell says so and the rest are empty or numbers): skipped, not a recipient"
    assert f"note: {lst}:8: {total}" in err.splitlines()
    data = manifest(tmp_path)
    assert [(r["line"], r["status"]) for r in data["rows"]] == [(5, "ok"), (6, "ok"), (7, "error")]
    assert data["skipped"] == [{"line": 8, "message": total}]
    oslo = letter(tmp_path, "003a1.en.pdf")
    assert lines_after(oslo, "Ingrid Larsen", 5) == [
        "Ingrid Larsen", "Embassy of the Republic of Elbonia", "Karl Johans gate 5", "0154 OSLO", "Norway",
    ]  # fmt: skip
    # The header line given instead of found: the same letters.
    again = tmp_path / "again"
    assert batch(capsys, "salesforce_report.csv", again, "--header-row", "4")[0] == 1
    assert sorted(p.name for p in (again / "letters").iterdir()) == ["003a1.en.pdf", "003b2.en.pdf"]


def test_a_wrong_header_row_is_one_error(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    code, err = batch(capsys, "salesforce_report.csv", tmp_path, "--header-row", "3")
    assert code == 2
    assert err == f"{CRM / 'salesforce_report.csv'}:3: --header-row 3: that line is empty\n"
    assert not tmp_path.joinpath("letters").exists()


def test_a_code_page_list_is_refused_before_any_letter_then_read_with_encoding(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    lst = CRM / "supporters_cp1252.csv"
    code, err = batch(capsys, "supporters_cp1252.csv", tmp_path / "first")
    assert code == 2
    assert err == (
        f"{lst}:2: the list is not UTF-8 (bytes b'\\xe9' after 'Ren'); it looks like cp1252: run again with "
        "--encoding cp1252, or save the list as 'CSV UTF-8'\n"
    )
    assert not (tmp_path / "first").exists()
    code, err = batch(capsys, "supporters_cp1252.csv", tmp_path / "out", "--encoding", "cp1252")
    assert code == 0
    records = manifest(tmp_path / "out")["rows"]
    assert [(r["name"], r["language"]) for r in records] == [
        ("Renée Dupré", "fr"), ("Zoë Müller", "en"), ("François Lefèvre", "fr"),
    ]  # fmt: skip
    text = letter(tmp_path / "out", "renée-dupré.fr.pdf")
    assert lines_after(text, "Renée Dupré", 2) == ["Renée Dupré", "Besançon"]


def test_excel_unicode_text_utf16_tab_separated_is_read(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    code, _ = batch(capsys, "unicode_text.txt", tmp_path)
    assert code == 0
    assert lines_after(letter(tmp_path, "chen-wei.zh.pdf"), "Chen Wei", 4) == [
        "Chen Wei", "Ambassador", "Embassy of the Republic of Elbonia", "1 Sanlitun Road, Beijing",
    ]  # fmt: skip
    assert "Посольство Республики Элбония" in letter(tmp_path, "ana-petrova.ru.pdf")


def test_two_columns_meaning_one_field_is_an_error_naming_both(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    code, err = batch(capsys, "ambiguous_email.csv", tmp_path)
    assert code == 2
    assert err == (
        f"{CRM / 'ambiguous_email.csv'}:1: columns 'Email' (column 2) and 'E-mail Address' (column 3) both mean "
        "'email'; rename or remove one\n"
    )


def test_a_value_under_an_unnamed_column_is_reported(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    code, err = batch(capsys, "unnamed_column.csv", tmp_path)
    assert code == 0
    note = (
        "a value in column 4, which has no name in the header ('call first'); only templates see it "
        "(as extra.column_4): name the column, or delete the value"
    )
    assert f"warning: {CRM / 'unnamed_column.csv'}:2: {note}" in err.splitlines()
    assert manifest(tmp_path)["rows"][0]["message"] == note


def test_excel_sheet_title_merged_cells_stray_value_and_total(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    lst = CRM / "excel_embassies.xlsx"
    code, err = batch(capsys, "excel_embassies.xlsx", tmp_path)
    assert code == 1
    data = manifest(tmp_path)
    assert [(r["line"], r["id"], r["language"], r["status"]) for r in data["rows"]] == [
        (5, "emb-nairobi", "en", "ok"),
        (6, "emb-mombasa", "en", "ok"),
        (7, "emb-dakar", "fr", "ok"),
        (8, "", "", "error"),
    ]
    assert f"{lst}:8: a value in column 7, but the header has 6 columns" in err.splitlines()
    assert [s["line"] for s in data["skipped"]] == [9]
    # The embassy is merged down rows 5-6: Mombasa's letter has it too.
    assert lines_after(letter(tmp_path, "emb-mombasa.en.pdf"), "Baraka Otieno", 3) == [
        "Baraka Otieno", "Consul", "Embassy of the Republic of Elbonia",
    ]  # fmt: skip
    assert re.search(r"Awa Diop\s+Ambassadrice", letter(tmp_path, "emb-dakar.fr.pdf"))


def test_header_row_names_the_sheet_row_of_an_xlsx(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    code, _ = batch(capsys, "excel_embassies.xlsx", tmp_path, "--header-row", "4")
    assert code == 1
    assert [r["line"] for r in manifest(tmp_path)["rows"]] == [5, 6, 7, 8]
    code, err = batch(capsys, "excel_embassies.xlsx", tmp_path / "empty", "--header-row", "3")
    assert (code, err) == (2, f"{CRM / 'excel_embassies.xlsx'}:3: --header-row 3: that row is empty\n")


def test_the_model_letters_crm_export_makes_the_same_letters_as_its_tidy_list(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """examples/ua-model-letter/supporters-crm.csv is supporters.csv as a CRM exports it: same letters, word for word.

    A title row, Contact ID, First Name + Last Name, City and language names
    ("English (United Kingdom)", "Português (Brasil)": a language no catalog
    names, qualified in its own words) instead of codes.
    """
    ua = EXAMPLE.parent.parent / "ua-model-letter"
    texts = {}
    for name in ("supporters.csv", "supporters-crm.csv"):
        out = tmp_path / name
        code, _, err = run(
            capsys, "batch", str(ua / "appeal.yaml"), "--recipients", str(ua / name), "-o", str(out),
            "--format", "txt", "--jobs", "1",
        )  # fmt: skip
        assert code == 0 and " 0 failed" in err, err
        texts[name] = {p.name: p.read_text(encoding="utf-8") for p in sorted((out / "letters").iterdir())}
    crm = texts["supporters-crm.csv"]
    assert sorted(crm) == [
        f"104{i}.{lang}.txt" for i, lang in enumerate(["en_GB", "fr", "es", "ru", "ar", "km", "zh", "es"], 1)
    ]
    tidy = [text for name, text in texts["supporters.csv"].items() if name.startswith("s-")]
    assert list(crm.values()) == tidy
    assert "João Almeida" in crm["1048.es.txt"] and "Recife" in crm["1048.es.txt"]
