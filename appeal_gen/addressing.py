"""How a letter greets and takes leave of an official, per language: a secretary's table.

A named ambassador is not "Dear Sir or Madam": each language has its form
of address for a rank and, where the language needs it, the addressee's
grammatical gender ("Madame l’Ambassadrice", "Excelentísima Señora
Embajadora", "Уважаемая госпожа Посол"), and a closing formula that some
languages build around that form ("Je vous prie d’agréer, Madame
l’Ambassadrice, …"; Khmer "សូម ឯកឧត្តម ទទួលនូវ…"). These are conventions,
not translations of an English sentence, so they live here as data, one
table per language, rather than as catalog entries or as if-chains in the
renderers. A language without a table keeps the catalog's generic
salutation and "Yours sincerely," (``letters.personalise``).

A named addressee without a rank is greeted by name in the language's
convention (``Table.named``): "Dear Ms Moreau" / "Dear Ms. Moreau:" (en_US),
"Estimada Sra. Moreau:", "Уважаемая госпожа Моро!", "尊敬的莫罗女士：";
French never puts the name in a salutation ("Madame,"). The family name is
never guessed from a full name (Khmer, Chinese and Hungarian write it first;
"Chea Vannak" is family-first in Latin letters): it comes from a list's
``family_name`` (or its Last Name / Surname column) or an authority's
``family_name``. Without it a language uses the full name where its
convention accepts one ("Dear Ines Moreau", "尊敬的林国华先生"), else its
neutral form. A gender is never guessed from a name either: with the gender
unknown, English and Chinese greet by the full name, the languages whose
forms agree in gender keep their neutral form.

Regions: ``en_US`` and ``en_CA`` take the North American table ("Dear
Ms. Moreau:", "Dear Ambassador Chea:", "Sincerely,"); every other English
the British one. ``table`` looks up the full token before the language.

The salutation is given without its final punctuation: the catalog's
"{salutation}," adds the language's (":" in Spanish, "!" in Russian), or
the table's own ``punctuation`` where the region differs from the catalog
(":" in American English).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import pairwise

#: Ranks a table knows (the ``rank`` of an authority or a list row). "" is a
#: person without one of these ranks; "excellency" anyone styled His or Her
#: Excellency without a more specific rank.
RANKS = ("ambassador", "minister", "prime_minister", "president", "excellency")
#: Grammatical gender of the addressee; "" when not known (the table's neutral form).
GENDERS = ("female", "male")
#: How lists write a gender: the documented values and their usual short forms.
GENDER_WORDS = {
    "female": "female",
    "f": "female",
    "woman": "female",
    "male": "male",
    "m": "male",
    "man": "male",
}
#: Honorific words that say the addressee's gender (a row's ``honorific``
#: "H.E. Ms", "Son Excellence Monsieur", "Excma. Sra."), in any case.
HONORIFIC_GENDER = {
    "female": (
        "ms", "mrs", "miss", "madam", "madame", "mme", "mlle", "sra", "srta", "señora", "dra", "excma", "frau",
        "госпожа", "госпоже",
        "её", "السيدة", "سعادة السيدة", "លោកជំទាវ", "លោកស្រី", "女士", "夫人",
    ),
    "male": (
        "mr", "sir", "monsieur", "m", "sr", "señor", "excmo", "herr", "господин", "господину", "его",
        "السيد", "سعادة السيد", "ឯកឧត្តម", "លោក", "先生",
    ),
}  # fmt: skip
#: Honorific words of an excellency (rank "excellency" when no rank is given).
HONORIFIC_EXCELLENCY = (
    "h.e.", "h.e", "son excellence", "excellence", "excmo", "excma", "превосходительству", "سعادة",
    "ឯកឧត្តម", "លោកជំទាវ", "阁下",
)  # fmt: skip

#: Courtesy titles (lower case, no final dot) -> the English title they are, if any ("" for another
#: language's, which only say a gender). A list's ``salutation`` cell holding only one of these is
#: a courtesy title (Salesforce's "Salutation" column: "Mr.", "Ms.", "Dr."), not a greeting.
COURTESY_TITLES = {
    **dict.fromkeys(("mr", "mister"), "mr"),
    "ms": "ms",
    "mrs": "mrs",
    "miss": "miss",
    "mx": "mx",
    **dict.fromkeys(("dr", "doctor"), "dr"),
    **dict.fromkeys(("prof", "professor"), "prof"),
    # Abbreviations only: "Señora" or "Madame" alone is a greeting ("Señora:", "Madame,").
    **dict.fromkeys(("m", "mme", "mlle", "sr", "sra", "srta", "dra", "herr", "frau"), ""),
}

#: A longer name is not put in a salutation (a batch letter's salutation has two lines): no one's
#: name is that long, so it is a column pasted by mistake or an organisation's; the unnamed form.
MAX_NAME_IN_SALUTATION = 60

#: Closing registers: who speaks ("I" in a supporter's letter, "we" in an organisation's).
VOICES = ("supporter", "organisation")


@dataclass(frozen=True)
class Form:
    """One way of addressing someone: the salutation, and the form a closing repeats."""

    salutation: str
    #: What the closing formula says in place of {form} ("Madame l’Ambassadrice", "ឯកឧត្តម").
    form: str


@dataclass(frozen=True)
class Table:
    """One language's forms of address and closings."""

    #: rank ("" for none) -> gender ("" for unknown) -> Form. A missing gender takes "".
    forms: dict[str, dict[str, Form]]
    #: voice -> (closing with a rank, closing without one); "{form}" is the form of address,
    #: "\n" starts a line of its own (Chinese "此致" / "敬礼！").
    closings: dict[str, tuple[str, str]]
    #: Words in front of a salutation that are not part of the form a closing repeats (Khmer "សូមគោរព").
    greeting_words: tuple[str, ...] = ()
    #: A named addressee without a rank: gender ("" unknown) -> salutations tried in order, the first
    #: whose fields are known wins: {family} the family name, {full} the name as written, {title}
    #: the courtesy title (``titles``; from the honorific, else from the gender). None apply: ``forms``.
    named: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: Courtesy titles as this language writes them in a salutation (``COURTESY_TITLES`` keys).
    titles: dict[str, str] = field(default_factory=dict)
    #: rank -> salutation with the family name, where the convention names the official ("Dear Ambassador Chea").
    named_ranks: dict[str, str] = field(default_factory=dict)
    #: rank -> the closing for it, where it differs from the ranked one (American "Respectfully," to a head
    #: of state or government).
    rank_closings: dict[str, str] = field(default_factory=dict)
    #: Whether a named addressee takes the ranked closing (English "Yours sincerely," not "faithfully").
    sincere_names: bool = False
    #: The salutation's final punctuation, where it differs from the catalog's (American ":").
    punctuation: str = ""

    def form(self, rank: str, gender: str) -> Form | None:
        by_gender = self.forms.get(rank)
        if by_gender is None:
            return None
        return by_gender.get(gender) or by_gender.get("")


