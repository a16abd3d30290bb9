"""What the package ships: its version, templates and message catalogs.

A leaf module (it imports nothing of appeal_gen), so that every layer can
find the shipped files without importing the layer that uses them: the
catalogs used to import ``render.docx`` only for the templates' folder,
which closed an import circle through the renderers.
"""

from __future__ import annotations

import os
from pathlib import Path

#: The package's version (``appeal_gen.__version__``), here so that any layer can
#: read it without importing the package root, which imports the whole pipeline.
__version__ = "0.1.0"

PACKAGE_DIR = Path(__file__).resolve().parent

#: Where the DOCX templates are, in the order they are tried.
TEMPLATES_DIR_CANDIDATES = (
    PACKAGE_DIR / "templates",  # installed wheel
    PACKAGE_DIR.parent / "templates",  # source checkout
)

#: The message catalogs shipped with the package.
LOCALES_DIR = Path(__file__).parent / "locales"
#: A folder laid out like ``appeal_gen/locales`` to use instead of it: lets a
#: translator (and the tests) work on a copy without touching the installation.
LOCALES_ENV = "APPEAL_GEN_LOCALES"


def locales_dir() -> Path:
    """Where the catalogs are: ``$APPEAL_GEN_LOCALES`` if set, else the package's."""
    env = os.environ.get(LOCALES_ENV)
    return Path(env) if env else LOCALES_DIR
