"""A batch letter's personal parts in their rooms (render/personal.py), measured on the page as poppler reads it."""

from __future__ import annotations

import itertools
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from appeal_gen import build_letter
from appeal_gen.document import Correspondent
from appeal_gen.letters import kind_letter, personalise
from appeal_gen.locale import LocaleInfo
from appeal_gen.render.pdf import render_pdf


def _lines(path: Path) -> list[tuple[float, float, str]]:
    """(top, bottom, first word) of each text line of page 1, top to bottom."""
    res = subprocess.run(
        ["pdftotext", "-bbox-layout", "-f", "1", "-l", "1", str(path), "-"], capture_output=True, text=True, check=True
    )
    out = []
    for top, bottom, body in re.findall(
        r'<line xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">(.*?)</line>', res.stdout, re.S
    ):
        first = re.search(r">([^<]+)</word>", body)
        out.append((float(top), float(bottom), first.group(1) if first else ""))
    return sorted(out)


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
def test_the_salutation_sits_a_paragraphs_gap_above_the_first_paragraph(example_spec, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """It used to sit at the top of its two-line room: two blank lines under "Your Excellency,"."""
    loc = LocaleInfo("en")
    who = Correspondent(signatory_name="Ann Lee", signatory_city="Leeds", kind="supporter")
    letter = personalise(
        kind_letter(build_letter(example_spec, loc), example_spec, loc, "supporter"), example_spec, loc, who
    )
    path = tmp_path / "letter.pdf"
    path.write_bytes(render_pdf(letter))
    lines = _lines(path)
    i = next(k for k, (_, _, word) in enumerate(lines) if word == "Your")
    salutation, opening = lines[i], lines[i + 1]
    assert opening[2] == "I"  # "I am writing …", the model letter's opening
    # The letter's own steps: from line to line in a paragraph, and from paragraph to paragraph.
    tops = sorted({top for top, _, _ in lines[i + 1 :]})
    steps = [b - a for a, b in itertools.pairwise(tops)]
    line_step = min(steps)
    paragraph_step = min(s for s in steps if s > line_step + 1)
    # Under the salutation: a paragraph's gap (and the salutation's own few points), never a blank line more.
    assert opening[0] - salutation[0] < paragraph_step + line_step - 2
