"""The PDF object syntax that reportlab writes, read and written without a PDF library.

Two modules copy reportlab's objects byte for byte: ``combine`` (one PDF per
language joined from a batch's letters) and ``render.compose`` (a personal
letter drawn into its language's shared layout). Both need the same lexer
(xref table, object spans, references outside string literals) and writer
(objects, xref and trailer), so it lives here, public, instead of compose
importing combine's private names.

It reads only what reportlab writes (a classic xref table, direct stream
lengths, strings with their parentheses escaped); anything else is refused
with ``ValueError``, never read wrongly.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_XREF = re.compile(rb"startxref\s+(\d+)\s+%%EOF\s*$")
_OBJ = re.compile(rb"(\d+) 0 obj\s*")
#: A string literal (skipped: its digits are text) or an indirect reference.
TOKEN = re.compile(rb"\((?:\\.|[^\\()])*\)|(?<=[\s\[<])(\d+) 0 R(?=[\s\]/>])", re.S)
_LENGTH = re.compile(rb"/Length (\d+)(?=[\s/>])")
_ROOT = re.compile(rb"/Root (\d+) 0 R")
_INFO = re.compile(rb"/Info (\d+) 0 R")
_PAGES = re.compile(rb"/Pages (\d+) 0 R")
_KIDS = re.compile(rb"/Kids \[([^\]]*)\]")
_LANG = re.compile(rb"/Lang (\((?:\\.|[^\\()])*\))")
PARENT = re.compile(rb"/Parent \d+ 0 R")
#: A font subset's name in a font descriptor (/FontName) or a font (/BaseFont): tag, then the font's name.
SUBSET_NAME = re.compile(rb"/(FontName|BaseFont) /([A-Z]{6})\+([^\s/<>\[\]()]+)")
#: Dictionary brackets, with string literals (which may hold brackets) skipped.
_NESTING = re.compile(rb"\((?:\\.|[^\\()])*\)|<<|>>", re.S)


_SPACE = frozenset(b" \t\n\r\x0b\x0c")  # what \s matches in a bytes pattern
_BEFORE_REF = _SPACE | frozenset(b"[<")
_AFTER_REF = _SPACE | frozenset(b"]/>")
_DIGITS = frozenset(b"0123456789")


def references(head: bytes) -> list[tuple[int, int, int]]:
    r"""(start, end, number) of each reference ``TOKEN`` finds in *head*, which has no string literal.

    Renumbering calls ``TOKEN.sub`` on every object of every letter, and a
    regular expression that may begin at any byte is slow over font
    dictionaries (hundreds of widths): searching for " 0 R" and checking the
    bytes around it finds the same references in a third of the time. A
    reference is a whole run of digits, after a byte of ``[\s\[<]``, then
    " 0 R" and a byte of ``[\s\]/>]``, as in ``TOKEN``; runs never overlap, as
    each ends at a space and the next one starts after it.

    >>> references(b"<< /Kids [ 3 0 R 10 0 R ] /Parent 2 0 R/F1 0 R >>")
    [(11, 16, 3), (17, 23, 10), (34, 39, 2)]
    """
    found = []
    at = head.find(b" 0 R")
    while at >= 0:
        start = at
        while start > 0 and head[start - 1] in _DIGITS:
            start -= 1
        end = at + 4
        if 0 < start < at and head[start - 1] in _BEFORE_REF and end < len(head) and head[end] in _AFTER_REF:
            found.append((start, end, int(head[start:at])))
        at = head.find(b" 0 R", at + 1)
    return found


def pdf_object(n: int, head: bytes, stream: bytes = b"") -> bytes:
    """Object *n* as reportlab writes it (*stream* from ``stream`` to ``endstream``)."""
    return b"%d 0 obj\n%s\n%s%sendobj\n" % (n, head, stream, b"\n" if stream else b"")


def xref_and_trailer(offsets: Sequence[int | None], start: int, ident: bytes, info: int, root: int) -> bytes:
    """The classic xref table (``offsets[n - 1]`` is object n's, None a free one) and the trailer."""
    count = len(offsets) + 1
    lines = [b"xref\n0 %d\n0000000000 65535 f \n" % count]
    lines += [b"0000000000 65535 f \n" if off is None else b"%010d 00000 n \n" % off for off in offsets]
    lines.append(
        b"trailer\n<< /ID [ <%s> <%s> ] /Info %d 0 R /Root %d 0 R /Size %d >>\nstartxref\n%d\n%%%%EOF\n"
        % (ident, ident, info, root, count, start)
    )
    return b"".join(lines)


class ReportlabPdf:
    """The objects of one reportlab PDF, found through its xref table."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        m = _XREF.search(data, max(0, len(data) - 64))
        if not m:
            raise ValueError("not a PDF written by reportlab: no startxref at the end")
        pos = int(m.group(1))
        head = data[pos : pos + 20].split()
        if head[:1] != [b"xref"] or head[1] != b"0":
            raise ValueError("not a PDF written by reportlab: no classic xref table")
        count = int(head[2])
        table = data.index(b"\n", data.index(b"\n", pos) + 1) + 1  # after "xref" and "0 <count>"
        self.offsets: dict[int, int] = {}
        for n in range(1, count):
            entry = data[table + 20 * n : table + 20 * n + 18]
            if entry.endswith(b"n"):
                self.offsets[n] = int(entry[:10])
        trailer = data[data.index(b"trailer", table) :]
        root = _ROOT.search(trailer)
        if not root:
            raise ValueError("not a PDF written by reportlab: no /Root")
        self.root = int(root.group(1))
        info = _INFO.search(trailer)
        self.info = int(info.group(1)) if info else None
        catalog = self.dictionary(self.root)
        lang = _LANG.search(catalog)
        self.lang = lang.group(1) if lang else None
        pages = _PAGES.search(catalog)
        kids = _KIDS.search(self.dictionary(int(pages.group(1)))) if pages else None
        if not kids:
            raise ValueError("not a PDF written by reportlab: no page list")
        self.pages = [int(k) for k in re.findall(rb"(\d+) 0 R", kids.group(1))]

    def parts(self, n: int) -> tuple[bytes, bytes]:
        """Object *n* as (its dictionary or value, its stream from ``stream`` to ``endstream``, or b"")."""
        head, stream, _ = self.span(n)
        return head, stream

    def span(self, n: int) -> tuple[bytes, bytes, int]:
        """``parts(n)`` and the offset past the last byte that decided them.

        ``CombinedPdf`` takes an object of a later letter whose bytes from its
        offset to there equal the first letter's to parse the same, without
        parsing it. A dictionary with a ``(`` outside its string literals
        lets the string pattern scan on to wherever the next parenthesis is,
        so its parse is not bounded: the end of the data is returned.
        """
        data = self.data
        m = _OBJ.match(data, self.offsets[n])
        if not m or int(m.group(1)) != n:
            raise ValueError(f"not a PDF written by reportlab: object {n} is not at its xref offset")
        body = m.end()
        if not data.startswith(b"<<", body):
            stop = data.index(b"endobj", body)
            return data[body:stop].rstrip(), b"", stop + 6
        depth = 0
        quoted = 0  # "(" inside string literals
        for t in _NESTING.finditer(data, body):
            token = t.group()
            if token[:1] == b"(":
                quoted += token.count(b"(")
            else:
                depth += 1 if token == b"<<" else -1
            if depth == 0:
                break
        head = data[body : t.end()]
        bounded = depth == 0 and head.count(b"(") == quoted
        after = data[t.end() : t.end() + 16].lstrip()
        if not after.startswith(b"stream"):
            return head, b"", min(t.end() + 16, len(data)) if bounded else len(data)
        length = _LENGTH.search(head)
        if not length:
            raise ValueError(f"not a PDF written by reportlab: object {n} has no direct /Length")
        stream = data.index(b"stream", t.end())
        begin = stream + 6 + (2 if data[stream + 6 : stream + 8] == b"\r\n" else 1)
        end = data.index(b"endstream", begin + int(length.group(1))) + len(b"endstream")
        return head, data[stream:end], end if bounded else len(data)

    def dictionary(self, n: int) -> bytes:
        return self.parts(n)[0]
