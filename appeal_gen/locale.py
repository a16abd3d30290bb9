"""Everything that depends on the output language, in one place.

Locale data (dates, country names, direction, list joining) comes from
babel's CLDR tables; the fixed text of the appeal (headings, "Page N of M",
status names) comes from one gettext catalog per language under
``appeal_gen/locales/<lang>/LC_MESSAGES/appeal_gen.po``. Catalogs are read
as ``.po`` directly (compiled in memory) so a translator's edit takes effect
without a build step.
"""

from __future__ import annotations

import copy
import datetime as _dt
import functools
import gettext
import io
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import sanitize
from .errors import UsageError
from .resources import LOCALES_DIR, LOCALES_ENV, locales_dir  # noqa: F401 - re-exported

#: What a language cell may look like before babel reads it: letters, then ``_``- or ``-``-joined
#: subtags. babel ignores what follows ``.`` or ``@`` (``en.x/../../x`` reads as ``en``) and
#: keeps an ``@modifier`` verbatim, so a cell must have this shape first.
_LANGUAGE_CELL = re.compile(r"[A-Za-z]{2,8}(?:[_-][A-Za-z0-9]{1,8}){0,3}")
#: A canonical identifier as babel writes it (``en``, ``fr_CA``, ``zh_Hans_CN``, ``es_419``).
LANGUAGE_TOKEN = re.compile(r"[a-z]{2,3}(?:_[A-Z][a-z]{3})?(?:_(?:[A-Z]{2}|[0-9]{3}))?")


#: Primary subtags that name no language (BCP 47's "undetermined", CLDR's root locale).
_NO_LANGUAGE = frozenset({"und", "root"})


def canonical_language(value: str) -> str | None:
    """The canonical locale identifier a language cell names (``EN-us`` -> ``en_US``), or None.

    The identifier becomes part of file names (``letters/<stem>.<lang>.pdf``),
    so it is babel's canonical form of a plain ``language[_script][_territory]``
    cell, never the cell itself.

    >>> canonical_language(" fr-fr ")
    'fr_FR'
    >>> canonical_language("en@../../x") is None
    True

    ``und`` ("undetermined") and ``root`` name no language: babel would guess
    one from likely subtags (``und`` -> ``en_US``, ``und-KH`` -> ``km_KH``),
    and a letter must not be written in a guess.

    >>> canonical_language("und-KH") is None
    True
    """
    from babel import Locale, UnknownLocaleError

    text = value.strip()
    if not _LANGUAGE_CELL.fullmatch(text) or re.split(r"[-_]", text, maxsplit=1)[0].lower() in _NO_LANGUAGE:
        return None
    try:
        token = str(Locale.parse(text.replace("-", "_")))
    except (UnknownLocaleError, ValueError, TypeError):
        return None
    return token if LANGUAGE_TOKEN.fullmatch(token) else None


DOMAIN = "appeal_gen"
SOURCE_LANGUAGE = "en"


def catalog_path(lang: str, base: Path | None = None) -> Path:
    return (base or locales_dir()) / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def template_path(base: Path | None = None) -> Path:
    """The message template (``.pot``) that new catalogs start from."""
    return (base or locales_dir()) / f"{DOMAIN}.pot"


def shipped_languages(base: Path | None = None) -> list[str]:
    """The source language plus every language with a catalog on disk."""
    root = base or locales_dir()
    langs = {SOURCE_LANGUAGE}
    if root.is_dir():
        langs.update(p.name for p in root.iterdir() if catalog_path(p.name, root).is_file())
    return [SOURCE_LANGUAGE, *sorted(langs - {SOURCE_LANGUAGE})]


def fallback_chain(lang: str) -> list[str]:
    """``fr_CA`` -> ``fr_CA, fr, en``: where a missing string is looked up next.

    >>> fallback_chain("fr_CA")
    ['fr_CA', 'fr', 'en']
    """
    chain = [lang]
    if "_" in lang:
        chain.append(lang.split("_", 1)[0])
    if SOURCE_LANGUAGE not in chain:
        chain.append(SOURCE_LANGUAGE)
    return chain


@functools.lru_cache(maxsize=64)
def _load_catalog(path: str, mtime: float) -> gettext.GNUTranslations:
    """Compile a .po in memory. ``mtime`` is part of the cache key on purpose."""
    from babel.messages.mofile import write_mo

    from .pofile import parse_po, read_po_bytes

    data = read_po_bytes(path, path)
    # babel alone reads an unterminated string as if it were closed, minus
    # its last character: parse_po checks the syntax line by line first.
    catalog = parse_po(data, path)
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    buf.seek(0)
    return gettext.GNUTranslations(buf)