def _same(salutation: str, form: str | None = None) -> dict[str, Form]:
    return {"": Form(salutation, form or salutation)}


def _fm(female: tuple[str, str], male: tuple[str, str], neutral: tuple[str, str]) -> dict[str, Form]:
    return {"female": Form(*female), "male": Form(*male), "": Form(*neutral)}


def _fr(female: str, male: str, neutral: str) -> dict[str, Form]:
    return _fm((female, female), (male, male), (neutral, neutral))


#: English greets by courtesy title and family name, else by the full name ("Dear Ines Moreau"), the
#: neutral modern form when the gender or the family name is unknown.
_EN_NAMED: dict[str, tuple[str, ...]] = {
    "female": ("Dear {title} {family}", "Dear {full}"),
    "male": ("Dear {title} {family}", "Dear {full}"),
    "": ("Dear {title} {family}", "Dear {full}"),
}

TABLES: dict[str, Table] = {
    "en": Table(
        forms={
            "ambassador": _same("Dear Ambassador"),
            "minister": _same("Dear Minister"),
            "prime_minister": _same("Dear Prime Minister"),
            "president": _fr("Dear Madam President", "Dear Mr President", "Dear President"),
            "excellency": _same("Your Excellency"),
            "": _fr("Dear Madam", "Dear Sir", "Dear Sir or Madam"),
        },
        # British usage: "Yours faithfully" to an addressee not greeted by name or title.
        closings={
            "supporter": ("Yours sincerely,", "Yours faithfully,"),
            "organisation": ("Yours sincerely,", "Yours faithfully,"),
        },
        named=_EN_NAMED,
        titles={"mr": "Mr", "ms": "Ms", "mrs": "Mrs", "miss": "Miss", "mx": "Mx", "dr": "Dr", "prof": "Professor"},
        sincere_names=True,
    ),
    # North American usage (en_US, en_CA): a period after the title, a colon after the salutation,
    # the official named with the rank, "Sincerely," and "Respectfully," to a head of state or government.
    "en_US": Table(
        forms={
            "ambassador": _fr("Dear Madam Ambassador", "Dear Mr. Ambassador", "Dear Ambassador"),
            "minister": _fr("Dear Madam Minister", "Dear Mr. Minister", "Dear Minister"),
            "prime_minister": _fr("Dear Madam Prime Minister", "Dear Mr. Prime Minister", "Dear Prime Minister"),
            "president": _fr("Dear Madam President", "Dear Mr. President", "Dear President"),
            "excellency": _same("Your Excellency"),
            "": _fr("Dear Madam", "Dear Sir", "Dear Sir or Madam"),
        },
        closings={"supporter": ("Sincerely,", "Sincerely,"), "organisation": ("Sincerely,", "Sincerely,")},
        named=_EN_NAMED,
        titles={"mr": "Mr.", "ms": "Ms.", "mrs": "Mrs.", "miss": "Miss", "mx": "Mx.", "dr": "Dr.", "prof": "Professor"},
        named_ranks={
            "ambassador": "Dear Ambassador {family}",
            "minister": "Dear Minister {family}",
            "prime_minister": "Dear Prime Minister {family}",
        },
        rank_closings={"president": "Respectfully,", "prime_minister": "Respectfully,"},
        sincere_names=True,
        punctuation=":",
    ),
    "fr": Table(
        forms={
            "ambassador": _fr("Madame l’Ambassadrice", "Monsieur l’Ambassadeur", "Excellence"),
            "minister": _fr("Madame la Ministre", "Monsieur le Ministre", "Madame la Ministre, Monsieur le Ministre"),
            "prime_minister": _fr(
                "Madame la Première ministre",
                "Monsieur le Premier ministre",
                "Madame la Première ministre, Monsieur le Premier ministre",
            ),
            "president": _fr(
                "Madame la Présidente", "Monsieur le Président", "Madame la Présidente, Monsieur le Président"
            ),
            "excellency": _same("Excellence"),
            "": _fr("Madame", "Monsieur", "Madame, Monsieur"),
        },
        closings={
            "supporter": (
                "Je vous prie d’agréer, {form}, l’expression de ma très haute considération.",
                "Je vous prie d’agréer, {form}, l’expression de mes salutations distinguées.",
            ),
            "organisation": (
                "Nous vous prions d’agréer, {form}, l’expression de notre très haute considération.",
                "Nous vous prions d’agréer, {form}, l’expression de nos salutations distinguées.",
            ),
        },
    ),
    "es": Table(
        forms={
            "ambassador": _fr("Excelentísima Señora Embajadora", "Excelentísimo Señor Embajador", "Excelencia"),
            "minister": _fr("Excelentísima Señora Ministra", "Excelentísimo Señor Ministro", "Excelencia"),
            "prime_minister": _fr(
                "Excelentísima Señora Primera Ministra", "Excelentísimo Señor Primer Ministro", "Excelencia"
            ),
            "president": _fr("Excelentísima Señora Presidenta", "Excelentísimo Señor Presidente", "Excelencia"),
            "excellency": _same("Excelencia"),
            "": _fr("Estimada señora", "Estimado señor", "Estimada señora, estimado señor"),
        },
        closings={"supporter": ("Atentamente,", "Atentamente,"), "organisation": ("Atentamente,", "Atentamente,")},
        named={
            "female": ("Estimada Sra. {family}", "Estimada Sra. {full}"),
            "male": ("Estimado Sr. {family}", "Estimado Sr. {full}"),
        },
    ),
    "ru": Table(
        forms={
            "ambassador": _fr("Уважаемая госпожа Посол", "Уважаемый господин Посол", "Ваше Превосходительство"),
            "minister": _fr("Уважаемая госпожа Министр", "Уважаемый господин Министр", "Ваше Превосходительство"),
            "prime_minister": _fr(
                "Уважаемая госпожа Премьер-министр", "Уважаемый господин Премьер-министр", "Ваше Превосходительство"
            ),
            "president": _fr("Уважаемая госпожа Президент", "Уважаемый господин Президент", "Ваше Превосходительство"),
            "excellency": _same("Ваше Превосходительство"),
            "": _fr("Уважаемая госпожа", "Уважаемый господин", "Уважаемые дамы и господа"),
        },
        closings={
            "supporter": ("С глубоким уважением,", "С уважением,"),
            "organisation": ("С глубоким уважением,", "С уважением,"),
        },
        named={
            "female": ("Уважаемая госпожа {family}", "Уважаемая госпожа {full}"),
            "male": ("Уважаемый господин {family}", "Уважаемый господин {full}"),
        },
    ),
    # Arabic writes to a person of unknown gender in the masculine, as the general form.
    "ar": Table(
        forms={
            "ambassador": _fr("سعادة السفيرة المحترمة", "سعادة السفير المحترم", "سعادة السفير المحترم"),
            "minister": _fr("معالي الوزيرة المحترمة", "معالي الوزير المحترم", "معالي الوزير المحترم"),
            "prime_minister": _fr(
                "دولة رئيسة الوزراء المحترمة", "دولة رئيس الوزراء المحترم", "دولة رئيس الوزراء المحترم"
            ),
            "president": _fr("فخامة الرئيسة المحترمة", "فخامة الرئيس المحترم", "فخامة الرئيس المحترم"),
            "excellency": _fr("صاحبة السعادة", "صاحب السعادة", "صاحب السعادة"),
            "": _fr("السيدة المحترمة", "السيد المحترم", "السادة المحترمون"),
        },
        closings={
            "supporter": ("وتفضلوا بقبول فائق الاحترام والتقدير،", "وتفضلوا بقبول فائق الاحترام،"),
            "organisation": ("وتفضلوا بقبول فائق الاحترام والتقدير،", "وتفضلوا بقبول فائق الاحترام،"),
        },
        # Arabic greets by the full name, with المحترم/المحترمة agreeing with the addressee.
        named={"female": ("السيدة {full} المحترمة",), "male": ("السيد {full} المحترم",)},
    ),
    # Khmer: "សូមគោរព" + the form; the closing asks the same form to accept one's respect.
    "km": Table(
        forms={
            "ambassador": _fm(
                ("សូមគោរព លោកជំទាវឯកអគ្គរដ្ឋទូត", "លោកជំទាវ"),
                ("សូមគោរព ឯកឧត្តមឯកអគ្គរដ្ឋទូត", "ឯកឧត្តម"),
                ("សូមគោរព ឯកឧត្តមឯកអគ្គរដ្ឋទូត", "ឯកឧត្តម"),
            ),
            "minister": _fm(
                ("សូមគោរព លោកជំទាវរដ្ឋមន្ត្រី", "លោកជំទាវ"),
                ("សូមគោរព ឯកឧត្តមរដ្ឋមន្ត្រី", "ឯកឧត្តម"),
                ("សូមគោរព ឯកឧត្តមរដ្ឋមន្ត្រី", "ឯកឧត្តម"),
            ),
            "prime_minister": _fm(
                ("សូមគោរព លោកជំទាវនាយករដ្ឋមន្ត្រី", "លោកជំទាវ"),
                ("សូមគោរព ឯកឧត្តមនាយករដ្ឋមន្ត្រី", "ឯកឧត្តម"),
                ("សូមគោរព ឯកឧត្តមនាយករដ្ឋមន្ត្រី", "ឯកឧត្តម"),
            ),
            "president": _fm(
                ("សូមគោរព លោកជំទាវប្រធានាធិបតី", "លោកជំទាវ"),
                ("សូមគោរព ឯកឧត្តមប្រធានាធិបតី", "ឯកឧត្តម"),
                ("សូមគោរព ឯកឧត្តមប្រធានាធិបតី", "ឯកឧត្តម"),
            ),
            "excellency": _fm(("សូមគោរព លោកជំទាវ", "លោកជំទាវ"), ("សូមគោរព ឯកឧត្តម", "ឯកឧត្តម"), ("សូមគោរព ឯកឧត្តម", "ឯកឧត្តម")),
            "": _fm(("សូមគោរព លោកស្រី", "លោកស្រី"), ("សូមគោរព លោក", "លោក"), ("សូមគោរពជូន លោក លោកស្រី", "លោក លោកស្រី")),
        },
        closings={
            "supporter": ("សូម {form} មេត្តាទទួលនូវការគោរពដ៏ខ្ពង់ខ្ពស់អំពីខ្ញុំ។",) * 2,
            "organisation": ("សូម {form} មេត្តាទទួលនូវការគោរពដ៏ខ្ពង់ខ្ពស់អំពីយើងខ្ញុំ។",) * 2,
        },
        greeting_words=("សូមគោរពជូន", "សូមគោរព"),
        # By the full name (family name first), as Khmer letters do; the closing repeats លោកស្រី / លោក.
        named={"female": ("សូមគោរព លោកស្រី {full}",), "male": ("សូមគោរព លោក {full}",)},
    ),
    "zh": Table(
        forms={
            "ambassador": _same("尊敬的大使阁下"),
            "minister": _same("尊敬的部长阁下"),
            "prime_minister": _same("尊敬的总理阁下"),
            "president": _same("尊敬的总统阁下"),
            "excellency": _same("尊敬的阁下"),
            "": _fr("尊敬的女士", "尊敬的先生", "尊敬的先生/女士"),
        },
        # "此致" and "敬礼！" each on a line of their own.
        closings={"supporter": ("此致\n敬礼！",) * 2, "organisation": ("此致\n敬礼！",) * 2},
        # The family name (else the full name) and 女士 / 先生; a full name alone when the gender is unknown.
        named={
            "female": ("尊敬的{family}女士", "尊敬的{full}女士"),
            "male": ("尊敬的{family}先生", "尊敬的{full}先生"),
            "": ("尊敬的{full}",),
        },
    ),
}


