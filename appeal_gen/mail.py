"""Email drafts (.eml, RFC 5322) of personalised letters, for the user's own mail client.

A draft is what Thunderbird, Outlook or Apple Mail opens for the user to
check and send (``X-Unsent: 1`` makes Outlook open it as a draft), and what
``appeal-gen send`` sends (without that header; appeal_gen/sending). A draft is bytes like every other output, so
it is deterministic too: the Date is the appeal's date and the Message-ID
and MIME boundary are derived from the content, never from the clock or a
random number.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime

from .document import Letter
from .errors import SpecError, SpecErrors
from .mailheaders import POLICY, MailError, header, header_text
from .spec import Spec

__all__ = ["MailError", "Sender", "body_html", "body_text", "check_spec", "draft", "sender_of"]


def check_spec(spec: Spec) -> None:
    """Refuse, before any letter is made, a spec whose title (or ``letter.subject``) cannot be a draft's Subject.

    The title (in each of its languages) is the Subject of every draft in
    that language; a line break or control character in it (written, or
    hidden in an RFC 2047 encoded word) is one problem of the spec, to be
    reported once with its line, not as an error on every row. (The
    issuer's address, the From, is checked when the spec is read.)
    """
    errors = []
    # A supporter's draft has the model letter's subject instead (letters.py).
    subjects = [spec.title, *([spec.letter.subject] if spec.letter and spec.letter.subject else [])]
    for title, lang, value in ((t, lang, v) for t in subjects for lang, v in t.values.items()):
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
    """The letter as an e-mail's plain text: from its salutation on, wrapped at 72 columns (render/text.py)."""
    from .render.text import text

    return text(letter, email=True)


def body_html(letter: Letter) -> str:
    """The letter as an e-mail's HTML: the same blocks as ``body_text``, marked up (render/html.py)."""
    from .render.html import render_html

    return render_html(letter, email=True).decode("utf-8")


@dataclass(frozen=True)
class Sender:
    """Who a draft is from: the spec's first issuer with an address, or ``--from``/``--reply-to``."""

    address: str | None = None
    #: The name shown with the address (the issuer's name in the letter's language when empty).
    name: str = ""
    reply_to: str | None = None
    #: Where the address came from, for errors.
    field: str = "issuers.email"


def sender_of(spec: Spec, lang: str, address: str | None = None, reply_to: str | None = None) -> Sender:
    """Who the drafts in *lang* are from: *address* (``--from``) or the first issuer with an e-mail address.

    The name shown is that issuer's name in *lang*: the organisation the
    letter speaks for, also when it is sent through another address.
    """
    issuer = next((i for i in spec.issuers if i.email), None)
    return Sender(
        address or (issuer.email if issuer else None),
        name=(issuer.name.get(lang) or "") if issuer else "",
        reply_to=reply_to,
        field="--from" if address else "issuers.email",
    )


def _transfer_encoding(text: str) -> str:
    """Quoted-printable for mostly-ASCII text (readable as it is), base64 for the rest.

    Arabic, Khmer or Chinese in quoted-printable is three times its size
    (every byte written "=XX") and the slowest part of writing a draft;
    base64 is a third larger than the text, whatever the script.
    """
    extra = len(text.encode("utf-8")) - len(text)
    return "base64" if extra > len(text) // 4 else "quoted-printable"


def draft(
    letter: Letter,
    *,
    to: str,
    sender: str | Sender | None,
    date: _dt.date,
    attachment: bytes,
    filename: str,
    row: str = "",
) -> bytes:
    """One draft: ``multipart/alternative`` (text, then HTML) with the letter's PDF attached.

    The Message-ID is a digest of the row (*row*: its file stem, unique in a
    batch), the recipient and every byte of the message's content, so the
    same row of the same run gets the same ID every time: ``appeal-gen
    send`` and the recipient's server can tell a message from its copy.
    Its domain is the From address's, as mail servers expect.
    """
    if not isinstance(sender, Sender):
        sender = Sender(sender)
    text = body_text(letter)
    html = body_html(letter)
    digest = hashlib.sha256(
        b"\0".join([row.encode(), to.encode(), text.encode(), html.encode(), attachment])
    ).hexdigest()
    domain = sender.address.rpartition("@")[2] if sender.address else "appeal-gen.invalid"
    msg = EmailMessage(policy=POLICY)
    # Every header through the one builder (mailheaders.header), whatever made its value.
    msg["To"] = header("To", to, field="row.email")
    if sender.address:
        name = sender.name or letter.issuer_names
        msg["From"] = header("From", sender.address, display_name=name, field=sender.field)
    if sender.reply_to:
        msg["Reply-To"] = header("Reply-To", sender.reply_to, field="reply_to")
    msg["Subject"] = header("Subject", letter.title.text, field=letter.title.field or "title")
    msg["Date"] = header("Date", format_datetime(_dt.datetime.combine(date, _dt.time(9, 0), tzinfo=_dt.UTC)))
    msg["Message-ID"] = header("Message-ID", f"<{digest[:32]}@{domain}>")
    msg["X-Unsent"] = header("X-Unsent", "1")
    msg.set_content(text, subtype="plain", charset="utf-8", cte=_transfer_encoding(text))
    msg.add_alternative(html, subtype="html", charset="utf-8", cte=_transfer_encoding(html))
    msg.add_attachment(attachment, maintype="application", subtype="pdf", filename=filename)
    # After the parts exist: set_content would drop a Content-* header set earlier.
    msg["Content-Language"] = header("Content-Language", letter.bcp47)
    # Boundaries from the content, never random: the same letter gives the same bytes.
    for i, part in enumerate(p for p in msg.walk() if p.is_multipart()):
        part.set_boundary(f"=_appeal-gen_{i}_{digest[32:56]}")
    return msg.as_bytes()
