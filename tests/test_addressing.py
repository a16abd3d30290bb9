"""Forms of address per language (addressing.py): what a list's cells say about the addressee."""

from __future__ import annotations

import pytest

from appeal_gen import addressing


@pytest.mark.parametrize(
    ("gender", "honorific", "expected"),
    [
        ("F", "", "female"),
        ("woman", "", "female"),
        ("Male", "", "male"),
        ("", "H.E. Ms", "female"),
        ("", "Son Excellence Monsieur", "male"),
        ("", "Excma. Sra.", "female"),
        ("", "Его Превосходительству господину", "male"),
        ("", "سعادة السيد", "male"),
        ("", "លោកជំទាវ", "female"),
        ("", "H.E.", ""),
        ("", "", ""),
        ("female", "Mr", "female"),  # the column wins over the honorific
    ],
)
def test_gender_from_the_column_else_from_the_honorific(gender: str, honorific: str, expected: str) -> None:
    assert addressing.gender_of(gender, honorific) == expected


@pytest.mark.parametrize(
    ("rank", "honorific", "expected"),
    [
        ("Ambassador", "", "ambassador"),
        ("prime minister", "", "prime_minister"),
        ("prime-minister", "", "prime_minister"),
        ("", "H.E. Ms", "excellency"),
        ("", "Son Excellence Monsieur", "excellency"),
        ("", "Ms", ""),
        ("consul", "", ""),  # not a rank the tables know: greeted without one
    ],
)
def test_rank_from_the_column_else_excellency_from_the_honorific(rank: str, honorific: str, expected: str) -> None:
    assert addressing.rank_of(rank, honorific) == expected


def test_every_table_has_every_rank_and_a_closing_for_each_voice() -> None:
    for lang, table in addressing.TABLES.items():
        assert set(table.forms) == {*addressing.RANKS, ""}, lang
        for forms in table.forms.values():
            assert "" in forms, lang  # the neutral form, for an unknown gender
        assert set(table.closings) == set(addressing.VOICES), lang


def test_the_form_a_closing_repeats_drops_punctuation_and_greeting_words() -> None:
    assert addressing.form_of_salutation("fr", "Monsieur le Premier ministre,") == "Monsieur le Premier ministre"
    assert addressing.form_of_salutation("km", "សូមគោរព សម្តេចតេជោនាយករដ្ឋមន្ត្រី") == "សម្តេចតេជោនាយករដ្ឋមន្ត្រី"
    assert addressing.closing("fr_CA", "supporter", ranked=False, form="Madame") == (
        "Je vous prie d’agréer, Madame, l’expression de mes salutations distinguées.",
    )
    assert addressing.closing("de", "supporter", ranked=True, form="x") is None  # no table: the catalog's
