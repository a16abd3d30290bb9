"""The editor's form: which spec fields it shows, in what order, with what label.

Presentation only (labels, order, input kinds); what a value must be is
still decided by ``spec.parse_spec`` and ``validate.validate``, whose
messages the editor shows at the field. ``tests/studio`` checks that every
documented spec field (``spec.iter_schema_keys``) has its place here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Field:
    key: str
    kind: str  # str, text, longtext, name, date, count, lang, country, status, kind, pronoun, email, url, lines
    label: str
    hint: str = ""


@dataclass(frozen=True)
class ListOf:
    key: str
    label: str
    item_label: str
    fields: tuple[Field, ...] = ()  # empty: a list of single texts (demands)
    item_kind: str = "longtext"
    blank: Any = field(default="")


_AUTHORITY = (
    Field("honorific", "name", "Honorific", "H.E., Mr, Ms …"),
    Field("name", "name", "Name"),
    Field("family_name", "name", "Family name", "for a named salutation (Dear Ms Moreau); never guessed from the name"),
    Field("office", "text", "Office"),
    Field("institution", "text", "Institution"),
    Field("address", "lines", "Address (one line each)"),
    Field("email", "email", "Email"),
    Field("fax", "str", "Fax"),
    Field("phone", "str", "Phone"),
    Field("salutation", "text", "Salutation", "Dear Minister"),
    Field("preferred_language", "lang", "Preferred language"),
    Field("gender", "str", "Gender", "female or male: how a letter greets them (Madame l’Ambassadrice)"),
    Field("rank", "str", "Rank", "ambassador, minister, prime_minister, president or excellency"),
)

#: The sections of the form, in the order of the letter.
SECTIONS: tuple[tuple[str, tuple[Field | ListOf, ...]], ...] = (
    (
        "Case",
        (
            Field("reference.code", "str", "Case reference code", "also names the files"),
            Field("reference.follow_up", "count", "Follow-up number"),
            Field("reference.ua_number", "str", "Urgent appeal number"),
            Field("reference.document_index", "str", "Document index"),
            Field("language", "lang", "Language the spec is written in"),
            Field("date", "date", "Date of the appeal"),
            Field("dateline", "text", "Dateline (place)"),
            Field("country", "country", "Country (ISO code, e.g. KH)"),
            Field("status", "status", "Status", "e.g. judicial_harassment, arbitrary_detention"),
            Field("deadline", "date", "Action deadline"),
            Field("theme", "str", "Theme (the organisation's look)", "theme.yaml in this folder: docs/theme.md"),
        ),
    ),
    (
        "Issuer",
        (
            ListOf(
                "issuers",
                "Issuers",
                "Issuer",
                (
                    Field("name", "name", "Name"),
                    Field("address", "lines", "Address (one line each)"),
                    Field("phone", "str", "Phone"),
                    Field("email", "email", "Email"),
                    Field("website", "url", "Website"),
                ),
                blank={"name": ""},
            ),
        ),
    ),
    ("Headline", (Field("title", "text", "Title"), Field("summary", "longtext", "Summary"))),
    (
        "People at risk",
        (
            ListOf(
                "subjects",
                "Subjects",
                "Subject",
                (
                    Field("name", "name", "Name"),
                    Field("short_name", "name", "Short name"),
                    Field("kind", "kind", "Kind", "person, organisation, group or community"),
                    Field("role", "text", "Role"),
                    Field("pronoun", "pronoun", "Pronoun", "she, he, they or it"),
                    Field("description", "longtext", "Description"),
                ),
                blank={"name": ""},
            ),
        ),
    ),
    (
        "Updates",
        (
            ListOf(
                "updates",
                "Updates",
                "Update",
                (
                    Field("date", "date", "Date"),
                    Field("headline", "text", "Headline"),
                    Field("body", "longtext", "Body"),
                ),
                blank={"date": "", "headline": "", "body": ""},
            ),
        ),
    ),
    ("Context and concern", (Field("context", "longtext", "Context"), Field("concern", "longtext", "Concern"))),
    ("Demands", (ListOf("demands", "Demands", "Demand"),)),
    (
        "Authorities",
        (
            ListOf("authorities", "Authorities", "Authority", _AUTHORITY, blank={"name": "", "office": ""}),
            ListOf("copies_to", "Copies to", "Copy to", _AUTHORITY, blank={"name": "", "office": ""}),
        ),
    ),
    (
        "Supporters' model letter",
        (
            Field("letter.subject", "text", "Subject", "Cambodian Centre for Human Rights"),
            Field("letter.opening", "longtext", "Opening", "I am writing to express my concern …"),
            Field("letter.body", "longtext", "Body"),
            Field("letter.closing", "longtext", "Closing", "Thank you for your attention …"),
        ),
    ),
    (
        "Links",
        (
            ListOf(
                "links",
                "Links",
                "Link",
                (Field("title", "text", "Title"), Field("url", "url", "URL")),
                blank={"title": "", "url": "https://"},
            ),
        ),
    ),
)

#: How one language is written (spec ``conventions.<lang>``), shown in that language's tab.
CONVENTIONS = (
    Field("locale", "str", "Regional dates and numbers (locale)", "e.g. en_IE writes 6 December 2017"),
    Field("typography", "str", "Typography", "false prints this language's text exactly as typed"),
    Field("authorities", "str", "“The authorities” of the country, as this language's sentence needs it"),
)

#: Field kinds whose text differs per language (translated in the language tabs).
TRANSLATED = frozenset({"text", "longtext", "name"})


def form_keys() -> set[str]:
    """Every spec key the form edits, as ``spec.iter_schema_keys`` writes them (lists as ``[]``)."""
    keys: set[str] = set()
    for _title, items in SECTIONS:
        for item in items:
            if isinstance(item, Field):
                keys.add(item.key)
                if "." in item.key:
                    keys.add(item.key.split(".")[0])
            else:
                keys.add(item.key)
                keys.update(f"{item.key}[].{f.key}" for f in item.fields)
    keys.add("conventions")
    return keys
