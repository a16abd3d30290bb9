"""The structure tree of a tagged PDF, written into reportlab's output.

reportlab has no structure tree of its own. The pages' marked content is
drawn by render/pdftags.py, which records each element in reading order
(``Recorder``); once reportlab has written the file, ``tag`` rewrites it
with the objects a tagged PDF needs (PDF 32000-1, 14.7 and 14.8; PDF/UA-1):

- ``/StructTreeRoot`` with one ``Document`` element, holding the elements
  in reading order; consecutive list labels and bodies become ``L`` /
  ``LI`` / ``Lbl`` / ``LBody``;
- the ``/ParentTree`` (page -> the element of each MCID) and each page's
  ``/StructParents``, and ``/Tabs /S``;
- ``/MarkInfo << /Marked true >>`` in the catalog.

It copies every other object byte for byte (``pdfsyntax``), so the file
stays one that ``ReportlabPdf`` reads: a batch's shared layout is tagged
once, and its letters (render/compose.py) keep the tree.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from .pdfa import Facts, catalog_objects, info
from .pdfsyntax import ReportlabPdf, pdf_object, xref_and_trailer
from .pdftags import Element, Recorder

_ID = re.compile(rb"/ID\s*\[\s*<([0-9a-fA-F]+)>")
_URI = re.compile(rb"/URI (\((?:\\.|[^\\()])*\))")


@dataclass
class _Node:
    role: str
    element: Element | None = None
    kids: list[_Node] = field(default_factory=list)


def _nest(elements: Sequence[Element]) -> list[_Node]:
    """The elements as the Document's children: list items grouped into lists.

    A list item is a label and a body, in whichever order they were drawn
    (right-to-left tables draw the body first); a second label or body
    starts the next item.
    """
    top: list[_Node] = []
    for element in elements:
        if element.role == "Link":  # a paragraph that is one link: P > Link
            top.append(_Node("P", kids=[_Node("Link", element)]))
            continue
        if element.role not in ("Lbl", "LBody"):
            top.append(_Node(element.role, element))
            continue
        if not top or top[-1].role != "L":
            top.append(_Node("L"))
        items = top[-1].kids
        if not items or any(k.role == element.role for k in items[-1].kids):
            items.append(_Node("LI"))
        items[-1].kids.append(_Node(element.role, element))
        items[-1].kids.sort(key=lambda k: k.role != "Lbl")
    return top


def _string(text: str) -> bytes:
    """A PDF string for ASCII text such as a language tag."""
    return (
        b"("
        + text.encode("ascii", "replace").replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
        + b")"
    )


def tag(data: bytes, rec: Recorder, facts: Facts) -> bytes:
    """*data* (a reportlab PDF whose pages *rec* recorded) with its structure tree and metadata (render/pdfa.py)."""
    doc = ReportlabPdf(data)
    first_new = max(doc.offsets) + 1
    numbers: dict[int, int] = {}  # id(node) -> object number
    nodes: list[tuple[_Node, int]] = []  # (node, parent object number)
    root_n = first_new
    tree_n = first_new + 1
    document = _Node("Document", kids=_nest(rec.elements))
    next_n = first_new + 2

    def number(node: _Node, parent: int) -> None:
        nonlocal next_n
        numbers[id(node)] = next_n
        next_n += 1
        nodes.append((node, parent))
        for kid in node.kids:
            number(kid, numbers[id(node)])

    number(document, root_n)
    page_of = {i + 1: n for i, n in enumerate(doc.pages)}
    parents: dict[int, dict[int, int]] = {}  # page -> MCID -> element's object number
    objects: dict[int, bytes] = {}
    annotations = _link_annotations(doc, rec.elements)  # id(element) -> [(annotation, page object)]
    owners: list[tuple[int, int]] = []  # (annotation, its Link element's object number), parent-tree keys on
    for node, parent in nodes:
        n = numbers[id(node)]
        entries = [b"/Type /StructElem /S /%s /P %d 0 R" % (node.role.encode(), parent)]
        kids: list[bytes] = [b"%d 0 R" % numbers[id(k)] for k in node.kids]
        if node.element is not None:
            element = node.element
            first_page = page_of[element.parts[0][0]]
            entries.append(b"/Pg %d 0 R" % first_page)
            for page, mcid in element.parts:
                parents.setdefault(page, {})[mcid] = n
                if page_of[page] == first_page:
                    kids.append(b"%d" % mcid)
                else:
                    kids.append(b"<< /Type /MCR /Pg %d 0 R /MCID %d >>" % (page_of[page], mcid))
            for annotation, page_n in annotations.get(id(element), ()):
                kids.append(b"<< /Type /OBJR /Obj %d 0 R /Pg %d 0 R >>" % (annotation, page_n))
                owners.append((annotation, n))
            if element.lang:
                entries.append(b"/Lang %s" % _string(element.lang))
        # One kid is written alone, as most writers do (a checker, pdfua 0.1, fails on a heading's one-item array).
        entries.append(b"/K %s" % kids[0] if len(kids) == 1 else b"/K [ %s ]" % b" ".join(kids))
        objects[n] = b"<< %s >>" % b" ".join(entries)
    nums = []
    for index in range(len(doc.pages)):
        mcids = parents.get(index + 1, {})
        refs = b" ".join(b"%d 0 R" % mcids[m] for m in sorted(mcids))
        nums.append(b"%d [ %s ]" % (index, refs))
    nums += [b"%d %d 0 R" % (len(doc.pages) + i, owner) for i, (_, owner) in enumerate(owners)]
    objects[tree_n] = b"<< /Nums [ %s ] >>" % b" ".join(nums)
    objects[root_n] = b"<< /Type /StructTreeRoot /K [ %d 0 R ] /ParentTree %d 0 R /ParentTreeNextKey %d >>" % (
        numbers[id(document)],
        tree_n,
        len(doc.pages) + len(owners),
    )
    metadata, extra = catalog_objects(facts, next_n)
    objects.update(extra)
    edits = {
        doc.root: b" /MarkInfo << /Marked true >> /StructTreeRoot %d 0 R%s" % (root_n, metadata),
        **{page: b" /StructParents %d /Tabs /S" % i for i, page in enumerate(doc.pages)},
    }
    replace = {doc.info: info(facts)} if doc.info is not None else {}
    for n in doc.offsets:
        head = doc.dictionary(n)
        if facts.standard and n in doc.pages:
            # reportlab's empty page transition, which PDF/A validators do not know.
            replace[n] = re.sub(rb"/Trans <<\s*>>\s*", b"", head)
        elif b"/Subtype /Link" in head:
            # A link says where it goes (PDF/UA 7.18.5), and is printable (PDF/A).
            uri = _URI.search(head)
            added = b" /Contents %s" % uri.group(1) if uri and b"/Contents" not in head else b""
            added += b" /F 4" if facts.standard and b"/F " not in head else b""
            if added:
                edits[n] = added
    for i, (annotation, _) in enumerate(owners):
        edits[annotation] = edits.get(annotation, b"") + b" /StructParent %d" % (len(doc.pages) + i)
    return rewrite(doc, edits, objects, replace)


_ANNOTS = re.compile(rb"/Annots \[([^\]]*)\]")


def _link_annotations(doc: ReportlabPdf, elements: Sequence[Element]) -> dict[int, list[tuple[int, int]]]:
    """Each Link element's annotations (PDF/UA 7.18.5: a link's annotation sits in its Link element).

    reportlab writes a page's link annotations in the order it draws the
    links, one per line of a link; a page whose link annotations are as many
    as the Link elements that start on it has them matched in order. A page
    where they differ (a link broken over two lines) keeps its annotations
    outside the tree, described by their ``/Contents`` only.
    """
    out: dict[int, list[tuple[int, int]]] = {}
    links = [e for e in elements if e.role == "Link"]
    for index, page in enumerate(doc.pages, start=1):
        found = _ANNOTS.search(doc.dictionary(page))
        refs = [int(r) for r in re.findall(rb"(\d+) 0 R", found.group(1))] if found else []
        annots = [a for a in refs if b"/Subtype /Link" in doc.dictionary(a)]
        starting = [e for e in links if e.parts[0][0] == index]
        if annots and len(annots) == len(starting):
            for element, annotation in zip(starting, annots, strict=True):
                out[id(element)] = [(annotation, page)]
    return out


def rewrite(
    doc: ReportlabPdf, edits: dict[int, bytes], new: dict[int, bytes], replace: dict[int, bytes] | None = None
) -> bytes:
    """*doc* with entries added to some dictionaries (*edits*), some replaced (*replace*), objects appended (*new*).

    The header, every other object and the trailer's ID are kept as they
    are, so the output stays as deterministic as reportlab's.
    """
    replace = replace or {}
    data = doc.data
    start = min(doc.offsets.values())
    out = [data[:start]]
    size = start
    offsets: dict[int, int] = {}
    for n in sorted(doc.offsets):
        head, stream = doc.parts(n)
        head = replace.get(n, head)
        if n in edits:
            head = head[: head.rindex(b">>")].rstrip() + edits[n] + b" >>"
        obj = pdf_object(n, head, stream)
        offsets[n] = size
        out.append(obj)
        size += len(obj)
    for n in sorted(new):
        obj = pdf_object(n, new[n])
        offsets[n] = size
        out.append(obj)
        size += len(obj)
    ident = _ID.search(data, data.rindex(b"trailer"))
    if ident is None or doc.info is None:
        raise ValueError("not a PDF written by reportlab: no /ID or /Info in the trailer")
    table = [offsets.get(n) for n in range(1, max(offsets) + 1)]
    return b"".join(out) + xref_and_trailer(table, size, ident.group(1), doc.info, doc.root)
