"""The structure trees of letters joined into one, as ``combine`` copies their pages.

Every letter appeal-gen writes is tagged (render/pdftree.py); a combined
PDF of a batch's letters is tagged too, made of their trees: a ``Document``
whose kids are one ``Part`` per letter (the letter's own ``Document``
element, renamed), each holding that letter's elements. Elements are
copied byte for byte with their references renumbered, like the pages
(they are the letter's, never shared: their ``/Pg`` are its pages), so
the MCIDs of the copied page content stay right.

The parent tree is the one thing renumbered by value: each letter's keys
(its pages' ``/StructParents``, its links' ``/StructParent``) are shifted
past those of the letters before it, and its ``/Nums`` written as one leaf
of the combined number tree (PDF 32000-1, 7.9.7), so that only a leaf's
object number per letter stays in memory.

It reads only what pdftree.py writes; anything else is refused with
``ValueError``, never joined wrongly.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from .pdfsyntax import TOKEN

_STRUCT_TREE_ROOT = re.compile(rb"/StructTreeRoot (\d+) 0 R")
_ONE_KID = re.compile(rb"/K \[ (\d+) 0 R \]")
_PARENT_TREE = re.compile(rb"/ParentTree (\d+) 0 R")
_NEXT_KEY = re.compile(rb"/ParentTreeNextKey (\d+)")
#: A parent-tree key in a page, a Form XObject (``/StructParents``) or an annotation (``/StructParent``).
STRUCT_PARENT = re.compile(rb"(/StructParents? )(\d+)")
_NUMS = re.compile(rb"/Nums \[(.*)\]", re.S)
_NUM_TOKEN = re.compile(rb"\[|\]|(\d+) 0 R|(\d+)")


@dataclass(frozen=True)
class LetterTree:
    """Where a letter's tree is: its StructTreeRoot, its one ``Document`` element, its parent tree."""

    root: int
    document: int
    parent_tree: int
    #: How many parent-tree keys the letter uses (0 to next_key - 1).
    next_key: int


def letter_tree(catalog: bytes, dictionary: Callable[[int], bytes]) -> LetterTree | None:
    """The tree of a letter whose catalog is *catalog* (*dictionary* reads its objects), or None if untagged."""
    found = _STRUCT_TREE_ROOT.search(catalog)
    if found is None:
        return None
    root = int(found.group(1))
    head = dictionary(root)
    kid = _ONE_KID.search(head)
    tree = _PARENT_TREE.search(head)
    key = _NEXT_KEY.search(head)
    if kid is None or tree is None or key is None or b"/RoleMap" in head or b"/ClassMap" in head:
        raise ValueError("not a PDF written by appeal-gen: a structure tree root it does not know")
    return LetterTree(root, int(kid.group(1)), int(tree.group(1)), int(key.group(1)))


def shift_keys(head: bytes, base: int) -> bytes:
    """*head* with its parent-tree key moved *base* on.

    >>> shift_keys(b"<< /Type /Page /StructParents 2 /Tabs /S >>", 10)
    b'<< /Type /Page /StructParents 12 /Tabs /S >>'
    """
    return STRUCT_PARENT.sub(lambda m: m.group(1) + b"%d" % (int(m.group(2)) + base), head)


def part(head: bytes, lang: bytes | None) -> bytes:
    """A letter's ``Document`` element as its ``Part`` of the combined one, with its language if not the file's.

    No ``/T`` (title): the bookmarks name the letters, and poppler's
    ``pdfinfo -struct-text`` prints a title's bytes undecoded (UTF-16 there).

    >>> part(b"<< /Type /StructElem /S /Document /P 9 0 R /K [ 4 0 R ] >>", b"(fr)")
    b'<< /Type /StructElem /S /Part /P 9 0 R /K [ 4 0 R ] /Lang (fr) >>'
    """
    if b"/S /Document " not in head:
        raise ValueError("not a PDF written by appeal-gen: its structure tree has no Document element")
    head = head.replace(b"/S /Document ", b"/S /Part ", 1)
    return head[: head.rindex(b">>")].rstrip() + b" /Lang %s >>" % lang if lang else head


