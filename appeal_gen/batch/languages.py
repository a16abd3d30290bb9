"""Which language a row's letter is written in, and why: the fallback chain (docs/batch.md).

A row may ask for a language the appeal has no text in (``pt_BR`` from a
CRM, where the appeal has ``pt`` or none). Printing the missing fields in
the spec's language would mix two languages in one letter, under fixed text
in a third; failing the row loses a letter a campaign wanted. So the row
goes down a documented chain of languages, and the first one in which the
letter can be written whole (every field of the appeal, and the fixed
text's catalog) is used, with a note in the manifest saying which and why:

    the row's language -> its base language (pt_BR -> pt)
    -> the preferred language of the authority the letter is written to
    -> the spec's source language

``--fallback L1,L2`` replaces the last two steps. With ``--letter-language
preferred``, a supporter's letter to the appeal's authority is written in
that authority's ``preferred_language`` first, the row's language being
the fallback.
"""

from __future__ import annotations

from collections.abc import Callable

from ..errors import InputError, UsageError
from ..locale import SOURCE_LANGUAGE, LocaleInfo, canonical_language, catalog_path
from ..spec import Spec

#: ``--letter-language`` values.
LETTER_LANGUAGES = ("row", "preferred")


def parse_fallback(value: str | None) -> tuple[str, ...]:
    """``--fallback fr,en`` as canonical language codes; a bad code is a usage error naming it."""
    if not value:
        return ()
    out = []
    for part in value.split(","):
        code = canonical_language(part)
        if code is None:
            raise UsageError(f"--fallback: '{part.strip()}' is not a language code (such as fr, pt_BR)")
        out.append(code)
    return tuple(dict.fromkeys(out))


def has_catalog(lang: str) -> bool:
    """Whether the fixed text can be written in *lang* (its catalog, or its base language's, or English)."""
    base = lang.split("_")[0]
    return base == SOURCE_LANGUAGE or catalog_path(lang).is_file() or catalog_path(base).is_file()


class Usable:
    """Why a whole letter cannot be written in a language (None: it can), decided once per language.

    It can when the spec has every field in it (or ``--allow-fallback``
    lets the spec's language fill the gaps, as before) and appeal-gen has
    its fixed text.
    """

    def __init__(self, spec: Spec, allow_fallback: bool) -> None:
        self.spec = spec
        self.allow_fallback = allow_fallback
        self.known: dict[str, str | None] = {}

    def __call__(self, lang: str) -> str | None:
        if lang not in self.known:
            self.known[lang] = self._why(lang)
        return self.known[lang]

    def _why(self, lang: str) -> str | None:
        try:
            LocaleInfo(lang)
        except InputError as exc:
            return f"'{lang}' cannot be used: {exc.format()}"
        missing = self.spec.missing_translations(lang)
        if missing and lang != self.spec.language and not self.allow_fallback:
            return f"the appeal has no '{lang}' text ({len(missing)} fields missing)"
        if not has_catalog(lang):
            return f"appeal-gen has no '{lang}' catalog for the fixed text"
        return None


def chain(spec: Spec, asked: str, preferred: str | None, fallback: tuple[str, ...]) -> list[str]:
    """The languages to try for a row asking for *asked*, in order, each once."""
    out = [asked]
    if "_" in asked:
        out.append(asked.split("_")[0])
    out += list(fallback) if fallback else [*([preferred] if preferred else []), spec.language]
    return list(dict.fromkeys(out))


def choose(
    spec: Spec,
    asked: str,
    *,
    preferred: str | None,
    use_preferred: bool,
    fallback: tuple[str, ...],
    usable: Callable[[str], str | None],
) -> tuple[str | None, str]:
    """The language of a row's letter and the manifest's note (empty when it is the row's own).

    *usable* says why a language cannot be used (None: it can). *preferred*
    is the addressed authority's preferred language; with *use_preferred*
    it is tried first. Returns (None, why) when no language of the chain
    can be used.
    """
    if use_preferred and preferred and preferred != asked:
        if usable(preferred) is None:
            return preferred, f"written in {preferred}, the preferred language of the addressee (--letter-language)"
    tried = chain(spec, asked, preferred, fallback)
    reasons: list[str] = []
    for lang in tried:
        why = usable(lang)
        if why is None:
            if lang == asked:
                return lang, ""
            return lang, (f"written in {lang}, not {asked}: {'; '.join(reasons)} (fallback chain: {' → '.join(tried)})")
        reasons.append(why)
    return None, f"no language of the fallback chain {' → '.join(tried)} can be used: {'; '.join(reasons)}"
