"""The appeal resolved for one language: what both renderers draw.

Building this once per language keeps the PDF and the DOCX saying the same
words in the same order: the renderers only decide how things look. All
fixed text goes through the message catalog (``loc._``); the strings marked
here are what ``appeal-gen locale update`` extracts.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from typing import Any

from .conventions import Conventions
from .errors import TranslationMissingError
from .locale import LocaleInfo
from .markup import TYPOGRAPHY, Para, Run, paragraphs, parse_inline, typeset
from .spec import Authority, Spec, Text


def N_(message: str) -> str:  # noqa: N802 - the gettext convention
    """Mark a string for extraction without translating it yet."""
    return message


#: Printed status names; the keys are the spec's documented status values.
STATUS_NAMES = {
    "judicial_harassment": N_("Judicial harassment"),
    "arbitrary_detention": N_("Arbitrary detention"),
    "threats": N_("Threats"),
    "killing": N_("Killing"),
    "enforced_disappearance": N_("Enforced disappearance"),
    "physical_attack": N_("Physical attack"),
    "torture": N_("Torture and ill-treatment"),
    "travel_ban": N_("Travel ban"),
    "surveillance": N_("Surveillance"),
    "raid": N_("Raid"),
    "smear_campaign": N_("Smear campaign"),
    "sentencing": N_("Sentencing"),
    "restrictions_on_association": N_("Restrictions on freedom of association"),
    "release": N_("Release"),
    "other": N_("Other"),
}


#: The phrase for the authorities of the appeal's country, in the sentence
#: before the demands. Its grammatical form (case, article, preposition,
#: adjective) is not in CLDR, so each catalog may give it per country: an
#: entry with context ``country:<code>`` and the English phrase as msgid
#: (see :func:`authorities_phrase`); ``locale update`` adds one per code in
#: :data:`COUNTRY_FORMS`.
# TRANSLATORS: the authorities of the appeal's country, as the sentence
# before the demands needs them; {country} is the bare country name from
# CLDR. Used for a country without an entry of its own (context
# "country:<code>"), so word it so that any bare name reads correctly,
# e.g. French "les autorités ({country})".
AUTHORITIES = N_("the authorities in {country}")

#: Countries whose "the authorities in ..." phrase the catalogs carry, one
#: entry each (context ``country:<code>``). Add a code here and run
#: ``appeal-gen locale update`` to offer translators another country.
COUNTRY_FORMS = ("KH",)


def country_form_msgid(code: str) -> str:
    """The msgid of *code*'s per-country entry: the English phrase with the English name.

    >>> country_form_msgid("KH")
    'the authorities in Cambodia'
    """
    from babel import Locale

    return AUTHORITIES.replace("{country}", str(Locale("en").territories.get(code, code)))


def authorities_phrase(loc: LocaleInfo, code: str, conventions: Conventions) -> str:
    """ "the authorities in <country>" in the form this language's sentence needs.

    First the spec's own (``conventions.<lang>.authorities``), then the
    catalog's entry for this country ("les autorités cambodgiennes"), then
    the catalog's general pattern around the CLDR name, which translators
    word so that a bare name reads correctly ("les autorités ({country})").
    """
    if conventions.authorities:
        return conventions.authorities
    own = loc.messages.pgettext(f"country:{code}", country_form_msgid(code))
    return own or loc._(AUTHORITIES, country=loc.country(code))


def conventions_for(spec: Spec, lang: str) -> Conventions:
    """The spec's conventions for *lang* (``fr_CA`` takes ``fr``'s when it has none)."""
    found = spec.conventions.get(lang) or spec.conventions.get(lang.split("_")[0])
    return found if isinstance(found, Conventions) else Conventions()


def letter_locale(spec: Spec, loc: LocaleInfo) -> LocaleInfo:
    """*loc* in the region the spec writes its language in (``conventions.<lang>.locale``: en_IE dates).

    A region asked for on the command line (--lang en_US) wins over the spec's (en: en_IE).
    """
    if "_" not in loc.lang or loc.lang in spec.conventions:
        return loc.regional(conventions_for(spec, loc.lang).locale)
    return loc


def typography_rule(spec: Spec, loc: LocaleInfo) -> Callable[[str], str] | None:
    """The typesetting *loc*'s language gets (markup.TYPOGRAPHY), unless the spec turns it off."""
    if not conventions_for(spec, loc.lang).typography:
        return None
    return TYPOGRAPHY.get(loc.locale.language)


