"""Combined PDFs streamed letter by letter: every page, in order, readable, reproducible."""

from __future__ import annotations

import csv
import hashlib
import io
import re
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from appeal_gen import build_letter, load_spec
from appeal_gen.combine import CombinedPdf
from appeal_gen.document import Correspondent
from appeal_gen.letters import personalise
from appeal_gen.locale import LocaleInfo
from appeal_gen.render.pdf import render_pdf
from appeal_gen.render.pdfjoin import TreeTemplate
from appeal_gen.render.pdfsyntax import TOKEN, ReportlabPdf, pdf_object, references, xref_and_trailer

from .conftest import DATA, EXAMPLE, pdf_text

RECIPIENTS = EXAMPLE.parent / "recipients.csv"


@pytest.fixture(scope="module")
def letters(example_spec) -> list[bytes]:  # type: ignore[no-untyped-def]
    out = []
    for lang, name in (("en", "Margaret Holloway"), ("ru", "Анна Смирнова"), ("en", "Thomas (Tom) Nguyen 12 0 R")):
        loc = LocaleInfo(lang)
        letter = personalise(build_letter(example_spec, loc), example_spec, loc, Correspondent(signatory_name=name))
        out.append(render_pdf(letter))
    return out


def _combine(path: Path, letters: list[bytes]) -> tuple[str, int]:
    combined = CombinedPdf(path, title="FLD-KH-CCHR-2017 (en) – test")
    for i, data in enumerate(letters):
        combined.add(data, f"letter-{i}")
    return combined.commit()


def test_every_page_of_every_letter_in_order(tmp_path: Path, letters: list[bytes]) -> None:
    digest, pages = _combine(tmp_path / "all.pdf", letters)
    data = (tmp_path / "all.pdf").read_bytes()
    assert hashlib.sha256(data).hexdigest() == digest
    reader = PdfReader(tmp_path / "all.pdf", strict=True)
    expected = [page.extract_text() for d in letters for page in PdfReader(io.BytesIO(d)).pages]
    assert pages == len(reader.pages) == len(expected)
    assert [page.extract_text() for page in reader.pages] == expected
    text = pdf_text(data)
    assert text.index("Margaret Holloway") < text.index("Анна Смирнова") < text.index("Thomas (Tom) Nguyen 12 0 R")
    assert reader.metadata is not None and reader.metadata.title == "FLD-KH-CCHR-2017 (en) – test"
    # Links survive: the example's previous-appeal link on each letter's last page.
    uris = [a.get_object()["/A"]["/URI"] for p in reader.pages for a in p.get("/Annots", [])]
    assert len(uris) == 3 and all(u.startswith("https://www.frontlinedefenders.org/") for u in uris)
    assert not list(tmp_path.glob(".*.part"))


def test_letters_given_a_title_get_a_bookmark_to_their_first_page(tmp_path: Path, letters: list[bytes]) -> None:
    combined = CombinedPdf(tmp_path / "x.pdf", title="x")
    for i, (data, title) in enumerate(zip(letters, ("Margaret Holloway", None, "Анна (Смирнова)"), strict=True)):
        combined.add(data, f"letter-{i}", title)
    combined.commit()
    reader = PdfReader(tmp_path / "x.pdf", strict=True)
    first = [0, *(len(PdfReader(io.BytesIO(d)).pages) for d in letters)]
    marks = [(m.title, reader.get_destination_page_number(m)) for m in reader.outline]
    assert marks == [("Margaret Holloway", 0), ("Анна (Смирнова)", first[1] + first[2])]


def test_same_letters_same_bytes(tmp_path: Path, letters: list[bytes]) -> None:
    assert _combine(tmp_path / "a.pdf", letters)[0] == _combine(tmp_path / "b.pdf", letters)[0]
    assert _combine(tmp_path / "c.pdf", letters[::-1])[0] != _combine(tmp_path / "a.pdf", letters)[0]


