"""The letter as one self-contained HTML file: for reading in a browser and as an e-mail's HTML part.

Pure (a letter in, bytes out) and drawn from the same ``document.Letter``
as the PDF and DOCX, walked in their order (render/flow.py). What mail
clients accept decides the form: every style is inline (Gmail and Outlook
drop ``<style>`` blocks and ``<head>`` links), nothing is loaded from
elsewhere (no images, fonts or scripts: a client that blocks remote content
shows the whole letter), and only plain semantic elements are used
(``h1``-``h3``, ``p``, ``ol``/``li``, ``strong``, ``em``, ``a``, ``span``).

Languages and directions are marked for screen readers and for the bidi
algorithm: ``lang`` and ``dir`` on the document, ``dir`` on a paragraph
whose own direction differs from the letter's (a phone number in an Arabic
letter), and ``lang`` and ``dir`` on every span written in another script
than the letter's (a Khmer name in an English letter, "CCHR" in an Arabic
one), found by ``scripts.foreign_spans``.
"""

from __future__ import annotations

import functools
from dataclasses import replace
from html import escape

from ..document import Letter
from ..markup import SAFE_URL, Para, Run
from ..scripts import RTL_SCRIPTS, SCRIPT_LANGUAGES, base_direction, written_script
from .flow import Block, blocks
from .registry import RenderRequest

#: Font stacks by script: the fonts the PDF embeds first, then what mail readers' systems have.
_FONTS = {
    "arabic": "'Noto Naskh Arabic','Noto Sans Arabic',Tahoma,Arial,sans-serif",
    "khmer": "'Khmer OS','Noto Sans Khmer','Khmer UI',sans-serif",
    "han": "'WenQuanYi Micro Hei','Noto Sans CJK SC','Microsoft YaHei','PingFang SC',sans-serif",
}
_LATIN_FONTS = "'Noto Sans',Arial,Helvetica,sans-serif"
ACCENT = "#B5121B"
#: Inline style per block kind (the PDF's styles, in the units mail clients know).
_STYLES = {
    "org": "margin:0;font-weight:bold;font-size:16px",
    "contact": "margin:0;font-size:12px;color:#555555",
    "label": f"margin:8px 0 0 0;font-weight:bold;font-size:13px;color:{ACCENT};letter-spacing:1px",
    "reference": "margin:0 0 12px 0;font-size:12px;color:#555555",
    "address": "margin:12px 0",
    "dateline": "margin:12px 0 4px 0;color:#555555",
    "title": f"margin:4px 0 8px 0;font-size:22px;line-height:1.3;color:{ACCENT}",
    "status": "margin:0 0 12px 0",
    "salutation": "margin:12px 0",
    "heading": "margin:20px 0 6px 0;font-size:17px",
    "subheading": "margin:14px 0 4px 0;font-size:15px",
    "para": "margin:0 0 10px 0",
    "urge": "margin:14px 0 6px 0;font-weight:bold",
    "demands": "margin:0 0 12px 0;padding:0;list-style-type:none",
    "demand": "margin:0 0 6px 0",
    "addressee": "margin:8px 0 12px 0",
    "deadline": "margin:16px 0;padding:8px 10px;background:#F6E3E4;border-{side}:3px solid " + ACCENT,
    "closing": "margin:16px 0 4px 0",
    "signatory": "margin:0 0 12px 0",
    "link": "margin:0 0 6px 0",
}


def render_html(letter: Letter, *, email: bool = False) -> bytes:
    """*letter* as a UTF-8 HTML document; with *email*, the body of an e-mail (``flow.blocks``)."""
    own = written_script(letter.lang)
    direction = "rtl" if letter.rtl else "ltr"
    side = "right" if letter.rtl else "left"
    font = _FONTS.get(own, _LATIN_FONTS)
    parts = [
        "<!DOCTYPE html>\n",
        f'<html lang="{escape(letter.bcp47)}" dir="{direction}">\n<head>\n<meta charset="utf-8">\n',
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
        f"<title>{escape(letter.title.text)}</title>\n</head>\n",
        f'<body style="margin:0;padding:0;background:#ffffff">\n<div lang="{escape(letter.bcp47)}" dir="{direction}" '
        f'style="max-width:640px;margin:0 auto;padding:16px;font-family:{font};font-size:15px;line-height:1.5;'
        f'color:#1a1a1a;text-align:{side}">\n',
    ]
    for block in blocks(letter, email=email):
        parts.append(_block(block, own, letter.rtl, side))
    parts.append("</div>\n</body>\n</html>\n")
    return "".join(parts).encode("utf-8")


