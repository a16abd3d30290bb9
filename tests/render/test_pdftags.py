"""Text, bookmarks and tags of the PDFs, read back with the tools readers use (poppler, pypdf, pdfium)."""

from __future__ import annotations

import io
import re
import subprocess
import unicodedata
from pathlib import Path
from typing import Any

import pytest

from appeal_gen import build_letter
from appeal_gen.locale import LocaleInfo
from appeal_gen.render import pdf as pdf_module

LANGS = ["en", "fr", "es", "ru", "ar", "km", "zh"]
#: A word of each script that a reader would search for.
WORDS = {"km": "មជ្ឈមណ្ឌល", "ar": "حقوق", "zh": "人权", "ru": "правозащитн", "en": "Human Rights"}
#: Arabic letters and vowel marks (no punctuation: extractors move a comma next to a number).
_ARABIC_WORD = re.compile("[\u0621-\u065f\u066e-\u06d3\u06d5-\u06ff]+")
#: Bidi controls poppler puts around runs of another direction.
_CONTROLS = dict.fromkeys(map(ord, "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))


@pytest.fixture(scope="module")
def letters(example_spec):  # type: ignore[no-untyped-def]
    return {lang: build_letter(example_spec, LocaleInfo(lang)) for lang in LANGS}


@pytest.fixture(scope="module")
def pdfs(letters, tmp_path_factory):  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.mktemp("pdfs")
    out = {}
    for lang, letter in letters.items():
        path = folder / f"{lang}.pdf"
        path.write_bytes(pdf_module.render_pdf(letter))
        out[lang] = path
    return out


def poppler_text(path: Path) -> str:
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


def pypdf_text(path: Path) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def pdfium_text(path: Path) -> str:
    import pypdfium2

    doc = pypdfium2.PdfDocument(str(path))
    return "\n".join(page.get_textpage().get_text_range() for page in doc)


def squeeze(text: str) -> str:
    """NFC, without white space or bidi controls: lines break anywhere in a paragraph."""
    return "".join(unicodedata.normalize("NFC", text).translate(_CONTROLS).split())


def source_paragraphs(letter: Any) -> list[str]:
    return [p.text for section in letter.sections for p in section.paras] + [p.text for p in letter.concern]


def without_footers(text: str, letter: Any) -> str:
    """*text* squeezed, less the footers (reference, "Page N of M") that come between a paragraph's pages."""
    from appeal_gen.locale import substitute, to_digits

    text = squeeze(text).replace(squeeze(letter.reference), "")
    for page in range(1, 10):
        for total in range(page, 10):
            numbers = {"page": str(page), "pages": str(total)}
            label = substitute(letter.page_label, {k: to_digits(v, letter.digit_zero) for k, v in numbers.items()})
            text = text.replace(squeeze(label), "")
    return text


def without_footer_lines(text: str, letter: Any) -> str:
    """*text* less its lines of only footer words (Arabic: compared word by word)."""
    from appeal_gen.locale import substitute

    footer = set(arabic_words(f"{letter.reference} {substitute(letter.page_label, {'page': '', 'pages': ''})}").split())
    return "\n".join(line for line in text.splitlines() if not set(arabic_words(line).split()) <= footer)


def reads_back(source: str, extracted: str, lang: str) -> bool:
    """*source* is in *extracted*: whole for left-to-right text, its Arabic words in order for Arabic.

    Numbers and Latin inside an Arabic line come out where each extractor's
    own bidi pass puts them (the punctuation next to them moves), so Arabic
    is compared word by word.
    """
    if lang != "ar":
        return squeeze(source) in squeeze(extracted)
    return arabic_words(source) in arabic_words(extracted)


def arabic_words(text: str) -> str:
    return " ".join(_ARABIC_WORD.findall(unicodedata.normalize("NFC", text.translate(_CONTROLS))))


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("extract", [poppler_text, pypdf_text])
def test_every_paragraph_reads_back_as_written(lang: str, extract: Any, letters, pdfs) -> None:  # type: ignore[no-untyped-def]
    if lang == "km" and extract is pypdf_text:
        pytest.skip("pypdf does not read /ActualText (docs/accessibility.md)")
    text = extract(pdfs[lang])
    body = without_footers(text, letters[lang]) if lang != "ar" else without_footer_lines(text, letters[lang])
    if lang == "ar" and extract is pypdf_text:
        # pypdf puts numbers and Latin words of a right-to-left line in the
        # wrong place (its own bidi pass; docs/accessibility.md): every word
        # is there, and lines of Arabic alone read in order.
        words = set(arabic_words(body).split())
        assert all(set(arabic_words(p).split()) <= words for p in source_paragraphs(letters[lang]))
        assert "رئيس الوزراء يسعى إلى إغلاق منظمة بارزة لحقوق الإنسان" in arabic_words(body)
        return
    missing = [p for p in source_paragraphs(letters[lang]) if not reads_back(p, body, lang)]
    assert not missing
    assert not re.search("[\ue000-\uf8ff\ufb50-\ufdff\ufe70-\ufeff]", text), "no private-use or presentation forms"


def test_khmer_reads_back_in_pdfium_too(letters, pdfs) -> None:  # type: ignore[no-untyped-def]
    text = pdfium_text(pdfs["km"])
    assert all(reads_back(p, text, "km") for p in source_paragraphs(letters["km"]))


@pytest.mark.parametrize("lang", sorted(WORDS))
def test_a_word_of_each_script_is_found(lang: str, pdfs) -> None:  # type: ignore[no-untyped-def]
    assert WORDS[lang] in unicodedata.normalize("NFC", poppler_text(pdfs[lang]))
    if lang != "km":
        assert WORDS[lang] in unicodedata.normalize("NFC", pypdf_text(pdfs[lang]))


def test_lam_alef_reads_back_in_reading_order(pdfs) -> None:  # type: ignore[no-untyped-def]
    """A ligature of two letters: "الإنسان", not "اإلنسان" (poppler reversed the pair)."""
    for text in (poppler_text(pdfs["ar"]), pypdf_text(pdfs["ar"])):
        assert "لحقوق الإنسان" in unicodedata.normalize("NFC", text.translate(_CONTROLS))


def outline(path: Path) -> list[tuple[int, str, int]]:
    """(depth, title, page from 1) of every bookmark."""
    from pypdf import PdfReader

    reader = PdfReader(path)
    out: list[tuple[int, str, int]] = []

    def walk(items: list[Any], depth: int) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                out.append((depth, item.title, reader.get_destination_page_number(item) + 1))

    walk(reader.outline, 0)
    return out


@pytest.mark.parametrize("lang", LANGS)
def test_headings_are_bookmarks_to_their_pages(lang: str, letters, pdfs) -> None:  # type: ignore[no-untyped-def]
    letter = letters[lang]
    marks = outline(pdfs[lang])
    assert marks[0] == (0, letter.title.text, 1)
    headings = [s.heading.text for s in letter.sections]
    assert [t for _, t, _ in marks if t in headings] == headings
    # Each bookmark goes to the page that shows its heading.
    for depth, title, page in marks:
        assert depth <= 2
        shown = poppler_page(pdfs[lang], page)
        if lang == "ar":
            assert arabic_words(title) in arabic_words(shown), title
        else:
            assert squeeze(title) in squeeze(shown), title
    assert [p for _, _, p in marks] == sorted(p for _, _, p in marks)


def poppler_page(path: Path, page: int) -> str:
    return subprocess.run(
        ["pdftotext", "-f", str(page), "-l", str(page), str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def struct_text(path: Path) -> str:
    return subprocess.run(["pdfinfo", "-struct-text", str(path)], capture_output=True, text=True, check=True).stdout


@pytest.mark.parametrize("lang", LANGS)
def test_structure_tree_holds_the_letter_in_reading_order(lang: str, letters, pdfs) -> None:  # type: ignore[no-untyped-def]
    letter = letters[lang]
    info = subprocess.run(["pdfinfo", str(pdfs[lang])], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Tagged:\s+yes$", info, re.M)
    tree = struct_text(pdfs[lang])
    lines = tree.splitlines()
    assert lines[0] == "Document"
    roles = [line.split()[0] for line in lines if not line.strip().startswith('"')]
    assert roles.count("H1") == 1 and "H2" in roles and "L" in roles and "LI" in roles and "LBody" in roles
    text = squeeze("".join(re.findall(r'^\s*"(.*)"$', tree, re.M)))
    if lang not in ("ar", "km"):  # poppler's -struct-text reads neither ActualText nor visual order
        at = 0
        for paragraph in (letter.title.text, *source_paragraphs(letter)):
            at = text.find(squeeze(paragraph), at)
            assert at >= 0, paragraph
    # The footer is page furniture, not text of the letter.
    assert squeeze(letter.page_label.split("{")[0]) not in text or lang in ("zh",)


def test_demands_are_a_list_of_labels_and_bodies(letters, pdfs) -> None:  # type: ignore[no-untyped-def]
    for lang in ("en", "ar"):
        tree = struct_text(pdfs[lang])
        block = tree[tree.index("  L (block)") :]
        items = re.findall(r"^    LI", block, re.M)
        assert len(items) == len(letters[lang].demands)
    for lang in ("en", "ar"):
        tree = struct_text(pdfs[lang])
        assert tree.count("      Lbl") == len(letters[lang].demands), lang
    assert '      Lbl (block)\n        "1."' in struct_text(pdfs["en"])


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_a_link_is_a_link_element_holding_its_annotation(lang: str, letters, pdfs) -> None:  # type: ignore[no-untyped-def]
    pikepdf = pytest.importorskip("pikepdf")
    tree = struct_text(pdfs[lang])
    assert re.search(r"^  P \(block\)\n    Link \(inline\)\n(      \".*\"\n)+      Object \d+ 0$", tree, re.M)
    with pikepdf.open(pdfs[lang]) as pdf:
        annots = [a for page in pdf.pages for a in page.get("/Annots", []) if a.Subtype == "/Link"]
        assert annots and all("/StructParent" in a and str(a.Contents).startswith("https://") for a in annots)
        tree_root = pdf.Root.StructTreeRoot
        assert int(tree_root.ParentTreeNextKey) == len(pdf.pages) + len(annots)


def test_catalog_says_tagged_with_title_shown(pdfs) -> None:  # type: ignore[no-untyped-def]
    pikepdf = pytest.importorskip("pikepdf")
    with pikepdf.open(pdfs["ar"]) as pdf:
        root = pdf.Root
        assert root.MarkInfo.Marked is True
        assert str(root.Lang) == "ar"
        assert root.ViewerPreferences.DisplayDocTitle is True
        assert root.StructTreeRoot.K[0].S == "/Document"
        assert all(page.obj.Tabs == "/S" for page in pdf.pages)


def test_paragraphs_in_another_script_say_their_language(pdfs) -> None:  # type: ignore[no-untyped-def]
    """The Latin letterhead of a Khmer letter is read with an English voice; the Khmer text with the document's."""
    pikepdf = pytest.importorskip("pikepdf")
    with pikepdf.open(pdfs["km"]) as pdf:
        assert str(pdf.Root.Lang) == "km"
        document = pdf.Root.StructTreeRoot.K[0]
        langs = [(str(k.S), str(k.get("/Lang", ""))) for k in document.K][:6]
    assert langs == [("/P", "en")] * 4 + [("/P", ""), ("/P", "")]


@pytest.mark.parametrize("lang", ["en", "ar", "km", "zh"])
def test_pdfua_checker_finds_nothing(lang: str, pdfs) -> None:  # type: ignore[no-untyped-def]
    """pdfua's machine-checkable PDF/UA-1 rules: tree, Marked, content tagged or artifact, language, headings, links."""
    pytest.importorskip("pdfua")
    import sys

    found = subprocess.run([sys.executable, "-m", "pdfua", "check", str(pdfs[lang])], capture_output=True, text=True)
    assert "result: PASS (no findings)" in found.stdout, found.stdout
    assert found.returncode == 0
    # pdfua 0.1.3 cannot read a heading whose /K is an array (a heading drawn
    # in several pieces): its rule fails on pikepdf's Array and is skipped.
    skipped = [line for line in found.stdout.splitlines() if "[skip" in line]
    assert all("UA-14-001" in line and "is_integer" in line for line in skipped), skipped


@pytest.mark.parametrize("personal", [False, True])
def test_a_name_in_another_script_inside_a_sentence_says_its_language(personal: bool) -> None:
    """An Arabic name in an English sentence is a /Lang (ar) span; the English around it is not marked."""
    pikepdf = pytest.importorskip("pikepdf")
    from appeal_gen import load_spec
    from appeal_gen.document import Correspondent
    from appeal_gen.letters import personalise

    from ..conftest import DATA

    spec = load_spec(str(DATA / "arabic_name_in_english.yaml"))
    loc = LocaleInfo("en")
    letter = build_letter(spec, loc)
    if personal:  # the address block of a batch letter, drawn in its Form XObject
        letter = personalise(letter, spec, loc, Correspondent(name="نبيل رجب", office="Director"))
    with pikepdf.open(io.BytesIO(pdf_module.render_pdf(letter))) as pdf:
        page = pdf.pages[0]
        streams = [page, *(x for x in page.Resources.get("/XObject", {}).values())]
        langs = [
            str(operands[1].Lang)
            for stream in streams
            for operands, op in pikepdf.parse_content_stream(stream)
            if str(op) == "BDC" and str(operands[0]) == "/Span" and "/Lang" in operands[1]
        ]
    assert set(langs) == {"ar"}
    assert len(langs) >= (3 if personal else 2)


def test_a_batch_letters_personal_parts_are_in_the_tree_and_read_back(example_spec, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The shared layout keeps its tags; the address, drawn in a Form XObject, is an element of its own."""
    from appeal_gen.document import Correspondent
    from appeal_gen.letters import personalise

    for lang, name in (("km", "លោក សុខ ចាន់ធា"), ("en", "Margaret Holloway")):
        loc = LocaleInfo(lang)
        who = Correspondent(name=name, office="Office", address=("1 Road",), signatory_name="Signer")
        path = tmp_path / f"{lang}.pdf"
        path.write_bytes(pdf_module.render_pdf(personalise(build_letter(example_spec, loc), example_spec, loc, who)))
        assert name in unicodedata.normalize("NFC", poppler_text(path))
        tree = struct_text(path)
        assert tree.startswith("Document") and "H1 (block)" in tree
        if lang == "en":
            paragraphs = tree.split("  P (block)")
            assert any("Margaret Holloway" in p and "1 Road" in p for p in paragraphs)
        assert outline(path)[0][0] == 0


def test_pdf_bytes_do_not_depend_on_the_process(letters) -> None:  # type: ignore[no-untyped-def]
    first = pdf_module.render_pdf(letters["km"])
    assert pdf_module.render_pdf(letters["km"]) == first
    assert b"/StructTreeRoot" in first and io.BytesIO(first).read(5) == b"%PDF-"