@dataclass(frozen=True)
class Addressee:
    lines: tuple[Para, ...]
    salutation: Para | None
    contact: tuple[Para, ...] = ()


@dataclass(frozen=True)
class Section:
    heading: Para
    paras: tuple[Para, ...]
    subheading: bool = False


@dataclass(frozen=True)
class Correspondent:
    """Who one personalised letter is written to, and who signs it.

    A batch row becomes one of these. With no addressee (no name, office,
    organisation or address) the letter goes to the spec's first authority:
    a supporter's letter to the target of the appeal. Values are plain
    text, never markup.
    """

    honorific: str = ""
    name: str = ""
    office: str = ""
    organisation: str = ""
    address: tuple[str, ...] = ()
    salutation: str = ""
    signatory_name: str = ""
    signatory_city: str = ""
    #: The kind of letter (``letters.KINDS``); "" lets the batch decide (``--letter-kind``).
    kind: str = ""
    #: The addressee's grammatical gender and rank, as a list writes them (``addressing``).
    gender: str = ""
    rank: str = ""
    #: The addressee's family name, for a named salutation ("Dear Ms Moreau"); never guessed from ``name``.
    family_name: str = ""
    #: Columns beyond the documented ones, for templates (``extra.<column>``).
    extra: tuple[tuple[str, str], ...] = ()

    @property
    def has_addressee(self) -> bool:
        return bool(self.name or self.office or self.organisation or self.address)


@dataclass(frozen=True)
class Recipient:
    """The personal parts of a letter: address block, salutation, signature."""

    address: tuple[Para, ...]
    salutation: Para
    #: The closing formula, a paragraph a line (Chinese "此致" / "敬礼！").
    closing: tuple[Para, ...]
    signatory: tuple[Para, ...]
    extra: tuple[tuple[str, str], ...] = ()


@dataclass
class Letter:
    """Every string of one appeal in one language, in reading order."""

    lang: str
    bcp47: str
    rtl: bool
    issuer_names: str
    issuer_contact: tuple[str, ...]
    label_urgent: str
    reference: str
    dateline: str
    title: Para
    status: Para | None
    sections: list[Section]
    concern: tuple[Para, ...]
    urge: Para
    demands: tuple[tuple[str, Para], ...]
    write_to_heading: Para
    addressees: tuple[Addressee, ...]
    copies_heading: Para | None
    copies: tuple[Addressee, ...]
    deadline: Para | None
    links_heading: Para | None
    links: tuple[Para, ...]
    page_label: str  # with {page} and {pages} left in for the renderer
    meta_subject: str
    meta_keywords: tuple[str, ...]
    warnings: list[str] = field(default_factory=list)
    #: The digit zero numbers print with ("០" in a Khmer letter): for the page
    #: footer, whose numbers are only known while the PDF is laid out.
    digit_zero: str = "0"
    #: Set for a personalised letter (batch): the renderers then print the
    #: address block, salutation and signature, and leave out the appeal's
    #: instructions to supporters (whom to write to, copies, deadline).
    recipient: Recipient | None = None
    #: "appeal" (the appeal itself), or a personal letter's kind: "organisation", "supporter" (letters.py).
    kind: str = "appeal"
    #: Paragraphs before the sections, without a heading (a letter's opening).
    opening: tuple[Para, ...] = ()
    #: Paragraphs after the demands (a letter's last words before the closing).
    after_demands: tuple[Para, ...] = ()

    def all_paras(self) -> list[Para]:
        """Every paragraph in reading order (for glyph checks and tests)."""
        out = [*self.recipient.address, self.recipient.salutation] if self.recipient else []
        out += [self.title, *([self.status] if self.status else []), *self.opening]
        for s in self.sections:
            out.append(s.heading)
            out.extend(s.paras)
        out.extend(self.concern)
        out.append(self.urge)
        out.extend(p for _, p in self.demands)
        out.extend(self.after_demands)
        out.append(self.write_to_heading)
        for a in (*self.addressees, *self.copies):
            out.extend(a.lines)
            out.extend(a.contact)
            if a.salutation:
                out.append(a.salutation)
        for extra in (self.copies_heading, self.deadline, self.links_heading):
            if extra:
                out.append(extra)
        out.extend(self.links)
        if self.recipient:
            out.extend(self.recipient.closing)
            out.extend(self.recipient.signatory)
        return out