@dataclass(frozen=True)
class ParentLeaf:
    """A letter's parent tree as a leaf of the combined one, read once for all the letters that share it.

    >>> leaf = ParentLeaf.parse(b"<< /Nums [ 0 [ 7 0 R 8 0 R ] 1 9 0 R ] >>")
    >>> leaf.write(5, {7: 107, 8: 108, 9: 109})
    b'<< /Limits [ 5 6 ] /Nums [ 5 [ 107 0 R 108 0 R ] 6 109 0 R ] >>'
    >>> leaf.last
    1
    """

    #: The leaf, with ``%d`` for each key and reference.
    fmt: bytes
    #: The letter's last key.
    last: int
    #: The elements it names (the letter's numbers).
    olds: tuple[int, ...]
    #: Where each ``%d``'s value is in ``write``'s table: the keys 0 to ``last`` moved on, then ``olds`` renumbered.
    indices: tuple[int, ...]

    @classmethod
    def parse(cls, head: bytes) -> ParentLeaf:
        nums = _NUMS.search(head)
        if nums is None:
            raise ValueError("not a PDF written by appeal-gen: a parent tree without /Nums")
        out: list[bytes] = []
        slots: list[tuple[bool, int]] = []
        depth = 0
        for token in _NUM_TOKEN.finditer(nums.group(1)):
            ref, num = token.group(1), token.group(2)
            if ref is not None:
                out.append(b"%d 0 R")
                slots.append((False, int(ref)))
            elif num is not None:
                if depth:
                    raise ValueError("not a PDF written by appeal-gen: a number inside a parent tree's array")
                out.append(b"%d")
                slots.append((True, int(num)))
            else:
                depth += 1 if token.group() == b"[" else -1
                out.append(token.group())
        keys = [value for key, value in slots if key]
        if not keys or keys != sorted(keys):
            raise ValueError("not a PDF written by appeal-gen: a parent tree's keys out of order")
        fmt = b"<< /Limits [ %%d %%d ] /Nums [ %s ] >>" % b" ".join(out)
        slots = [(True, keys[0]), (True, keys[-1]), *slots]
        olds = tuple(sorted({value for key, value in slots if not key}))
        at = {old: keys[-1] + 1 + i for i, old in enumerate(olds)}
        return cls(fmt, keys[-1], olds, tuple(value if key else at[value] for key, value in slots))

    def write(self, base: int, numbers: dict[int, int]) -> bytes:
        """The leaf with its keys moved *base* on and its references renumbered by *numbers*."""
        try:
            table = [*range(base, base + self.last + 1), *map(numbers.__getitem__, self.olds)]
        except KeyError as exc:
            raise ValueError(
                f"not a PDF written by appeal-gen: its parent tree names object {exc}, not in its tree"
            ) from None
        return self.fmt % tuple(map(table.__getitem__, self.indices))


def tree_objects(
    root: int, document: int, tree: int, parts: list[int], leaves: list[int], next_key: int
) -> dict[int, bytes]:
    """The combined file's StructTreeRoot (*root*), ``Document`` and parent-tree root (*tree*)."""

    def refs(numbers: list[int]) -> bytes:
        return b" ".join(b"%d 0 R" % n for n in numbers)

    return {
        root: b"<< /Type /StructTreeRoot /K [ %d 0 R ] /ParentTree %d 0 R /ParentTreeNextKey %d >>"
        % (document, tree, next_key),
        document: b"<< /Type /StructElem /S /Document /P %d 0 R /K [ %s ] >>" % (root, refs(parts)),
        tree: b"<< /Kids [ %s ] >>" % refs(leaves),
    }


@dataclass(frozen=True)
class _Copied:
    """One object of a letter's tree as the general path copied it: enough to copy it again for another letter."""

    old: int
    #: Its bytes in the letter, from its offset to the end of what decided its parse (``ReportlabPdf.span``).
    raw: bytes
    #: Its number in the combined file, counted from the first number the copy took.
    rel: int
    #: Its dictionary in the letter with ``%d 0 R`` for each reference.
    fmt: bytes
    #: Each reference: (True, the ``rel`` of an object of the copy) or (False, the letter's number of another).
    refs: tuple[tuple[bool, int], ...]


