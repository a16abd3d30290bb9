"""The headers of a recipient list, as CRMs and spreadsheets write them, mapped to the batch's columns.

Lists come straight from CiviCRM, Action Network, Mailchimp, Salesforce or a
colleague's spreadsheet, and nobody renames their columns first. ``ALIASES``
is the table of what is recognised (docs/batch.md prints it): one entry per
column, its header spellings compared without case, spaces or punctuation
(``E-mail``, ``Email Address`` and ``email_address`` are one key). Adding an
export's spelling is one line in the table.

Some exports split what a letter prints as one thing: First Name and Last
Name, Street / City / Postal Code / Country. These *parts* are columns of
their own, kept for templates, and ``HeaderPlan.compose`` joins them into
the letter's name and address block, once the header has said whose they
are (the addressee's or the supporter's who signs; see ``HeaderPlan.of``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache

#: The documented columns (docs/batch.md), in the order the table lists them.
COLUMNS = (
    "id",
    "language",
    "honorific",
    "name",
    "office",
    "organisation",
    "address",
    "email",
    "salutation",
    "signatory_name",
    "signatory_city",
    # Issue 14 (letters.py, addressing.py): the kind of letter, and the addressee's gender and rank.
    "letter",
    "gender",
    "rank",
    # The addressee's family name, for a named salutation ("Dear Ms Moreau"); never guessed from ``name``.
    "family_name",
)
#: ``address_1``, ``address_2`` ...: one address line each, in number order.
ADDRESS_N = re.compile(r"^address_(\d{1,2})$")
#: Parts of a name and an address that exports keep in columns of their own.
NAME_PARTS = ("first_name", "last_name", "full_name")
ADDRESS_PARTS = ("street", "street_2", "street_3", "city", "state", "postal_code", "country")
PARTS = (*NAME_PARTS, *ADDRESS_PARTS)

#: Column (or part) -> the headers exports give it, besides its own name. Matched by ``header_key``.
ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("Contact ID", "Internal Contact ID", "External Identifier", "Record ID", "uuid", "Supporter ID"),
    "language": (
        *("Lang", "Preferred Language", "Language Preference", "Locale", "Preferred Locale"),
        *("Langue", "Langue préférée", "Sprache", "Idioma", "Язык"),
    ),
    "honorific": ("Individual Prefix", "Prefix", "Courtesy Title"),
    "office": ("Job Title", "Position", "Role", "Post"),
    "organisation": ("Organization", "Org", "Account Name", "Current Employer", "Company", "Company Name", "Embassy"),
    "email": (
        "E-mail",
        "Mail",
        "Email Address",
        "E-mail Address",
        "Primary Email",
        "Email (Primary)",
        "Email 1",
        "Work Email",
        "Home Email",
        *("Courriel", "Adresse e-mail", "Adresse électronique", "Correo electrónico", "Correo", "E-Mail-Adresse"),
    ),
    "salutation": ("Dear", "Greeting", "Letter Greeting", "Email Greeting", "Postal Greeting"),
    "signatory_name": ("Signatory", "Signed By", "Sender Name"),
    "first_name": (
        *("First Name", "Firstname", "Given Name", "First", "FNAME", "Forename", "Mailing First Name"),
        *("Prénom", "Vorname", "Имя"),
    ),
    "last_name": (
        # "Family Name" is the column ``family_name``, which joins First Name as this part does.
        *("Last Name", "Lastname", "Surname", "Last", "LNAME", "Mailing Last Name"),
        *("Nom de famille", "Nachname", "Apellido", "Apellidos", "Фамилия"),
    ),
    "full_name": ("Full Name", "Display Name", "Contact Name", "Recipient"),
    "street": (
        "Street Address",
        "Street",
        "Address Line 1",
        "Address Line1",
        "Mailing Street",
        "Mailing Address",
        "Mailing Street Address",
        "Street Address 1",
        "can2_user_address",
        "ADDRESS_addr1",
        "addr1",
    ),
    "street_2": ("Supplemental Address 1", "Address Line 2", "Street Address 2", "ADDRESS_addr2", "addr2"),
    "street_3": ("Supplemental Address 2", "Address Line 3", "Street Address 3"),
    "city": (
        "Town",
        "Town/City",
        "Mailing City",
        "can2_user_city",
        "ADDRESS_city",
        "Locality",
        "Ville",
        "Stadt",
        "Ort",
    ),
    "state": (
        "State",
        "State/Province",
        "Province",
        "Region",
        "County",
        "Mailing State",
        "Mailing State/Province",
        "can2_state_abbreviated",
        "ADDRESS_state",
    ),
    "postal_code": (
        "Postcode",
        "Post Code",
        "Zip",
        "Zip Code",
        "ZIP/Postal Code",
        "Zip/Postal Code",
        "Mailing Zip/Postal Code",
        "Mailing Postal Code",
        "ADDRESS_zip",
        *("Code postal", "PLZ", "Postleitzahl", "Código postal"),
    ),
    "country": ("Country Name", "Mailing Country", "can2_country", "ADDRESS_country", "Country Code", "Pays", "País"),
}

#: Columns that describe an official, not a supporter: a list with one addresses its rows.
_ADDRESSEE_COLUMNS = ("office", "organisation", "honorific", "salutation")
#: First cells of a spreadsheet's footer row (by ``header_key``).
TOTAL_WORDS = frozenset(
    {
        *("total", "totals", "grandtotal", "subtotal", "sum", "summe", "gesamt", "gesamtsumme", "somme"),
        *(
            "grandtotals",
            "totalgénéral",
            "totalgeneral",
            "итого",
            "всего",
            "合计",
            "总计",
            "總計",
            "الإجمالي",
            "المجموع",
        ),
    }
)
_NUMBERISH = re.compile(r"[\d\s.,'’%+\-−€$£¥()]*")


def header_key(text: str) -> str:
    """What two spellings of a header share: no case, spaces or punctuation.

    >>> header_key(" E-mail Address "), header_key("ZIP/Postal Code")
    ('emailaddress', 'zippostalcode')
    """
    return re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", text).casefold())


def normalise_header(name: str) -> str:
    """The name an extra column keeps for templates and the manifest.

    >>> normalise_header(" Signatory Name ")
    'signatory_name'
    >>> normalise_header("Address-1")
    'address_1'
    """
    return re.sub(r"[\s\-]+", "_", name.strip().lower()).strip("_")


@cache
def _lookup() -> dict[str, str]:
    table = {header_key(c): c for c in (*COLUMNS, *PARTS)}
    for target, spellings in ALIASES.items():
        for spelling in spellings:
            table.setdefault(header_key(spelling), target)
    return table


def column_for(header: str) -> str:
    """The column a header means: a documented column or part, or its own normalised name (an extra)."""
    plain = normalise_header(header)
    if ADDRESS_N.match(plain):
        return plain
    return _lookup().get(header_key(header), plain)


def is_known(column: str) -> bool:
    return column in COLUMNS or column in PARTS or bool(ADDRESS_N.match(column))


def looks_like_header(cells: list[str]) -> bool:
    """A header row: at least two cells name known columns (one, if it has only one cell)."""
    filled = [c for c in cells if c.strip()]
    known = sum(1 for c in filled if is_known(column_for(c)))
    return known >= min(2, len(filled)) and known > 0


def is_total_row(cells: list[str]) -> bool:
    """A spreadsheet's footer ("Total", "Grand total:", "Summe", "Total général"): the rest empty or numbers."""
    filled = [c.strip() for c in cells if c.strip()]
    if not filled:
        return False
    # "Grand Totals (3 records)", as Salesforce writes it, is "grandtotals".
    key = re.sub(r"\d+(records?|rows?|lignes?|zeilen)?$", "", header_key(filled[0]))
    if key not in TOTAL_WORDS:
        return False
    return all(_NUMBERISH.fullmatch(c) for c in filled[1:])


