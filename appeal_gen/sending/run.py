"""``appeal-gen send``: the drafts a batch wrote, sent once each, at a polite pace.

The batch's ``manifest.json`` says which rows have a draft, where, and
its SHA-256; a draft changed since (or missing) is not sent. Each message
goes through the journal (journal.py) before and after it is handed
over. Answers: 250 is sent; 4xx is retried after a wait that doubles
(``--retries``), then left *deferred* for the next run; 5xx is *failed*,
with the server's answer, and the run goes on with the next row; a
refused login stops the run at once. Every row's status and the server's
answer go into the manifest (``send`` in manifest.json).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import smtplib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

from ..errors import UsageError
from ..output import OutputError, safe_path, write_atomic
from .journal import DEFERRED, DONE, FAILED, STARTED, UNCONFIRMED, Journal
from .smtp import PASSWORD_ENV, SendError, Server, connect, credentials, parse_url, reply_text

#: A draft's path in the manifest: ``letters/<stem>.<lang>.eml``, nothing else.
_DRAFT = re.compile(r"letters/([^/\x00]+\.eml)")
_CRLF = re.compile(rb"\r\n|\r|\n")
_UNSENT = re.compile(rb"^X-Unsent: 1\r\n", re.MULTILINE | re.IGNORECASE)


@dataclass(frozen=True)
class SendOptions:
    smtp: str = ""
    #: Messages per minute: at most one every 60/rate seconds. Conservative: providers throttle or block bursts.
    rate: float = 20.0
    no_tls: bool = False
    cafile: str | None = None
    dry_run: bool = False
    only: tuple[str, ...] = ()
    retry_failed: bool = False
    #: Attempts after a temporary (4xx) answer, and the first wait (doubled each time), in seconds.
    retries: int = 3
    retry_wait: float = 30.0
    password_env: str = PASSWORD_ENV


@dataclass
class SendResult:
    sent: int = 0
    skipped: int = 0
    failed: list[str] = field(default_factory=list)
    deferred: list[str] = field(default_factory=list)
    unconfirmed: list[str] = field(default_factory=list)
    planned: list[str] = field(default_factory=list)


@dataclass
class _Message:
    row: str
    language: str
    path: str
    data: bytes
    message_id: str
    sender: str
    to: str
    record: dict[str, Any]


def send(
    outdir: Path,
    options: SendOptions,
    *,
    report: Callable[[str], None] = lambda _: None,
    sleep: Callable[[float], None] = time.sleep,
) -> SendResult:
    """Send the drafts in *outdir* (a batch's output folder) that the journal has not seen through."""
    server = parse_url(options.smtp, no_tls=options.no_tls)
    if options.rate <= 0:
        raise UsageError(f"--rate: expected messages per minute above 0, not {options.rate:g}")
    manifest_path = safe_path(outdir, "manifest.json", make_folders=False)
    manifest = _read_manifest(manifest_path)
    messages = _drafts(outdir, manifest, options.only)
    result = SendResult()
    journal = Journal(outdir, read_only=options.dry_run)
    try:
        todo = []
        for m in messages:
            last = journal.last(m.message_id)
            step = last.get("state") if last else None
            if step == DONE:
                result.skipped += 1
            elif step == FAILED and not options.retry_failed:
                result.failed.append(m.row)
            elif step == UNCONFIRMED and m.row not in options.only:
                result.unconfirmed.append(m.row)
            else:
                todo.append(m)
        if options.dry_run:
            for m in todo:
                result.planned.append(m.row)
                report(f"would send {m.path} to {m.to} ({m.message_id})")
            return result
        if todo:
            _send_all(server, options, todo, journal, result, report, sleep)
    finally:
        if not options.dry_run:
            _record(manifest_path, manifest, messages, journal)
        journal.close()
    return result


def _send_all(
    server: Server,
    options: SendOptions,
    todo: list[_Message],
    journal: Journal,
    result: SendResult,
    report: Callable[[str], None],
    sleep: Callable[[float], None],
) -> None:
    login = credentials(server, options.password_env)
    conn: smtplib.SMTP | None = None
    interval = 60.0 / options.rate
    last_start: float | None = None
    try:
        for m in todo:
            for attempt in range(options.retries + 1):
                if last_start is not None:
                    wait = last_start + interval - time.monotonic()
                    if wait > 0:
                        sleep(wait)
                last_start = time.monotonic()
                if conn is None:
                    conn = connect(server, no_tls=options.no_tls, cafile=options.cafile, login=login)
                journal.write(m.message_id, STARTED, row=m.row, eml=m.path)
                code, answer = _transaction(conn, m, journal)
                if code == 250:
                    journal.write(m.message_id, DONE, reply=answer)
                    result.sent += 1
                    report(f"sent {m.path} to {m.to}: {answer}")
                    break
                if code < 0:  # the connection broke before the final "."
                    conn = None
                if 400 <= code < 500 or code < 0:
                    if attempt < options.retries:
                        delay = options.retry_wait * 2**attempt
                        report(f"{m.path}: {answer}; trying again in {delay:g} s")
                        sleep(delay)
                        continue
                    journal.write(m.message_id, DEFERRED, reply=answer)
                    result.deferred.append(m.row)
                else:
                    journal.write(m.message_id, FAILED, reply=answer)
                    result.failed.append(m.row)
                report(f"not sent {m.path} to {m.to}: {answer}")
                break
    finally:
        if conn is not None:
            try:
                conn.quit()
            except (OSError, smtplib.SMTPException):
                conn.close()


def _transaction(conn: smtplib.SMTP, m: _Message, journal: Journal) -> tuple[int, str]:
    """MAIL, RCPT and DATA for *m*; the journal's ``committing`` goes down just before the final ".".

    smtplib's ``sendmail`` sends the message and its final "." in one go;
    the journal must be written between them, so DATA is spoken here.
    Returns the server's answer; a negative code for a broken connection
    before the final "." (the message was not accepted: it can be sent
    again). A connection lost after the "." raises SendError: the message
    stays unconfirmed.
    """
    try:
        code, msg = conn.mail(m.sender)
        if code != 250:
            conn.rset()
            return code, reply_text(code, msg)
        code, msg = conn.rcpt(m.to)
        if code not in (250, 251):
            conn.rset()
            return code, reply_text(code, msg)
        conn.putcmd("data")
        code, msg = conn.getreply()
        if code != 354:
            conn.rset()
            return code, reply_text(code, msg)
        body = re.sub(rb"(?m)^\.", b"..", _CRLF.sub(b"\r\n", m.data))
        if not body.endswith(b"\r\n"):
            body += b"\r\n"
        conn.send(body)
    except (OSError, smtplib.SMTPServerDisconnected) as exc:
        return -1, f"connection lost: {exc}"
    journal.write(m.message_id, UNCONFIRMED)
    try:
        conn.send(b".\r\n")
        code, msg = conn.getreply()
    except (OSError, smtplib.SMTPServerDisconnected) as exc:
        raise SendError(
            f"{m.path}: the connection was lost after the message was handed over ({exc}); it is left "
            "unconfirmed (see docs/email.md)"
        ) from None
    return code, reply_text(code, msg)


def _read_manifest(path: Path) -> dict[str, Any]:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
        with open(fd, "rb") as fh:
            data: dict[str, Any] = json.load(fh)
    except FileNotFoundError:
        raise UsageError(
            f"{path}: no batch manifest here; give the -o folder of 'appeal-gen batch ... --eml'"
        ) from None
    except (OSError, ValueError) as exc:
        raise UsageError(f"{path}: cannot read the batch manifest: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("rows"), list):
        raise UsageError(f"{path}: not a batch manifest (no rows)")
    return data


def _drafts(outdir: Path, manifest: dict[str, Any], only: Sequence[str]) -> list[_Message]:
    """The rows with a draft, read and checked against the manifest's hash, in the manifest's order."""
    ids = [str(r.get("id") or "") for r in manifest["rows"] if isinstance(r, dict)]
    unknown = [i for i in only if i not in ids]
    if unknown:
        raise UsageError(f"--only: no row with the id {', '.join(unknown)} in the manifest")
    out = []
    for record in manifest["rows"]:
        if not isinstance(record, dict):
            continue
        row = str(record.get("id") or record.get("line"))
        if only and row not in only:
            continue
        eml = (record.get("files") or {}).get("eml") or {}
        match = _DRAFT.fullmatch(str(eml.get("path", "")))
        if record.get("status") != "ok" or not match:
            continue
        path = safe_path(outdir, "letters", match.group(1), make_folders=False)
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
            with open(fd, "rb") as fh:
                data = fh.read()
        except OSError as exc:
            raise OutputError.from_os(exc, str(path)) from None
        if hashlib.sha256(data).hexdigest() != eml.get("sha256"):
            raise UsageError(
                f"{path}: changed since the batch wrote it (its SHA-256 is not the manifest's); "
                "rerun the batch, or restore the draft"
            )
        headers = BytesHeaderParser(policy=default_policy).parsebytes(data)
        sender = headers["From"].addresses[0].addr_spec if headers["From"] else ""
        to = headers["To"].addresses[0].addr_spec if headers["To"] else ""
        message_id = str(headers["Message-ID"] or "")
        if not (to and message_id):
            raise UsageError(f"{path}: not a draft of appeal-gen (no To or Message-ID)")
        out.append(
            _Message(
                row,
                str(record.get("language", "")),
                f"letters/{match.group(1)}",
                _UNSENT.sub(b"", data, 1),
                message_id,
                sender,
                to,
                record,
            )
        )
    return out


def _record(path: Path, manifest: dict[str, Any], messages: list[_Message], journal: Journal) -> None:
    """Each row's send status and the server's answer into manifest.json (``send``), replaced whole."""
    by_row = {id(m.record): m for m in messages}
    changed = False
    for record in manifest["rows"]:
        m = by_row.get(id(record)) if isinstance(record, dict) else None
        if m is None:
            continue
        last = journal.last(m.message_id)
        if last is None:
            continue
        status = {DONE: "sent", FAILED: "failed", DEFERRED: "deferred", UNCONFIRMED: "unconfirmed"}.get(
            last.get("state", ""), "not sent"
        )
        record["send"] = {"status": status, "reply": last.get("reply", ""), "message_id": m.message_id}
        changed = True
    if changed:
        write_atomic(path, json.dumps(manifest, ensure_ascii=False, indent=None).encode("utf-8") + b"\n")
