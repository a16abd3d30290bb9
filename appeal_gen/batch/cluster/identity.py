"""What makes a worker's letters the same bytes as this machine's: the handshake of a cluster run.

A letter's bytes depend on more than the spec and the row: on appeal-gen's
own code, on the libraries that lay out, shape and write it (reportlab and
its accelerators, HarfBuzz, the bidi and reshaping code, ICU's line
breaker, Babel's CLDR data, python-docx and docxtpl) and, above all, on the
font files. A worker that differs in any of these writes letters that
differ from a local run's, silently: a Khmer letter in another font is
still a letter. So the client compares each worker's ``identity`` with its
own before it writes a letter of theirs, and refuses one that differs
(``differences`` says how, in words a user can act on).
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
from functools import lru_cache
from importlib import metadata

#: The distributions whose versions change the bytes of a letter (PDF, DOCX or .eml).
DISTRIBUTIONS = (
    "reportlab",
    "rl-accel",
    "uharfbuzz",
    "fonttools",
    "python-bidi",
    "arabic-reshaper",
    "icu4py",
    "babel",
    "python-docx",
    "docxtpl",
    "jinja2",
    "lxml",
    "pillow",
    "pyyaml",
)


@lru_cache(maxsize=1)
def identity() -> dict[str, str]:
    """This process's appeal-gen (version and code), Python, libraries and fonts, as name -> value."""
    from ... import __version__
    from ...fonts import fingerprint
    from ..planning import code_hash

    found = {"appeal-gen": f"{__version__} (code {code_hash()[:12]})", "python": platform.python_version()}
    for name in DISTRIBUTIONS:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    for family, digest in fingerprint().items():
        found[f"font {family}"] = digest
    return found


def digest(found: dict[str, str]) -> str:
    """A short digest of an ``identity``: what each task's result carries back."""
    return hashlib.sha256(json.dumps(found, sort_keys=True).encode()).hexdigest()[:16]


def differences(mine: dict[str, str], theirs: dict[str, str]) -> str:
    """How a worker's identity differs from this machine's, in one line ("" when it does not)."""
    names = sorted(set(mine) | set(theirs), key=lambda n: (n.startswith("font "), n))
    return "; ".join(
        f"{name} {theirs.get(name, 'unknown')} (here {mine.get(name, 'unknown')})"
        for name in names
        if mine.get(name) != theirs.get(name)
    )


def look(theme: str | None) -> dict[str, str]:
    """What a run's theme adds to the handshake: its digest, and each of its font files by field (issue 21).

    The theme is read on each machine from the path the run names, so a
    worker whose copy of the theme, its logo or its fonts differs from the
    client's makes other letters: its ``identity`` with this added differs,
    and ``differences`` names the font file.
    """
    if not theme:
        return {}
    st = os.stat(theme)
    return dict(_look(theme, (st.st_size, st.st_mtime_ns)))


@lru_cache(maxsize=4)
def _look(theme: str, stamp: tuple[int, int]) -> tuple[tuple[str, str], ...]:
    from ...theme import load_theme, theme_digest

    found = [("theme", theme_digest(theme)[:16])]
    for font in load_theme(theme).fonts:
        for _, face in font.faces:
            found.append((f"theme font {face.field}", f"{os.path.basename(face.path)} {face.digest[:16]}"))
    return tuple(found)
