"""File names from hostile ids and names: one component, inside OUTDIR, unique, bounded."""

from __future__ import annotations

import unicodedata

import pytest

from appeal_gen.filenames import MAX_BYTES, Namer, slug


@pytest.mark.parametrize(
    ("wanted", "expected"),
    [
        ("../x", "x"),
        ("/etc/x", "etc-x"),
        ("..\\..\\windows\\system32", "windows-system32"),
        ("CON", "con_"),
        ("com1", "com1_"),
        ("nul\x00name", "nul-name"),
        (".hidden", "hidden"),
        ("Jean-Luc Dupont", "jean-luc-dupont"),
        ("عمر الخطيب", "عمر-الخطيب"),
        ("...", ""),
    ],
)
def test_slug(wanted: str, expected: str) -> None:
    assert slug(wanted) == expected


def test_long_names_are_cut_on_a_character_boundary() -> None:
    s = slug("é" * 150)  # 300 bytes of UTF-8
    assert len(s.encode()) <= MAX_BYTES
    assert s == "é" * (MAX_BYTES // 2)


def test_case_and_normalisation_twins_get_different_names() -> None:
    namer = Namer()
    nfc, nfd = unicodedata.normalize("NFC", "José"), unicodedata.normalize("NFD", "José")
    assert nfc != nfd
    got = [namer.take(n, "row") for n in ("Anna", "ANNA", nfc, nfd, "", "")]
    assert got == ["anna", "anna-2", "josé", "josé-2", "row", "row-2"]
    assert all(unicodedata.is_normalized("NFC", g) for g in got)


def test_suffixed_long_names_stay_within_the_limit() -> None:
    namer = Namer()
    names = [namer.take("x" * 300, "row") for _ in range(12)]
    assert len(set(names)) == 12
    assert max(len(n.encode()) for n in names) <= MAX_BYTES
