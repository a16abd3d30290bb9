"""The studio's folder: which specs it may open, and where their drafts live.

Every name a browser sends is a path relative to FOLDER; ``spec_path`` is
the one place that turns it into a file, and proves the file is inside
FOLDER after symbolic links are followed. Drafts (the autosaved text of an
editor) live in ``FOLDER/.appeal-gen-studio/drafts``, written with
``output.safe_path`` and ``write_atomic`` like every other file appeal-gen
writes.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from .. import _yaml
from ..errors import InputError
from ..output import safe_path, write_atomic

STATE = ".appeal-gen-studio"
SUFFIXES = (".yaml", ".yml")
#: A folder is listed to this depth and this many specs (a studio folder is a few dozen appeals).
MAX_DEPTH = 4
MAX_SPECS = 500


class NotInFolderError(InputError):
    """A name that is not a spec inside the studio's folder."""


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass
class Draft:
    text: str
    base: str  #: digest of the file's text the draft was started from


class Workspace:
    def __init__(self, folder: Path | str) -> None:
        self.root = Path(folder).resolve()
        if not self.root.is_dir():
            raise InputError(f"{folder}: not a folder")

    def spec_path(self, name: str, *, exists: bool = True) -> Path:
        """The spec file *name* (relative to FOLDER), refused unless it stays inside FOLDER."""
        parts = name.replace("\\", "/").split("/")
        if (
            not name
            or name.startswith("/")
            or "\0" in name
            or any(p in ("", ".", "..") or p.startswith(".") for p in parts)
            or not name.endswith(SUFFIXES)
        ):
            raise NotInFolderError(f"{name!r}: not a spec file name inside the folder")
        path = (self.root / Path(*parts)).resolve()
        if not path.is_relative_to(self.root):
            raise NotInFolderError(f"{name!r}: outside the studio's folder")
        if exists and not path.is_file():
            raise NotInFolderError(f"{name!r}: no such spec in the folder")
        return path

    def specs(self) -> list[str]:
        """The spec files of FOLDER (relative names), sorted; hidden folders and symbolic links outside are skipped."""
        found: list[str] = []
        for dirpath, dirnames, filenames in os.walk(self.root):
            here = Path(dirpath)
            depth = len(here.relative_to(self.root).parts)
            dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and depth < MAX_DEPTH)
            for f in sorted(filenames):
                if f.endswith(SUFFIXES) and not f.startswith("."):
                    rel = (here / f).relative_to(self.root).as_posix()
                    try:
                        self.spec_path(rel)
                    except NotInFolderError:
                        continue
                    found.append(rel)
                    if len(found) >= MAX_SPECS:
                        return found
        return found

    def read(self, name: str) -> str:
        return _yaml.read_spec_text(str(self.spec_path(name)))

    def _draft_file(self, name: str, *, make: bool) -> Path:
        key = hashlib.sha256(name.encode()).hexdigest()[:24] + ".json"
        return safe_path(self.root, STATE, "drafts", key, make_folders=make)

    def draft(self, name: str) -> Draft | None:
        path = self._draft_file(name, make=False)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or data.get("name") != name:
            return None
        text, base = data.get("text"), data.get("base")
        return Draft(text, base) if isinstance(text, str) and isinstance(base, str) else None

    def save_draft(self, name: str, draft: Draft) -> None:
        payload = json.dumps({"name": name, "base": draft.base, "text": draft.text}, ensure_ascii=False)
        write_atomic(self._draft_file(name, make=True), payload.encode())

    def drop_draft(self, name: str) -> None:
        try:
            self._draft_file(name, make=False).unlink()
        except FileNotFoundError:
            pass

    def write_spec(self, name: str, text: str) -> None:
        """Write the spec file in place (atomically: a crash leaves the old or the new file)."""
        path = self.spec_path(name, exists=False)
        write_atomic(path, text.encode("utf-8"))

    def build_dir(self) -> Path:
        return self.root / "out"
