"""One print-ready PDF per language, written as the letters finish.

A batch of thousands of letters used to be joined at the end with pypdf,
which parses every object of every letter into Python objects and clones
them: 13 s of a 48 s run for 1,000 letters, with memory growing with the
letter count. The letters are appeal-gen's own reportlab output, so this
module copies them as they are: each letter's page objects and everything
they reach (contents, fonts, annotations) are appended to the combined file
with new object numbers, and only the file offsets stay in memory. Stream
data is copied byte for byte, never decoded.

It reads only what reportlab writes (a classic xref table, direct stream
lengths, strings with their parentheses escaped); anything else is refused
with ``ValueError``, never joined wrongly.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from array import array
from collections.abc import Sequence
from pathlib import Path

from .output import _umask

_XREF = re.compile(rb"startxref\s+(\d+)\s+%%EOF\s*$")
_OBJ = re.compile(rb"(\d+) 0 obj\s*")
#: A string literal (skipped: its digits are text) or an indirect reference.
_TOKEN = re.compile(rb"\((?:\\.|[^\\()])*\)|(?<=[\s\[<])(\d+) 0 R(?=[\s\]/>])", re.S)
_LENGTH = re.compile(rb"/Length (\d+)(?=[\s/>])")
_ROOT = re.compile(rb"/Root (\d+) 0 R")
_INFO = re.compile(rb"/Info (\d+) 0 R")
_PAGES = re.compile(rb"/Pages (\d+) 0 R")
_KIDS = re.compile(rb"/Kids \[([^\]]*)\]")
_LANG = re.compile(rb"/Lang (\((?:\\.|[^\\()])*\))")
_PARENT = re.compile(rb"/Parent \d+ 0 R")
#: Dictionary brackets, with string literals (which may hold brackets) skipped.
_NESTING = re.compile(rb"\((?:\\.|[^\\()])*\)|<<|>>", re.S)


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


class _Letter:
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
        data = self.data
        m = _OBJ.match(data, self.offsets[n])
        if not m or int(m.group(1)) != n:
            raise ValueError(f"not a PDF written by reportlab: object {n} is not at its xref offset")
        body = m.end()
        if not data.startswith(b"<<", body):
            return data[body : data.index(b"endobj", body)].rstrip(), b""
        depth = 0
        for t in _NESTING.finditer(data, body):
            depth += {b"<<": 1, b">>": -1}.get(t.group(), 0)
            if depth == 0:
                break
        head = data[body : t.end()]
        after = data[t.end() : t.end() + 16].lstrip()
        if not after.startswith(b"stream"):
            return head, b""
        length = _LENGTH.search(head)
        if not length:
            raise ValueError(f"not a PDF written by reportlab: object {n} has no direct /Length")
        stream = data.index(b"stream", t.end())
        begin = stream + 6 + (2 if data[stream + 6 : stream + 8] == b"\r\n" else 1)
        end = data.index(b"endstream", begin + int(length.group(1))) + len(b"endstream")
        return head, data[stream:end]

    def dictionary(self, n: int) -> bytes:
        return self.parts(n)[0]


class CombinedPdf:
    """A PDF being written to a temporary file beside *path*, one letter at a time.

    ``commit`` finishes it and renames it into place; ``discard`` removes it.
    The file's ID is a digest of the letters' hashes, so the same letters in
    the same order always give the same bytes.
    """

    def __init__(self, path: Path, *, title: str) -> None:
        self.path = path
        self.title = title
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, self.tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
        self.fh = os.fdopen(fd, "wb")
        self.sha = hashlib.sha256()
        self.ident = hashlib.sha256()
        self.size = 0
        #: Offset of each object; objects 1 (catalog), 2 (pages) and 3 (info) are written last.
        self.offsets = array("Q", [0, 0, 0])
        self.kids: list[int] = []
        #: sha1 of an object's bytes -> its number, for the first letter's objects.
        self.shared: dict[bytes, int] = {}
        self.letters = 0
        self.lang: bytes | None = None
        self._write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")

    def _write(self, data: bytes) -> None:
        self.fh.write(data)
        self.sha.update(data)
        self.size += len(data)

    def add(self, data: bytes, label: str) -> None:
        """Append every page of one letter (*label* names it in the file's ID).

        Letters of one language share most of their objects (the fonts, the
        pages' text: see render/compose.py). An object whose bytes, after
        renumbering, equal one the first letter wrote is not written again:
        its number is reused. Objects are numbered children first, so equal
        objects have equal bytes. Only the first letter's objects are
        remembered, so memory stays flat however many letters follow.
        """
        letter = _Letter(data)
        if self.lang is None:
            self.lang = letter.lang
        remember = self.letters == 0
        numbers: dict[int, int] = {}
        busy: set[int] = set()

        def place(old: int) -> int:
            if old in numbers:
                return numbers[old]
            if old not in letter.offsets:
                raise ValueError(f"not a PDF written by reportlab: object {old} is missing")
            if old in busy:  # a cycle: number it now, write it when its turn comes
                numbers[old] = self._reserve()
                return numbers[old]
            busy.add(old)
            head, stream = letter.parts(old)
            page = old in letter.pages
            if page:
                # The letter's page tree is not copied: its pages join the combined one (object 2).
                head = _PARENT.sub(b"/Parent @", head)
            head = _TOKEN.sub(lambda m: m.group(0) if m.group(1) is None else b"%d 0 R" % place(int(m.group(1))), head)
            if page:
                head = head.replace(b"/Parent @", b"/Parent 2 0 R")
            busy.discard(old)
            key = None if page or old in numbers else hashlib.sha1(head + b"\0" + stream).digest()
            if key is not None and key in self.shared:
                numbers[old] = self.shared[key]
                return numbers[old]
            new = numbers.get(old) or self._reserve()
            numbers[old] = new
            self.offsets[new - 1] = self.size
            self._write(pdf_object(new, head, stream))
            if key is not None and remember:
                self.shared[key] = new
            return new

        for page in letter.pages:
            self.kids.append(place(page))
        self.letters += 1
        self.ident.update(label.encode() + b"\0")

    def _reserve(self) -> int:
        self.offsets.append(0)
        return len(self.offsets)

    def commit(self) -> tuple[str, int]:
        """Finish the file and rename it into place; returns its sha256 and page count."""
        kids = b" ".join(b"%d 0 R" % k for k in self.kids)
        lang = b" /Lang %s" % self.lang if self.lang else b""
        tail = [
            b"<< /Type /Catalog /Pages 2 0 R%s >>" % lang,
            b"<< /Type /Pages /Count %d /Kids [ %s ] >>" % (len(self.kids), kids),
            b"<< /Creator (appeal-gen) /Producer (appeal-gen) /Title %s >>" % _pdf_string(self.title),
        ]
        for i, obj in enumerate(tail, start=1):
            self.offsets[i - 1] = self.size
            self._write(pdf_object(i, obj))
        digest = self.ident.hexdigest()[:32].encode()
        self._write(xref_and_trailer(self.offsets, self.size, digest, info=3, root=1))
        self.fh.flush()
        os.fsync(self.fh.fileno())
        self.fh.close()
        os.chmod(self.tmp, 0o666 & ~_umask())
        os.replace(self.tmp, self.path)
        return self.sha.hexdigest(), len(self.kids)

    def discard(self) -> None:
        if not self.fh.closed:
            self.fh.close()
        Path(self.tmp).unlink(missing_ok=True)


def _pdf_string(text: str) -> bytes:
    r"""A PDF text string: UTF-16 with a byte-order mark, hex-encoded.

    >>> _pdf_string("A")
    b'<FEFF0041>'
    """
    return b"<FEFF" + text.encode("utf-16-be").hex().upper().encode() + b">"
