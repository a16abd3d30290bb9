"""The two kinds of personal letter a batch writes, and each letter's personal parts.

A campaign sends two different letters. An organisation writes to an
embassy as itself: the appeal, signed for the issuers, without what only a
web page has (the status label, "Previous appeals", a heading over the
first paragraph). A supporter writes in the first person, in a short model
letter ("I am writing to express my concern…", "I urge you to: 1. … 2. …")
that has none of the organisation's voice: no letterhead, no reference, no
status, no section headings, no "Front Line Defenders urges…".

``kind_letter`` turns the appeal of one language (``document.build_letter``)
into the shared part of either kind, once per language and kind, so a
batch still lays each out once (render/personal.py); ``personalise`` adds a
row's address, salutation, closing and signature, with the forms of address
of ``addressing``.
"""

from __future__ import annotations

import re
from dataclasses import replace

from . import addressing
from .document import (
    Correspondent,
    Letter,
    Recipient,
    Resolver,
    addressee_of,
    authorities_phrase,
    conventions_for,
    letter_locale,
    plain,
    typography_rule,
)
from .locale import LocaleInfo
from .markup import Para, Run, typeset
from .scripts import letter_script
from .spec import Spec
from .theme import Theme

#: The kinds of personal letter (docs/batch.md, column ``letter``).
KINDS = ("supporter", "organisation")
#: ``--letter-kind`` values: a kind, or "auto" (a row signed by a person is a supporter's letter).
KIND_CHOICES = ("auto", *KINDS)


def choose_kind(who: Correspondent, default: str = "auto") -> str:
    """The kind of *who*'s letter: its own ``letter`` cell, else *default*; "auto" decides by who signs.

    A letter signed by a person (``signatory_name``) is that person's, in the
    first person: a private supporter must never sign the organisation's
    "Front Line Defenders urges…". A letter with no signatory is signed by
    the issuers: the organisation's.
    """
    kind = who.kind or default
    if kind == "auto":
        return "supporter" if who.signatory_name else "organisation"
    return kind


def supporters_theme(theme: Theme | None) -> Theme | None:
    """*theme* as a supporter's letter wears it: the paper and margins, none of the organisation's marks.

    A supporter writes privately, on their own paper: the organisation's
    logo, name and address block and footer line ("Northbridge Rights Watch
    · charity no. …") are not theirs to print, nor is its pre-printed
    stationery (the batch gives these letters none). The paper size and
    margins stay, so one printer run holds both kinds.
    """
    if theme is None:
        return None
    return replace(theme, logo=None, name=(), address=(), contacts=(), footer=())


def kind_letter(letter: Letter, spec: Spec, loc: LocaleInfo, kind: str, *, to_target: bool = True) -> Letter:
    """*letter* (the appeal in one language) as the shared part of a letter of *kind*.

    *to_target*: the supporter writes to the appeal's own authority ("I urge
    you to:"), not to another official, who is asked to call on the
    authorities instead.
    """
    if kind == "organisation":
        return _organisation(letter, spec, loc)
    return _supporter(letter, spec, loc, to_target)


def _organisation(letter: Letter, spec: Spec, loc: LocaleInfo) -> Letter:
    """The appeal as the organisation's letter: the first section's paragraphs open it, without a heading.

    The other sections keep their headings, as a letter's bold side
    headings (the subheading style), not the appeal's coloured web headings.
    """
    first, *rest = letter.sections
    return replace(
        letter,
        kind="organisation",
        status=None,
        opening=first.paras,
        sections=[replace(s, subheading=True) for s in rest],
        links=(),
        links_heading=None,
    )


