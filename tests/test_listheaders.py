"""Export headers mapped to the batch's columns, names joined, footers recognised (issue 14, item 5)."""

from __future__ import annotations

import pytest

from appeal_gen.listheaders import ALIASES, HeaderPlan, column_for, is_total_row, looks_like_header, person_name


@pytest.mark.parametrize(
    ("header", "column"),
    [
        ("E-mail", "email"),
        ("EMAIL ADDRESS", "email"),
        ("Preferred Language", "language"),
        ("preferred_language", "language"),
        ("First Name", "first_name"),
        ("Mailing Zip/Postal Code", "postal_code"),
        ("Account Name", "organisation"),
        ("Signatory Name", "signatory_name"),
        ("Address-1", "address_1"),
        ("Group", "group"),  # not a known column: an extra, by its normalised name
    ],
)
def test_headers_are_matched_without_case_spaces_or_punctuation(header: str, column: str) -> None:
    assert column_for(header) == column


def test_no_spelling_is_given_to_two_columns() -> None:
    seen: dict[str, str] = {}
    for target, spellings in ALIASES.items():
        for s in spellings:
            assert seen.setdefault(column_for(s), target) == target, s


def test_whose_names_they_are_follows_the_header() -> None:
    shown = {c: c for c in ("first_name", "last_name", "office", "city", "street", "name", "signatory_name")}
    officials = HeaderPlan.of(("first_name", "last_name", "office", "street", "city"), shown)
    assert (officials.name_to, officials.address, officials.city_is_signatory) == ("name", True, False)
    supporters = HeaderPlan.of(("first_name", "last_name", "city"), shown)
    assert (supporters.name_to, supporters.address, supporters.city_is_signatory) == ("signatory_name", False, True)
    both = HeaderPlan.of(("name", "first_name", "last_name"), shown)
    assert both.name_to == "signatory_name"


@pytest.mark.parametrize("header", ["Last Name", "Surname", "Mailing Last Name", "Nom de famille"])
def test_an_officials_last_name_is_also_their_family_name(header: str) -> None:
    """The family name of a named salutation ("Dear Ms Moreau") comes from the list, never from the full name."""
    shown = {"first_name": "First Name", "last_name": header, "office": "Title"}
    plan = HeaderPlan.of(("first_name", "last_name", "office"), shown)
    values = {"first_name": "Vannak", "last_name": "Chea", "office": "Ambassador"}
    plan.compose(values)
    assert (values["name"], values["family_name"]) == ("Vannak Chea", "Chea")
    assert f"'{header}': also the addressee's family name, as 'family_name'" in plan.notes
    # A list with its own name column and a Last Name: the addressee's too.
    both = HeaderPlan.of(("name", "last_name", "signatory_name"), {"last_name": header})
    values = {"name": "Chea Vannak", "last_name": "Chea", "signatory_name": "Ann"}
    both.compose(values)
    assert values["family_name"] == "Chea"


def test_a_family_name_column_is_kept_and_joins_the_first_name() -> None:
    assert column_for("Family Name") == column_for("family_name") == "family_name"
    shown = {"first_name": "First Name", "family_name": "Family Name", "email": "Email"}
    officials = HeaderPlan.of(("first_name", "family_name", "office"), shown)
    values = {"first_name": "小明", "family_name": "王", "office": "x"}
    officials.compose(values)
    assert (values["name"], values["family_name"]) == ("王小明", "王")
    # A supporters' list: the family name is the signatory's, not an addressee's.
    supporters = HeaderPlan.of(("first_name", "family_name", "email"), shown)
    values = {"first_name": "Ann", "family_name": "Lee", "email": "a@example.org"}
    supporters.compose(values)
    assert values["signatory_name"] == "Ann Lee" and "family_name" not in values
    assert values["signatory_family_name"] == "Lee"


def test_names_in_their_scripts_order() -> None:
    assert person_name("Margaret", "Holloway") == "Margaret Holloway"
    assert person_name("小明", "王") == "王小明"
    assert person_name("ចាន់ថា", "សុខ") == "សុខ ចាន់ថា"
    assert person_name("", "Okafor") == "Okafor"


@pytest.mark.parametrize(
    "cells",
    [
        ["Total", "", "3"],
        ["Grand total:", "1,234.50"],
        ["Summe", ""],
        ["Total général", "12"],
        ["Grand Totals (3 records)"],
    ],
)
def test_footer_rows(cells: list[str]) -> None:
    assert is_total_row(cells)


@pytest.mark.parametrize("cells", [["Total", "Ann Smith"], ["Totten", ""], ["", ""], ["id", "name"]])
def test_rows_that_are_no_footer(cells: list[str]) -> None:
    assert not is_total_row(cells)


def test_a_title_is_no_header_and_a_header_is() -> None:
    assert not looks_like_header(["Embassies of Elbonia: contacts", "", ""])
    assert looks_like_header(["Contact ID", "First Name", "Last Name", "Notes"])
    assert looks_like_header(["name"])


def test_docs_batch_lists_every_alias() -> None:
    from .conftest import ROOT

    text = (ROOT / "docs" / "batch.md").read_text(encoding="utf-8")
    for target, spellings in ALIASES.items():
        assert f"| `{target}` | {', '.join(spellings)} |" in text, target
