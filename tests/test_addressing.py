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
    assert addressing.closing("fr_CA", "supporter", "none", form="Madame") == (
        "Je vous prie d’agréer, Madame, l’expression de mes salutations distinguées.",
    )
    assert addressing.closing("de", "supporter", "rank", form="x") is None  # no table: the catalog's


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("en_US", "Dear Ambassador Chea"), ("en_CA", "Dear Ambassador Chea"), ("en_GB", None), ("en", None)],
)
def test_the_table_lookup_keeps_the_region(lang: str, expected: str | None) -> None:
    """en_US (and en_CA, North American usage) have their own table; other English is British."""
    form = addressing.named_rank_form(lang, "ambassador", "Chea")
    assert (form.salutation if form else None) == expected
    assert addressing.punctuation(lang) == (":" if expected else "")


@pytest.mark.parametrize(
    ("lang", "gender", "family", "honorific", "expected"),
    [
        ("en", "female", "Moreau", "", "Dear Ms Moreau"),
        ("en", "female", "Moreau", "Mrs", "Dear Mrs Moreau"),
        ("en", "", "Moreau", "Dr.", "Dear Dr Moreau"),
        ("en", "", "Moreau", "", "Dear Ines Moreau"),  # gender unknown: the full name
        ("en", "male", "", "", "Dear Ines Moreau"),  # no family name: never guessed from the name
        ("en_US", "female", "Moreau", "", "Dear Ms. Moreau"),
        ("es", "female", "Moreau", "", "Estimada Sra. Moreau"),
        ("es", "", "Moreau", "", None),  # Spanish agrees in gender: the neutral form
        ("ru", "male", "Моро", "", "Уважаемый господин Моро"),
        ("ar", "female", "مورو", "", "السيدة Ines Moreau المحترمة"),  # Arabic: by the full name
        ("zh", "female", "莫罗", "", "尊敬的莫罗女士"),
        ("zh", "", "", "", "尊敬的Ines Moreau"),
        ("fr", "female", "Moreau", "", None),  # French never names: the caller's "Madame"
        ("de", "female", "Moreau", "", None),  # no table
    ],
)
def test_a_named_form_uses_only_what_is_known(lang, gender, family, honorific, expected) -> None:  # type: ignore[no-untyped-def]
    form = addressing.named_form(lang, gender, full="Ines Moreau", family=family, honorific=honorific)
    assert (form.salutation if form else None) == expected


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        *[("Mr.", "Mr."), (" ms ", "ms"), ("Dr", "Dr"), ("Mme", "Mme"), ("Sra.", "Sra."), ("Prof.", "Prof.")],
        *[("Dear Mr Chea", None), ("Your Excellency", None), ("", None), ("Monsieur le Ministre", None)],
        *[("Señora", None), ("Madame", None), ("Sir", None)],  # greetings on their own
    ],
)
def test_a_courtesy_title_alone_is_told_from_a_greeting(cell: str, expected: str | None) -> None:
    assert addressing.courtesy_title(cell) == expected


def test_closings_follow_the_register_and_the_rank() -> None:
    assert addressing.closing("en", "supporter", "name", form="") == ("Yours sincerely,",)
    assert addressing.closing("en", "supporter", "none", form="") == ("Yours faithfully,",)
    assert addressing.closing("en_US", "supporter", "rank", form="", rank="president") == ("Respectfully,",)
    assert addressing.closing("en_US", "organisation", "rank", form="", rank="ambassador") == ("Sincerely,",)
    assert addressing.closing("ru", "supporter", "name", form="") == ("С уважением,",)


def test_a_name_too_long_for_a_salutation_is_not_put_in_one() -> None:
    """A batch letter's salutation has two lines; 300 characters are a pasted column, not a name."""
    assert addressing.named_form("en", "", full="x" * 300) is None
    assert addressing.named_form("en", "", full="x" * 60) is not None
    assert addressing.named_rank_form("en_US", "ambassador", "x" * 61) is None