def render_request(request: RenderRequest) -> bytes:
    """The HTML format's entry in ``render.registry``."""
    return render_html(request.letter)


def _block(block: Block, own: str, rtl: bool, side: str) -> str:
    kind, paras = block.kind, block.paras
    if kind == "head":
        *org, label, ref = paras
        lines = [_p(org[0], own, rtl, "org"), *(_p(p, own, rtl, "contact") for p in org[1:])]
        lines += [_p(label, own, rtl, "label"), _p(ref, own, rtl, "reference")]
        return f'<div style="border-bottom:2px solid {ACCENT};margin-bottom:8px">\n{"".join(lines)}</div>\n'
    if kind == "title":
        return _p(paras[0], own, rtl, "title", tag="h1")
    if kind in ("heading", "subheading"):
        return _p(paras[0], own, rtl, kind, tag="h2" if kind == "heading" else "h3")
    if kind == "demands":
        items = "".join(
            f'<li style="{_STYLES["demand"]}"{_dir(p, rtl)}>{_inline(_number(n), own)} {_inline(p, own)}</li>\n'
            for n, p in zip(block.numbers, paras, strict=True)
        )
        return f'<ol style="{_STYLES["demands"]}">\n{items}</ol>\n'
    if kind in ("address", "addressee", "signatory"):
        joined = "<br>\n".join(_inline(p, own) for p in paras)
        return f'<p style="{_STYLES[kind]}">{joined}</p>\n'
    style = _STYLES[kind].replace("{side}", side)
    return "".join(_p(p, own, rtl, kind, style=style) for p in paras)


def _number(text: str) -> Para:
    return Para((Run(text),))


def _p(para: Para, own: str, rtl: bool, kind: str, *, tag: str = "p", style: str | None = None) -> str:
    if tag != "p":  # a heading is bold by itself: its runs' bold would say it twice to a screen reader
        para = Para(tuple(replace(r, bold=False) for r in para.runs), para.field)
    return f'<{tag} style="{style or _STYLES[kind]}"{_dir(para, rtl)}>{_inline(para, own)}</{tag}>\n'


def _dir(para: Para, rtl: bool) -> str:
    """A ``dir`` for a paragraph whose first strong character runs the other way than the letter."""
    text = para.text
    if not text:
        return ""
    own_rtl = base_direction(text) == "R" if rtl else _starts_rtl(text)
    if own_rtl == rtl:
        return ""
    return ' dir="rtl"' if own_rtl else ' dir="ltr"'


def _starts_rtl(text: str) -> bool:
    """In a left-to-right letter, whether *text*'s first strong character is right-to-left (else neutral: ltr)."""
    import unicodedata

    for ch in text:
        kind = unicodedata.bidirectional(ch)
        if kind in ("R", "AL"):
            return True
        if kind == "L":
            return False
    return False


@functools.lru_cache(maxsize=4096)
def _inline(para: Para, own: str) -> str:
    """The runs of *para* as inline HTML, every piece in another script in its own ``span``.

    Memoised: a batch's letters share all but a few paragraphs.
    """
    return "".join(_run(r, own) for r in para.runs)


def _run(run: Run, own: str) -> str:
    from ..scripts import foreign_spans

    text = "".join(
        escape(piece)
        if script is None
        else f'<span lang="{SCRIPT_LANGUAGES[script]}" dir="{"rtl" if script in RTL_SCRIPTS else "ltr"}">'
        f"{escape(piece)}</span>"
        for piece, script in foreign_spans(run.text, own)
    )
    if run.italic:
        text = f"<em>{text}</em>"
    if run.bold:
        text = f"<strong>{text}</strong>"
    if run.url and SAFE_URL.match(run.url):
        text = f'<a href="{escape(run.url, quote=True)}" style="color:{ACCENT}">{text}</a>'
    return text