def plain(text: str, field_path: str | None = None, *, bold: bool = False) -> Para:
    return Para((Run(text, bold=bold),), field_path)


class Resolver:
    def __init__(self, spec: Spec, loc: LocaleInfo, allow_fallback: bool) -> None:
        self.spec = spec
        self.loc = loc
        self.allow_fallback = allow_fallback
        self.fallback_fields: list[str] = []

    def s(self, text: Text | None) -> str:
        if text is None:
            return ""
        value = text.get(self.loc.lang)
        if value is None:
            value = text.get(self.loc.lang.split("_")[0])
        if value is None:
            value = text.values[text.source]
            self.fallback_fields.append(text.path)
        return value

    def paras(self, text: Text | None) -> tuple[Para, ...]:
        if text is None:
            return ()
        return tuple(Para(parse_inline(p), text.path) for p in paragraphs(self.s(text)))

    def inline(self, text: Text, *, bold: bool = False) -> Para:
        return Para(parse_inline(" ".join(paragraphs(self.s(text))), bold=bold), text.path)


def _check_translated(spec: Spec, lang: str, allow_fallback: bool) -> None:
    if allow_fallback:
        return
    error = missing_translation_error(spec, lang)
    if error is not None:
        raise error


def missing_translation_error(spec: Spec, lang: str) -> TranslationMissingError | None:
    """The one error naming every field that lacks *lang*, or None.

    Returned rather than raised so that the validation pass (validate.py)
    can report it beside every other problem of every language.
    """
    if lang == spec.language:
        return None
    missing_texts = spec.missing_translations(lang)
    missing = [t.path for t in missing_texts]
    if missing:
        shown = ", ".join(missing[:12]) + (f" and {len(missing) - 12} more" if len(missing) > 12 else "")
        return TranslationMissingError(
            f"no '{lang}' text for {len(missing)} of {sum(not t.universal for t in spec.texts)} fields: {shown}; "
            f"add them to the spec as '{lang}:' entries (for translators: "
            f"appeal-gen translate export {spec.path} --lang {lang}), "
            f"or build with --allow-fallback to print the {spec.language} text instead",
            file=spec.path,
            line=missing_texts[0].line,
            column=missing_texts[0].column,
            field=missing[0],
        )
    return None


def addressee_of(r: Resolver, a: Authority, path: str) -> Addressee:
    loc = r.loc
    lines: list[Para] = []
    who = " ".join(x for x in (r.s(a.honorific), r.s(a.name)) if x)
    if who:
        lines.append(plain(who, f"{path}.name", bold=True))
        lines.append(plain(r.s(a.office), f"{path}.office"))
    else:
        lines.append(plain(r.s(a.office), f"{path}.office", bold=True))
    if a.institution:
        lines.append(plain(r.s(a.institution), f"{path}.institution"))
    lines.extend(plain(line, f"{path}.address") for line in a.address)
    contact = []
    if a.email:
        # TRANSLATORS: a label; the email address follows right after it, so
        # keep the trailing space (and your language's colon spacing).
        contact.append(Para((Run(loc._("Email: ")), Run(a.email, url="mailto:" + a.email)), f"{path}.email"))
    if a.fax:
        contact.append(plain(loc._("Fax: {number}", number=a.fax), f"{path}.fax"))
    if a.phone:
        contact.append(plain(loc._("Phone: {number}", number=a.phone), f"{path}.phone"))
    if a.preferred_language:
        language = loc.language_name(a.preferred_language)
        # TRANSLATORS: under an official's address in the appeal, as Amnesty's
        # Urgent Actions print it; {language} is the language's name.
        preferred = loc._("Preferred language to address target: {language}", language=language)
        contact.append(plain(preferred, f"{path}.preferred_language"))
    salutation = None
    if a.salutation:
        salutation = plain(loc._("Salutation: {salutation}", salutation=r.s(a.salutation)), f"{path}.salutation")
    return Addressee(tuple(lines), salutation, tuple(contact))


#: Between the parts of the reference line ("Reference: X · Follow-up no. 2"):
#: a line may break here, and only here (``render/pdfdocument.py``).
REFERENCE_SEPARATOR = " · "
#: "UA" that people type in front of the number, which the label prints already.
_UA_PREFIX = re.compile(r"^\s*UA(?:[\s.:#\u00a0-]+|(?=\d))", re.IGNORECASE)


