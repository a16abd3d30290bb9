"""The letter as plain text wrapped for e-mail: 72 columns, in the PDF's order.

Pure (a letter in, bytes out), from the same ``document.Letter`` as the PDF
and DOCX, walked in their order (render/flow.py). Lines are broken where
the language allows it (ICU's line breaker: at spaces, between Chinese
characters, at Khmer word boundaries from its dictionary) and filled to 72
terminal columns (a Chinese character takes two, a combining mark none);
a word longer than a line stays whole. Right-to-left text is left in
logical order: the reader's mail client puts it in display order, and
reordering here would print it backwards there.
"""

from __future__ import annotations

import functools
import unicodedata

from ..document import Letter
from ..markup import Para
from .flow import Block, blocks
from .registry import RenderRequest

WIDTH = 72


def render_text(letter: Letter) -> bytes:
    """*letter* as UTF-8 text, blocks separated by a blank line, ``\\n`` line ends."""
    return text(letter).encode("utf-8")


def render_request(request: RenderRequest) -> bytes:
    """The text format's entry in ``render.registry``."""
    return render_text(request.letter)


def text(letter: Letter, *, email: bool = False) -> str:
    """*letter* as plain text; with *email*, the body of an e-mail (``flow.blocks``)."""
    return "\n\n".join(_block(b, letter.lang) for b in blocks(letter, email=email)) + "\n"


def _block(block: Block, lang: str) -> str:
    kind, paras = block.kind, block.paras
    if kind == "demands":
        return "\n".join(_wrap(p.text, lang, indent=n + " ") for n, p in zip(block.numbers, paras, strict=True))
    if kind in ("head", "address", "addressee", "signatory"):
        return "\n".join(_wrap(p.text, lang) for p in paras)
    if kind == "link":
        return "\n".join(_wrap(_link(p), lang) for p in paras)
    body = "\n".join(_wrap(p.text, lang) for p in paras)
    if kind in ("title", "heading"):
        rule = "=" if kind == "title" else "-"
        return body + "\n" + rule * min(WIDTH, max(map(width, body.splitlines()), default=0))
    return body


def _link(p: Para) -> str:
    url = next((r.url for r in p.runs if r.url), None)
    return f"{p.text} <{url}>" if url else p.text


def width(text: str) -> int:
    """Terminal columns of *text*: wide East Asian characters two, combining marks and format characters none."""
    return sum(_char_width(c) for c in text)


@functools.lru_cache(maxsize=8192)
def _char_width(ch: str) -> int:
    if unicodedata.category(ch) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


@functools.lru_cache(maxsize=4096)
def _wrap(text: str, lang: str, indent: str = "") -> str:
    """*text* in lines of at most ``WIDTH`` columns, continuation lines indented like the first line's *indent*.

    Memoised: a batch's letters share all but a few paragraphs.
    """
    if width(indent + text) <= WIDTH:
        return indent + text
    hang = " " * width(indent)
    lines: list[str] = []
    line = indent
    for piece in _pieces(text, lang):
        if line.strip() and width(line + piece.rstrip()) > WIDTH:
            lines.append(line.rstrip())
            line = hang
        line += piece
    lines.append(line.rstrip())
    return "\n".join(lines)


def _pieces(text: str, lang: str) -> list[str]:
    """*text* cut where a line may end: ICU's break opportunities, less those inside an ASCII word.

    ICU allows a break after the "/" and "-" of a URL or an address; a URL cut
    in two no longer works when clicked, so a break is kept between two ASCII
    characters only after a space.
    """
    from icu4py.breakers import LineBreaker
    from icu4py.locale import Locale

    pieces: list[str] = []
    for a, b in LineBreaker(text, Locale(lang)).segments():
        piece = text[a:b]
        if pieces and pieces[-1][-1:].isascii() and not pieces[-1][-1:].isspace() and piece[:1].isascii():
            pieces[-1] += piece
        else:
            pieces.append(piece)
    return pieces
