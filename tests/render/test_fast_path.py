"""The batch's fast paths give the bytes of the straightforward ones, in every language.

A batch worker renders DOCX through ``CompiledTemplate`` (the template
compiled once) and PDF with warm per-worker caches (paragraph markup, line
breaks, parsed fragments). A letter must not depend on which letters the
worker rendered before it, so each letter here is compared with the same
letter rendered the straightforward way: ``render_docx`` with a new template
object, and ``render_pdf`` with every cache emptied.
"""

from __future__ import annotations

import hashlib
import io
import zipfile

import pytest

from appeal_gen import build_letter
from appeal_gen.document import Correspondent, personalise
from appeal_gen.locale import LocaleInfo
from appeal_gen.render import pdf as pdf_module
from appeal_gen.render.docx import (
    ZIP_EPOCH,
    CompiledTemplate,
    DocxOptions,
    _write_zip,
    default_template,
    render_docx,
)

from ..conftest import docx_paragraphs, pdf_text, squash

LANGS = ["en", "fr", "es", "ru", "ar", "km", "zh"]
PEOPLE = [
    Correspondent(
        honorific="H.E.",
        name="Chea Vannak & <Sons>",
        office="Ambassador",
        organisation="Royal Embassy of Cambodia",
        address=("14 Alder Gardens", "London NW8 4QX"),
        salutation="Your Excellency",
        signatory_name="Margaret Holloway",
        signatory_city="Manchester",
    ),
    Correspondent(signatory_name="Aoife Brennan", signatory_city="Galway"),
    Correspondent(name="Дмитрий Волков", address=("ул. Ленина, 5",), signatory_name="ليلى حداد"),
]


def _letters(spec, lang):  # type: ignore[no-untyped-def]
    loc = LocaleInfo(lang)
    base = build_letter(spec, loc)
    return [personalise(base, spec, loc, who) for who in PEOPLE]


@pytest.mark.parametrize("lang", LANGS)
def test_compiled_docx_template_gives_render_docx_bytes(example_spec, lang: str) -> None:  # type: ignore[no-untyped-def]
    letters = _letters(example_spec, lang)
    options = DocxOptions(date=example_spec.date)
    compiled = CompiledTemplate(default_template(lang), letters[0])
    # Twice round, so a letter follows a different one the second time.
    fast = [compiled.render(letter, options) for letter in letters + letters]
    straight = [render_docx(letter, options) for letter in letters]
    assert [hashlib.sha256(b).hexdigest() for b in fast] == [hashlib.sha256(b).hexdigest() for b in straight * 2]
    # And the letters differ where they should: each is addressed to its own recipient.
    texts = [" ".join(t for _, t in docx_paragraphs(b)) for b in fast[:3]]
    assert "Chea Vannak & <Sons>" in texts[0] and "Margaret Holloway" in texts[0]
    assert "Aoife Brennan" in texts[1] and "Chea Vannak" not in texts[1]
    assert "Дмитрий Волков" in texts[2] and "ليلى حداد" in texts[2]


def test_compiled_template_adds_no_hyperlinks_between_letters(example_spec) -> None:  # type: ignore[no-untyped-def]
    """Links a letter relates to the document are taken back, so the next letter's relationships are its own."""
    letters = _letters(example_spec, "en")
    compiled = CompiledTemplate(default_template("en"), letters[0])
    before = dict(compiled.doc_part.rels)
    compiled.render(letters[0], DocxOptions(date=example_spec.date))
    assert dict(compiled.doc_part.rels).keys() == before.keys()
    with zipfile.ZipFile(io.BytesIO(compiled.render(letters[1], DocxOptions(date=example_spec.date)))) as z:
        rels = z.read("word/_rels/document.xml.rels").decode()
    assert rels.count("https://www.frontlinedefenders.org/") >= 1


@pytest.mark.parametrize("lang", LANGS)
def test_warm_pdf_caches_give_cold_bytes(example_spec, lang: str) -> None:  # type: ignore[no-untyped-def]
    letters = _letters(example_spec, lang)
    cold = []
    for letter in letters:
        pdf_module._paragraph_markup.cache_clear()
        pdf_module._PARSED.clear()
        pdf_module._SHARED.clear()
        cold.append(pdf_module.render_pdf(letter))
    warm = [pdf_module.render_pdf(letter) for letter in reversed(letters)][::-1]
    assert [hashlib.sha256(b).hexdigest() for b in warm] == [hashlib.sha256(b).hexdigest() for b in cold]
    if lang in ("en", "ru", "fr", "es"):
        assert "Chea Vannak & <Sons>" in squash(pdf_text(warm[0]))
        assert "Aoife Brennan" in squash(pdf_text(warm[1]))


def test_zip_writer_writes_what_zipfile_writes() -> None:
    entries = [
        ("[Content_Types].xml", b"<Types/>" * 50),
        ("word/document.xml", bytes(range(256)) * 400),
        ("é.xml", b""),
    ]
    ref = io.BytesIO()
    with zipfile.ZipFile(ref, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=ZIP_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, data)
    ours = _write_zip(list(entries))  # type: ignore[arg-type]
    assert ours == ref.getvalue()
    with zipfile.ZipFile(io.BytesIO(ours)) as z:
        assert z.testzip() is None
        assert [z.read(n) for n, _ in entries] == [d for _, d in entries]