def ua_number(number: str) -> str:
    """The Urgent Action number without a leading "UA": the label "UA {number}" prints it.

    Staff copy the number as it is written ("UA 123/19"); printed after the
    label as it is, it read "UA UA 123/19".

    >>> ua_number("UA 123/19"), ua_number("ua123/19"), ua_number("123/19")
    ('123/19', '123/19', '123/19')
    """
    return _UA_PREFIX.sub("", number, count=1) or number


def build_letter(spec: Spec, loc: LocaleInfo, *, allow_fallback: bool = False) -> Letter:
    """Resolve *spec* into the words of one language.

    Raises ``TranslationMissingError`` when the spec lacks this language's
    text, unless *allow_fallback*, in which case the fallback fields are
    listed in ``Letter.warnings``.
    """
    _check_translated(spec, loc.lang, allow_fallback)
    conventions = conventions_for(spec, loc.lang)
    loc = letter_locale(spec, loc)
    r = Resolver(spec, loc, allow_fallback)
    _ = loc._
    issuers = [r.s(i.name) for i in spec.issuers]
    issuer_names = loc.join(issuers)
    country = loc.country(spec.country)

    ref = spec.reference
    ref_parts = [_("Reference: {code}", code=ref.code)]
    if ref.ua_number:
        ref_parts.append(_("UA {number}", number=ua_number(ref.ua_number)))
    if ref.follow_up:
        ref_parts.append(_("Follow-up no. {number}", number=loc.number(ref.follow_up)))
    if ref.document_index:
        ref_parts.append(_("Index: {index}", index=ref.document_index))

    date_text = loc.date(spec.date)
    dateline = _("{place}, {date}", place=r.s(spec.dateline), date=date_text) if spec.dateline else date_text

    contact: list[str] = []
    for issuer in spec.issuers:
        contact.extend(issuer.address)
        bits = [b for b in (issuer.phone, issuer.email, issuer.website) if b]
        if bits:
            contact.append(" · ".join(bits))

    sections: list[Section] = [
        Section(plain(_("About the situation"), bold=True), r.paras(spec.summary)),
    ]
    for subj in spec.subjects:
        sections.append(
            Section(
                # TRANSLATORS: a heading over what is known of a person or an
                # organisation at risk; {name} is printed as written in the
                # appeal, without an article.
                plain(_("About {name}", name=r.s(subj.name)), subj.name.path, bold=True),
                r.paras(subj.description),
            )
        )
    for i, upd in enumerate(spec.updates):
        head = _("{date} – {headline}", date=loc.date(upd.date), headline=r.s(upd.headline))
        sections.append(Section(plain(head, f"updates.{i}.headline", bold=True), r.paras(upd.body), subheading=True))
    if spec.context:
        sections.append(Section(plain(_("Background"), bold=True), r.paras(spec.context)))

    # TRANSLATORS: the number in front of each numbered demand ("1.", "2.").
    demands = tuple((_("{number}.", number=loc.number(n)), r.inline(d)) for n, d in enumerate(spec.demands, start=1))
    addressees = tuple(addressee_of(r, a, f"authorities.{i}") for i, a in enumerate(spec.authorities))
    copies = tuple(addressee_of(r, a, f"copies_to.{i}") for i, a in enumerate(spec.copies_to))

    deadline = None
    if spec.deadline:
        deadline = plain(_("Please take action by {date}.", date=loc.date(spec.deadline)), "deadline", bold=True)

    links = tuple(Para((Run(r.s(ln.title), url=ln.url),), ln.title.path) for ln in spec.links)

    title = r.s(spec.title)
    concern = r.paras(spec.concern)
    letter = Letter(
        lang=loc.lang,
        bcp47=loc.bcp47,
        rtl=loc.rtl,
        issuer_names=issuer_names,
        issuer_contact=tuple(contact),
        label_urgent=_("Urgent appeal"),
        reference=REFERENCE_SEPARATOR.join(ref_parts),
        dateline=dateline,
        title=plain(title, "title", bold=True),
        status=Para(
            (Run(_("Status: "), bold=True), Run(_(STATUS_NAMES[spec.status]))),
            "status",
        ),
        sections=sections,
        concern=concern,
        urge=plain(
            # TRANSLATORS: the line before the numbered demands. The number
            # that picks the plural form is how many organisations issue the
            # appeal ("X urges", "X and Y urge"). {authorities} is your
            # translation of "the authorities in {country}" (the entry for
            # the appeal's country if there is one, e.g. "les autorités
            # cambodgiennes"), in the form this sentence needs.
            loc.n_(
                "{organisation} urges {authorities} to:",
                "{organisation} urge {authorities} to:",
                len(issuers),
                organisation=issuer_names,
                authorities=authorities_phrase(loc, spec.country, conventions),
            ),
            "demands",
            bold=True,
        ),
        demands=demands,
        write_to_heading=plain(_("Please write to"), bold=True),
        addressees=addressees,
        copies_heading=plain(_("Copies to"), bold=True) if copies else None,
        copies=copies,
        deadline=deadline,
        links_heading=plain(_("Previous appeals"), bold=True) if links else None,
        links=links,
        page_label=_page_label(loc),
        meta_subject=_("Urgent appeal: {status}, {country}", status=_(STATUS_NAMES[spec.status]), country=country),
        meta_keywords=(ref.code, country, _(STATUS_NAMES[spec.status])),
        digit_zero=loc.zero,
    )
    rule = typography_rule(spec, loc)
    if rule is not None:
        letter = _typeset_letter(letter, rule)
    # Collected last, so that every catalog look-up above has left its note.
    warnings = [*loc.messages.fallbacks]
    if r.fallback_fields:
        warnings.append(
            f"{len(r.fallback_fields)} fields have no '{loc.lang}' text and print in "
            f"{spec.language}: {', '.join(r.fallback_fields)}"
        )
    return replace(letter, warnings=warnings)