def test_refuses_what_it_cannot_copy_and_leaves_nothing(tmp_path: Path, letters: list[bytes]) -> None:
    combined = CombinedPdf(tmp_path / "x.pdf", title="x")
    with pytest.raises(ValueError, match="not a PDF written by reportlab"):
        combined.add(b"%PDF-1.7\n1 0 obj\n<< >>\nendobj\n", "broken")
    combined.discard()
    assert list(tmp_path.iterdir()) == []


def test_what_letters_share_is_written_once(tmp_path: Path, example_spec) -> None:  # type: ignore[no-untyped-def]
    """Ten letters of one language: their fonts and page text once, their own parts each."""
    loc = LocaleInfo("ar")
    base = build_letter(example_spec, loc)
    names = [f"ليلى حداد {i}" for i in range(10)]
    letters = [render_pdf(personalise(base, example_spec, loc, Correspondent(signatory_name=n))) for n in names]
    _, pages = _combine(tmp_path / "ar.pdf", letters)
    size = (tmp_path / "ar.pdf").stat().st_size
    assert size < 0.3 * sum(len(d) for d in letters)
    reader = PdfReader(tmp_path / "ar.pdf", strict=True)
    assert pages == len(reader.pages) == sum(len(PdfReader(io.BytesIO(d)).pages) for d in letters)
    expected = [page.extract_text() for d in letters for page in PdfReader(io.BytesIO(d)).pages]
    assert [page.extract_text() for page in reader.pages] == expected


# --------------------------------------------------------------------------
# Objects of later letters taken as the first letter's without parsing them


class _Counting(CombinedPdf):
    """CombinedPdf recording how many objects of each later letter it took as known."""

    def __init__(self, path: Path, *, title: str) -> None:
        super().__init__(path, title=title)
        self.known: list[int] = []

    def _known(self, letter: ReportlabPdf) -> dict[int, int]:
        known = super()._known(letter)
        self.known.append(len(known))
        return known


class _Parsed(CombinedPdf):
    """The full path for every object of every letter: parsed, renumbered and hashed; no tree copied from a template."""

    def _known(self, letter: ReportlabPdf) -> dict[int, int]:
        return {}

    @property  # type: ignore[override]
    def template(self) -> None:
        return None

    @template.setter
    def template(self, value: object) -> None:
        pass


def _people(n: int) -> list[Correspondent]:
    return [
        Correspondent(
            honorific="H.E.",
            name=f"Official {i}",
            office="Ambassador",
            address=tuple(f"{i} Street {j}" for j in range(i % 4)),
            signatory_name=f"Signatory {i}",
            signatory_city="Leeds",
        )
        if i % 2
        else Correspondent(signatory_name=f"Supporter {i}")
        for i in range(n)
    ]


def _damaged(data: bytes) -> bytes:
    """The letter with one byte of its first content stream changed, its length and offsets kept."""
    at = data.index(b"stream\n", data.index(b"/Contents")) + len(b"stream\n") + 10
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]


