"""The language of a row's letter: the documented fallback chain, never silent (batch/languages.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from appeal_gen.batch.languages import chain, choose, parse_fallback
from appeal_gen.errors import UsageError

from ..conftest import EXAMPLE, docx_paragraphs, run

HAS = {"en", "fr", "km"}


def _usable(lang: str) -> str | None:
    return None if lang in HAS else f"no {lang}"


def test_the_chain_goes_from_the_region_to_the_language_the_preferred_one_and_the_source(example_spec) -> None:  # type: ignore[no-untyped-def]
    assert chain(example_spec, "pt_BR", "km", ()) == ["pt_BR", "pt", "km", "en"]
    assert chain(example_spec, "pt_BR", None, ("fr", "en")) == ["pt_BR", "pt", "fr", "en"]
    assert chain(example_spec, "en", "km", ()) == ["en", "km"]


def test_choose_says_which_language_and_why(example_spec) -> None:  # type: ignore[no-untyped-def]
    kw = {"preferred": "km", "use_preferred": False, "fallback": (), "usable": _usable}
    assert choose(example_spec, "fr", **kw) == ("fr", "")
    assert choose(example_spec, "pt_BR", **kw) == (
        "km",
        "written in km, not pt_BR: no pt_BR; no pt (fallback chain: pt_BR → pt → km → en)",
    )
    assert choose(example_spec, "pt_BR", **{**kw, "fallback": ("de", "fr")})[0] == "fr"
    assert choose(example_spec, "en", **{**kw, "use_preferred": True}) == (
        "km",
        "written in km, the preferred language of the addressee (--letter-language)",
    )
    assert choose(example_spec, "de", **{**kw, "fallback": ("it",)}) == (
        None,
        "no language of the fallback chain de → it can be used: no de; no it",
    )


def test_fallback_option_is_read_as_language_codes_or_refused_by_name() -> None:
    assert parse_fallback("pt-BR, fr") == ("pt_BR", "fr")
    with pytest.raises(UsageError, match=r"^--fallback: 'x!' is not a language code \(such as fr, pt_BR\)$"):
        parse_fallback("fr,x!")


def _batch(tmp_path: Path, capsys, rows: str, *argv: str):  # type: ignore[no-untyped-def]
    lst = tmp_path / "rows.csv"
    lst.write_text(rows, encoding="utf-8")
    out = tmp_path / "out"
    code, _, err = run(
        capsys, "batch", str(EXAMPLE), "--recipients", str(lst), "-o", str(out), "--format", "docx", "--jobs", "1",
        "--quiet", *argv,
    )  # fmt: skip
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["rows"] if code != 2 else []
    return code, err, out, manifest


def test_rows_in_a_language_the_appeal_lacks_are_written_down_the_chain_with_a_note(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    rows = "id,language,name,signatory_name\nsup,pt_BR,,Ana Souza\nemb,pt-BR,Embaixada,Ana Souza\n"
    code, err, out, manifest = _batch(tmp_path, capsys, rows)
    assert code == 0
    missing = "the appeal has no 'pt_BR' text (33 fields missing); the appeal has no 'pt' text (33 fields missing)"
    # A supporter's letter to the appeal's authority: its preferred language (km); another official: the source.
    assert [(r["language"], r["message"]) for r in manifest] == [
        ("km", f"written in km, not pt_BR: {missing} (fallback chain: pt_BR → pt → km → en)"),
        ("en", f"written in en, not pt_BR: {missing} (fallback chain: pt_BR → pt → en)"),
    ]
    # On the terminal too, by line.
    assert err.splitlines()[:2] == [
        f"note: {tmp_path / 'rows.csv'}:{n}: {r['message']}" for n, r in ((2, manifest[0]), (3, manifest[1]))
    ]
    km = [t for _, t in docx_paragraphs((out / "letters" / "sup.km.docx").read_bytes())]
    assert "ខ្ញុំសូមស្នើដោយទទូចឱ្យ៖" in km  # the fixed text in the letter's language too

    code, err, out, manifest = _batch(tmp_path, capsys, rows, "--fallback", "fr")
    assert [r["language"] for r in manifest] == ["fr", "fr"]


def test_letter_language_preferred_writes_a_supporters_letter_in_the_authoritys_language(
    tmp_path: Path, capsys
) -> None:  # type: ignore[no-untyped-def]
    rows = "id,language,name,signatory_name\nsup,en,,Ann Lee\nemb,en,Embassy,Ann Lee\n"
    code, _, _, manifest = _batch(tmp_path, capsys, rows, "--letter-language", "preferred")
    assert code == 0
    assert [(r["language"], r["message"]) for r in manifest] == [
        ("km", "written in km, the preferred language of the addressee (--letter-language)"),
        ("en", ""),  # not to the appeal's authority: the row's language
    ]


@pytest.mark.parametrize(
    ("rows", "column", "message"),
    [
        ("id,letter,name,signatory_name\nx,postcard,Embassy,Ann\n", "letter",
         "unknown kind of letter 'postcard'; use one of: supporter, organisation"),
        ("id,letter,name\nx,supporter,Embassy\n", "signatory_name",
         "a supporter's letter is signed by the supporter: fill in 'signatory_name', or make it an organisation's "
         "letter (letter: organisation)"),
    ],
)  # fmt: skip
def test_a_bad_letter_cell_fails_its_row_by_name(tmp_path: Path, capsys, rows: str, column: str, message: str) -> None:  # type: ignore[no-untyped-def]
    code, err, _, manifest = _batch(tmp_path, capsys, rows)
    assert code == 1
    assert err.splitlines()[0] == f"{tmp_path / 'rows.csv'}:2: {column}: {message}"
    assert manifest[0]["message"] == message


def test_a_bad_fallback_exits_2_and_writes_nothing(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    code, err, out, _ = _batch(tmp_path, capsys, "name\nA\n", "--fallback", "fr,??")
    assert (code, err) == (2, "--fallback: '??' is not a language code (such as fr, pt_BR)\n")
    assert not out.exists()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--letter-kind", "postcard"], "argument --letter-kind: invalid choice: 'postcard'"),
        (["--letter-language", "mine"], "argument --letter-language: invalid choice: 'mine'"),
    ],
)
def test_bad_letter_options_exit_2_and_write_nothing(tmp_path: Path, capsys, argv: list[str], message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SystemExit) as exit_:
        _batch(tmp_path, capsys, "name\nA\n", *argv)
    assert exit_.value.code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