def _typeset_letter(letter: Letter, rule: Callable[[str], str]) -> Letter:
    """Every word of *letter*, fixed text and the spec's alike, through the language's typesetting *rule*.

    Once per language: a batch's personal letters share the result.
    """

    def paras(ps: tuple[Para, ...]) -> tuple[Para, ...]:
        return tuple(typeset(p, rule) for p in ps)

    def addressee(a: Addressee) -> Addressee:
        sal = typeset(a.salutation, rule) if a.salutation else None
        return Addressee(paras(a.lines), sal, paras(a.contact))

    def maybe(p: Para | None) -> Para | None:
        return typeset(p, rule) if p else None

    return replace(
        letter,
        issuer_names=rule(letter.issuer_names),
        label_urgent=rule(letter.label_urgent),
        reference=rule(letter.reference),
        dateline=rule(letter.dateline),
        title=typeset(letter.title, rule),
        status=maybe(letter.status),
        sections=[Section(typeset(s.heading, rule), paras(s.paras), s.subheading) for s in letter.sections],
        concern=paras(letter.concern),
        urge=typeset(letter.urge, rule),
        demands=tuple((n, typeset(p, rule)) for n, p in letter.demands),
        write_to_heading=typeset(letter.write_to_heading, rule),
        addressees=tuple(addressee(a) for a in letter.addressees),
        copies_heading=maybe(letter.copies_heading),
        copies=tuple(addressee(a) for a in letter.copies),
        deadline=maybe(letter.deadline),
        links_heading=maybe(letter.links_heading),
        page_label=rule(letter.page_label),
        meta_subject=rule(letter.meta_subject),
    )


def _page_label(loc: LocaleInfo) -> str:
    """The footer's "Page {page} of {pages}", kept as a pattern for the renderers.

    Checked here, where a broken translation can still fall back to English
    with a warning, rather than in the footer of every page.
    """
    from .locale import SOURCE_LANGUAGE, substitute

    label = loc._("Page {page} of {pages}")
    try:
        substitute(label, {"page": "1", "pages": "1"})
    except (KeyError, ValueError):
        source = "Page {page} of {pages}"
        loc.messages.note_fallback(source, SOURCE_LANGUAGE, broken=True)
        return source
    return label


#: The Letter fields a recipient does not change: what ``personalise`` copies
#: from the base letter (``warnings`` is copied too, but no renderer draws it).
_SHARED_FIELDS = tuple(f.name for f in fields(Letter) if f.name not in ("recipient", "warnings"))


def shared_values(letter: Letter) -> tuple[Any, ...]:
    """What every personal letter of *letter*'s language shares, compared by value: the renderers' cache key.

    Frozen dataclasses and tuples all the way down, except the list of
    sections, taken as a tuple so that a list changed in place later does not
    match its old self. A personalised letter holds its base letter's very
    objects, so the comparison is mostly identity checks. One copy for the
    PDF layouts and the DOCX shared context, so they cannot disagree.
    """
    return tuple(tuple(v) if isinstance(v, list) else v for v in (getattr(letter, n) for n in _SHARED_FIELDS))
