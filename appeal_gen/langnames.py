"""Language cells as people fill them in: codes or names, in any case and language.

A CRM stores "English", "Français", "Chinese (Simplified)", "العربية" or
"EN" where the batch wants ``en``, ``fr``, ``zh_Hans``, ``ar``. The names are
CLDR's (babel's ``Locale.languages``, ``scripts`` and ``territories``), so
every language is known by its English name, its name in each language
appeal-gen ships a catalog for, and its own name, without a table of our own
to keep up to date. The answer is always passed back through
``locale.canonical_language``: whatever a cell says, what comes out is a
validated ``language[_Script][_TERRITORY]`` token, safe in a file name.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache

from .locale import canonical_language, shipped_languages

#: "Chinese (Simplified)", "English [United Kingdom]", "Chinese, Simplified", "Portuguese - Brazil".
_QUALIFIED = re.compile(r"^(.+?)(?:\s*\((.+)\)|\s*\[(.+)\]|\s*,\s*(.+)|\s[-–—]\s*(.+))$")


def language_code(cell: str) -> str | None:
    """The canonical token a language cell means (``"Français"`` -> ``fr``), or None if it names none.

    >>> language_code("EN"), language_code("en-GB"), language_code("Chinese (Simplified)")
    ('en', 'en_GB', 'zh_Hans')
    >>> language_code("Klingon") is None
    True
    """
    return _code(" ".join(cell.split()))


@lru_cache(maxsize=256)
def _code(text: str) -> str | None:
    """Cached: a list holds a handful of distinct cells, read once per row."""
    if not text:
        return None
    token = canonical_language(text)
    if token is not None:
        return token
    key = _key(text)
    found = _names().get(key)
    if found is None and (m := _QUALIFIED.match(text)):
        # "Português (Brasil)": a language no catalog names may be written in its own words.
        base = _names().get(_key(m.group(1))) or _autonyms().get(_key(m.group(1)))
        qualifier = _key(next(g for g in m.groups()[1:] if g))
        extra = _subtags().get(qualifier) or (_own_subtags(base).get(qualifier) if base else None)
        if base is not None and extra is not None:
            found = f"{base}_{extra}"
    if found is None:
        found = _autonyms().get(key)
    return canonical_language(found) if found else None


def _key(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold().strip(" .")


def _reading_locales() -> list[str]:
    """English first (CRMs store English names most), then every shipped language."""
    return ["en", *(x for x in shipped_languages() if x != "en")]


@cache
def _names() -> dict[str, str]:
    """Language names in English and in every shipped language -> code (the first reading wins)."""
    from babel import Locale

    out: dict[str, str] = {}
    for loc in _reading_locales():
        for code, name in Locale.parse(loc).languages.items():
            out.setdefault(_key(name), code)
    return out


@cache
def _subtags() -> dict[str, str]:
    """Script and territory names ("Simplified", "United Kingdom") -> subtag, for "Name (Qualifier)"."""
    from babel import Locale

    out: dict[str, str] = {}
    for loc in _reading_locales():
        locale = Locale.parse(loc)
        for table in (locale.scripts, locale.territories):
            for code, name in table.items():
                if code.isalpha():  # territories also have UN M.49 numbers; a script has letters
                    out.setdefault(_key(name), code)
    # CLDR calls Hans "Simplified Han"; the short form is what people write.
    for code in ("Hans", "Hant"):
        name = Locale.parse("en").scripts.get(code, "")
        out.setdefault(_key(name.split()[0]), code)
    return out


@lru_cache(maxsize=64)
def _own_subtags(language: str) -> dict[str, str]:
    """Script and territory names in *language* itself ("Brasil" in Portuguese), for its own qualified name."""
    from babel import Locale, UnknownLocaleError

    try:
        locale = Locale.parse(language)
    except (UnknownLocaleError, ValueError):
        return {}
    return {_key(name): code for table in (locale.scripts, locale.territories) for code, name in table.items()
            if code.isalpha()}  # fmt: skip


@cache
def _autonyms() -> dict[str, str]:
    """Each language's name for itself ("Kiswahili", "Bahasa Indonesia"); loaded only when a cell is not
    found among the names above, since it reads every locale babel has (about a second, once a run)."""
    from babel import Locale, localedata

    out: dict[str, str] = {}
    for ident in localedata.locale_identifiers():
        if "_" in ident:
            continue
        name = Locale.parse(ident).languages.get(ident)
        if name:
            out.setdefault(_key(name), ident)
    return out
