"""Personal letters as one shared layout plus small personal parts.

Thousands of letters of a campaign differ only in the address block, the
salutation and the signature; everything else (the appeal itself, pages of
it) is the same for every letter in one language. Laying it out again for
each letter is what made a batch slow: reportlab's layout costs 16-48 ms a
letter, most of it Arabic, Khmer and Chinese text that never changes.

So a personal letter is made of two PDFs:

- the *shared layout*: the letter laid out once, with a fixed-size room
  (a "slot") where each personal part goes. Each slot leaves a marker in its
  page's content stream, at the point in reading order where the part
  belongs;
- a tiny *personal* PDF per slot: one page the slot's size, holding the
  letter's address, salutation or signature. Each is a pure function of
  the layout and its paragraphs, so the parts that repeat from letter to
  letter (salutations, closings, the appeal's own addressee in supporters'
  letters) are drawn once per worker (``PdfContext.parts``).

``SharedLayout.compose`` turns each personal page into a Form XObject and
replaces each marker with an instruction to paint it (``/AGaddress Do``), so
the text is where it belongs on the page and in reading order (screen
readers and text extraction read the address before the title). Everything
of the shared layout is serialised once; a letter costs its personal PDF and
a few kilobytes of new objects. Every personal letter is made this way,
cached or not, so the output does not depend on what was drawn before it.

The slot sizes are fixed, like the address window of an envelope: an
address block that does not fit is an error for that letter, never a
clipped or overlapping one.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass

from .pdfsyntax import TOKEN, ReportlabPdf, pdf_object, xref_and_trailer
from .subsets import PLACEHOLDER_KEY, Seed

_MARKER = re.compile(rb"^% appeal-gen slot (\w+)$", re.M)
_CONTENTS = re.compile(rb"/Contents (\d+) 0 R")
_RESOURCES_FONT = re.compile(rb"/Resources <<\s*/Font (\d+) 0 R")
#: A page's own XObjects (reportlab writes them inline in its resources: images, a logo).
_RESOURCES_XOBJECT = re.compile(rb"/XObject <<")
#: The subset tag of a font name: /BaseFont /AAAAAA+NotoSans-Bold.
_SUBSET_TAG = re.compile(rb"(/(?:BaseFont|FontName) /)([A-Z]{6})\+([^\s/<>\[\]()]+)")


def marker(name: str) -> str:
    """The content-stream line a slot leaves in the shared layout."""
    return f"% appeal-gen slot {name}"


def _decode(head: bytes, stream: bytes) -> bytes:
    """The content of a reportlab stream (ASCII85 then Flate, or Flate)."""
    begin = stream.index(b"\n") + 1
    data = stream[begin : stream.rindex(b"endstream")].rstrip(b"\r\n")
    if b"/ASCII85Decode" in head:
        data = base64.a85decode(data.strip().removesuffix(b"~>").removeprefix(b"<~"), adobe=False)
    if b"/FlateDecode" in head:
        data = zlib.decompress(data)
    return data


def _stream_object(n: int, content: bytes) -> bytes:
    packed = zlib.compress(content, 6)
    return pdf_object(n, b"<< /Filter /FlateDecode /Length %d >>" % len(packed), b"stream\n%s\nendstream" % packed)


@dataclass
class SharedLayout:
    """A letter laid out once, serialised, with numbered places for its slots.

    A little over 150 lines, on purpose: ``from_pdf`` and ``compose`` are the
    two halves of one object-numbering scheme (what the layout reserves, what
    a letter fills), easier to check side by side.
    """

    prefix: bytes  # header and every shared object
    offsets: dict[int, int]  # object number -> offset in the file, for the shared objects
    root: int
    info: int
    slots: dict[str, int]  # slot name -> the object number its XObject gets
    sizes: dict[str, tuple[float, float]]  # slot name -> (width, height)
    first_free: int  # the first object number for a letter's own objects
    digest: bytes
    #: The layout's font subsets, which the personal parts start from (render/subsets.py).
    seed: Seed
    #: Font resource name (b"F2+0") -> the object number of that subset in the layout.
    fonts: dict[bytes, int]

    @classmethod
    def from_pdf(cls, data: bytes, sizes: dict[str, tuple[float, float]], seed: Seed) -> SharedLayout:
        doc = ReportlabPdf(data)
        fonts: dict[bytes, int] = {}
        last = max(doc.offsets)
        names = sorted(sizes)
        slots = {name: last + 1 + i for i, name in enumerate(names)}
        found: set[str] = set()
        out = [b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"]
        size = len(out[0])
        offsets: dict[int, int] = {}
        rewritten: dict[int, bytes] = {}
        for page in doc.pages:
            head, _ = doc.parts(page)
            contents = _CONTENTS.search(head)
            if not contents:
                continue
            c = int(contents.group(1))
            c_head, c_stream = doc.parts(c)
            content = _decode(c_head, c_stream)
            used = [m.group(1).decode() for m in _MARKER.finditer(content)]
            if not used:
                continue
            found.update(used)
            content = _MARKER.sub(lambda m: b"/AG%s Do" % m.group(1), content)
            rewritten[c] = _stream_object(c, content)
            entries = b" ".join(b"/AG%s %d 0 R" % (n.encode(), slots[n]) for n in used)
            font = _RESOURCES_FONT.search(head)
            if font is None:
                raise ValueError("shared layout: a page with a slot has no font resources")
            fonts.update(_font_entries(doc.dictionary(int(font.group(1)))))
            xobjects = _RESOURCES_XOBJECT.search(head)
            if xobjects is not None:
                # The page draws images of its own (a theme's logo): the slots join its XObjects.
                head = head[: xobjects.end()] + b" " + entries + head[xobjects.end() :]
            else:
                head = head[: font.end()] + b" /XObject << " + entries + b" >>" + head[font.end() :]
            rewritten[page] = pdf_object(page, head)
        if found != set(sizes):
            raise ValueError(f"shared layout: slots {sorted(set(sizes) - found)} were not drawn")
        for n in sorted(doc.offsets):
            obj = rewritten[n] if n in rewritten else pdf_object(n, *doc.parts(n))
            offsets[n] = size
            out.append(obj)
            size += len(obj)
        if doc.info is None:
            raise ValueError("shared layout: no /Info")
        prefix = b"".join(out)
        return cls(
            prefix,
            offsets,
            doc.root,
            doc.info,
            slots,
            dict(sizes),
            last + 1 + len(names),
            hashlib.md5(prefix).digest(),
            seed,
            fonts,
        )

    def compose(self, personal: dict[str, bytes]) -> bytes:
        """The letter: the shared objects, then each slot's personal page as the slot's Form XObject.

        *personal* maps each slot to a one-page PDF of the slot's size. The
        objects its page uses (fonts of its own) follow, numbered in the order
        they are first referred to.
        """
        names = sorted(self.slots)
        if sorted(personal) != names:
            raise ValueError(f"personal PDF: one part per slot expected ({', '.join(names)})")
        free = [self.first_free]
        order: list[tuple[_Part, int]] = []

        def allot(part: _Part, old: int) -> int:
            if old not in part.numbers:
                part.numbers[old] = free[0]
                free[0] += 1
                order.append((part, old))
            return part.numbers[old]

        chunks = [self.prefix]
        size = len(self.prefix)
        offsets = dict(self.offsets)
        for name in names:
            part = _Part(ReportlabPdf(personal[name]), {}, hashlib.md5(personal[name]).digest())
            doc = part.doc
            if len(doc.pages) != 1:
                raise ValueError(f"personal PDF: one page expected for the slot {name}")
            head, _ = doc.parts(doc.pages[0])
            contents = _CONTENTS.search(head)
            font = _RESOURCES_FONT.search(head)
            assert contents is not None and font is not None
            c_head, c_stream = doc.parts(int(contents.group(1)))
            width, height = self.sizes[name]
            resources = self._font_resources(doc, int(font.group(1)), functools.partial(allot, part))
            filters = re.search(rb"/Filter \[[^\]]*\]|/Filter /\w+", c_head)
            length = re.search(rb"/Length \d+", c_head)
            assert filters is not None and length is not None
            form = b"<< /Type /XObject /Subtype /Form /BBox [ 0 0 %s %s ] /Resources << %s >> %s %s >>" % (
                _num(width),
                _num(height),
                resources,
                filters.group(0),
                length.group(0),
            )
            obj = pdf_object(self.slots[name], form, c_stream)
            offsets[self.slots[name]] = size
            chunks.append(obj)
            size += len(obj)
        i = 0
        while i < len(order):
            part, old = order[i]
            i += 1

            def renumber(m: re.Match[bytes], part: _Part = part) -> bytes:
                return m.group(0) if m.group(1) is None else b"%d 0 R" % allot(part, int(m.group(1)))

            def retag(m: re.Match[bytes], part: _Part = part) -> bytes:
                return m.group(1) + _tag(part.seed, m.group(2) + m.group(3)) + b"+" + m.group(3)

            head, stream = part.doc.parts(old)
            head = _SUBSET_TAG.sub(retag, TOKEN.sub(renumber, head))
            obj = pdf_object(part.numbers[old], head, stream)
            offsets[part.numbers[old]] = size
            chunks.append(obj)
            size += len(obj)
        ident = hashlib.md5(self.digest + b"".join(chunks[1:])).hexdigest().encode()
        table = [offsets.get(n) for n in range(1, max(offsets) + 1)]
        return b"".join(chunks) + xref_and_trailer(table, size, ident, self.info, self.root)

    def _font_resources(self, doc: ReportlabPdf, n: int, number: Callable[[int], int]) -> bytes:
        """A part's fonts; a subset the layout has (a placeholder) is the layout's object."""
        dictionary = doc.dictionary(n)
        if PLACEHOLDER_KEY.encode() in dictionary:
            raise ValueError("personal PDF: a shared font written inline, not by reference")
        entries = []
        for name, old in _font_entries(dictionary).items():
            if b"/" + PLACEHOLDER_KEY.encode() in doc.dictionary(old):
                if name not in self.fonts:
                    raise ValueError(f"personal PDF: the layout has no font {name.decode()}")
                entries.append(b"/%s %d 0 R" % (name, self.fonts[name]))
            else:
                entries.append(b"/%s %d 0 R" % (name, number(old)))
        return b"/Font << " + b" ".join(entries) + b" >>"


@dataclass
class _Part:
    """One slot's personal PDF while it is copied into a letter."""

    doc: ReportlabPdf
    numbers: dict[int, int]  # its object numbers -> the letter's
    #: reportlab tags every document's first subset of a font AAAAAA, so the
    #: personal parts' subsets would share names with the layout's (and, in a
    #: combined PDF, with every other letter's). Subsets of one file must have
    #: different tags (PDF 32000-1, 9.6.4), or a viewer or a printer that
    #: caches fonts by name may draw the wrong glyphs: the personal ones get
    #: tags drawn from their part's own bytes.
    seed: bytes


def _tag(seed: bytes, old: bytes) -> bytes:
    """A subset tag (six capital letters) drawn from a part's bytes and the font's old tag and name."""
    digest = hashlib.md5(seed + old).digest()
    return bytes(65 + b % 26 for b in digest[:6])


_FONT_ENTRY = re.compile(rb"/([^\s/<>\[\]()]+) (\d+) 0 R")


def _font_entries(dictionary: bytes) -> dict[bytes, int]:
    """A font resource dictionary's entries: resource name -> object number."""
    return {m.group(1): int(m.group(2)) for m in _FONT_ENTRY.finditer(dictionary)}


def _num(x: float) -> bytes:
    return (b"%.4f" % x).rstrip(b"0").rstrip(b".")
