"""Combined PDFs streamed letter by letter: every page, in order, readable, reproducible."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

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
from appeal_gen.render.pdfsyntax import TOKEN, ReportlabPdf, pdf_object, references, xref_and_trailer

from .conftest import DATA, pdf_text


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
    """The full path for every object of every letter: parsed, renumbered and hashed."""

    def _known(self, letter: ReportlabPdf) -> dict[int, int]:
        return {}


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
    for i, data in enumerate(sequence):
        fast.add(data, str(i))
        full.add(data, str(i))
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
