"""A letter as a list of blocks in the PDF's reading order, for the renderers that write text (HTML, plain text).

The PDF (render/pdfdocument.py) puts a letter together as letterhead,
address, dateline, title, status, salutation, sections, concern, urge,
demands, then either the signature (a personal letter) or the appeal's
instructions (whom to write to, copies, deadline), then previous appeals.
The HTML and text renderers walk this one list, so the two cannot put
anything in another order than each other, and both follow the PDF.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..document import Addressee, Letter
from ..markup import Para, Run

#: What an e-mail's headers say instead (``blocks(..., email=True)``).
_NOT_IN_EMAIL = frozenset({"head", "address", "dateline", "title", "status"})


@dataclass(frozen=True)
class Block:
    """One block of a letter: *kind* says how it looks, *paras* what it says.

    Kinds: ``head`` (the letterhead: issuers and contacts, then the label
    and reference), ``address``, ``dateline``, ``title``, ``status``,
    ``salutation``, ``heading`` and ``subheading``, ``para``, ``urge``,
    ``demands`` (*numbers* holds each demand's number), ``addressee``,
    ``deadline``, ``closing``, ``signatory``, ``link``.
    """

    kind: str
    paras: tuple[Para, ...]
    numbers: tuple[str, ...] = ()


def _plain(text: str, field: str | None = None, *, bold: bool = False) -> Para:
    return Para((Run(text, bold=bold),), field)


def blocks(letter: Letter, *, email: bool = False) -> list[Block]:
    """Every block of *letter*, in reading order.

    With *email*, the blocks of an e-mail's body: a message starts with its
    salutation (its Subject is the title; the sender's address and the
    date are its headers), so the letterhead, address block, dateline and
    status are left out, and an appeal without a recipient starts with its
    title. What follows is the letter's own order.
    """
    if email:
        return [
            b for b in blocks(letter) if b.kind not in _NOT_IN_EMAIL or (b.kind == "title" and not letter.recipient)
        ]
    rcpt = letter.recipient
    out = []
    if letter.kind != "supporter":  # a supporter's letter has no letterhead (letters.py)
        out.append(
            Block(
                "head",
                (
                    _plain(letter.issuer_names, "issuers", bold=True),
                    *(_plain(c, "issuers") for c in letter.issuer_contact),
                    _plain(letter.label_urgent.upper(), bold=True),
                    _plain(letter.reference, "reference"),
                ),
            )
        )
    if rcpt:
        out.append(Block("address", rcpt.address))
    out += [Block("dateline", (_plain(letter.dateline, "dateline"),)), Block("title", (letter.title,))]
    if letter.status:
        out.append(Block("status", (letter.status,)))
    if rcpt:
        out.append(Block("salutation", (rcpt.salutation,)))
    out.extend(Block("para", (p,)) for p in letter.opening)
    for section in letter.sections:
        out.append(Block("subheading" if section.subheading else "heading", (section.heading,)))
        out.extend(Block("para", (p,)) for p in section.paras)
    out.extend(Block("para", (p,)) for p in letter.concern)
    out.append(Block("urge", (letter.urge,)))
    out.append(Block("demands", tuple(d for _, d in letter.demands), tuple(n for n, _ in letter.demands)))
    out.extend(Block("para", (p,)) for p in letter.after_demands)
    if rcpt:
        out.append(Block("closing", rcpt.closing))
        out.append(Block("signatory", rcpt.signatory))
    else:
        out.append(Block("heading", (letter.write_to_heading,)))
        out.extend(_addressee(a) for a in letter.addressees)
        if letter.copies_heading:
            out.append(Block("heading", (letter.copies_heading,)))
            out.extend(_addressee(a) for a in letter.copies)
        if letter.deadline:
            out.append(Block("deadline", (letter.deadline,)))
    if letter.links_heading:
        out.append(Block("heading", (letter.links_heading,)))
        out.extend(Block("link", (p,)) for p in letter.links)
    return out


def _addressee(a: Addressee) -> Block:
    return Block("addressee", (*a.lines, *a.contact, *((a.salutation,) if a.salutation else ())))