#: Regions that write letters as another region does: Canada's business letters follow North American usage.
REGION_TABLES = {"en_CA": "en_US"}


def table(lang: str) -> Table | None:
    """The table of *lang*: its own (``en_US``), its region's (``en_CA``), else its language's (``fr_CA``), or None.

    A token may carry a script (``zh_Hans_CN``): the region is its last part.
    """
    parts = lang.split("_")
    regional = f"{parts[0]}_{parts[-1]}" if len(parts) > 1 else lang
    return TABLES.get(REGION_TABLES.get(regional, regional)) or TABLES.get(parts[0])


def punctuation(lang: str) -> str:
    """The salutation's final punctuation in *lang* where its table sets one (":" in en_US), else ""."""
    t = table(lang)
    return t.punctuation if t else ""


def courtesy_title(cell: str) -> str | None:
    """*cell* as written if it is only a courtesy title ("Mr.", "Ms", "Dr.", "Mme", "Sra."), else None.

    >>> courtesy_title(" Ms. "), courtesy_title("Dear Ms Moreau"), courtesy_title("Your Excellency")
    ('Ms.', None, None)
    """
    text = cell.strip()
    return text if text and text.lower().rstrip(".") in COURTESY_TITLES else None


def title_of(honorific: str) -> str:
    """The English courtesy title an honorific holds ("mr", "ms", "dr" …, ``COURTESY_TITLES``), else ""."""
    for word in honorific.lower().split():
        found = COURTESY_TITLES.get(word.rstrip("."))
        if found:
            return found
    return ""


