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
#: A font subset's name in a font descriptor (/FontName) or a font (/BaseFont): tag, then the font's name.
_SUBSET_NAME = re.compile(rb"/(FontName|BaseFont) /([A-Z]{6})\+([^\s/<>\[\]()]+)")
#: Dictionary brackets, with string literals (which may hold brackets) skipped.
_NESTING = re.compile(rb"\((?:\\.|[^\\()])*\)|<<|>>", re.S)


_SPACE = frozenset(b" \t\n\r\x0b\x0c")  # what \s matches in a bytes pattern
_BEFORE_REF = _SPACE | frozenset(b"[<")
_AFTER_REF = _SPACE | frozenset(b"]/>")
_DIGITS = frozenset(b"0123456789")


def _references(head: bytes) -> list[tuple[int, int, int]]:
    r"""(start, end, number) of each reference ``_TOKEN`` finds in *head*, which has no string literal.

    Renumbering calls ``_TOKEN.sub`` on every object of every letter, and a
    regular expression that may begin at any byte is slow over font
    dictionaries (hundreds of widths): searching for " 0 R" and checking the
    bytes around it finds the same references in a third of the time. A
    reference is a whole run of digits, after a byte of ``[\s\[<]``, then
    " 0 R" and a byte of ``[\s\]/>]``, as in ``_TOKEN``; runs never overlap, as
    each ends at a space and the next one starts after it.

    >>> _references(b"<< /Kids [ 3 0 R 10 0 R ] /Parent 2 0 R/F1 0 R >>")
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
        #: The sizes of those objects: an object of another size cannot be one of them, and is not hashed.
        self.sizes: set[int] = set()
        #: The first letter's object number -> (its bytes as ``_Letter.span`` bounds them, its
        #: number here, the objects it refers to), for each object ``shared`` has; see ``_known``.
        self.first: dict[int, tuple[bytes, int, tuple[int, ...]]] = {}
        #: Each subset name in the file (tag+font) -> the digest of the font descriptor that has it.
        self.subset_names: dict[bytes, bytes] = {}
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
        first: dict[int, tuple[bytes, int, tuple[int, ...]]] = {}
        numbers: dict[int, int] = {} if remember else self._known(letter)
        busy: set[int] = set()
        renamed: dict[bytes, bytes] = {}  # this letter's subset names that were already taken

        def place(old: int) -> int:
            if old in numbers:
                return numbers[old]
            if old not in letter.offsets:
                raise ValueError(f"not a PDF written by reportlab: object {old} is missing")
            if old in busy:  # a cycle: number it now, write it when its turn comes
                numbers[old] = self._reserve()
                return numbers[old]
            busy.add(old)
            head, stream, parsed = letter.span(old)
            page = old in letter.pages
            if page:
                # The letter's page tree is not copied: its pages join the combined one (object 2).
                head = _PARENT.sub(b"/Parent @", head)
            refs: list[int] = []

            def renumber(m: re.Match[bytes]) -> bytes:
                if m.group(1) is None:
                    return m.group(0)
                refs.append(int(m.group(1)))
                return b"%d 0 R" % place(refs[-1])

            if b"(" in head:
                head = _TOKEN.sub(renumber, head)
            else:
                pieces: list[bytes] = []
                last = 0
                for ref_start, ref_end, ref in _references(head):
                    refs.append(ref)
                    pieces += (head[last:ref_start], b"%d 0 R" % place(ref))
                    last = ref_end
                pieces.append(head[last:])
                head = b"".join(pieces)
            if page:
                head = head.replace(b"/Parent @", b"/Parent 2 0 R")
            if b"+" in head:
                head = self._unique_subset_name(head, stream, renamed)
            busy.discard(old)
            size = len(head) + 1 + len(stream)
            key = None
            if not (page or old in numbers) and (remember or size in self.sizes):
                key = hashlib.sha1(head + b"\0" + stream).digest()
            if key is not None and key in self.shared:
                numbers[old] = self.shared[key]
            else:
                new = numbers.get(old) or self._reserve()
                numbers[old] = new
                self.offsets[new - 1] = self.size
                self._write(pdf_object(new, head, stream))
                if key is not None and remember:
                    self.shared[key] = new
                    self.sizes.add(size)
            if key is not None and remember:
                first[old] = (data[letter.offsets[old] : parsed], numbers[old], tuple(refs))
            return numbers[old]

        for page in letter.pages:
            self.kids.append(place(page))
        if remember:
            self.first = first
        self.letters += 1
        self.ident.update(label.encode() + b"\0")

    def _unique_subset_name(self, head: bytes, stream: bytes, renamed: dict[bytes, bytes]) -> bytes:
        """A font subset keeps its name unless another subset in the file has it.

        Letters tag their own subsets from their own bytes (render/compose.py),
        so two letters can, rarely, give different subsets the same name; in
        one file that can make a printer that caches fonts by name draw the
        wrong glyphs (PDF 32000-1, 9.6.4). A font descriptor (children come
        first: its font file is placed, so equal subsets have equal
        descriptors) whose name is taken gets a new tag, and the letter's font
        that names it follows.
        """
        m = _SUBSET_NAME.search(head)
        if m is None:
            return head
        name = m.group(2) + b"+" + m.group(3)
        if m.group(1) == b"BaseFont":
            new = renamed.get(name)
        else:
            digest = hashlib.sha1(head + b"\0" + stream).digest()
            owner = self.subset_names.setdefault(name, digest)
            if owner == digest:
                return head
            seed = digest
            while True:
                seed = hashlib.sha1(seed).digest()
                new = bytes(65 + b % 26 for b in seed[:6]) + b"+" + m.group(3)
                if new not in self.subset_names:
                    break
            self.subset_names[new] = digest
            renamed[name] = new
        if new is None:
            return head
        return head[: m.start(2)] + new + head[m.end(3) :]

    def _known(self, letter: _Letter) -> dict[int, int]:
        """The objects of *letter* that ``add`` would find among the first letter's, and their numbers.

        An object qualifies when its bytes, from its offset to the end of what
        decides its parse (``_Letter.span``), equal those of the same-numbered
        object of the first letter, it is not a page, and every object it
        refers to qualifies: it then parses the same, renumbers to the same
        bytes and hashes to the same key, so ``add`` would reuse that number.
        Checking costs a comparison of bytes per object instead of a parse,
        a renumbering and a hash; most of a letter is its language's shared
        layout (render/compose.py), which qualifies whole. Anything else, as a
        letter from another spec, takes the full path.
        """
        known: dict[int, int] = {}
        pages = set(letter.pages)
        data = letter.data
        for old, (raw, new, refs) in self.first.items():  # children before parents
            at = letter.offsets.get(old)
            if at is not None and old not in pages and data.startswith(raw, at) and all(r in known for r in refs):
                known[old] = new
        return known

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