class TreeTemplate:
    """A letter's tree as copied once, to copy the same tree of later letters without parsing it.

    The letters of one language keep their shared layout's tree
    (render/compose.py): the same elements, numbered the same, differing
    only in the numbers their pages and links get in the combined file.
    Copying that tree object by object (``CombinedPdf.add``'s general path:
    a parse, a renumbering and a recursion per element) costs about half a
    millisecond a letter in the batch's parent process, its bottleneck. A
    later letter whose tree objects have the first copy's bytes (``fits``)
    gets the same objects with its own numbers (``heads``): the bytes the
    general path would give, by a join per object.
    """

    def __init__(self, tree: LetterTree, copied: list[_Copied]) -> None:
        self.tree = tree
        self.copied = copied
        #: How many numbers a copy takes.
        self.size = max(c.rel for c in copied) + 1
        #: The letter's objects outside the tree that it refers to (its pages, its links, the tree's root).
        self.outside = frozenset(ref for c in copied for inside, ref in c.refs if not inside)
        #: ``heads`` numbers a copy through one table: the copy's numbers, then those of ``order``'s objects.
        self.order = tuple(sorted(self.outside))
        at = {old: self.size + i for i, old in enumerate(self.order)}
        #: For each object, where each of its references' numbers is in that table.
        self.slots = [tuple(ref if inside else at[ref] for inside, ref in c.refs) for c in copied]

    @classmethod
    def record(
        cls,
        tree: LetterTree,
        span: Callable[[int], tuple[bytes, bytes, int]],
        data: bytes,
        offsets: dict[int, int],
        written: list[tuple[int, int]],
        start: int,
    ) -> TreeTemplate | None:
        """The template of a tree the general path just copied from numbers *start* on.

        *written* is (the letter's number, the combined file's) of each
        object copied, in the order written; *span*, *data* and *offsets*
        read the letter. None when a number between was taken by something
        else, or an object is one the general path would change otherwise
        than by renumbering (a stream, a font name): never so in what
        pdftree.py writes, but then the general path goes on copying.
        """
        rel = {old: new - start for old, new in written}
        if sorted(rel.values()) != list(range(len(rel))):
            return None
        copied = []
        for old, _new in written:
            head, stream, parsed = span(old)
            if stream or b"+" in head or b"/StructParent" in head:
                return None
            pieces, refs, last = [], [], 0
            for m in TOKEN.finditer(head):
                if m.group(1) is not None:
                    ref = int(m.group(1))
                    pieces.append(head[last : m.start()])
                    refs.append((True, rel[ref]) if ref in rel else (False, ref))
                    last = m.end()
            pieces.append(head[last:])
            fmt = b"%d 0 R".join(p.replace(b"%", b"%%") for p in pieces)
            copied.append(_Copied(old, data[offsets[old] : parsed], rel[old], fmt, tuple(refs)))
        return cls(tree, copied) if copied else None

    def fits(self, tree: LetterTree, data: bytes, offsets: dict[int, int], numbers: dict[int, int]) -> bool:
        """Would the general path copy this letter's tree as the template's (its objects' bytes the same)?"""
        if tree != self.tree:
            return False
        for c in self.copied:
            at = offsets.get(c.old)
            if at is None or not data.startswith(c.raw, at):
                return False
        return self.outside.issubset(numbers)

    def heads(self, start: int, numbers: dict[int, int]) -> list[tuple[int, int, bytes]]:
        """(the letter's number, the combined file's, the dictionary) of each object, in the order to write them."""
        table = [*range(start, start + self.size), *map(numbers.__getitem__, self.order)]
        get = table.__getitem__
        return [
            (c.old, start + c.rel, c.fmt % tuple(map(get, slots)))
            for c, slots in zip(self.copied, self.slots, strict=True)
        ]
