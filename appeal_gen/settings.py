"""The settings a user gives through the environment, read once per process.

A leaf module (it imports nothing of appeal_gen). The environment used to be
read wherever a setting was needed (``fonts`` at every font look-up,
``resources.locales_dir`` at every catalog path): a variable changed halfway
through a run could give one letter other fonts than the next, the reads
were spread over modules nobody would think to look in, and a server or a
test could not say "these settings" without editing ``os.environ``. Here
every variable is named once, read once (``current()``) and handed on as a
frozen ``Settings``; the fork server's workers inherit the parent's.

Tests and long-lived callers that change a variable at run time call
``reload()`` afterwards (the test suite's ``conftest`` also forgets the
settings before and after every test, so a test's ``monkeypatch.setenv``
never leaks into the next).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

#: ``:``-separated folders (``;`` on Windows) whose fonts win over the installed ones.
FONT_DIRS_ENV = "APPEAL_GEN_FONT_DIRS"
#: Where instantiated font faces are kept between runs (default ``$XDG_CACHE_HOME/appeal-gen``).
CACHE_DIR_ENV = "APPEAL_GEN_CACHE_DIR"
#: A folder laid out like ``appeal_gen/locales`` to use instead of it: lets a
#: translator (and the tests) work on a copy without touching the installation.
LOCALES_ENV = "APPEAL_GEN_LOCALES"


@dataclass(frozen=True)
class Settings:
    """What the environment asked for; empty variables count as unset."""

    #: The user's font folders, in the order given (empty entries dropped).
    font_dirs: tuple[str, ...] = ()
    #: appeal-gen's cache folder (fonts go in its ``fonts`` subfolder).
    cache_dir: Path = Path("~/.cache/appeal-gen")
    #: The catalogs' folder to use instead of the shipped one, or None.
    locales_dir: Path | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """The settings *environ* (default ``os.environ``) gives."""
        env = os.environ if environ is None else environ
        cache = env.get(CACHE_DIR_ENV) or os.path.join(
            env.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "appeal-gen"
        )
        locales = env.get(LOCALES_ENV)
        return cls(
            font_dirs=tuple(d for d in env.get(FONT_DIRS_ENV, "").split(os.pathsep) if d),
            cache_dir=Path(cache),
            locales_dir=Path(locales) if locales else None,
        )


_current: Settings | None = None


def current() -> Settings:
    """This process's settings, read from the environment the first time they are asked for."""
    global _current
    if _current is None:
        _current = Settings.from_env()
    return _current


def reset() -> None:
    """Forget the settings: the next ``current()`` reads the environment again."""
    global _current
    _current = None


def reload() -> Settings:
    """Read the environment again now (after a caller changed a variable) and return the result."""
    reset()
    return current()
