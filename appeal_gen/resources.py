"""What the package ships: its version, templates and message catalogs.

A leaf module (it imports only ``settings``), so that every layer can
find the shipped files without importing the layer that uses them: the
catalogs used to import ``render.docx`` only for the templates' folder,
which closed an import circle through the renderers.
"""

from __future__ import annotations

from pathlib import Path

from .settings import LOCALES_ENV, current  # noqa: F401 - LOCALES_ENV re-exported (it was defined here)

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


def locales_dir() -> Path:
    """Where the catalogs are: ``$APPEAL_GEN_LOCALES`` if set (see ``settings``), else the package's."""
    return current().locales_dir or LOCALES_DIR