@dataclass(frozen=True)
class HeaderPlan:
    """How a list's name and address parts become the letter's name and address block."""

    #: Where First Name + Last Name (or Full Name) go: ``name``, ``signatory_name`` or nowhere.
    name_to: str | None = None
    #: Whether Street, City, Postal Code ... make the address block.
    address: bool = False
    #: Whether City is the signatory's city (a supporters' list).
    city_is_signatory: bool = False
    #: A supporters' list's ``address`` (Mailchimp's one-cell address) is the supporter's, not an addressee's.
    address_is_signatory: bool = False
    #: Where the family name comes from: ``last_name`` (Last Name, Surname) when the names are the addressee's.
    family_from: str | None = None
    #: A supporters' list's ``family_name`` (First Name + Family Name) is the supporter's, not an addressee's.
    family_is_signatory: bool = False
    notes: tuple[str, ...] = field(default=())

    @classmethod
    def of(cls, columns: tuple[str, ...], shown: dict[str, str]) -> HeaderPlan:
        """Decide from the header whose the parts are; *shown* maps a column to the header as written.

        A list with an official's column (office, organisation, honorific,
        salutation, or a ``signatory_name`` beside the names) is a list of
        addressees; a list of people and nothing else (a supporters' export)
        is a list of signatories. The choice is said on stderr, never silent.
        """
        has = set(columns)
        names = [c for c in NAME_PARTS if c in has]
        if "family_name" in has and "first_name" in has and "last_name" not in has:
            names.append("family_name")  # First Name + Family Name: the two parts of a name
        parts = [c for c in ADDRESS_PARTS if c in has]
        if not names and not parts:
            return cls()
        name_to: str | None = None
        if names:
            if "name" in has and "signatory_name" in has:
                name_to = None
            elif "signatory_name" in has or ("name" not in has and has.intersection(_ADDRESSEE_COLUMNS)):
                name_to = "name"
            elif "name" in has or not has.intersection(_ADDRESSEE_COLUMNS):
                name_to = "signatory_name"
        addressee = name_to == "name" or bool(has.intersection(("name", "office", "organisation")))
        notes = []
        if name_to:
            heads = " + ".join(f"'{shown[c]}'" for c in names)
            whose = "the addressee" if name_to == "name" else "the supporter who signs (a supporters' list)"
            notes.append(f"{heads}: the name of {whose}, as '{name_to}'")
        city_is_signatory = not addressee and "city" in has and "signatory_city" not in has
        address_is_signatory = name_to == "signatory_name" and not addressee and "address" in has
        if addressee and parts:
            heads = ", ".join(f"'{shown[c]}'" for c in parts)
            notes.append(f"{heads}: the addressee's address block")
        elif city_is_signatory:
            notes.append(f"'{shown['city']}': the signatory's city, as 'signatory_city'")
        if address_is_signatory:
            notes.append(
                f"'{shown['address']}': the supporter's own address, kept for templates as extra.signatory_address "
                "(their letters go to the spec's first authority)"
            )
        # The addressee's family name, for a named salutation ("Dear Ms Moreau"): a Last Name column is
        # the addressee's when the names are (never a part guessed from a full name).
        family_from = None
        if "last_name" in has and "family_name" not in has and (name_to == "name" or (not name_to and "name" in has)):
            family_from = "last_name"
            notes.append(f"'{shown['last_name']}': also the addressee's family name, as 'family_name'")
        family_is_signatory = name_to == "signatory_name" and "family_name" in names
        if family_is_signatory:
            notes.append(
                f"'{shown['family_name']}': the supporter's, kept for templates as extra.signatory_family_name"
            )
        return cls(
            name_to,
            addressee and bool(parts),
            city_is_signatory,
            address_is_signatory,
            family_from,
            family_is_signatory,
            tuple(notes),
        )

    @property
    def active(self) -> bool:
        return bool(
            self.name_to or self.address or self.city_is_signatory or self.address_is_signatory or self.family_from
        )

    def compose(self, values: dict[str, str]) -> None:
        """Fill the row's name and address (in place) from its parts; a filled column is never overwritten."""
        if self.name_to and not values.get(self.name_to):
            values[self.name_to] = values.get("full_name") or person_name(
                values.get("first_name", ""), values.get("last_name") or values.get("family_name", "")
            )
        if self.family_from and not values.get("family_name"):
            values["family_name"] = values.get(self.family_from, "")
        if self.family_is_signatory:
            values["signatory_family_name"] = values.pop("family_name", "")
        if self.city_is_signatory and not values.get("signatory_city"):
            values["signatory_city"] = values.get("city", "")
        if self.address_is_signatory:
            values["signatory_address"] = values.pop("address", "")
        if self.address:
            from .addresses import address_block

            lines = address_block({p: values.get(p, "") for p in ADDRESS_PARTS})
            if lines:
                values["address"] = "\n".join(filter(None, (values.get("address", ""), *lines)))


#: Scripts whose names are written family name first, with (Khmer) or without (Han, Hangul, kana) a space.
_FAMILY_FIRST_TIGHT = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
_FAMILY_FIRST_SPACED = re.compile(r"[\u1780-\u17ff]")


def person_name(first: str, last: str) -> str:
    """First and last name as the name is written: "Margaret Holloway", "王小明", "សុខ ចាន់ថា".

    >>> person_name("Margaret", "Holloway"), person_name("小明", "王"), person_name("ចាន់ថា", "សុខ")
    ('Margaret Holloway', '王小明', 'សុខ ចាន់ថា')
    """
    first, last = first.strip(), last.strip()
    both = first + last
    if _FAMILY_FIRST_TIGHT.search(both):
        return last + first
    if _FAMILY_FIRST_SPACED.search(both):
        return " ".join(filter(None, (last, first)))
    return " ".join(filter(None, (first, last)))
