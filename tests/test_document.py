"""The letter in one language: catalog text that agrees with the spec."""

from __future__ import annotations

import pytest

from appeal_gen import build_letter, parse_spec
from appeal_gen.locale import LocaleInfo

from .conftest import DATA

TWO_ISSUERS = "issuers:\n  - name: Front Line Defenders\n  - name: FIDH\n"

URGE = {
    # language: (one organisation, two organisations)
    "en": (
        "Example Defenders & Partners urges the authorities in Cambodia to:",
        "Front Line Defenders and FIDH urge the authorities in Cambodia to:",
    ),
    "fr": (
        "Example Defenders & Partners exhorte les autorités cambodgiennes à\u00a0:",
        "Front Line Defenders et FIDH exhortent les autorités cambodgiennes à\u00a0:",
    ),
    "es": (
        "Example Defenders & Partners insta a las autoridades de Camboya a:",
        "Front Line Defenders y FIDH instan a las autoridades de Camboya a:",
    ),
    "ru": (
        "Example Defenders & Partners призывает власти Камбоджи:",
        "Front Line Defenders и FIDH призывают власти Камбоджи:",
    ),
}


def _spec(issuers: str | None = None):  # type: ignore[no-untyped-def]
    text = (DATA / "minimal.yaml").read_text(encoding="utf-8")
    if issuers:
        text = text.replace("issuers:\n  - name: Example Defenders & Partners\n", issuers)
    return parse_spec(text, "x.yaml")


@pytest.mark.parametrize("lang", sorted(URGE))
def test_the_verb_agrees_with_the_number_of_issuers(lang: str) -> None:
    one, two = URGE[lang]
    single = build_letter(_spec(), LocaleInfo(lang), allow_fallback=True)
    double = build_letter(_spec(TWO_ISSUERS), LocaleInfo(lang), allow_fallback=True)
    assert single.urge.text == one
    assert double.urge.text == two
    assert not [w for w in double.warnings if "urge" in w], "the plural form is translated"
