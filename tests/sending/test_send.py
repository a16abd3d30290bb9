"""``appeal-gen send`` against a real SMTP server (aiosmtpd) on 127.0.0.1: each draft once, in its language."""

from __future__ import annotations

import email
import email.policy
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from ..conftest import ROOT, run
from .conftest import self_signed

FAST = ["--rate", "60000", "--retry-wait", "0.01"]


def _manifest(out: Path) -> dict[str, dict]:  # type: ignore[type-arg]
    rows = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["rows"]
    return {r["id"]: r for r in rows if r["files"].get("eml")}


def _received(server) -> list[email.message.EmailMessage]:  # type: ignore[no-untyped-def]
    return [email.message_from_bytes(raw, policy=email.policy.default) for _, _, raw in server.handler.messages]  # type: ignore[misc]


def test_every_draft_delivered_once_in_its_language_with_its_pdf(drafts: Path, smtp_server, capsys) -> None:  # type: ignore[no-untyped-def]
    server = smtp_server()
    code, out, _ = run(capsys, "send", str(drafts), "--smtp", server.url, "--no-tls", *FAST)
    assert (code, out) == (0, "send: 14 sent; 0 already sent\n")
    rows = _manifest(drafts)
    got = _received(server)
    assert len(got) == len(rows) == 14
    by_id = {str(m["Message-ID"]): m for m in got}
    for row in rows.values():
        eml = (drafts / row["files"]["eml"]["path"]).read_bytes()
        draft = email.message_from_bytes(eml, policy=email.policy.default)
        msg = by_id[str(draft["Message-ID"])]
        assert msg["To"] == draft["To"] and msg["Content-Language"] == draft["Content-Language"]
        # The letter's language, with the region its conventions give (the example writes en as en_IE).
        assert str(msg["Content-Language"]).split("-")[0] == row["language"].split("_")[0]
        assert msg["Subject"] == draft["Subject"] and "X-Unsent" not in msg
        assert msg.get_content_type() == "multipart/mixed"
        html = msg.get_body(("html",)).get_content()  # type: ignore[union-attr]
        assert f'<html lang="{msg["Content-Language"]}"' in html
        text = msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        assert text.splitlines()[0] in html  # the salutation in both parts
        (pdf,) = msg.iter_attachments()
        assert pdf.get_content() == (drafts / row["files"]["pdf"]["path"]).read_bytes()
        assert row["send"]["status"] == "sent" and row["send"]["reply"] == "250 2.0.0 queued"
    assert {r["language"] for r in rows.values()} == {"en", "fr", "es", "ru", "ar", "km", "zh"}
    # The same command again sends nothing.
    code, out, _ = run(capsys, "send", str(drafts), "--smtp", server.url, "--no-tls", *FAST)
    assert (code, out) == (0, "send: 0 sent; 14 already sent\n")
    assert len(server.handler.messages) == 14


def test_kill_mid_send_then_rerun_gives_exactly_one_copy(drafts: Path, smtp_server) -> None:  # type: ignore[no-untyped-def]
    server = smtp_server()
    argv = [sys.executable, "-m", "appeal_gen", "send", str(drafts), "--smtp", server.url, "--no-tls", *FAST]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def kill_at_five(count: int) -> None:
        if count == 5:  # the fifth message is in, its 250 not yet out: the ambiguous moment
            os.kill(proc.pid, signal.SIGKILL)

    server.handler.on_message = kill_at_five
    proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    assert len(server.handler.messages) == 5
    server.handler.on_message = None
    done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    ids = Counter(str(m["Message-ID"]) for m in _received(server))
    assert len(ids) == 14 and set(ids.values()) == {1}, ids
    # The fifth is unconfirmed: not sent again, said so, and recorded in the manifest.
    fifth = [r for r in _manifest(drafts).values() if r["send"]["status"] == "unconfirmed"]
    assert len(fifth) == 1
    assert done.returncode == 1
    assert done.stdout == f"send: 9 sent; 4 already sent; 1 unconfirmed ({fifth[0]['id']})\n"


def test_kill_before_the_message_is_handed_over_sends_it_on_rerun(drafts: Path, smtp_server) -> None:  # type: ignore[no-untyped-def]
    server = smtp_server()
    argv = [sys.executable, "-m", "appeal_gen", "send", str(drafts), "--smtp", server.url, "--no-tls", *FAST]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def kill_at_third_recipient(count: int) -> None:
        if count == 3:  # the third message has started (journal: sending), its content not sent
            os.kill(proc.pid, signal.SIGKILL)

    server.handler.on_rcpt = kill_at_third_recipient
    proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    assert len(server.handler.messages) == 2
    server.handler.on_rcpt = None
    done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout) == (0, "send: 12 sent; 2 already sent\n")
    ids = Counter(str(m["Message-ID"]) for m in _received(server))
    assert len(ids) == 14 and set(ids.values()) == {1}, ids


def test_rate_limits_messages_per_minute(drafts: Path, smtp_server, capsys) -> None:  # type: ignore[no-untyped-def]
    server = smtp_server()
    only = ["--only", "emb-london", "sup-0101", "sup-0103"]
    start = time.monotonic()
    code, _, _ = run(capsys, "send", str(drafts), "--smtp", server.url, "--no-tls", "--rate", "120", *only)
    elapsed = time.monotonic() - start
    assert code == 0 and len(server.handler.messages) == 3
    assert 1.0 <= elapsed < 3.0  # one every 0.5 s: two waits