def named_form(lang: str, gender: str, *, full: str, family: str = "", honorific: str = "") -> Form | None:
    """The salutation of a named addressee without a rank in *lang* ("Dear Ms Moreau"), or None.

    None where the table has no named form for what is known (French; an
    unknown gender in a language whose forms agree in gender): the caller
    keeps the unnamed form. The closing repeats the gender's unnamed form.
    """
    t = table(lang)
    if t is None or not (full or family) or max(len(full), len(family)) > MAX_NAME_IN_SALUTATION:
        return None
    title_key = title_of(honorific) or {"female": "ms", "male": "mr"}.get(gender, "")
    known = {"family": family, "full": full or family, "title": t.titles.get(title_key, "")}
    for template in t.named.get(gender, ()):
        fields = _FIELD.findall(template)
        if all(known[f] for f in fields):
            unnamed = t.form("", gender)
            return Form(_fill(template, known), unnamed.form if unnamed else "")
    return None


_FIELD = re.compile(r"\{(\w+)\}")


def _fill(template: str, known: dict[str, str]) -> str:
    """*template* with its fields filled in one pass (a name holding "{full}" stays as written)."""
    return _FIELD.sub(lambda m: known[m.group(1)], template)


def named_rank_form(lang: str, rank: str, family: str) -> Form | None:
    """The salutation naming an official with their rank ("Dear Ambassador Chea"), where the convention does."""
    t = table(lang)
    template = t.named_ranks.get(rank) if t and family and len(family) <= MAX_NAME_IN_SALUTATION else None
    if template is None or t is None:
        return None
    form = t.form(rank, "")
    return Form(_fill(template, {"family": family}), form.form if form else "")


