"""What a reader sees of a PDF's layout, read back with poppler's ``pdftotext -bbox-layout``.

Lines are the words of one page that share a baseline (poppler cuts shaped
Khmer into several pieces per line; they are put together again), in
reading order from the top; paragraphs are runs of lines set at one
leading. Tests use these to check how full lines are, where pages break
and what sits on which line, as a reader would.
"""

from __future__ import annotations

import shutil
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass
class Line:
    x0: float
    x1: float
    top: float
    bottom: float
    text: str

    @property
    def width(self) -> float:
        return self.x1 - self.x0


def page_lines(data: bytes, tmp_path: Path) -> list[list[Line]]:
    """Each page's lines, top to bottom (the footer's included)."""
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdftotext) is not installed")
    src = tmp_path / "layout.pdf"
    src.write_bytes(data)
    out = subprocess.run(["pdftotext", "-bbox-layout", str(src), "-"], capture_output=True, text=True, check=True)
    root = ET.fromstring(out.stdout.replace('xmlns="http://www.w3.org/1999/xhtml"', ""))
    pages = []
    for page in root.iter("page"):
        pieces = sorted(
            (
                (
                    float(ln.get("yMax", 0)),
                    float(ln.get("xMin", 0)),
                    float(ln.get("xMax", 0)),
                    float(ln.get("yMin", 0)),
                    " ".join(w.text or "" for w in ln.iter("word")),
                )
                for ln in page.iter("line")
            ),
        )
        lines: list[Line] = []
        for bottom, x0, x1, top, text in pieces:
            same = [ln for ln in lines if abs(ln.bottom - bottom) < 1.5 and x0 <= ln.x1 + 40 and x1 >= ln.x0 - 40]
            if same:
                ln = same[0]
                ln.text = ln.text + " " + text if x0 >= ln.x0 else text + " " + ln.text
                ln.x0, ln.x1, ln.top = min(ln.x0, x0), max(ln.x1, x1), min(ln.top, top)
            else:
                lines.append(Line(x0, x1, top, bottom, text))
        pages.append(sorted(lines, key=lambda ln: (round(ln.bottom), ln.x0)))
    return pages


def paragraphs(lines: list[Line], leading: float) -> list[list[Line]]:
    """Lines set one *leading* apart, in the same column, as paragraphs (a wider gap starts a new one)."""
    out: list[list[Line]] = []
    for ln in lines:
        prev = out[-1][-1] if out else None
        if prev is not None and abs(ln.bottom - prev.bottom - leading) < 0.6 and abs(ln.x0 - prev.x0) < 80:
            out[-1].append(ln)
        else:
            out.append([ln])
    return out


@dataclass
class Span:
    """One text-showing operation as drawn: where, in which font, how (render mode 2 strokes the glyphs too)."""

    page: int
    x0: float
    x1: float
    y: float  # the baseline, from the bottom of the page
    font: str  # the embedded font's name without its subset tag ("NotoSans-Bold")
    size: float
    text: str
    render_mode: int = 0
    line_width: float = 1.0


