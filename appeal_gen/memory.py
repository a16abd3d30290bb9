"""A translation memory: the translations of earlier appeals, to pre-fill new ones.

Demands and salutations repeat from appeal to appeal ("Immediately and
unconditionally release ..."). ``translate export --memory PATH`` looks each
source text up here: in other specs (their current, not stale, translations)
and in gettext compendium ``.po`` files (``translate memory`` writes one from
a folder of specs). A match only pre-fills an entry, marked fuzzy with its
origin in a translator comment: the same sentence can need other words in
another appeal, so a person confirms every one.

Texts are matched on their ``staleness.fingerprint`` normalisation (NFC,
whitespace collapsed): exact matches only, as a re-typed line break must
match but a changed word must not.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

from .errors import AppealGenError, UsageError
from .staleness import stale


def _norm(text: str) -> str:
    import unicodedata

    return " ".join(unicodedata.normalize("NFC", text).split())


@dataclass(frozen=True)
class Match:
    text: str  #: the translation
    source: str  #: the source text as written there
    origin: str  #: where it comes from, ``FILE: field`` or ``FILE:LINE``


@dataclass
class Memory:
    """Source text (normalised) -> the first translation found, in the order the paths were given."""

    source: str
    lang: str
    entries: dict[str, Match] = field(default_factory=dict)
    specs: int = 0
    #: files that could not be read, one line each (they are skipped)
    warnings: list[str] = field(default_factory=list)
    #: the spec being exported, resolved: its own text is no memory of itself
    skip: Path | None = None

    def get(self, text: str) -> Match | None:
        return self.entries.get(_norm(text))

    def _add(self, source: str, translation: str, origin: str) -> None:
        self.entries.setdefault(_norm(source), Match(translation, source, origin))

    def add_spec(self, path: Path) -> None:
        from .spec import load_spec

        if self.skip is not None and path.resolve() == self.skip:
            return
        try:
            spec = load_spec(str(path))
        except AppealGenError as exc:
            first = exc.format().splitlines()[0]
            self.warnings.append(f"{path}: warning: not used as memory: {first}")
            return
        self.specs += 1
        bad = {s.text.path for s in stale(spec, self.lang)}
        for t in spec.texts:
            src, tr = t.values.get(self.source), t.values.get(self.lang)
            if src and tr and t.path not in bad and self.lang != self.source:
                self._add(src, tr, f"{path}: {t.path}")

    def add_po(self, path: Path) -> None:
        from .catalogs import parse_po

        try:
            cat = parse_po(path.read_bytes(), str(path))
        except OSError as exc:
            self.warnings.append(f"{path}: warning: not used as memory: {exc.strerror}")
            return
        except AppealGenError as exc:
            self.warnings.append(f"{path}: warning: not used as memory: {exc.format()}")
            return
        lang = cat.locale_identifier or dict(cat.mime_headers).get("Language")
        if lang and lang != self.lang:
            self.warnings.append(f"{path}: warning: not used as memory: its language is {lang}, not {self.lang}")
            return
        for m in cat:
            if m.id and isinstance(m.id, str) and isinstance(m.string, str) and m.string.strip() and not m.fuzzy:
                self._add(m.id, m.string.strip(), f"{path}:{m.lineno}")

    def add(self, path: Path) -> None:
        """A spec file, a compendium ``.po``, or a folder of specs (searched recursively, in name order).

        A folder's ``.po`` files are left out: they are mostly exports whose
        finished entries are already in their specs, and a half-done one
        would only add noise. Name a compendium explicitly.
        """
        if path.is_dir():
            for p in sorted(path.rglob("*")):
                if p.is_file() and p.suffix.lower() in (".yaml", ".yml"):
                    self.add(p)
        elif path.suffix.lower() == ".po":
            self.add_po(path)
        elif path.is_file():
            self.add_spec(path)
        else:
            raise UsageError(f"--memory: {path}: no such file or folder")


def load_memory(paths: list[str], source: str, lang: str, *, skip: str | None = None) -> Memory:
    """The memory of *paths* for *source* -> *lang*; *skip* (the spec being exported) is left out."""
    mem = Memory(source, lang, skip=Path(skip).resolve() if skip else None)
    for p in paths:
        mem.add(Path(p))
    return mem


@dataclass
class CompendiumResult:
    entries: int
    specs: int
    warnings: list[str]


def write_compendium(paths: list[str], lang: str, source: str, out: Path) -> CompendiumResult:
    """``translate memory``: one compendium ``.po`` of every translation into *lang* in *paths*.

    Entries have no context, as gettext compendiums do; each carries its
    origin as a translator comment, and ``export --memory`` reads it back.
    """
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    from .output import write_atomic

    mem = Memory(source, lang)
    for p in paths:
        path = Path(p)
        if not path.exists():
            raise UsageError(f"{path}: no such file or folder")
        mem.add(path)
    cat = Catalog(locale=lang, project="appeal-gen translation memory", charset="utf-8", fuzzy=False)
    for key in sorted(mem.entries):
        m = mem.entries[key]
        cat.add(m.source, m.text, user_comments=[f"from {m.origin}"])
    buf = io.BytesIO()
    write_po(buf, cat, width=76, omit_header=False)
    write_atomic(out, buf.getvalue())
    return CompendiumResult(len(mem.entries), mem.specs, mem.warnings)
