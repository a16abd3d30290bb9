"""Language cells by code or by name, in any case and language, to a canonical token (issue 14, item 5)."""

from __future__ import annotations

import pytest

from appeal_gen.langnames import language_code
from appeal_gen.locale import LANGUAGE_TOKEN


@pytest.mark.parametrize(
    ("cell", "token"),
    [
        ("EN", "en"),
        ("en-GB", "en_GB"),
        (" english ", "en"),
        ("Français", "fr"),
        ("FRENCH", "fr"),
        ("Español", "es"),
        ("Русский", "ru"),
        ("العربية", "ar"),
        ("ខ្មែរ", "km"),
        ("中文", "zh"),
        ("Chinese (Simplified)", "zh_Hans"),
        ("Chinese, Traditional", "zh_Hant"),
        ("English (United Kingdom)", "en_GB"),
        ("Portuguese (Brazil)", "pt_BR"),
        ("Português (Brasil)", "pt_BR"),  # a language no catalog names, qualified in its own words
        ("Deutsch (Schweiz)", "de_CH"),
        ("chinois simplifié", "zh_Hans"),
        ("Kiswahili", "sw"),  # a language's own name, not among the shipped languages' names
    ],
)
def test_a_language_cell_names_its_canonical_token(cell: str, token: str) -> None:
    assert language_code(cell) == token


@pytest.mark.parametrize("cell", ["Klingon", "", "en/../../x", "English (Mars)", "fr@x"])
def test_a_cell_that_names_no_language_is_none(cell: str) -> None:
    assert language_code(cell) is None


def test_whatever_the_cell_the_answer_is_a_safe_token() -> None:
    for cell in ["Chinese (Simplified)", "Serbian (Latin)", "English [United States]", "ES-419"]:
        token = language_code(cell)
        assert token is not None and LANGUAGE_TOKEN.fullmatch(token), cell
