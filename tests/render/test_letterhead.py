"""A theme's look read back from the letters: page size, margins, logo, letterhead, footer line, colour."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from appeal_gen import build_letter
from appeal_gen.locale import LocaleInfo
from appeal_gen.render import registry
from appeal_gen.render.pdfstyles import FRAME_PADDING
from appeal_gen.theme import load_theme

from ..conftest import EXAMPLE, ROOT, pdf_text, run, squash

THEME = ROOT / "examples" / "themes" / "northbridge" / "theme.yaml"
LEFT = RIGHT = 0.9 * 72
TOP = 0.75 * 72

needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")


def _render(fmt: str, lang: str) -> bytes:
    from appeal_gen.spec import load_spec

    letter = build_letter(load_spec(str(EXAMPLE)), LocaleInfo(lang))
    return registry.renderer(fmt)(registry.RenderRequest(letter, theme=load_theme(THEME)))


def _words(data: bytes, tmp_path: Path, page: int = 1) -> list[tuple[float, float, float, float, str]]:
    path = tmp_path / "letter.pdf"
    path.write_bytes(data)
    res = subprocess.run(
        ["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    )
    found = re.findall(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', res.stdout
    )
    return [(float(a), float(b), float(c), float(d), w) for a, b, c, d, w in found]


@needs_poppler
def test_the_pdf_is_on_letter_paper_within_the_themes_margins(tmp_path: Path) -> None:
    from pypdf import PdfReader

    data = _render("pdf", "en")
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) > 1
    for page in reader.pages:
        assert (float(page.mediabox.width), float(page.mediabox.height)) == (612, 792)
    words = _words(data, tmp_path, page=2)
    body = [w for w in words if w[1] < 792 - 0.9 * 72]  # above the footer
    # The text starts at the left margin (plus the frame's padding) and ends before the right one.
    assert min(w[0] for w in body) == pytest.approx(LEFT + FRAME_PADDING, abs=1)
    assert max(w[2] for w in body) <= 612 - RIGHT - FRAME_PADDING + 1
    assert min(w[1] for w in body) >= TOP + FRAME_PADDING - 1


@needs_poppler
@pytest.mark.parametrize("lang", ["en", "ar"])
def test_the_logo_and_the_organisation_block_swap_sides_right_to_left(tmp_path: Path, lang: str) -> None:
    from pypdf import PdfReader

    data = _render("pdf", lang)
    page = PdfReader(io.BytesIO(data)).pages[0]
    assert [img.image.size for img in page.images] == [(174, 174)]
    words = _words(data, tmp_path)
    first = next(w for w in words if w[4] == "Northbridge" and w[1] < 150)
    name = [w for w in words if abs(w[1] - first[1]) < 1]  # "Northbridge Rights Watch"
    assert [w[4] for w in name] == ["Northbridge", "Rights", "Watch"]
    if lang == "en":
        assert max(w[2] for w in name) == pytest.approx(612 - RIGHT - FRAME_PADDING, abs=1.5)  # flush right
    else:
        assert min(w[0] for w in name) == pytest.approx(LEFT + FRAME_PADDING, abs=1.5)  # flush left, logo at right


def test_the_footer_line_is_on_every_page_in_the_letters_language() -> None:
    from pypdf import PdfReader

    data = _render("pdf", "fr")
    pages = PdfReader(io.BytesIO(data)).pages
    for page in pages:
        assert "organisme de bienfaisance nº 81234 5678 RR0001" in squash(page.extract_text())
    assert "1200 Harbour Street, Suite 400" in pdf_text(data)


def _docx_parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {n: z.read(n) for n in z.namelist()}


@pytest.mark.parametrize("lang", ["en", "ar", "km"])
def test_the_docx_has_the_page_the_margins_the_colour_and_the_logo_with_its_alt_text(lang: str) -> None:
    from appeal_gen import ooxml

    data = _render("docx", lang)
    ooxml.check_package(data, "letter.docx")  # the picture's internal relationship is accepted
    parts = _docx_parts(data)
    document = parts["word/document.xml"].decode()
    assert '<w:pgSz w:w="12240" w:h="15840"/>' in document
    assert re.search(r'<w:pgMar w:top="1080" w:right="1296" w:bottom="1296" w:left="1296"', document)
    assert "<w:titlePg/>" in document
    images = [n for n in parts if n.startswith("word/media/")]
    assert len(images) == 1 and parts[images[0]].startswith(b"\x89PNG")
    from PIL import Image

    assert Image.open(io.BytesIO(parts[images[0]])).size == (174, 174)  # 22 mm at 200 dpi
    headers = [parts[n].decode() for n in parts if re.fullmatch(r"word/header\d+\.xml", n)]
    logo = [h for h in headers if "<w:drawing>" in h]
    assert len(logo) == 1
    alt = load_theme(THEME).logo.alt_text(lang)  # type: ignore[union-attr]
    assert f'descr="{alt}"' in logo[0]
    assert "Northbridge Rights Watch" in logo[0] and "1200 Harbour Street, Suite 400" in logo[0]
    assert ("<w:bidiVisual/>" in logo[0]) == (lang == "ar")
    # The organisation block is flush with the margin away from the logo, as in the PDF.
    address = re.search(r"<w:p[ >]((?:(?!</w:p>).)*1200 Harbour Street)", logo[0], re.S)
    assert address is not None
    assert f'<w:jc w:val="{"left" if lang == "ar" else "right"}"/>' in address.group(1)
    styles = parts["word/styles.xml"].decode()
    assert 'w:val="1F4E79"' in styles and "B3121B" not in styles
    footers = [parts[n].decode() for n in parts if re.fullmatch(r"word/footer\d+\.xml", n)]
    assert len(footers) == 2 and all("81234 5678 RR0001" in f for f in footers)
    for rels in (v for n, v in parts.items() if n.endswith(".rels")):
        assert b"External" not in rels or b"hyperlink" in rels


def test_theme_text_cannot_become_a_template_tag(tmp_path: Path) -> None:
    from appeal_gen.spec import load_spec

    theme = tmp_path / "theme.yaml"
    theme.write_text(
        "organisation:\n  name: \"{{ 7 * 7 }} {% if 1 %}x{% endif %} {# c #} A & B <c> 'q' \\\\ é\"\n", encoding="utf-8"
    )
    letter = build_letter(load_spec(str(EXAMPLE)), LocaleInfo("en"))
    data = registry.renderer("docx")(registry.RenderRequest(letter, theme=load_theme(theme)))
    header = next(v for n, v in _docx_parts(data).items() if n.startswith("word/header") and b"tbl" in v).decode()
    assert "{{ 7 * 7 }} {% if 1 %}x{% endif %} {# c #} A &amp; B &lt;c&gt; 'q' \\ é" in header


#: The organisation's letters of the example list (column letter, or no signatory: docs/batch.md).
ORGANISATIONS = {"emb-madrid.es.pdf", "ines-moreau.en.pdf"}


def test_batch_letters_follow_the_theme_and_the_logo_is_shared(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    from pypdf import PdfReader

    recipients = ROOT / "examples" / "cchr-2017" / "recipients.csv"
    out = tmp_path / "out"
    argv = ["batch", str(EXAMPLE), "--recipients", str(recipients), "-o", str(out), "--jobs", "1", "--quiet"]
    code, _, err = run(capsys, *argv, "--format", "pdf,docx", "--theme", str(THEME))
    assert code == 0, err
    letters = sorted((out / "letters").glob("*.pdf"))
    assert len(letters) == 20
    for path in letters:
        reader = PdfReader(path)
        page = reader.pages[0]
        assert (float(page.mediabox.width), float(page.mediabox.height)) == (612, 792)
        # The organisation's letters carry its letterhead; a supporter's letter is a private person's (issue 14).
        assert [img.image.size for img in page.images] == ([(174, 174)] if path.name in ORGANISATIONS else [])
    # The logo is part of each language's shared layout: one image (and its transparency mask).
    data = (out / "letters" / "emb-madrid.es.pdf").read_bytes()
    assert data.count(b"/Subtype /Image") == 2
    # The address room moved with the margins: it starts at the theme's left margin.
    if shutil.which("pdftotext"):
        words = _words((out / "letters" / "emb-london.en.pdf").read_bytes(), tmp_path)
        (alder,) = [w for w in words if w[4] == "Alder"]
        line = sorted((w for w in words if abs(w[1] - alder[1]) < 1), key=lambda w: w[0])
        assert [w[4] for w in line] == ["14", "Alder", "Gardens"]
        assert line[0][0] == pytest.approx(LEFT + FRAME_PADDING, abs=1)
    # Nor the organisation's footer line ("Northbridge Rights Watch · independent …"), in either format.
    footer = load_theme(THEME).footer_text
    for path in letters:
        theirs = path.name in ORGANISATIONS
        lang = path.suffixes[0].lstrip(".")
        assert (squash(footer(lang) or "") in squash(pdf_text(path.read_bytes()))) == theirs, path.name
        docx = path.with_suffix(".docx")
        with zipfile.ZipFile(docx) as z:
            media = any(n.startswith("word/media/") for n in z.namelist())
            footers = "".join(z.read(n).decode() for n in z.namelist() if n.startswith("word/footer"))
        assert media == theirs, docx.name
        assert ("Northbridge Rights Watch" in footers) == theirs, docx.name


@pytest.mark.parametrize("lang", ["en", "ar", "km"])
def test_a_batchs_fast_paths_give_the_themed_letters_the_straightforward_ones_do(lang: str) -> None:
    from appeal_gen.document import Correspondent
    from appeal_gen.letters import personalise
    from appeal_gen.render.context import PdfContext
    from appeal_gen.render.pdf import options_for, render_pdf
    from appeal_gen.spec import load_spec

    spec = load_spec(str(EXAMPLE))
    theme = load_theme(THEME)
    loc = LocaleInfo(lang)
    base = build_letter(spec, loc)
    who = Correspondent(name="Chea Vannak", address=("14 Alder Gardens", "London"), signatory_name="Aoife Brennan")
    letter = personalise(base, spec, loc, who)
    request = registry.RenderRequest(letter, date=spec.date, theme=theme)
    assert registry.batch_renderer("docx")(request) == registry.renderer("docx")(request)
    warm = render_pdf(letter, options_for(theme, lang))
    assert render_pdf(letter, options_for(theme, lang), PdfContext()) == warm
    # The address is drawn inside the theme's margins.
    assert "Chea Vannak" in pdf_text(warm)


def test_the_inspection_still_refuses_the_logo_as_an_external_link() -> None:
    from appeal_gen import ooxml
    from appeal_gen.errors import TemplateError

    parts = _docx_parts(_render("docx", "en"))
    (name,) = [n for n, v in parts.items() if n.endswith(".rels") and b"/image" in v]
    rels = parts[name].decode()
    target = re.search(r'Target="(media/[^"]+)"', rels)
    assert target is not None
    parts[name] = rels.replace(target.group(0), 'Target="https://example.org/logo.png" TargetMode="External"').encode()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for n, v in parts.items():
            z.writestr(n, v)
    with pytest.raises(TemplateError, match="makes Word fetch an external file"):
        ooxml.check_package(buf.getvalue(), "letter.docx")


def test_a_theme_that_says_only_a4_changes_nothing(tmp_path: Path) -> None:
    from appeal_gen.spec import load_spec

    theme = tmp_path / "theme.yaml"
    theme.write_text("page_size: A4\nmargins: {top: 20mm, right: 20mm, bottom: 22mm, left: 20mm}\n", encoding="utf-8")
    letter = build_letter(load_spec(str(EXAMPLE)), LocaleInfo("fr"))
    for fmt in ("pdf", "docx"):
        themed = registry.renderer(fmt)(registry.RenderRequest(letter, theme=load_theme(theme)))
        assert themed == registry.renderer(fmt)(registry.RenderRequest(letter)), fmt


def test_every_accent_of_the_pdf_is_the_themes_links_included() -> None:
    from pypdf import PdfReader

    data = _render("pdf", "en")
    content = b"".join(page.get_contents().get_data() for page in PdfReader(io.BytesIO(data)).pages)
    red, navy = b".701961 .070588 .105882", b".121569 .305882 .47451"  # #B3121B, #1F4E79
    assert content.count(navy) > 5
    assert red not in content


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_the_logo_is_letterhead_furniture_for_assistive_technology(lang: str, tmp_path: Path) -> None:
    """The logo is an /Artifact (the organisation's name is text beside it): PDF/UA's checker finds nothing."""
    pytest.importorskip("pdfua")
    import sys

    path = tmp_path / f"themed.{lang}.pdf"
    path.write_bytes(_render("pdf", lang))
    found = subprocess.run([sys.executable, "-m", "pdfua", "check", str(path)], capture_output=True, text=True)
    assert "result: PASS (no findings)" in found.stdout, found.stdout
    pikepdf = pytest.importorskip("pikepdf")
    with pikepdf.open(path) as pdf:
        ops = [(str(op), operands) for operands, op in pikepdf.parse_content_stream(pdf.pages[0])]
    inside: list[str] = []  # the marked-content tags open at each image drawn
    open_tags: list[str] = []
    for op, operands in ops:
        if op in ("BDC", "BMC"):
            props = operands[1] if op == "BDC" and len(operands) > 1 else None
            subtype = str(props.get("/Subtype", "")) if isinstance(props, pikepdf.Dictionary) else ""
            open_tags.append(f"{operands[0]}{subtype}")
        elif op == "EMC":
            open_tags.pop()
        elif op == "Do":
            inside.append(open_tags[-1] if open_tags else "")
    assert "/Artifact/Header" in inside, inside
