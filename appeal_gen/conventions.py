"""How a spec says one language is written (``conventions.<lang>``): read with the spec.

A leaf beside ``spec``: the spec validator reads the block here, and
``locale``/``document`` apply it, so the spec does not import the locale
layer above it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Conventions:
    """A spec's say over how one language is written (``conventions.<lang>`` in the spec).

    What CLDR and the catalogs cannot know: the region whose dates the
    organisation writes, an author who wants their spacing kept as typed,
    the grammatical form of the country in the sentence before the demands
    (per-country forms are not in CLDR).
    """

    #: A regional locale of the language (``en_IE``): dates and numbers as written there.
    locale: str | None = None
    #: False: print the text as typed (no French no-break spaces, no Khmer ។ for ";").
    typography: bool = True
    #: "the authorities in <country>" as this letter must say it ("les autorités du Cambodge").
    authorities: str | None = None


_ON_OFF = {"true": True, "yes": True, "on": True, "false": False, "no": False, "off": False}


def read_conventions(v: Any, node: Any, path: str, depth: int) -> dict[str, Conventions] | None:
    """Validate the spec's ``conventions`` block (called by the spec validator).

    A mapping of language codes to mappings of ``locale``, ``typography``
    and ``authorities``; every mistake is reported at its line, and every
    node counts towards the validator's limits as elsewhere.
    """
    import yaml

    if not isinstance(node, yaml.MappingNode):
        v.error(node, path, "expected a mapping of language codes to conventions (locale, typography, authorities)")
        return None
    out: dict[str, Conventions] = {}
    seen: dict[str, int] = {}
    for lang_node, value_node in node.value:
        lang = v.scalar(lang_node, "lang", path)
        sub = f"{path}.{lang}"
        if lang is None or not v._count(value_node, depth, sub):
            if v.halted:
                return None
            continue
        if lang in seen:
            v.error(lang_node, sub, f"duplicate key (first given on line {seen[lang]})")
            continue
        seen[lang] = lang_node.start_mark.line + 1
        if not isinstance(value_node, yaml.MappingNode):
            v.error(value_node, sub, "expected a mapping with locale, typography or authorities")
            continue
        found = _read_convention(v, lang, value_node, sub, depth + 1)
        if found is not None:
            out[lang] = found
        elif v.halted:
            return None
    return out


def _read_convention(v: Any, lang: str, node: Any, path: str, depth: int) -> Conventions | None:
    """One language's ``conventions`` entry, or None after reporting what is wrong."""
    import yaml

    values: dict[str, Any] = {}
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            v.error(key_node, path, "keys must be plain names")
            return None
        key = str(key_node.value)
        sub = f"{path}.{key}"
        if not v._count(value_node, depth, sub):
            return None
        if key in values:
            v.error(key_node, sub, "duplicate key")
            return None
        if key == "locale":
            region = v.scalar(value_node, "lang", sub)
            if region is not None and region.split("_")[0] != lang.split("_")[0]:
                v.error(value_node, sub, f"'{region}' is not a locale of '{lang}'; write e.g. {lang}_IE")
                return None
            values[key] = region
        elif key == "typography":
            scalar = isinstance(value_node, yaml.ScalarNode)
            flag = _ON_OFF.get(str(value_node.value).lower()) if scalar else None
            if flag is None:
                v.error(value_node, sub, "expected true or false")
                return None
            values[key] = flag
        elif key == "authorities":
            values[key] = v.scalar(value_node, "str", sub)
        else:
            v.error(key_node, sub, "unknown key; allowed here: locale, typography, authorities")
            return None
        if values[key] is None:
            return None
    return Conventions(**values)
