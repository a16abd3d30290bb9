"""The PDF renderer's caches belong to a PdfContext: bounded, and one context's never leak into another's."""

from __future__ import annotations

from appeal_gen import build_letter
from appeal_gen.document import Correspondent
from appeal_gen.letters import personalise
from appeal_gen.locale import LocaleInfo
from appeal_gen.render.context import BoundedCache, PdfContext
from appeal_gen.render.pdf import render_pdf

from ..conftest import pdf_text, squash


def test_a_bounded_cache_is_emptied_when_full() -> None:
    cache = BoundedCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    cache.put("a", 3)  # replacing an entry does not empty it
    assert dict(cache) == {"a": 3, "b": 2}
    cache.put("c", 4)
    assert dict(cache) == {"c": 4}


def test_each_context_keeps_its_own_layouts_and_parts(example_spec) -> None:  # type: ignore[no-untyped-def]
    loc = LocaleInfo("en")
    letter = personalise(build_letter(example_spec, loc), example_spec, loc, Correspondent(name="Ann Lee"))
    first, second = PdfContext(), PdfContext()
    data = render_pdf(letter, context=first)
    assert (len(first.layouts), len(first.parts)) == (1, 3)
    assert (len(second.layouts), len(second.parts)) == (0, 0)
    assert render_pdf(letter, context=second) == data
    assert "Ann Lee" in squash(pdf_text(data))