def spans(data: bytes) -> list[Span]:
    """Every piece of text the PDF draws, read from its content streams.

    A small interpreter of the operators reportlab writes (q Q cm BT Tm Td
    TD T* TL Tf Tj TJ Tr w): positions come out exact, with the font and the
    render mode of each piece, and the text through each font's ToUnicode
    map. Shaped Khmer glyphs without a character of their own read back as
    private-use characters.
    """
    import io

    from pypdf import PdfReader
    from pypdf.generic import ContentStream

    reader = PdfReader(io.BytesIO(data))
    out: list[Span] = []
    for number, page in enumerate(reader.pages, start=1):
        fonts = page["/Resources"].get_object().get("/Font", {})
        info: dict[str, tuple[str, dict[int, float], dict[int, str]]] = {}
        for key, ref in fonts.items():
            f = ref.get_object()
            first = int(f.get("/FirstChar", 0))
            widths = {first + i: float(w) for i, w in enumerate(f.get("/Widths", []))}
            info[key] = (str(f.get("/BaseFont", key)).lstrip("/").split("+")[-1], widths, _to_unicode(f))
        ctm = [1.0, 0, 0, 1.0, 0, 0]
        stack: list[tuple[list[float], int, float]] = []
        tm = lm = [1.0, 0, 0, 1.0, 0, 0]
        leading = size = 0.0
        font = ("", {}, {})
        mode, lw = 0, 1.0
        for operands, op in ContentStream(page.get_contents(), reader).operations:
            o = op.decode("latin-1")
            if o == "q":
                stack.append((ctm, mode, lw))
            elif o == "Q":
                ctm, mode, lw = stack.pop()
            elif o == "cm":
                ctm = _mul([float(v) for v in operands], ctm)
            elif o == "w":
                lw = float(operands[0])
            elif o == "BT":
                tm = lm = [1.0, 0, 0, 1.0, 0, 0]
            elif o == "Tm":
                tm = lm = [float(v) for v in operands]
            elif o in ("Td", "TD"):
                if o == "TD":
                    leading = -float(operands[1])
                tm = lm = _mul([1, 0, 0, 1, float(operands[0]), float(operands[1])], lm)
            elif o == "T*":
                tm = lm = _mul([1, 0, 0, 1, 0, -leading], lm)
            elif o == "TL":
                leading = float(operands[0])
            elif o == "Tf":
                font, size = info.get(str(operands[0]), (str(operands[0]), {}, {})), float(operands[1])
            elif o == "Tr":
                mode = int(operands[0])
            elif o in ("Tj", "TJ", "'"):
                if o == "'":
                    tm = lm = _mul([1, 0, 0, 1, 0, -leading], lm)
                items = operands[0] if o == "TJ" else [operands[0]]
                start = _mul(tm, ctm)
                advance = 0.0
                text = []
                for item in items:
                    if isinstance(item, (bytes, str)) or hasattr(item, "original_bytes"):
                        raw = item.original_bytes if hasattr(item, "original_bytes") else bytes(item, "latin-1")
                        for code in raw:
                            advance += font[1].get(code, 0) / 1000 * size
                            text.append(font[2].get(code, "\ufffd"))
                    else:
                        advance -= float(item) / 1000 * size
                tm = _mul([1, 0, 0, 1, advance, 0], tm)
                end = _mul(tm, ctm)
                out.append(Span(number, start[4], end[4], start[5], font[0], size * start[3], "".join(text), mode, lw))
    return out


def _mul(a: list[float], b: list[float]) -> list[float]:
    return [
        a[0] * b[0] + a[1] * b[2],
        a[0] * b[1] + a[1] * b[3],
        a[2] * b[0] + a[3] * b[2],
        a[2] * b[1] + a[3] * b[3],
        a[4] * b[0] + a[5] * b[2] + b[4],
        a[4] * b[1] + a[5] * b[3] + b[5],
    ]


def _to_unicode(font: object) -> dict[int, str]:
    import re

    stream = font.get("/ToUnicode")  # type: ignore[attr-defined]
    if stream is None:
        return {}
    cmap = stream.get_object().get_data().decode("latin-1")
    out: dict[int, str] = {}
    for block in re.findall(r"beginbfchar(.*?)endbfchar", cmap, re.S):
        for src, dst in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            out[int(src, 16)] = bytes.fromhex(dst).decode("utf-16-be")
    for block in re.findall(r"beginbfrange(.*?)endbfrange", cmap, re.S):
        for a, b, dst in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            base = int(dst, 16)
            for i, code in enumerate(range(int(a, 16), int(b, 16) + 1)):
                out[code] = chr(base + i)
    return out


def text_lines(data: bytes) -> list[list[Span]]:
    """The spans of each printed line (same page and baseline, within a column's reach), top to bottom."""
    lines: list[list[Span]] = []
    for s in sorted(spans(data), key=lambda s: (s.page, -round(s.y, 1), s.x0)):
        if not s.text.strip():
            continue
        last = lines[-1] if lines else None
        if last and last[0].page == s.page and abs(last[0].y - s.y) < 0.5:
            last.append(s)
        else:
            lines.append([s])
    return lines