def substitute(text: str, params: dict[str, str]) -> str:
    """``{name}`` placeholders filled in, and nothing else ``str.format`` would do.

    Catalogs come from volunteers, and ``str.format`` reads attributes and
    pads to any width: ``{country.__class__}`` or ``{country:>999999999}``
    must not run. A placeholder that is not a plain name given in *params*
    raises ``KeyError`` or ``ValueError``.

    >>> substitute("{organisation} urges {{all}}", {"organisation": "FLD"})
    'FLD urges {all}'
    >>> substitute("{country.__class__}", {"country": "KH"})
    Traceback (most recent call last):
    ...
    KeyError: 'country.__class__'
    """
    import string

    out = []
    for literal, name, spec, conversion in string.Formatter().parse(text):
        out.append(literal)
        if name is None:
            continue
        if spec or conversion:
            raise ValueError(f"placeholder {{{name}}} has a format spec or conversion")
        out.append(params[name])
    return "".join(out)


def _same_language(a: str, b: str) -> bool:
    """``en`` text in an ``en_IE`` letter is not a fallback worth a warning: only the region differs.

    >>> _same_language("en", "en_IE"), _same_language("fr", "fr_CA"), _same_language("en", "fr")
    (True, True, False)
    """
    return a.split("_", 1)[0] == b.split("_", 1)[0]


@dataclass
class Messages:
    """Catalog look-up along the fallback chain, recording every fallback."""

    lang: str
    base: Path | None = None
    fallbacks: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._chain: list[tuple[str, gettext.GNUTranslations]] = []
        for code in fallback_chain(self.lang):
            path = catalog_path(code, self.base)
            if path.is_file():
                self._chain.append((code, _load_catalog(str(path), os.path.getmtime(path))))

    def gettext(self, message: str) -> str:
        found = self._lookup(message, lambda _catalog: message)
        return message if found is None else found

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """The form for *n* of a message with plural forms (each catalog's own rule)."""
        found = self._lookup(singular, lambda catalog: (singular, catalog.plural(n)))
        if found is None:
            return singular if n == 1 else plural
        return found

    def pgettext(self, context: str, message: str) -> str | None:
        """The translation of *message* in *context* (gettext's msgctxt), or None.

        None rather than *message*: the callers (per-country forms) have a
        fallback of their own, and a missing optional entry is not worth a
        warning.
        """
        for _code, catalog in self._chain:
            text = catalog._catalog.get(f"{context}\x04{message}")  # type: ignore[attr-defined]
            if text:
                return self._clean(message, str(text))
        return None

    def _lookup(self, message: str, key: Callable[[Any], object]) -> str | None:
        """The first catalog along the chain that translates *message*, noting any fallback."""
        for code, catalog in self._chain:
            # GNUTranslations returns the msgid itself when it has no entry.
            text = catalog._catalog.get(key(catalog))  # type: ignore[attr-defined]
            if text:
                if not _same_language(code, self.lang):
                    self.note_fallback(message, code)
                return self._clean(message, str(text))
        if not _same_language(SOURCE_LANGUAGE, self.lang):
            self.note_fallback(message, SOURCE_LANGUAGE)
        return None

    def _clean(self, message: str, text: str) -> str:
        """sanitize.py's rule for translators' strings, as for every other value."""
        cleaned, replaced = sanitize.clean(text)
        if replaced:
            note = sanitize.warning(f"the {self.lang} translation of '{message}'", replaced)
            if note not in self.fallbacks:
                self.fallbacks.append(note)
        return cleaned

    def note_fallback(self, message: str, used: str, *, broken: bool = False) -> None:
        """Record, once, that *message* printed in *used* instead (public: the letter's builder notes fallbacks too)."""
        if broken:
            note = f"the {self.lang} translation of '{message}' has a broken placeholder; using {used}"
        else:
            note = f"'{message}' is not translated into {self.lang}; using {used}"
        if note not in self.fallbacks:
            self.fallbacks.append(note)


