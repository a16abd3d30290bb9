"""The page footer (reference, "Page N of M") on pages of any size."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from appeal_gen import build_letter
from appeal_gen.locale import LocaleInfo
from appeal_gen.render.pdf import PdfOptions, render_pdf
from appeal_gen.render.pdfstyles import MARGIN, PAGE_H, PAGE_W

US_LETTER = (612.0, 792.0)


def _footer_right_edge(path: Path) -> float:
    """Where the page label ("Page 1 of 3") ends on page 1, in points from the left, as poppler reads it."""
    res = subprocess.run(
        ["pdftotext", "-bbox", "-f", "1", "-l", "1", str(path), "-"], capture_output=True, text=True, check=True
    )
    words = re.findall(r'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>', res.stdout)
    lowest = max(float(y) for y, _, _ in words)
    return max(float(x) for y, x, _ in words if float(y) > lowest - 2)


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
@pytest.mark.parametrize("size", [US_LETTER, (PAGE_W, PAGE_H)], ids=["letter", "a4"])
def test_the_footer_ends_at_the_right_margin_of_any_page_size(example_spec, tmp_path: Path, size) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "letter.pdf"
    path.write_bytes(render_pdf(build_letter(example_spec, LocaleInfo("en")), PdfOptions(page_size=size)))
    assert _footer_right_edge(path) == pytest.approx(size[0] - MARGIN, abs=1.5)