def test_451_then_250_is_retried(drafts: Path, smtp_server, capsys) -> None:  # type: ignore[no-untyped-def]
    server = smtp_server()
    server.handler.data_answers = ["451 4.7.1 greylisted, try again later"]
    code, out, err = run(capsys, "send", str(drafts), "--smtp", server.url, "--no-tls", "--only", "emb-london", *FAST)
    assert (code, out) == (0, "send: 1 sent; 0 already sent\n")
    assert "letters/emb-london.en.eml: 451 4.7.1 greylisted, try again later; trying again in 0.01 s" in err
    assert len(server.handler.messages) == 1
    assert _manifest(drafts)["emb-london"]["send"]["status"] == "sent"


def test_550_is_recorded_and_not_retried_unless_asked(drafts: Path, smtp_server, capsys) -> None:  # type: ignore[no-untyped-def]
    server = smtp_server()
    server.handler.refuse["chidi.okafor@example.org"] = "550 5.1.1 no such user"
    code, out, _ = run(capsys, "send", str(drafts), "--smtp", server.url, "--no-tls", *FAST)
    assert (code, out) == (1, "send: 13 sent; 0 already sent; 1 failed (sup-0101)\n")
    assert _manifest(drafts)["sup-0101"]["send"] == {
        "status": "failed",
        "reply": "550 5.1.1 no such user",
        "message_id": _manifest(drafts)["sup-0101"]["send"]["message_id"],
    }
    code, out, _ = run(capsys, "send", str(drafts), "--smtp", server.url, "--no-tls", *FAST)
    assert (code, out) == (1, "send: 0 sent; 13 already sent; 1 failed (sup-0101)\n")
    del server.handler.refuse["chidi.okafor@example.org"]
    code, out, _ = run(capsys, "send", str(drafts), "--smtp", server.url, "--no-tls", "--retry-failed", *FAST)
    assert (code, out) == (0, "send: 1 sent; 13 already sent\n")
    assert len(server.handler.messages) == 14


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")  # a loopback test server
def test_authentication_failure_stops_at_once(drafts: Path, smtp_server, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from aiosmtpd.smtp import AuthResult

    def check(server, session, envelope, mechanism, auth_data):  # type: ignore[no-untyped-def]
        return AuthResult(success=auth_data.password == b"right", handled=False)  # handled: the server answers 535

    server = smtp_server(authenticator=check, auth_required=True, auth_require_tls=False)
    monkeypatch.setenv("APPEAL_GEN_SMTP_PASSWORD", "wrong")
    url = f"smtp://campaigns@127.0.0.1:{server.port}"
    code, out, err = run(capsys, "send", str(drafts), "--smtp", url, "--no-tls", *FAST)
    assert code == 2 and out == ""
    assert (
        err
        == f"127.0.0.1:{server.port} refused the login of 'campaigns': 535 5.7.8 Authentication credentials invalid\n"
    )
    assert server.handler.messages == []
    monkeypatch.setenv("APPEAL_GEN_SMTP_PASSWORD", "right")
    code, out, _ = run(capsys, "send", str(drafts), "--smtp", url, "--no-tls", *FAST)
    assert (code, out) == (0, "send: 14 sent; 0 already sent\n")


def test_starttls_with_a_self_signed_certificate_only_when_trusted(
    drafts: Path, smtp_server, capsys, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    cert, context = self_signed(tmp_path)
    server = smtp_server(tls_context=context, require_starttls=True)
    url = f"smtp://localhost:{server.port}"
    code, out, err = run(capsys, "send", str(drafts), "--smtp", url, "--only", "emb-london", *FAST)
    assert code == 1 and out == ""
    assert err.startswith(f"localhost:{server.port}: the server's certificate is not trusted (self-signed certificate)")
    assert err.endswith("name its certificate with --cafile\n")
    assert server.handler.messages == []
    code, out, _ = run(capsys, "send", str(drafts), "--smtp", url, "--cafile", str(cert), "--only", "emb-london", *FAST)
    assert (code, out) == (0, "send: 1 sent; 0 already sent\n")
    assert len(server.handler.messages) == 1


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--smtp", "smtp://u:secret@127.0.0.1"], "--smtp: a password is not taken from the command line"),
        (["--smtp", "smtp://192.0.2.1", "--no-tls"], "--no-tls: 192.0.2.1 is not this machine"),
        (["--smtp", "http://127.0.0.1"], "--smtp: 'http://127.0.0.1' is not smtp://[user@]host[:port]"),
        (["--smtp", "smtp://127.0.0.1", "--no-tls", "--only", "nobody"], "--only: no row with the id nobody"),
    ],
)
def test_bad_arguments_exit_2_and_send_nothing(drafts: Path, capsys, argv: list[str], message: str) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run(capsys, "send", str(drafts), *argv)
    assert code == 2 and out == "" and err.startswith(message) and err.count("\n") == 1
    assert not (drafts / ".appeal-gen" / "send.jsonl").exists()


def test_dry_run_lists_and_sends_nothing(drafts: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run(capsys, "send", str(drafts), "--smtp", "smtp://127.0.0.1:9", "--no-tls", "--dry-run")
    assert (code, out) == (0, "send: 14 to send, 0 already sent (dry run: nothing sent)\n")
    assert "would send letters/emb-london.en.eml to embassy.london@example.org (<" in err
    assert not (drafts / ".appeal-gen" / "send.jsonl").exists()
