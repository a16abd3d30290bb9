"""Address blocks from CRM parts, in the destination country's order (issue 14, item 5)."""

from __future__ import annotations

from appeal_gen.addresses import address_block, country_code


def test_each_country_orders_its_lines() -> None:
    uk = {"street": "14 Alder Gardens", "city": "London", "postal_code": "NW8 4QX", "country": "United Kingdom"}
    assert address_block(uk) == ["14 Alder Gardens", "LONDON", "NW8 4QX", "United Kingdom"]
    fr = {"street": "4 rue Adolphe Yvon", "city": "Paris", "postal_code": "75116", "country": "FR"}
    assert address_block(fr) == ["4 rue Adolphe Yvon", "75116 PARIS", "France"]
    au = {
        "street": "5 Wattle Crescent",
        "city": "Deakin",
        "state": "ACT",
        "postal_code": "2600",
        "country": "Australia",
    }
    assert address_block(au) == ["5 Wattle Crescent", "DEAKIN ACT 2600", "Australia"]


def test_without_a_known_country_the_international_default() -> None:
    parts = {"street": "1 Main St", "street_2": "Flat 2", "city": "Springfield", "postal_code": "999"}
    assert address_block(parts) == ["1 Main St", "Flat 2", "Springfield 999"]
    assert address_block({**parts, "country": "Atlantis"})[-1] == "Atlantis"
    assert address_block({"street": "", "city": ""}) == []


def test_country_cells_by_name_in_shipped_languages_or_code() -> None:
    assert [country_code(c) for c in ("royaume-uni", "Камбоджа", "kh", "Atlantis")] == ["GB", "KH", "KH", None]
