"""The drafts a batch writes with --eml: text and HTML alternatives, the PDF attached, headers made safely."""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

from ..conftest import EXAMPLE, run
from .conftest import RECIPIENTS


def _parse(path: Path) -> email.message.EmailMessage:
    msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert isinstance(msg, email.message.EmailMessage)
    return msg


def test_a_draft_is_text_and_html_with_the_pdf(batch_drafts: Path) -> None:
    msg = _parse(batch_drafts / "letters" / "emb-cairo.ar.eml")
    assert msg.get_content_type() == "multipart/mixed"
    alternative, pdf = msg.iter_parts()
    assert alternative.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in alternative.iter_parts()] == ["text/plain", "text/html"]
    text = msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    html = msg.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert msg["Content-Language"] == "ar"
    assert msg["Subject"] == "المركز الكمبودي لحقوق الإنسان (CCHR)"  # a supporter's: the model letter's subject
    assert (
        msg["From"] == "فرونت لاين ديفندرز <info@frontlinedefenders.org>"
    )  # the issuer's name in the letter's language
    assert '<html lang="ar" dir="rtl">' in html
    salutation = text.splitlines()[0]
    assert salutation and salutation in html
    assert pdf.get_filename() == "emb-cairo.ar.pdf"
    assert pdf.get_content() == (batch_drafts / "letters" / "emb-cairo.ar.pdf").read_bytes()
    assert str(msg["Message-ID"]).endswith("@frontlinedefenders.org>")


def test_message_ids_differ_per_row_and_repeat_per_run(batch_drafts: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    ids = {p.name: str(_parse(p)["Message-ID"]) for p in (batch_drafts / "letters").glob("*.eml")}
    assert len(set(ids.values())) == len(ids) == 14
    # In the sender's domain: servers score an ID of another (or an .invalid) domain as spam.
    assert all(i.endswith("@frontlinedefenders.org>") for i in ids.values())
    code, _, _ = run(
        capsys, "batch", str(EXAMPLE), "--recipients", str(RECIPIENTS), "-o", str(tmp_path / "again"), "--eml",
        "--jobs", "1", "--quiet",
    )  # fmt: skip
    assert code == 0
    again = {p.name: str(_parse(p)["Message-ID"]) for p in (tmp_path / "again" / "letters").glob("*.eml")}
    assert again == ids


def test_from_and_reply_to_options(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    code, _, err = run(
        capsys, "batch", str(EXAMPLE), "--recipients", str(RECIPIENTS), "-o", str(tmp_path / "o"), "--eml",
        "--jobs", "1", "--quiet", "--from", "campaigns@mail.example.org", "--reply-to", "info@frontlinedefenders.org",
    )  # fmt: skip
    assert code == 0, err
    msg = _parse(tmp_path / "o" / "letters" / "emb-paris.fr.eml")
    assert msg["From"] == "Front Line Defenders <campaigns@mail.example.org>"
    assert msg["Reply-To"] == "info@frontlinedefenders.org"
    assert str(msg["Message-ID"]).endswith("@mail.example.org>")


def test_a_bad_from_is_one_line_exit_2_and_nothing_written(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run(
        capsys, "batch", str(EXAMPLE), "--recipients", str(RECIPIENTS), "-o", str(tmp_path / "o"), "--eml",
        "--from", "a@example.org\nBcc: evil@example.org",
    )  # fmt: skip
    assert (code, out) == (2, "")
    assert err == (
        "--from: 'a@example.org\\nBcc: evil@example.org' is not one plain address (name@example.org): "
        "no spaces, quotes, <>, commas or line breaks\n"
    )
    assert not (tmp_path / "o").exists()
