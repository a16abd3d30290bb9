"""The HTML and plain-text formats, read back in every language: what a reader and a screen reader get."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest

from appeal_gen.document import build_letter
from appeal_gen.locale import LocaleInfo
from appeal_gen.render.html import render_html
from appeal_gen.render.text import render_text, width
from appeal_gen.scripts import letter_script

from ..conftest import EXAMPLE, batch_example, minimal_letter, pdf_text, run, squash

LANGS = ("en", "fr", "es", "ru", "ar", "km", "zh")
#: The script each language tag of the HTML must hold.
SCRIPT_OF = {"en": "latin", "fr": "latin", "es": "latin", "ru": "cyrillic", "ar": "arabic", "km": "khmer", "zh": "han"}


class _Reader(HTMLParser):
    """The text of an HTML document, each piece with the lang and dir in force, and the elements seen."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, str | None, str | None]] = []
        self.pieces: list[tuple[str, str, str]] = []
        self.tags: list[str] = []
        self.root: dict[str, str | None] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.append(tag)
        if tag == "html":
            self.root = a
        if tag in ("br", "meta"):
            return
        self.stack.append((tag, a.get("lang"), a.get("dir")))

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data: str) -> None:
        if any(t == "title" for t, _, _ in self.stack):
            return
        lang = next((la for _, la, _ in reversed(self.stack) if la), "")
        direction = next((d for _, _, d in reversed(self.stack) if d), "")
        self.pieces.append((data, lang, direction))

    @property
    def text(self) -> str:
        return "".join(p for p, _, _ in self.pieces)


def _read(data: bytes) -> _Reader:
    reader = _Reader()
    reader.feed(data.decode("utf-8"))
    return reader


@pytest.fixture(scope="module")
def letters(example_spec):  # type: ignore[no-untyped-def]
    return {lang: build_letter(example_spec, LocaleInfo(lang)) for lang in LANGS}


def _in_order(haystack: str, needles: list[str]) -> None:
    at = 0
    for needle in needles:
        found = haystack.find(needle, at)
        assert found >= 0, f"{needle!r} missing or out of order"
        at = found + len(needle)


def _letter_texts(letter) -> list[str]:  # type: ignore[no-untyped-def]
    """The paragraphs the PDF prints, in its order: title, sections, concern, urge, demands, authorities, links."""
    out = [letter.title.text, letter.status.text]
    for s in letter.sections:
        out += [s.heading.text, *(p.text for p in s.paras)]
    out += [p.text for p in letter.concern] + [letter.urge.text] + [d.text for _, d in letter.demands]
    out.append(letter.write_to_heading.text)
    for a in letter.addressees:
        out += [p.text for p in a.lines]
    out += [p.text for p in letter.links]
    return out


@pytest.mark.parametrize("lang", LANGS)
def test_html_every_language_marked_and_complete(letters, lang: str) -> None:  # type: ignore[no-untyped-def]
    letter = letters[lang]
    reader = _read(render_html(letter))
    assert reader.root == {"lang": letter.bcp47, "dir": "rtl" if lang == "ar" else "ltr"}
    # Every letter of every piece of text is in the script of the language it is tagged with, and every
    # span in another script says which way it runs.
    for piece, tagged, direction in reader.pieces:
        if not piece.strip():
            continue
        for ch in piece:
            script = letter_script(ch)
            if script is not None:
                assert script == SCRIPT_OF[tagged.split("-")[0]], (lang, piece, tagged)
        if tagged.split("-")[0] != lang:
            assert direction == ("rtl" if tagged == "ar" else "ltr"), (lang, piece, tagged, direction)
    _in_order(squash(reader.text), [squash(t) for t in _letter_texts(letter)])
    assert {"h1", "h2", "ol", "li"} <= set(reader.tags)
    # Self-contained: nothing a mail client would fetch, no script, no style sheet.
    assert not {"img", "script", "link", "style", "iframe"} & set(reader.tags)


def test_html_names_in_another_script_are_tagged(letters) -> None:  # type: ignore[no-untyped-def]
    ar = _read(render_html(letters["ar"]))
    assert ("CCHR", "en", "ltr") in ar.pieces
    assert ("FLD-KH-CCHR-2017", "en", "ltr") in ar.pieces  # the year stays with its code
    km = _read(render_html(letters["km"]))
    assert ("Front Line Defenders", "en", "ltr") in km.pieces


def test_html_escapes_markup_in_values() -> None:
    letter = minimal_letter("Ana <script>alert(1)</script> & [site](javascript:alert(1))")
    html = render_html(letter).decode()
    assert "<script>" not in html and "javascript:" not in html.replace("[site](javascript:alert(1))", "")
    assert "Ana &lt;script&gt;alert(1)&lt;/script&gt; &amp;" in html
    assert "<title>Defender &lt;detained&gt; &amp; &quot;held&quot; incommunicado</title>" in html


@pytest.mark.parametrize("lang", LANGS)
def test_text_every_language_wrapped_and_complete(letters, lang: str) -> None:  # type: ignore[no-untyped-def]
    letter = letters[lang]
    text = render_text(letter).decode("utf-8")
    for line in text.splitlines():
        # 72 columns, except a word that has no place to break (a long URL).
        assert width(line) <= 72 or " " not in line.strip(), (lang, line)
    flat = "".join(text.split())
    _in_order(flat, ["".join(t.split()) for t in _letter_texts(letter)])
    if lang == "ar":
        # Logical order: the title as typed, not reversed for display.
        assert letter.title.text in text


def test_text_order_follows_the_pdf(example_spec, letters) -> None:  # type: ignore[no-untyped-def]
    """The English text's headings and demands come in the PDF's order (pypdf reads English back in order)."""
    from appeal_gen.render.pdf import render_pdf

    letter = letters["en"]
    pdf = squash(pdf_text(render_pdf(letter)))
    text = squash(render_text(letter).decode())
    marks = [letter.title.text] + [s.heading.text for s in letter.sections] + [letter.urge.text]
    marks += [d.text[:40] for _, d in letter.demands] + [letter.write_to_heading.text]
    _in_order(pdf, marks)
    _in_order(text, marks)


def test_text_keeps_urls_whole(letters) -> None:  # type: ignore[no-untyped-def]
    text = render_text(letters["en"]).decode()
    assert "\nhttps://www.frontlinedefenders.org\n" in text


def test_build_and_batch_make_html_and_txt(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run(
        capsys, "build", str(EXAMPLE), "-o", str(tmp_path / "b"), "--format", "html,txt", "--lang", "km"
    )
    assert (code, err) == (0, "")
    assert out.split() == [str(tmp_path / "b" / f"fld-kh-cchr-2017.km.{f}") for f in ("html", "txt")]
    code, _, _ = batch_example(capsys, tmp_path / "m", "html,txt")
    assert code == 0
    html = (tmp_path / "m" / "letters" / "emb-london.en.html").read_text(encoding="utf-8")
    assert "Your Excellency," in html and "H.E. Chea Vannak" in html
    txt = (tmp_path / "m" / "letters" / "emb-london.en.txt").read_text(encoding="utf-8")
    assert "\nYour Excellency,\n" in txt and txt.index("Your Excellency,") < txt.index("Yours sincerely,")