def gender_of(value: str, honorific: str = "") -> str:
    """A documented gender from a ``gender`` value, else from the words of an *honorific*; "" if unknown.

    >>> gender_of("F"), gender_of("", "H.E. Ms"), gender_of("", "Son Excellence Monsieur"), gender_of("")
    ('female', 'female', 'male', '')
    """
    found = GENDER_WORDS.get(value.strip().lower().rstrip("."))
    if found:
        return found
    words = _words(honorific)
    for gender, known in HONORIFIC_GENDER.items():
        if any(w in words for w in known):
            return gender
    return ""


def rank_of(value: str, honorific: str = "") -> str:
    """A documented rank from a ``rank`` value, else "excellency" for an honorific such as "H.E.", else ""."""
    value = value.strip().lower().replace(" ", "_").replace("-", "_")
    if value in RANKS:
        return value
    words = _words(honorific)
    return "excellency" if any(w in words for w in HONORIFIC_EXCELLENCY) else ""


def _words(honorific: str) -> set[str]:
    """An honorific's words, alone and in pairs ("son excellence"), lower case, without final dots."""
    raw = honorific.lower().split()
    words = {w.rstrip(".") for w in raw} | set(raw)
    words |= {f"{a} {b}" for a, b in pairwise(raw)}
    # Chinese writes without spaces: a suffix such as 女士 or 阁下 is found inside the word.
    return words | {w[-2:] for w in raw if len(w) > 2}


