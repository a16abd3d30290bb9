"""Email drafts (.eml, RFC 5322) of personalised letters, for the user's own mail client.

appeal-gen never sends mail: it writes a draft that Thunderbird, Outlook or
Apple Mail opens for the user to check and send (``X-Unsent: 1`` makes
Outlook open it as a draft). A draft is bytes like every other output, so
it is deterministic too: the Date is the appeal's date and the Message-ID
and MIME boundary are derived from the content, never from the clock or a
random number.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
from email.message import EmailMessage
from email.utils import format_datetime

from .document import Letter
from .errors import SpecError, SpecErrors
from .mailheaders import POLICY, MailError, header, header_text
from .markup import Para
from .spec import Spec

__all__ = ["MailError", "body_text", "check_spec", "draft"]


def check_spec(spec: Spec) -> None:
    """Refuse, before any letter is made, a spec whose title cannot be every draft's Subject.

    The title (in each of its languages) is the Subject of every draft in
    that language; a line break or control character in it (written, or
    hidden in an RFC 2047 encoded word) is one problem of the spec, to be
    reported once with its line, not as an error on every row. (The
    issuer's address, the From, is checked when the spec is read.)
    """
    errors = []
    title = spec.title
    for lang, value in title.values.items():
        try:
            _, replaced = header_text(value)
        except MailError as exc:
            problem = exc.message
        else:
            if not replaced:
                continue
            shown = ", ".join(dict.fromkeys(replaced))
            problem = (
                f"is the Subject of every '{lang}' e-mail draft and cannot hold line breaks or control "
                f"characters ({shown}); write it on one line"
            )
        errors.append(SpecError(problem, file=spec.path, line=title.line, column=title.column, field=title.path))
    if errors:
        raise SpecErrors(errors)


def body_text(letter: Letter) -> str:
    """The letter as plain text, in reading order, paragraphs blank-line separated."""
    blocks: list[str] = []
    rcpt = letter.recipient
    if rcpt:
        blocks.append(rcpt.salutation.text)
    else:
        blocks.append(letter.title.text)  # a personal letter's title is its subject line
    for section in letter.sections:
        blocks.append(section.heading.text)
        blocks.extend(p.text for p in section.paras)
    blocks.extend(p.text for p in letter.concern)
    blocks.append(letter.urge.text)
    blocks.append("\n".join(f"{number} {demand.text}" for number, demand in letter.demands))
    if rcpt:
        blocks.append("\n".join(p.text for p in (rcpt.closing, *rcpt.signatory)))
    if letter.links:
        blocks.append("\n".join(_link(p) for p in letter.links))
    return "\n\n".join(b for b in blocks if b) + "\n"


def _link(p: Para) -> str:
    url = next((r.url for r in p.runs if r.url), None)
    return f"{p.text} <{url}>" if url else p.text


def draft(
    letter: Letter,
    *,
    to: str,
    sender: str | None,
    date: _dt.date,
    attachment: bytes,
    filename: str,
) -> bytes:
    """One draft with the letter as its plain-text body and its PDF attached."""
    body = body_text(letter)
    digest = hashlib.sha256(b"\0".join([to.encode(), body.encode(), attachment])).hexdigest()
    msg = EmailMessage(policy=POLICY)
    # Every header through the one builder (mailheaders.header), whatever made its value.
    msg["To"] = header("To", to, field="row.email")
    if sender:
        msg["From"] = header("From", sender, field="issuers.email")
    msg["Subject"] = header("Subject", letter.title.text, field=letter.title.field or "title")
    msg["Date"] = header("Date", format_datetime(_dt.datetime.combine(date, _dt.time(9, 0), tzinfo=_dt.UTC)))
    msg["Message-ID"] = header("Message-ID", f"<{digest[:32]}@appeal-gen.invalid>")
    msg["X-Unsent"] = header("X-Unsent", "1")
    msg.set_content(body, subtype="plain", charset="utf-8", cte="quoted-printable")
    msg.add_attachment(attachment, maintype="application", subtype="pdf", filename=filename)
    # After the parts exist: set_content would drop a Content-* header set earlier.
    msg["Content-Language"] = header("Content-Language", letter.bcp47)
    msg.set_boundary(f"=_appeal-gen_{digest[32:56]}")
    return msg.as_bytes()