def _supporter(letter: Letter, spec: Spec, loc: LocaleInfo, to_target: bool) -> Letter:
    """The supporter's model letter: the spec's ``letter`` section, or the catalog's wording around the summary."""
    loc = letter_locale(spec, loc)
    r = Resolver(spec, loc, True)
    _ = loc._
    model = spec.letter
    opening: list[Para] = []
    if model and model.opening:
        opening += r.paras(model.opening)
    else:
        summary = r.paras(spec.summary)
        # TRANSLATORS: the first paragraph of a supporter's letter, before the
        # appeal's summary (a full sentence or more, "On 26 November 2017, …").
        # Keep {summary} where the summary goes, with your language's space
        # (or none) between the sentences.
        before, _sep, after = _("I am writing to express my deep concern. {summary}", summary="\0").partition("\0")
        head = summary[0] if summary else Para((), "summary")
        runs = (*((Run(before),) if before else ()), *head.runs, *((Run(after),) if after else ()))
        opening += [Para(runs, "summary"), *summary[1:]]
    if model and model.body:
        opening += r.paras(model.body)
    if to_target:
        # TRANSLATORS: a supporter's letter to the authority the appeal
        # targets, before the numbered demands ("1. Release …").
        urge = _("I urge you to:")
    else:
        # TRANSLATORS: a supporter's letter to another official (an ambassador),
        # before the numbered demands; {authorities} as in "{organisation}
        # urges {authorities} to:".
        urge = _(
            "I urge you to call on {authorities} to:",
            authorities=authorities_phrase(loc, spec.country, conventions_for(spec, loc.lang)),
        )
    if model and model.closing:
        closing = r.paras(model.closing)
    else:
        # TRANSLATORS: the last paragraph of a supporter's letter, after the demands.
        closing = (plain(_("Thank you for your attention to this urgent matter."), None),)
    if model and model.subject:
        title = plain(r.s(model.subject), "letter.subject", bold=True)
    else:
        # The appeal's title, as before ``subject`` existed. It is a headline
        # for the public, often about the addressee ("Prime Minister seeks
        # to…"), which no check can tell: docs/spec.md asks for a subject.
        title = letter.title
    shared = replace(
        letter,
        kind="supporter",
        title=title,
        label_urgent="",
        reference="",
        dateline=loc.date(spec.date),
        status=None,
        opening=tuple(opening),
        sections=[],
        concern=(),
        urge=plain(urge, "letter" if model else None),
        after_demands=tuple(closing),
        links=(),
        links_heading=None,
    )
    rule = typography_rule(spec, loc)
    if rule is not None:
        shared = replace(
            shared,
            opening=tuple(typeset(p, rule) for p in shared.opening),
            title=typeset(shared.title, rule) if model and model.subject else shared.title,
            urge=typeset(shared.urge, rule),
            after_demands=tuple(typeset(p, rule) for p in shared.after_demands),
            dateline=rule(shared.dateline),
        )
    return shared


def summary_names_target(spec: Spec) -> tuple[str, str] | None:
    """(the authority's name, a message) when supporters' letters to it would open with a summary naming it.

    Without ``letter.opening``, a supporter's letter opens with the appeal's
    summary, written for the public about the authority ("…Prime Minister
    Hun Sen called for an investigation…"), and sends it to that authority:
    a letter speaking of its own addressee in the third person. No default
    wording can turn a sentence about someone into one to them in seven
    languages, so the spec is told, once (``check``; ``batch`` as a
    warning), and the default is kept for the letters to other officials,
    for whom it reads right.
    """
    if spec.letter and spec.letter.opening:
        return None
    target = spec.authorities[0]
    if target.name is None:
        return None
    for lang in spec.content_languages():
        name = target.name.get(lang) or target.name.values[target.name.source]
        summary = spec.summary.get(lang) or ""
        if name.strip() and _names(summary, name.strip()):
            message = (
                f"supporters' letters to {name} (authorities.0) would open with this summary, which speaks of "
                "the addressee in the third person; write their opening in letter.opening (docs/spec.md, 'letter')"
            )
            return name, message
    return None


#: Scripts whose words are not set apart by spaces (Khmer, Chinese) or take attached prefixes (Arabic "و", "ل"):
#: a name is found in them as it is written, anywhere.
_UNSPACED = frozenset({"khmer", "han", "arabic"})


def _names(text: str, name: str) -> bool:
    """Whether *text* names *name*: as a whole word where words are spaced ("Sen" is not in "Senate")."""
    if letter_script(name[0]) in _UNSPACED:
        return name in text
    return re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text, re.IGNORECASE) is not None


#: A salutation that already ends in one of these is printed as written.
_CLOSING_PUNCTUATION = tuple(",:;!.،؛：，！")