@pytest.mark.parametrize("lang", ["en", "ar", "km", "zh"])
def test_later_letters_known_without_parsing_give_the_bytes_of_the_full_path(
    tmp_path: Path,
    example_spec,  # type: ignore[no-untyped-def]
    lang: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Batch letters of one language, with a letter of another spec and a damaged one among them.

    A later letter's objects equal to the first letter's are taken without
    being parsed; the file must be the one parsing every object gives. The
    other spec's letter shares no layout and the damaged letter one content
    stream less: they take fewer objects as known, and the rest the full way.
    """
    loc = LocaleInfo(lang)
    base = build_letter(example_spec, loc)
    letters = [render_pdf(personalise(base, example_spec, loc, who)) for who in _people(5)]
    other_spec = load_spec(str(DATA / "minimal.yaml"))
    other = render_pdf(personalise(build_letter(other_spec, LocaleInfo("en")), other_spec, LocaleInfo("en"),
                                   Correspondent(name="Ann Smith", office="Minister")))  # fmt: skip
    sequence = [letters[0], letters[1], other, letters[2], _damaged(letters[3]), letters[4]]
    fast = _Counting(tmp_path / "fast.pdf", title="t")
    full = _Parsed(tmp_path / "full.pdf", title="t")
    copied = []  # each letter whose structure tree was copied from the template
    heads = TreeTemplate.heads
    monkeypatch.setattr(TreeTemplate, "heads", lambda self, *a: copied.append(fast.letters) or heads(self, *a))
    for i, data in enumerate(sequence):
        fast.add(data, str(i), f"Letter {i}")
        full.add(data, str(i), f"Letter {i}")
    # The damaged letter's tree is the layout's; the other spec's, and the one after it, are not the template's.
    assert copied == [1, 4, 5]
    assert fast.commit() == full.commit()
    assert (tmp_path / "fast.pdf").read_bytes() == (tmp_path / "full.pdf").read_bytes()
    same, other_known, _, damaged, last = fast.known
    # The layout (fonts, page text, links); a personal part may share a subset with the first letter's.
    assert min(same, last) > 10
    assert other_known < min(same, last) and damaged < max(same, last)
    PdfReader(tmp_path / "fast.pdf", strict=True)


def _synthetic(objects: dict[int, bytes]) -> bytes:
    """A PDF laid out as reportlab lays one out: the objects in number order, a classic xref table."""
    out = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
    offsets: list[int | None] = []
    for n in sorted(objects):
        offsets.append(len(out))
        out += objects[n]
    return out + xref_and_trailer(offsets, len(out), b"0" * 32, info=7, root=1)


def _objects(annotation: bytes, after: bytes) -> dict[int, bytes]:
    return {
        1: pdf_object(1, b"<< /Pages 2 0 R /Type /Catalog >>"),
        2: pdf_object(2, b"<< /Count 1 /Kids [ 3 0 R ] /Type /Pages >>"),
        3: pdf_object(3, b"<< /Annots [ 5 0 R ] /Contents 4 0 R /Parent 2 0 R /Type /Page >>"),
        4: pdf_object(4, b"<< /Length 3 >>", b"stream\nq Q\nendstream"),
        5: pdf_object(5, annotation),
        6: pdf_object(6, after),
        7: pdf_object(7, b"<< /Producer (test) >>"),
    }


def test_an_object_whose_parse_reads_past_it_is_never_taken_as_known(tmp_path: Path) -> None:
    """A "(" outside a string lets the string pattern read into the next objects.

    Both letters have the same bytes up to the annotation's ``endobj``; the
    ")" of the second letter's object 6 closes the annotation's string, so
    the annotation parses differently and must not be taken as the first
    letter's.
    """
    first = _synthetic(_objects(b"<< /T (unclosed /Type /Annot >>", b"<< /U /Plain >>"))
    second = _synthetic(_objects(b"<< /T (unclosed /Type /Annot >>", b"<< /U closed) >>"))
    assert ReportlabPdf(first).span(5)[2] == len(first)  # unbounded: the rest of the file decides
    assert ReportlabPdf(first).parts(5) != ReportlabPdf(second).parts(5)
    ok = _synthetic(_objects(b"<< /T (closed) /Type /Annot >>", b"<< /U /Plain >>"))
    head, _, end = ReportlabPdf(ok).span(5)
    assert ok[end - 16 : end].startswith(b"\nendobj\n") and head == b"<< /T (closed) /Type /Annot >>"
    fast, full = _Counting(tmp_path / "a.pdf", title="t"), _Parsed(tmp_path / "b.pdf", title="t")
    for combined in (fast, full):
        for i, data in enumerate([first, second, first]):
            combined.add(data, str(i))
        combined.commit()
    assert (tmp_path / "a.pdf").read_bytes() == (tmp_path / "b.pdf").read_bytes()
    assert fast.known == [1, 2]  # the content stream; and for the third letter the annotation too


@settings(max_examples=300)
@given(st.lists(st.sampled_from([b" ", b"\n", b"0", b"7", b"12", b" 0 R", b"0 R", b"R", b"[", b"]", b"<<", b">",
                                 b"/", b"/F1", b"\t"]), max_size=24))  # fmt: skip
def test_references_are_those_the_pattern_finds(parts: list[bytes]) -> None:
    head = b"".join(parts)
    expected = [(m.start(1), m.end(), int(m.group(1))) for m in TOKEN.finditer(head) if m.group(1) is not None]
    assert references(head) == expected


def test_two_letters_giving_different_subsets_the_same_name_are_told_apart(
    example_spec, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """Letters tag their own subsets; should two tags meet in one file, the later subset is renamed."""
    from appeal_gen.render import compose
    from appeal_gen.render import pdf as pdf_module

    monkeypatch.setattr(compose, "_tag", lambda seed, old: b"QQQQQQ")  # every letter picks the same tag
    pdf_module.default_context().parts.clear()
    spec = example_spec
    loc = LocaleInfo("zh")
    base = build_letter(spec, loc)
    names = ("王秀英", "李伟", "陈志强")
    letters = [pdf_module.render_pdf(personalise(base, spec, loc, Correspondent(name=n))) for n in names]
    combined = CombinedPdf(tmp_path / "zh.pdf", title="zh")
    for i, data in enumerate(letters):
        combined.add(data, str(i))
    combined.commit()
    data = (tmp_path / "zh.pdf").read_bytes()
    reader = PdfReader(io.BytesIO(data))
    descriptors: dict[str, object] = {}
    for page in reader.pages:
        for xobj in (page["/Resources"].get("/XObject") or {}).values():
            for font in xobj.get_object()["/Resources"]["/Font"].values():
                font = font.get_object()
                descriptor = font.raw_get("/FontDescriptor")  # the reference, to tell objects apart
                name = str(font["/BaseFont"])
                assert str(descriptor.get_object()["/FontName"]) == name
                assert descriptors.setdefault(name, descriptor.idnum) == descriptor.idnum, name
    assert sum(n.startswith("/QQQQQQ+") for n in descriptors) == 1  # the first letter's keeps its name
    assert len([n for n in descriptors if "WenQuanYi" in n]) >= 4  # the layout's, and one per letter
    text = " ".join(p.extract_text() for p in reader.pages)
    assert all(n in text for n in names)


# --------------------------------------------------------------------------
# The structure tree: one Part per letter, its elements, its marked content

LANGS = ["en", "fr", "es", "ru", "ar", "km", "zh"]
#: A word of each script that a reader would search for (as tests/render/test_pdftags.py).
WORDS = {"km": "មជ្ឈមណ្ឌល", "ar": "حقوق", "zh": "人权", "ru": "правозащитн", "en": "Human Rights"}


def _batch(out: Path, *extra: str) -> None:
    command = [sys.executable, "-m", "appeal_gen", "batch", str(EXAMPLE), "--recipients", str(RECIPIENTS)]
    proc = subprocess.run([*command, "--format", "pdf", "--quiet", "-o", str(out), *extra], capture_output=True)
    assert proc.returncode == 0, proc.stderr


@pytest.fixture(scope="module")
def batch_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("combined") / "out"
    _batch(out)
    return out


def _combined(out: Path, lang: str) -> Path:
    return out / "combined" / f"fld-kh-cchr-2017.{lang}.pdf"


def _rows(out: Path, lang: str) -> list[dict[str, str]]:
    with (out / "manifest.csv").open(encoding="utf-8", newline="") as fh:
        return [row for row in csv.DictReader(fh) if row["language"] == lang]


def _struct_text(path: Path) -> str:
    return subprocess.run(["pdfinfo", "-struct-text", str(path)], capture_output=True, text=True, check=True).stdout


@pytest.mark.parametrize("lang", LANGS)
def test_a_combined_pdf_is_tagged_one_part_per_letter_and_searchable(lang: str, batch_out: Path) -> None:
    path = _combined(batch_out, lang)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Tagged:\s+yes$", info, re.M)
    lines = _struct_text(path).splitlines()
    assert lines[0] == "Document"
    parts = [line for line in lines if line.startswith("  ") and not line.startswith("   ")]
    assert len(parts) == len(_rows(batch_out, lang)) and all(p.startswith("  Part") for p in parts)
    # Each letter's own elements inside its Part: the demands' list, once a letter.
    assert sum(line.strip() == "L (block)" for line in lines) == len(parts)
    if lang in WORDS:
        found = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
        assert unicodedata.normalize("NFC", found).count(WORDS[lang]) >= len(parts)


def test_each_recipient_is_inside_their_part_in_letter_order(batch_out: Path) -> None:
    tree = _struct_text(_combined(batch_out, "en"))
    parts = re.split(r"^  Part$", tree, flags=re.M)[1:]
    rows = _rows(batch_out, "en")
    assert len(parts) == len(rows) == 6
    for part, row in zip(parts, rows, strict=True):
        # The address block (the letter's P painting its Form XObject) names them.
        others = [r["name"] for r in rows if r is not row]
        addressed = [line for line in part.splitlines() if row["name"] in line]
        assert addressed, row["name"]
        assert not any(name in part for name in others if name not in row["name"])


def _number_tree(node: Any, key: int) -> Any:
    """The value of *key* in a number tree (PDF 32000-1, 7.9.7)."""
    if "/Kids" in node:
        for kid in node.Kids:
            low, high = (int(x) for x in kid.Limits)
            if low <= key <= high:
                return _number_tree(kid, key)
        raise KeyError(key)
    nums = node.Nums
    for i in range(0, len(nums), 2):
        if int(nums[i]) == key:
            return nums[i + 1]
    raise KeyError(key)


def _holds(element: Any, page: Any, mcid: int) -> bool:
    kids = element.K if isinstance(element.K, pikepdf.Array) else [element.K]
    for kid in kids:
        if isinstance(kid, int) and int(kid) == mcid and element.Pg.objgen == page.objgen:
            return True
        if isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/MCR" and int(kid.MCID) == mcid:
            if kid.Pg.objgen == page.objgen:
                return True
    return False


pikepdf = pytest.importorskip("pikepdf")


def _check_parent_tree(path: Path, letters: list[bytes]) -> int:
    """Every MCID of every page and every link of *path* found through its parent tree; returns the links."""
    with pikepdf.open(path) as pdf:
        root = pdf.Root
        with pikepdf.open(io.BytesIO(letters[0])) as first:
            assert root.MarkInfo.Marked is True and str(root.Lang) == str(first.Root.Lang)
        assert root.ViewerPreferences.DisplayDocTitle is True
        tree = root.StructTreeRoot
        document = tree.K[0]
        assert document.S == "/Document" and document.P.objgen == tree.objgen
        parts = list(document.K)
        assert len(parts) == len(letters)
        assert all(p.S == "/Part" and p.P.objgen == document.objgen for p in parts)
        keys = set()
        links = 0
        for index, page in enumerate(pdf.pages):
            assert page.obj.Tabs == "/S"
            key = int(page.obj.StructParents)
            keys.add(key)
            elements = _number_tree(tree.ParentTree, key)
            mcids = [
                int(operands[1].MCID)
                for operands, op in pikepdf.parse_content_stream(page)
                if str(op) == "BDC" and isinstance(operands[1], pikepdf.Dictionary) and "/MCID" in operands[1]
            ]
            assert mcids and sorted(mcids) == list(range(len(elements))), index
            for mcid in mcids:
                assert _holds(elements[mcid], page.obj, mcid), (index, mcid)
            for annotation in page.get("/Annots", []):
                key = int(annotation.StructParent)
                keys.add(key)
                link = _number_tree(tree.ParentTree, key)
                assert link.S == "/Link"
                assert any(
                    isinstance(k, pikepdf.Dictionary)
                    and k.get("/Obj") is not None
                    and k.Obj.objgen == annotation.objgen
                    for k in link.K
                )
                links += 1
        assert len(keys) == len(pdf.pages) + links  # each page and link a key of its own
        assert int(tree.ParentTreeNextKey) == max(keys) + 1
    return links


@pytest.mark.parametrize("lang", ["en", "ar", "km"])
def test_the_parent_tree_resolves_every_mcid_on_every_page(lang: str, batch_out: Path) -> None:
    letters = [(batch_out / row["pdf"]).read_bytes() for row in _rows(batch_out, lang)]
    _check_parent_tree(_combined(batch_out, lang), letters)


def test_each_letters_link_is_its_own_annotation_in_its_link_element(tmp_path: Path, letters: list[bytes]) -> None:
    """The appeal's previous-appeal link, once in each letter: three annotations, three Link elements."""
    _combine(tmp_path / "x.pdf", letters)
    assert _check_parent_tree(tmp_path / "x.pdf", letters) == 3


@pytest.mark.parametrize("lang", ["en", "ar", "km", "zh"])
def test_the_pdfua_checker_finds_nothing_in_a_combined_pdf(lang: str, batch_out: Path) -> None:
    pytest.importorskip("pdfua")
    found = subprocess.run(
        [sys.executable, "-m", "pdfua", "check", str(_combined(batch_out, lang))], capture_output=True, text=True
    )
    assert "result: PASS (no findings)" in found.stdout, found.stdout
    assert found.returncode == 0


def test_resumed_and_repeated_runs_give_the_same_tagged_combined_pdfs(batch_out: Path, tmp_path: Path) -> None:
    resumed = tmp_path / "resumed"
    shutil.copytree(batch_out, resumed)
    _batch(resumed)  # every letter reused from the journal, read back from its file
    _batch(tmp_path / "again", "--jobs", "2")
    for lang in LANGS:
        data = _combined(batch_out, lang).read_bytes()
        assert b"/StructTreeRoot" in data
        assert _combined(resumed, lang).read_bytes() == data, lang
        assert _combined(tmp_path / "again", lang).read_bytes() == data, lang


def test_a_letter_without_a_tree_leaves_the_combined_pdf_untagged(tmp_path: Path, letters: list[bytes]) -> None:
    """Half a tree would hide the other letters from a screen reader: all letters tagged, or no tree."""
    plain = _synthetic(_objects(b"<< /Subtype /Link /Rect [ 0 0 1 1 ] >>", b"<< >>"))
    for n, order in enumerate(([letters[0], letters[1]], [letters[0], plain], [plain, letters[0]])):
        path = tmp_path / f"{n}.pdf"
        combined = CombinedPdf(path, title="x")
        for i, data in enumerate(order):
            combined.add(data, str(i))
        combined.commit()
        with pikepdf.open(path) as pdf:
            tagged = "/StructTreeRoot" in pdf.Root and "/MarkInfo" in pdf.Root
            assert tagged == (plain not in order)
            pages = [len(PdfReader(io.BytesIO(d)).pages) for d in order]
            assert len(pdf.pages) == sum(pages)


def test_a_pdfa_combined_pdf_is_tagged_and_passes_the_validator(tmp_path: Path) -> None:
    from .render.test_pdfa import validate

    _batch(tmp_path, "--pdf-standard", "pdfa-2b")
    for lang in ("en", "km"):
        path = _combined(tmp_path, lang)
        assert validate(path) == [], lang
        with pikepdf.open(path) as pdf:
            assert pdf.Root.MarkInfo.Marked is True and pdf.Root.StructTreeRoot.K[0].S == "/Document"
            assert pdf.open_metadata()["pdfaid:part"] == "2"
