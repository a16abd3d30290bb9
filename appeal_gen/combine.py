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

import datetime as _dt
import hashlib
import os
import re
import tempfile
from array import array
from collections.abc import Callable
from pathlib import Path

from .output import new_file_mode
from .render.pdfa import Facts, catalog_objects
from .render.pdfa import info as info_dictionary
from .render.pdfjoin import (
    STRUCT_PARENT,
    LetterTree,
    ParentLeaf,
    TreeTemplate,
    letter_tree,
    part,
    shift_keys,
    tree_objects,
)
from .render.pdfsyntax import PARENT, SUBSET_NAME, TOKEN, ReportlabPdf, pdf_object, references, xref_and_trailer


class CombinedPdf:
    """A PDF being written to a temporary file beside *path*, one letter at a time.

    ``commit`` finishes it and renames it into place; ``discard`` removes it.
    The file's ID is a digest of the letters' hashes, so the same letters in
    the same order always give the same bytes.

    About 200 lines, on purpose: every method reads and advances the same
    file state (offsets, object numbers, the first letter's objects that
    later letters reuse); split, that state would travel between classes.
    The PDF syntax itself is in ``render.pdfsyntax``.
    """

    def __init__(self, path: Path, *, title: str, standard: str | None = None, date: _dt.date | None = None) -> None:
        self.path = path
        self.title = title
        #: "pdfa-2b": the file gets the metadata and output intent its letters have (render/pdfa.py).
        self.standard = standard
        self.date = date
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
        #: The first letter's object number -> (its bytes as ``ReportlabPdf.span`` bounds them, its
        #: number here, the objects it refers to), for each object ``shared`` has; see ``_known``.
        self.first: dict[int, tuple[bytes, int, tuple[int, ...]]] = {}
        #: Each subset name in the file (tag+font) -> the digest of the font descriptor that has it.
        self.subset_names: dict[bytes, bytes] = {}
        self.letters = 0
        #: (first page's object number, bookmark title) of each letter given a title.
        self.marks: list[tuple[int, str]] = []
        self.lang: bytes | None = None
        #: The structure tree (render/pdfjoin.py): every letter so far was tagged; the Document's number;
        #: each letter's Part and parent-tree leaf; the next parent-tree key.
        self.tagged = True
        self.document = 0
        self.parts: list[int] = []
        self.leaves: list[int] = []
        self.next_key = 0
        #: The tree of the letter copied last by the general path, for the next ones (see ``_tree``).
        self.template: TreeTemplate | None = None
        #: The parent tree of the last letter, as its bytes and as read.
        self.leaf: tuple[bytes, ParentLeaf] | None = None
        self._write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")

    def _write(self, data: bytes) -> None:
        self.fh.write(data)
        self.sha.update(data)
        self.size += len(data)

    def add(self, data: bytes, label: str, title: str | None = None) -> None:
        """Append every page of one letter (*label* names it in the file's ID; *title*, its bookmark).

        Letters of one language share most of their objects (the fonts, the
        pages' text: see render/compose.py). An object whose bytes, after
        renumbering, equal one the first letter wrote is not written again:
        its number is reused. Objects are numbered children first, so equal
        objects have equal bytes. Only the first letter's objects are
        remembered, so memory stays flat however many letters follow.

        The letter's structure tree follows its pages (render/pdfjoin.py):
        its elements, and whatever holds a parent-tree key (its pages, its
        links), are its own, never shared.
        """
        letter = ReportlabPdf(data)
        if self.lang is None:
            self.lang = letter.lang
        tree = letter_tree(letter.dictionary(letter.root), letter.dictionary) if self.tagged else None
        self.tagged = tree is not None
        base = self.next_key
        own = False  # copying the letter's structure elements
        written: list[tuple[int, int]] = []  # (old, new) of each of them, in the order written
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
            private = own
            if tree is not None and b"/StructParent" in head and STRUCT_PARENT.search(head):
                head = shift_keys(head, base)
                private = True
            if page:
                # The letter's page tree is not copied: its pages join the combined one (object 2).
                head = PARENT.sub(b"/Parent @", head)
            refs: list[int] = []

            def renumber(m: re.Match[bytes]) -> bytes:
                if m.group(1) is None:
                    return m.group(0)
                refs.append(int(m.group(1)))
                return b"%d 0 R" % place(refs[-1])

            if b"(" in head:
                head = TOKEN.sub(renumber, head)
            else:
                pieces: list[bytes] = []
                last = 0
                for ref_start, ref_end, ref in references(head):
                    refs.append(ref)
                    pieces += (head[last:ref_start], b"%d 0 R" % place(ref))
                    last = ref_end
                pieces.append(head[last:])
                head = b"".join(pieces)
            if page:
                head = head.replace(b"/Parent @", b"/Parent 2 0 R")
            if own and tree is not None and old == tree.document:
                head = self._part(head, letter)
            if b"+" in head:
                head = self._unique_subset_name(head, stream, renamed)
            busy.discard(old)
            size = len(head) + 1 + len(stream)
            key = None
            if not (page or private or old in numbers) and (remember or size in self.sizes):
                key = hashlib.sha1(head + b"\0" + stream).digest()
            if key is not None and key in self.shared:
                numbers[old] = self.shared[key]
            else:
                new = numbers.get(old) or self._reserve()
                numbers[old] = new
                self.offsets[new - 1] = self.size
                self._write(pdf_object(new, head, stream))
                if own:
                    written.append((old, new))
                if key is not None and remember:
                    self.shared[key] = new
                    self.sizes.add(size)
            if key is not None and remember:
                first[old] = (data[letter.offsets[old] : parsed], numbers[old], tuple(refs))
            return numbers[old]

        for page in letter.pages:
            self.kids.append(place(page))
        if title:
            self.marks.append((self.kids[-len(letter.pages)], title))
        if tree is not None:
            own = True
            self._tree(letter, tree, place, numbers, written)
        if remember:
            self.first = first
        self.letters += 1
        self.ident.update(label.encode() + b"\0")

    def _tree(
        self,
        letter: ReportlabPdf,
        tree: LetterTree,
        place: Callable[[int], int],
        numbers: dict[int, int],
        written: list[tuple[int, int]],
    ) -> None:
        """Copy *letter*'s elements (its Document as a Part of the combined one) and its parent tree's leaf.

        The first letter's tree, and any that differs from it, takes the
        general path (``place``, which adds each object it writes to
        *written*) and becomes the template; the others are copied from it.
        """
        if not self.document:
            self.document = self._reserve()
        numbers[tree.root] = self.document  # the Part's parent
        template = self.template
        if template is not None and template.fits(tree, letter.data, letter.offsets, numbers):
            start = len(self.offsets) + 1
            self.offsets.extend([0] * template.size)
            objects = []
            at = self.size
            for old, new, head in template.heads(start, numbers):
                numbers[old] = new
                obj = pdf_object(new, self._part(head, letter) if old == tree.document else head)
                self.offsets[new - 1] = at
                at += len(obj)
                objects.append(obj)
            self._write(b"".join(objects))  # once: a write and a hash per object cost as much as the rest
            self.parts.append(numbers[tree.document])
        else:
            start = len(self.offsets) + 1
            self.parts.append(place(tree.document))
            self.template = TreeTemplate.record(tree, letter.span, letter.data, letter.offsets, written, start)
        head = letter.dictionary(tree.parent_tree)
        if self.leaf is None or self.leaf[0] != head:
            self.leaf = (head, ParentLeaf.parse(head))
        n = self._reserve()
        self.offsets[n - 1] = self.size
        self._write(pdf_object(n, self.leaf[1].write(self.next_key, numbers)))
        self.leaves.append(n)
        self.next_key += max(self.leaf[1].last + 1, tree.next_key)

    def _part(self, head: bytes, letter: ReportlabPdf) -> bytes:
        """The letter's Document element as its Part, with its language when not the file's."""
        return part(head, letter.lang if letter.lang != self.lang else None)

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
        m = SUBSET_NAME.search(head)
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

    def _known(self, letter: ReportlabPdf) -> dict[int, int]:
        """The objects of *letter* that ``add`` would find among the first letter's, and their numbers.

        An object qualifies when its bytes, from its offset to the end of what
        decides its parse (``ReportlabPdf.span``), equal those of the same-numbered
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
        outline = self._outline()
        info = b"<< /Creator (appeal-gen) /Producer (appeal-gen) /Title %s >>" % _pdf_string(self.title)
        tagged = self.tagged and bool(self.parts)
        if tagged:
            outline += self._structure()
        if self.standard or tagged:
            facts = Facts(self.title, "", "", "", "", self.date, self.standard, producer="appeal-gen")
            info = info_dictionary(facts)
            entries, objects = catalog_objects(facts, len(self.offsets) + 1)
            for n, obj in sorted(objects.items()):
                assert self._reserve() == n
                self.offsets[n - 1] = self.size
                self._write(pdf_object(n, obj))
            outline += entries
        tail = [
            b"<< /Type /Catalog /Pages 2 0 R%s%s >>" % (lang, outline),
            b"<< /Type /Pages /Count %d /Kids [ %s ] >>" % (len(self.kids), kids),
            info,
        ]
        for i, obj in enumerate(tail, start=1):
            self.offsets[i - 1] = self.size
            self._write(pdf_object(i, obj))
        digest = self.ident.hexdigest()[:32].encode()
        self._write(xref_and_trailer(self.offsets, self.size, digest, info=3, root=1))
        self.fh.flush()
        os.fsync(self.fh.fileno())
        self.fh.close()
        os.chmod(self.tmp, new_file_mode())
        os.replace(self.tmp, self.path)
        return self.sha.hexdigest(), len(self.kids)

    def _structure(self) -> bytes:
        """The structure tree's root, Document and parent tree, written now; the catalog's entries for them.

        Tagged as its letters are (PDF/UA-1 in intent), so the title is shown and the XMP says ``pdfuaid``.
        """
        root, tree = self._reserve(), self._reserve()
        for n, obj in sorted(tree_objects(root, self.document, tree, self.parts, self.leaves, self.next_key).items()):
            self.offsets[n - 1] = self.size
            self._write(pdf_object(n, obj))
        return (
            b" /MarkInfo << /Marked true >> /StructTreeRoot %d 0 R /ViewerPreferences << /DisplayDocTitle true >>"
            % root
        )

    def _outline(self) -> bytes:
        """The bookmarks, one per letter, written now; the catalog's entries for them (or b"")."""
        if not self.marks:
            return b""
        root = self._reserve()
        items = [self._reserve() for _ in self.marks]
        for i, ((page, title), n) in enumerate(zip(self.marks, items, strict=True)):
            links = b"".join(
                b" /%s %d 0 R" % (key, items[j])
                for key, j in ((b"Prev", i - 1), (b"Next", i + 1))
                if 0 <= j < len(items)
            )
            self.offsets[n - 1] = self.size
            self._write(
                pdf_object(
                    n,
                    b"<< /Title %s /Parent %d 0 R%s /Dest [ %d 0 R /Fit ] >>" % (_pdf_string(title), root, links, page),
                )
            )
        self.offsets[root - 1] = self.size
        self._write(
            pdf_object(
                root, b"<< /Type /Outlines /First %d 0 R /Last %d 0 R /Count %d >>" % (items[0], items[-1], len(items))
            )
        )
        return b" /Outlines %d 0 R /PageMode /UseOutlines" % root

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