def _greeting(
    letter: Letter, spec: Spec, loc: LocaleInfo, who: Correspondent, r: Resolver
) -> tuple[str, str, str, str]:
    """The salutation, the form a closing repeats, the closing's register (``addressing.REGISTERS``) and the rank.

    First the row's own ``salutation``, then for a letter to the appeal's
    authority the spec's ``salutation``; else the language's form for the
    addressee's rank and gender (``addressing``), with the gender taken
    from the honorific ("H.E. Ms") when the list gives none; a rank wins
    over a name ("Dear Ambassador", or "Dear Ambassador Chea" where the
    convention names the official); else the named form ("Dear Ms Moreau");
    else the unnamed one, or the catalog's "Dear Sir or Madam".
    """
    lang = letter.lang
    if who.salutation:
        rank = addressing.rank_of(who.rank, who.honorific)  # the closing's ("Respectfully," to a president)
        return who.salutation, addressing.form_of_salutation(lang, who.salutation), "rank", rank
    if who.has_addressee:
        rank_value, gender_value, honorific = who.rank, who.gender, who.honorific
        full, family = who.name, who.family_name
    else:
        target = spec.authorities[0]
        rank_value, gender_value, honorific = target.rank or "", target.gender or "", r.s(target.honorific)
        if target.salutation:
            text = r.s(target.salutation)
            return text, addressing.form_of_salutation(lang, text), "rank", addressing.rank_of(rank_value, honorific)
        full, family = r.s(target.name), r.s(target.family_name)
    rank = addressing.rank_of(rank_value, honorific)
    gender = addressing.gender_of(gender_value, honorific)
    form = addressing.named_rank_form(lang, rank, family) if rank else None
    named = None if rank else addressing.named_form(lang, gender, full=full, family=family, honorific=honorific)
    register = "rank" if rank else ("name" if named else "none")
    form = form or named or addressing.address_form(lang, rank, gender)
    if form is None:
        return loc._("Dear Sir or Madam"), "", "none", ""
    return form.salutation, form.form, register, rank


def personalise(letter: Letter, spec: Spec, loc: LocaleInfo, who: Correspondent) -> Letter:
    """*letter* (from ``kind_letter``, or ``build_letter``, in the same language) addressed to *who*.

    The appeal is resolved once per language and kind and only the personal
    parts change per recipient, so a batch of thousands pays for the spec
    once. Field paths are ``row.<column>`` so errors can name the list's
    column.
    """
    _ = loc._
    r = Resolver(spec, loc, True)
    if who.has_addressee:
        lines: list[Para] = []
        person = " ".join(x for x in (who.honorific, who.name) if x)
        if person:
            lines.append(plain(person, "row.name", bold=True))
        if who.office:
            lines.append(plain(who.office, "row.office", bold=not lines))
        if who.organisation:
            lines.append(plain(who.organisation, "row.organisation", bold=not lines))
        lines.extend(plain(a, "row.address") for a in who.address)
        address = tuple(lines)
        sal_field = None
    else:
        address = addressee_of(r, spec.authorities[0], "authorities.0").lines
        sal_field = "authorities.0.salutation"
    text, form, register, rank = _greeting(letter, spec, loc, who, r)
    if not text.endswith(_CLOSING_PUNCTUATION):
        mark = addressing.punctuation(letter.lang)  # the region's, where it differs from the catalog's
        text = text + mark if mark else _("{salutation},", salutation=text)
    salutation = plain(text, "row.salutation" if who.salutation else sal_field)
    voice = "organisation" if letter.kind == "organisation" else "supporter"
    formula = addressing.closing(letter.lang, voice, register, form=form, rank=rank) if form else None
    closing = [plain(line, None) for line in (formula or (_("Yours sincerely,"),))]
    if who.signatory_name:
        signatory = [plain(who.signatory_name, "row.signatory_name", bold=True)]
        if letter.kind == "organisation":
            signatory.append(plain(letter.issuer_names, "issuers"))
        elif who.signatory_city:
            signatory.append(plain(who.signatory_city, "row.signatory_city"))
    else:
        signatory = [plain(letter.issuer_names, "issuers", bold=True)]
    rule = typography_rule(spec, loc)
    if rule is not None:
        address = tuple(typeset(p, rule) for p in address)
        salutation = typeset(salutation, rule)
        closing = [typeset(p, rule) for p in closing]
        signatory = [typeset(p, rule) for p in signatory]
    recipient = Recipient(
        address=address,
        salutation=salutation,
        closing=tuple(closing),
        signatory=tuple(signatory),
        extra=who.extra,
    )
    return replace(letter, recipient=recipient, warnings=list(letter.warnings))