class LocaleInfo:
    """babel locale data plus the message catalog for one output language."""

    def __init__(self, lang: str, *, catalogs: Path | None = None, native_digits: bool | None = None) -> None:
        from babel import Locale, UnknownLocaleError

        try:
            self.locale = Locale.parse(lang)
        except (UnknownLocaleError, ValueError):
            raise UsageError(f"unknown language '{lang}'") from None
        self.lang = lang
        self.messages = Messages(lang, catalogs)
        self._native_digits = native_digits

    # Text direction and scripts -------------------------------------------
    @property
    def rtl(self) -> bool:
        return self.locale.text_direction == "rtl"

    @property
    def bcp47(self) -> str:
        return str(self.locale).replace("_", "-")

    # Messages -----------------------------------------------------------------
    def _(self, message: str, **params: str) -> str:
        return self._format(message, self.messages.gettext(message), message, params)

    def n_(self, singular: str, plural: str, n: int, **params: str) -> str:
        """A message whose grammar depends on a count (one issuer urges, two urge)."""
        source = singular if n == 1 else plural
        return self._format(singular, self.messages.ngettext(singular, plural, n), source, params)

    def _format(self, message: str, text: str, source: str, params: dict[str, str]) -> str:
        if not params:
            return text
        try:
            return substitute(text, params)
        except (KeyError, ValueError):
            # A translator broke a placeholder: fall back to the source
            # string rather than print "{country}" to an authority.
            self.messages.note_fallback(message, SOURCE_LANGUAGE, broken=True)
            return substitute(source, params)

    def regional(self, region: str | None) -> LocaleInfo:
        """This language, with dates and numbers written as in *region* (``en_IE``).

        The spec's ``conventions.<lang>.locale``: an Irish organisation writes
        "6 December 2017", not CLDR ``en``'s "December 6, 2017". Only babel's
        locale data changes; the catalog, the fallbacks already noted and the
        language code (file names, field look-ups) stay.
        """
        if not region or region == str(self.locale):
            return self
        from babel import Locale, UnknownLocaleError

        try:
            locale = Locale.parse(region)
        except (UnknownLocaleError, ValueError):
            raise UsageError(f"unknown locale '{region}'") from None
        other = copy.copy(self)
        other.locale = locale
        return other

    # Locale data -------------------------------------------------------------
    def date(self, value: _dt.date) -> str:
        """The long date as the language's own press writes it, in its digits.

        CLDR's long pattern, except where :data:`DATE_PATTERNS` knows better
        (Khmer writes "ថ្ងៃទី៦ ខែធ្នូ ឆ្នាំ២០១៧", with the words for day, month
        and year); French writes the first of the month as an ordinal,
        "1er décembre", which CLDR does not.
        """
        from babel.dates import format_date

        pattern = DATE_PATTERNS.get(str(self.locale)) or DATE_PATTERNS.get(self.locale.language)
        if pattern is None:
            pattern = self.locale.date_formats["long"].pattern
        if self.locale.language == "fr" and value.day == 1:
            pattern = re.sub(r"(?<![d'])d(?![d'])", "d'er'", pattern)
        return self.digits(format_date(value, format=pattern, locale=self.locale))

    def country(self, code: str) -> str:
        return str(self.locale.territories.get(code, code))

    def language_name(self, code: str) -> str:
        """*code*'s name in this language, from CLDR ("Khmer", "khmer", "ខ្មែរ"); the code if CLDR has none."""
        from babel import Locale, UnknownLocaleError

        try:
            return str(Locale.parse(code).get_display_name(self.locale) or code)
        except (ValueError, UnknownLocaleError):
            return code

    def join(self, items: list[str]) -> str:
        from babel.lists import format_list

        return format_list(items, locale=self.locale) if items else ""

    def number(self, n: int) -> str:
        return self.digits(str(n))

    def digits(self, text: str) -> str:
        """Latin digits, or the language's native digits where its catalog asks.

        A translator opts in by translating the marker string ``native-digits``
        as ``yes`` (Khmer and Arabic often want ០១២ / ٠١٢).
        """
        return to_digits(text, self.zero)

    @functools.cached_property
    def zero(self) -> str:
        """The digit zero this language's numbers are printed with ("0" unless native).

        Kept on the letter too, so that the page footer, which only learns
        its numbers while the PDF is laid out, prints them in the same digits.
        """
        use = self._native_digits
        if use is None:
            # TRANSLATORS: translate as "yes" to print numbers (dates, demand
            # numbers) in your language's own digits, e.g. Khmer ០១២ or Arabic ٠١٢.
            use = self.messages.gettext("native-digits") == "yes"
        if not use:
            return "0"
        return self._native_zero() or "0"

    def _native_zero(self) -> str | None:
        # Unicode places each script's digits 0-9 consecutively from its zero.
        zeros = {"ar": "\u0660", "km": "\u17e0", "fa": "\u06f0", "bn": "\u09e6", "th": "\u0e50", "my": "\u1040"}
        return zeros.get(self.locale.language)


#: Long-date patterns (CLDR syntax) where CLDR's own is not how the
#: language's press writes a date in running text. Keyed by locale, then
#: language; CLDR ``km`` has "6 ធ្នូ 2017", Khmer writers "ថ្ងៃទី៦ ខែធ្នូ ឆ្នាំ២០១៧".
DATE_PATTERNS: dict[str, str] = {"km": "'ថ្ងៃទី'd 'ខែ'MMMM 'ឆ្នាំ'y"}


def to_digits(text: str, zero: str) -> str:
    """*text* with its ASCII digits written from *zero* on (Unicode keeps each script's 0-9 in a row).

    >>> to_digits("Page 1 of 12", "\u17e0")
    'Page ១ of ១២'
    """
    if zero == "0":
        return text
    return "".join(chr(ord(zero) + ord(c) - 48) if "0" <= c <= "9" else c for c in text)