def address_form(lang: str, rank: str, gender: str) -> Form | None:
    """The salutation and closing form for an addressee of *rank* and *gender* in *lang*, or None."""
    t = table(lang)
    return t.form(rank, gender) if t else None


def form_of_salutation(lang: str, salutation: str) -> str:
    """The form a closing repeats, from a salutation written out (a spec's or a row's).

    Its final punctuation and the greeting words in front of it go
    ("សូមគោរព សម្តេចតេជោនាយករដ្ឋមន្ត្រី" -> "សម្តេចតេជោនាយករដ្ឋមន្ត្រី").
    """
    form = salutation.strip().rstrip(",:;!.،؛：，！ ")
    t = table(lang)
    for word in t.greeting_words if t else ():
        if form.startswith(word):
            return form[len(word) :].strip()
    return form


#: Registers of a closing: to an addressee greeted by rank (or by the list's own salutation), by name, or neither.
REGISTERS = ("rank", "name", "none")


def closing(lang: str, voice: str, register: str, *, form: str, rank: str = "") -> tuple[str, ...] | None:
    """The closing formula's lines in *lang*, for a letter in *voice* to an addressee of *register*.

    None without a table. A named addressee takes the ranked closing where
    the table says so (English "Yours sincerely,"), else the other; a
    *rank* may have a closing of its own (American "Respectfully,").
    """
    t = table(lang)
    if t is None:
        return None
    ranked = register == "rank" or (register == "name" and t.sincere_names)
    text = t.rank_closings.get(rank) if register == "rank" and rank else None
    text = text or t.closings[voice][0 if ranked else 1]
    return tuple(line.replace("{form}", form) for line in text.split("\n"))
