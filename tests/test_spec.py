"""Spec validation: every problem reported at once, with file, line, column and field."""

from __future__ import annotations

import datetime as dt

import pytest

from appeal_gen import SpecErrors, load_spec, parse_spec
from appeal_gen.spec import STATUSES, slugify

from .conftest import DATA, EXAMPLE

BROKEN = DATA / "broken"

# One file per error class: the exact line printed by `appeal-gen check`.
EXPECTED = {
    "yaml_syntax.yaml": "yaml_syntax.yaml:11:8: YAML syntax error: found unexpected end of stream while scanning a "
    "quoted scalar that starts here (problem found at line 24)",
    "unknown_key.yaml": "unknown_key.yaml:12:1: sumary: unknown key; did you mean 'summary'?",
    "missing_field.yaml": "missing_field.yaml:2:1: concern: required field is missing; add 'concern:' with text "
    "(a string, or a mapping of language codes to strings)",
    "wrong_type.yaml": "wrong_type.yaml:6:14: reference.follow_up: expected a whole number, found a string",
    "impossible_date.yaml": "impossible_date.yaml:8:7: date: impossible date '2024-02-30' (day is out of range for "
    "month)",
    "unknown_country.yaml": "unknown_country.yaml:9:10: country: unknown country code 'XK9'; use an ISO 3166 "
    "two-letter code such as KH",
    "empty_demands.yaml": "empty_demands.yaml:16:10: demands: must list at least one item",
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_error_class_has_its_exact_message(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(BROKEN)
    with pytest.raises(SpecErrors) as info:
        load_spec(name)
    assert info.value.format() == EXPECTED[name]
    assert info.value.exit_code == 2
    (err,) = info.value.errors
    assert err.file == name


def test_every_problem_is_reported_at_once_in_line_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(BROKEN)
    with pytest.raises(SpecErrors) as info:
        load_spec("many_errors.yaml")
    assert [(e.line, e.field) for e in info.value.errors] == [(8, "date"), (9, "country"), (12, "sumary")]
    assert "did you mean 'KH' (Cambodia)?" in info.value.errors[1].message


def test_example_reproduces_the_seed_structure() -> None:
    spec = load_spec(str(EXAMPLE))
    assert spec.reference.code == "FLD-KH-CCHR-2017"
    assert spec.slug == "fld-kh-cchr-2017"
    assert spec.country == "KH"
    assert spec.status == "judicial_harassment"
    assert [u.date for u in spec.updates] == [dt.date(2017, 12, 6), dt.date(2017, 11, 28)]
    assert len(spec.demands) == 3
    assert [a.name.get("en") for a in spec.authorities if a.name] == ["Hun Sen", "Sar Kheng"]
    assert all(a.salutation is not None for a in spec.authorities)


def test_updates_are_ordered_newest_first_whatever_the_file_order() -> None:
    text = (DATA / "minimal.yaml").read_text(encoding="utf-8") + (
        "updates:\n"
        "  - {date: 2024-03-01, headline: Old, body: first}\n"
        "  - {date: 2024-03-04, headline: New, body: second}\n"
    )
    spec = parse_spec(text, "x.yaml")
    assert [u.headline.values["en"] for u in spec.updates] == ["New", "Old"]


def test_duplicate_keys_are_refused_not_silently_overwritten() -> None:
    text = (DATA / "minimal.yaml").read_text(encoding="utf-8") + "title: Second title\n"
    with pytest.raises(SpecErrors) as info:
        parse_spec(text, "dup.yaml")
    assert info.value.format() == "dup.yaml:24:1: title: duplicate key (first given on line 11)"


def test_unknown_status_suggests_the_closest() -> None:
    text = (
        (DATA / "minimal.yaml")
        .read_text(encoding="utf-8")
        .replace("status: arbitrary_detention", "status: arbitrary_detension")
    )
    with pytest.raises(SpecErrors) as info:
        parse_spec(text, "s.yaml")
    assert info.value.format().startswith(
        "s.yaml:10:9: status: unknown status 'arbitrary_detension'; did you mean 'arbitrary_detention'? choose one of:"
    )
    assert all(s in info.value.format() for s in STATUSES)


def test_an_authoritys_rank_and_gender_are_checked_by_name() -> None:
    """The fields a letter's salutation is chosen by (addressing.py): a typo is named, with the choices."""
    text = (
        (DATA / "minimal.yaml")
        .read_text(encoding="utf-8")
        .replace(
            "    salutation: Dear Minister", "    salutation: Dear Minister\n    rank: ambasador\n    gender: woman"
        )
    )
    with pytest.raises(SpecErrors) as info:
        parse_spec(text, "s.yaml")
    assert info.value.format().splitlines() == [
        "s.yaml:24:11: authorities.0.rank: unknown rank 'ambasador'; did you mean 'ambassador'? choose one of: "
        "ambassador, minister, prime_minister, president, excellency",
        "s.yaml:25:13: authorities.0.gender: unknown gender 'woman'; choose one of: female, male",
    ]


def test_yaml_alias_bomb_is_never_expanded() -> None:
    """Nine levels of nine aliases would be 387 million values if walked: refused while composing."""
    bomb = "lol0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
        f"lol{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]\n" for i in range(1, 9)
    )
    text = bomb + (DATA / "minimal.yaml").read_text(encoding="utf-8").replace(
        "  - name: A. Defender", "  - name: A. Defender\n    description: *l8"
    )
    with pytest.raises(SpecErrors) as info:
        parse_spec(text, "bomb.yaml")
    # Refused by the composer, which counts each alias as the nodes it
    # repeats, as soon as the count passes the limit: nothing walks it.
    assert info.value.format() == (
        "bomb.yaml:6:17: lol5.1: more than 200000 YAML nodes (YAML aliases expanding?); a spec this large is refused"
    )


def test_python_tags_are_refused_not_constructed() -> None:
    text = (
        (DATA / "minimal.yaml")
        .read_text(encoding="utf-8")
        .replace(
            "title: Defender <detained>", "title: !!python/object/apply:os.system ['id']\nnote: Defender <detained>"
        )
    )
    with pytest.raises(SpecErrors) as info:
        parse_spec(text, "tag.yaml")
    assert info.value.errors[0].format() == (
        "tag.yaml:11:8: title: the YAML tag '!!python/object/apply:os.system' is not allowed; "
        "a spec holds plain values only"
    )


def test_a_refused_tag_does_not_hide_the_other_problems() -> None:
    text = (
        (DATA / "minimal.yaml")
        .read_text(encoding="utf-8")
        .replace("  - name: Example Defenders & Partners", "  - name: !!binary aGk=\n  - nmae: Partner")
        .replace("country: KH", "country: EU")
        .replace("  code: TEST-001", "  code: TEST-001\n  follow_up: 0")
    )
    with pytest.raises(SpecErrors) as info:
        parse_spec(text, "x.yaml")
    assert [e.format() for e in info.value.errors] == [
        "x.yaml:6:14: reference.follow_up: must be 1 or more, found 0",
        "x.yaml:8:11: issuers.0.name: the YAML tag '!!binary' is not allowed; a spec holds plain values only",
        "x.yaml:9:5: issuers.1.nmae: unknown key; did you mean 'name'?",
        "x.yaml:11:10: country: unknown country code 'EU'; use an ISO 3166 two-letter code such as KH",
    ]


@pytest.mark.parametrize("code", ["EU", "UN", "ZZ", "QO", "EZ"])
def test_regions_that_are_not_countries_are_refused(code: str) -> None:
    text = (DATA / "minimal.yaml").read_text(encoding="utf-8").replace("country: KH", f"country: {code}")
    with pytest.raises(SpecErrors):
        parse_spec(text, "x.yaml")


def test_kosovo_is_a_country() -> None:
    text = (DATA / "minimal.yaml").read_text(encoding="utf-8").replace("country: KH", "country: XK")
    assert parse_spec(text, "x.yaml").country == "XK"


def test_slugify_keeps_file_names_safe() -> None:
    assert slugify("../../etc/passwd") == "etc-passwd"
    assert slugify("UA 60/16") == "ua-60-16"
    assert slugify("///") == "appeal"


def test_a_name_written_once_serves_every_language() -> None:
    """Names are not translated: a plain string is the name in every language; a mapping overrides it."""
    text = (DATA / "minimal.yaml").read_text(encoding="utf-8")
    text = text.replace("  - name: A. Defender", "  - name: {en: A. Defender, km: អា. ដេហ្វិនឌ័រ}")
    spec = parse_spec(text, "x.yaml")
    issuer = spec.issuers[0].name
    assert issuer.universal and issuer.get("fr") == issuer.get("zh") == "Example Defenders & Partners"
    subject = spec.subjects[0].name
    assert not subject.universal and subject.get("km") == "អា. ដេហ្វិនឌ័រ" and subject.get("fr") is None
    assert [t.path for t in spec.missing_translations("fr")] == [
        "title", "summary", "subjects.0.name", "concern", "demands.0", "demands.1", "demands.2",
        "authorities.0.office", "authorities.0.salutation",
    ]  # fmt: skip
