"""The two kinds of personal letter (letters.py), read back from the PDF and the DOCX a reader gets.

A supporter's letter is a private person's first-person letter: none of
the organisation's voice, letterhead, reference, status, web headings or
"Previous appeals", on one page. An organisation's letter is the appeal
as the organisation's letter, without what only a web page has. Both greet
and close as a secretary of each language would (addressing.py).
"""

from __future__ import annotations

import dataclasses
import io
import json
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest
from pypdf import PdfReader

from appeal_gen import build_letter
from appeal_gen.document import Correspondent
from appeal_gen.letters import choose_kind, kind_letter, personalise
from appeal_gen.locale import LocaleInfo
from appeal_gen.render.docx import render_docx
from appeal_gen.render.pdf import render_pdf

from .conftest import DATA, EXAMPLE, docx_paragraphs, pdf_text, run, squash

LANGS = ("en", "fr", "es", "ru", "ar", "km", "zh")

#: A supporter writing to the appeal's own authority (the spec's first).
SUPPORTER = Correspondent(signatory_name="Ann Lee", signatory_city="Leeds", kind="supporter")
#: The organisation writing to an ambassador, with no signatory: the issuers sign.
EMBASSY = Correspondent(
    honorific="H.E.", name="Sim Bopha", office="Ambassador", address=("5 Wattle Crescent",), kind="organisation"
)

#: What the catalogs say in a supporter's letter: its opening words, the line before the demands, its last words.
SUPPORTER_WORDS = {
    "en": ("I am writing to express my deep concern.", "I urge you to:", "Thank you for your attention"),
    "fr": ("Je vous écris pour vous faire part de ma profonde préoccupation.", "Je vous prie instamment", "Je vous"),
    "es": ("Le escribo para expresarle mi profunda preocupación.", "Le insto a:", "Le agradezco la atención"),
    "ru": ("Обращаюсь к Вам, чтобы выразить глубокую обеспокоенность.", "Настоятельно прошу Вас:", "Благодарю Вас"),
    "ar": ("أكتب إليكم لأعرب عن قلقي البالغ.", "أحثكم على:", "أشكركم على اهتمامكم"),
    "km": ("ខ្ញុំសូមសរសេរលិខិតនេះ", "ខ្ញុំសូមស្នើដោយទទូចឱ្យ៖", "ខ្ញុំសូមថ្លែងអំណរគុណ"),
    "zh": ("我谨致函，向您表达我的深切关注。", "我恳请您：", "感谢您对这一紧急事项的关注。"),
}  # fmt: skip


def _letter(spec, lang: str, who: Correspondent):  # type: ignore[no-untyped-def]
    loc = LocaleInfo(lang)
    shared = kind_letter(build_letter(spec, loc), spec, loc, choose_kind(who), to_target=not who.has_addressee)
    return personalise(shared, spec, loc, who)


def _docx(letter) -> list[str]:  # type: ignore[no-untyped-def]
    return [text for _, text in docx_paragraphs(render_docx(letter))]


@pytest.mark.parametrize("lang", LANGS)
def test_a_supporters_letter_is_first_person_without_the_organisations_voice(example_spec, lang: str) -> None:  # type: ignore[no-untyped-def]
    # The catalogs' default wording: the example without its model letter.
    example_spec = dataclasses.replace(example_spec, letter=None)
    letter = _letter(example_spec, lang, SUPPORTER)
    loc = LocaleInfo(lang)
    docx = _docx(letter)
    text = "\n".join(docx).replace("\u00a0", " ")  # Khmer dates' no-break spaces (markup.khmer_typography)
    opening, urge, thanks = SUPPORTER_WORDS[lang]
    # In reading order: greeting, opening with the summary, urge, demands, thanks, closing, signature.
    at = 0
    summary = example_spec.summary.get(lang)[:20]
    for phrase in (example_spec.authorities[0].salutation.get(lang), opening, summary, urge, thanks, "Ann Lee"):
        at = text.index(phrase, at)
    issuer = example_spec.issuers[0].name.get(lang)
    for absent in (
        issuer,  # "Front Line Defenders urges …", the concern, the letterhead
        "FLD-KH-CCHR-2017",  # the reference
        loc._("Status: "),
        loc._("Urgent appeal"),
        loc._("About the situation"),
        loc._("Background"),
        loc._("Previous appeals"),
        loc._("Please write to"),
    ):
        assert absent.strip() not in text, absent
    pdf = render_pdf(letter)
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1
    shown = unicodedata.normalize("NFKC", pdf_text(pdf))
    assert "FLD-KH-CCHR-2017" not in shown and "Front Line Defenders" not in shown
    if lang in ("en", "fr", "es", "ru", "zh"):  # scripts pypdf reads back in order
        opening = unicodedata.normalize("NFKC", opening)  # as the text read back: "，" is ","
        assert opening in squash(shown).replace(" ", "") or opening in squash(shown)


@pytest.mark.parametrize("lang", LANGS)
def test_an_organisations_letter_is_the_appeal_without_its_web_page_parts(example_spec, lang: str) -> None:  # type: ignore[no-untyped-def]
    letter = _letter(example_spec, lang, EMBASSY)
    loc = LocaleInfo(lang)
    text = "\n".join(_docx(letter)).replace("\u00a0", " ")  # Khmer dates' no-break spaces
    issuer = example_spec.issuers[0].name.get(lang)
    summary = example_spec.summary.get(lang)[:20]
    concern = example_spec.concern.get(lang)[:20]
    at = 0
    for phrase in (issuer, "Sim Bopha", summary, concern, example_spec.demands[-1].get(lang)[:15]):
        at = text.index(phrase, at)
    assert text.rstrip().endswith(issuer)  # signed for the organisation
    for absent in (
        loc._("Status: "),
        loc._("About the situation"),
        loc._("Previous appeals"),
        loc._("Please write to"),
    ):
        assert absent.strip() not in text, absent


#: A female ambassador greeted, and the closing that goes with it, in each language.
AMBASSADOR = {
    "en": ("Dear Ambassador,", "Yours sincerely,"),
    "fr": (
        "Madame l’Ambassadrice,",
        "Je vous prie d’agréer, Madame l’Ambassadrice, l’expression de ma très haute considération.",
    ),
    "es": ("Excelentísima Señora Embajadora:", "Atentamente,"),
    "ru": ("Уважаемая госпожа Посол!", "С глубоким уважением,"),
    "ar": ("سعادة السفيرة المحترمة،", "وتفضلوا بقبول فائق الاحترام والتقدير،"),
    "km": ("សូមគោរព លោកជំទាវឯកអគ្គរដ្ឋទូត", "សូម លោកជំទាវ មេត្តាទទួលនូវការគោរពដ៏ខ្ពង់ខ្ពស់អំពីខ្ញុំ។"),
    "zh": ("尊敬的大使阁下：", "此致\n敬礼！"),
}


@pytest.mark.parametrize("lang", LANGS)
def test_a_named_ambassador_is_greeted_and_taken_leave_of_by_her_rank(example_spec, lang: str) -> None:  # type: ignore[no-untyped-def]
    """Her gender from the honorific ("H.E. Ms"), her rank from the list: never "Dear Sir or Madam"."""
    who = Correspondent(
        honorific="H.E. Ms", name="Sim Bopha", office="Ambassador", rank="ambassador", signatory_name="Tom Nguyen"
    )
    docx = _docx(_letter(example_spec, lang, who))
    salutation, closing = AMBASSADOR[lang]
    assert salutation in docx
    assert docx.index(closing) == docx.index("Tom Nguyen") - 1
    assert LocaleInfo(lang)._("Dear Sir or Madam") not in "\n".join(docx)


def test_chinese_closing_puts_each_word_on_its_own_line_in_the_pdf(example_spec) -> None:  # type: ignore[no-untyped-def]
    who = Correspondent(name="林国华", office="大使", rank="ambassador", signatory_name="王丽")
    lines = [ln.strip() for ln in pdf_text(render_pdf(_letter(example_spec, "zh", who))).splitlines()]
    assert lines[lines.index("此致") + 1] == "敬礼！"


@pytest.mark.parametrize(
    ("lang", "who", "salutation", "closing"),
    [
        # Gender unknown: the neutral form, repeated in the closing.
        ("fr", Correspondent(name="Prak Sovann", rank="ambassador", signatory_name="C"), "Excellence,",
         "Je vous prie d’agréer, Excellence, l’expression de ma très haute considération."),
        ("fr", Correspondent(honorific="Monsieur", name="Prak Sovann", rank="minister", kind="organisation"),
         "Monsieur le Ministre,",
         "Nous vous prions d’agréer, Monsieur le Ministre, l’expression de notre très haute considération."),
        # No rank and no name to greet by: the British "faithfully".
        ("en", Correspondent(office="Office 3", signatory_name="C"), "Dear Sir or Madam,", "Yours faithfully,"),
        ("en", Correspondent(honorific="H.E.", name="A B", signatory_name="C"), "Your Excellency,", "Yours sincerely,"),
        ("ru", Correspondent(name="К", gender="m", rank="president", signatory_name="C"),
         "Уважаемый господин Президент!", "С глубоким уважением,"),
        # A written salutation takes the region's punctuation, and its rank's closing.
        ("en_US", Correspondent(name="Hun Sen", rank="prime_minister", salutation="Dear Prime Minister Hun",
                                signatory_name="C"), "Dear Prime Minister Hun:", "Respectfully,"),
        # The list's own salutation wins; Khmer repeats its form without "សូមគោរព".
        ("km", Correspondent(name="ហេង", salutation="សូមគោរព ឯកឧត្តមប្រធាន", signatory_name="C"),
         "សូមគោរព ឯកឧត្តមប្រធាន", "សូម ឯកឧត្តមប្រធាន មេត្តាទទួលនូវការគោរពដ៏ខ្ពង់ខ្ពស់អំពីខ្ញុំ។"),
    ],
)  # fmt: skip
def test_salutation_and_closing_follow_the_addressee(example_spec, lang, who, salutation, closing) -> None:  # type: ignore[no-untyped-def]
    rcpt = _letter(example_spec, lang, who).recipient
    assert rcpt.salutation.text == salutation
    assert "\n".join(p.text for p in rcpt.closing) == closing


def _last_page(pdf: bytes, tmp_path) -> str:  # type: ignore[no-untyped-def]
    """The last page's text as pdftotext reads it, without spaces (a tagged PDF orders lines its own way)."""
    path = tmp_path / "letter.pdf"
    path.write_bytes(pdf)
    n = len(PdfReader(io.BytesIO(pdf)).pages)
    text = subprocess.run(
        ["pdftotext", "-f", str(n), "-l", str(n), str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    return "".join(text.split())


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs pdftotext (poppler-utils)")
@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("who", [SUPPORTER, EMBASSY], ids=["supporter", "organisation"])
def test_no_letter_ends_with_a_page_of_only_its_signature(example_spec, lang, who, tmp_path) -> None:  # type: ignore[no-untyped-def]
    letter = _letter(example_spec, lang, who)
    last = _last_page(render_pdf(letter), tmp_path)
    rcpt = letter.recipient
    # Take away the closing, the signature and the footer: lines of the letter's body remain.
    for part in (*rcpt.closing, *rcpt.signatory):
        last = last.replace("".join(part.text.split()), "", 1)
    last = last.replace("".join(letter.reference.split()), "")
    last = "".join(c for c in last if not c.isdigit())
    label = "".join(letter.page_label.replace("{page}", "").replace("{pages}", "").split())
    last = last.replace(label, "", 1)
    assert len(last) >= 20, last


UA = EXAMPLE.parent.parent / "ua-model-letter"


def test_the_model_letter_example_makes_one_page_letters_in_every_language(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    """examples/ua-model-letter: the spec's model letter, each supporter in their language (pt_BR down the chain)."""
    from appeal_gen.spec import load_spec

    spec = load_spec(str(UA / "appeal.yaml"))
    out = tmp_path / "out"
    argv = ("batch", str(UA / "appeal.yaml"), "--recipients", str(UA / "supporters.csv"), "-o", str(out), "--jobs", "1")
    code, _, err = run(capsys, *argv, "--quiet")
    assert code == 0, err
    rows = {r["id"]: r for r in json.loads((out / "manifest.json").read_text(encoding="utf-8"))["rows"]}
    assert rows["s-008"]["language"] == "es"  # pt_BR -> pt -> the minister's preferred language
    assert "fallback chain: pt_BR → pt → es → en" in rows["s-008"]["message"]
    for r in rows.values():
        lang = r["language"]
        assert len(PdfReader(str(out / r["files"]["pdf"]["path"])).pages) == 1
        text = "\n".join(t for _, t in docx_paragraphs((out / r["files"]["docx"]["path"]).read_bytes()))
        model = spec.letter
        assert model is not None
        at = 0
        for field in (model.opening, model.body, model.closing):
            at = text.index(field.get(lang)[:12], at)
        assert spec.concern.get(lang)[:12] not in text  # the organisation's voice stays out
    fr = "\n".join(t for _, t in docx_paragraphs((out / rows["emb-fr"]["files"]["docx"]["path"]).read_bytes()))
    assert "Madame l’Ambassadrice," in fr
    assert "Je vous prie d’agréer, Madame l’Ambassadrice, l’expression de ma très haute considération." in fr


def test_the_model_letter_is_translated_like_every_text_field(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    """``letter:`` goes through translate export, with its staleness record (check offers it again)."""
    spec = tmp_path / "appeal.yaml"
    shutil.copyfile(UA / "appeal.yaml", spec)
    assert run(capsys, "translate", "export", str(spec), "--lang", "de")[0] == 0
    po = (tmp_path / "appeal.de.po").read_text(encoding="utf-8")
    for field in ("letter.opening", "letter.body", "letter.closing"):
        assert f'msgctxt "{field}"' in po
    changed = spec.read_text(encoding="utf-8").replace("I look forward to your reply.", "I await your reply.")
    spec.write_text(changed, encoding="utf-8")
    code, _, err = run(capsys, "check", str(spec))
    assert code == 2
    assert "letter.closing: the en text changed since the fr translation was made" in err


# Issue 14: named salutations -------------------------------------------------------------------
NAMED = DATA / "recipients" / "named.csv"
_SUPPORTER_FR = "Je vous prie d’agréer, {}, l’expression de mes salutations distinguées."
_KM_CLOSE = "សូម {} មេត្តាទទួលនូវការគោរពដ៏ខ្ពង់ខ្ពស់អំពីខ្ញុំ។"
#: Row id of tests/data/recipients/named.csv -> (salutation, closing) as the letter prints them.
#: Cases per language: ranked; named female and male (family name given); named, gender unknown; unnamed.
NAMED_CASES = {
    "en-rank": ("Dear Ambassador,", "Yours sincerely,"),
    "en-f": ("Dear Ms Moreau,", "Yours sincerely,"),
    "en-m": ("Dear Mr Chea,", "Yours sincerely,"),
    "en-u": ("Dear Ines Moreau,", "Yours sincerely,"),
    "en-none": ("Dear Sir or Madam,", "Yours faithfully,"),
    "en-dr": ("Dear Dr Moreau,", "Yours sincerely,"),
    "en-nofamily": ("Dear Chea Vannak,", "Yours sincerely,"),  # never "Dear Mr Vannak": no guessed surname
    "gb-f": ("Dear Ms Moreau,", "Yours sincerely,"),
    "us-f": ("Dear Ms. Moreau:", "Sincerely,"),
    "us-u": ("Dear Ines Moreau:", "Sincerely,"),
    "us-none": ("Dear Sir or Madam:", "Sincerely,"),
    "us-rank": ("Dear Ambassador Sim:", "Sincerely,"),
    "us-rank-nofamily": ("Dear Mr. Ambassador:", "Sincerely,"),
    "us-pm": ("Dear Prime Minister Hun:", "Respectfully,"),
    "ca-f": ("Dear Ms. Moreau:", "Sincerely,"),
    "fr-rank": ("Madame l’Ambassadrice,", AMBASSADOR["fr"][1]),
    "fr-f": ("Madame,", _SUPPORTER_FR.format("Madame")),
    "fr-m": ("Monsieur,", _SUPPORTER_FR.format("Monsieur")),
    "fr-u": ("Madame, Monsieur,", _SUPPORTER_FR.format("Madame, Monsieur")),
    "fr-none": ("Madame, Monsieur,", _SUPPORTER_FR.format("Madame, Monsieur")),
    "es-rank": ("Excelentísima Señora Embajadora:", "Atentamente,"),
    "es-f": ("Estimada Sra. Moreau:", "Atentamente,"),
    "es-m": ("Estimado Sr. Chea:", "Atentamente,"),
    "es-u": ("Estimada señora, estimado señor:", "Atentamente,"),
    "es-none": ("Estimada señora, estimado señor:", "Atentamente,"),
    "ru-rank": ("Уважаемая госпожа Посол!", "С глубоким уважением,"),
    "ru-f": ("Уважаемая госпожа Моро!", "С уважением,"),
    "ru-m": ("Уважаемый господин Чеа!", "С уважением,"),
    "ru-u": ("Уважаемые дамы и господа!", "С уважением,"),
    "ru-none": ("Уважаемые дамы и господа!", "С уважением,"),
    "ar-rank": ("سعادة السفيرة المحترمة،", "وتفضلوا بقبول فائق الاحترام والتقدير،"),
    "ar-f": ("السيدة إيناس مورو المحترمة،", "وتفضلوا بقبول فائق الاحترام،"),
    "ar-m": ("السيد تشيا فاناك المحترم،", "وتفضلوا بقبول فائق الاحترام،"),
    "ar-u": ("السادة المحترمون،", "وتفضلوا بقبول فائق الاحترام،"),
    "ar-none": ("السادة المحترمون،", "وتفضلوا بقبول فائق الاحترام،"),
    "km-rank": ("សូមគោរព លោកជំទាវឯកអគ្គរដ្ឋទូត", _KM_CLOSE.format("លោកជំទាវ")),
    "km-f": ("សូមគោរព លោកស្រី ស៊ីម បុប្ផា", _KM_CLOSE.format("លោកស្រី")),
    "km-m": ("សូមគោរព លោក ជា វណ្ណៈ", _KM_CLOSE.format("លោក")),
    "km-u": ("សូមគោរពជូន លោក លោកស្រី", _KM_CLOSE.format("លោក លោកស្រី")),
    "km-none": ("សូមគោរពជូន លោក លោកស្រី", _KM_CLOSE.format("លោក លោកស្រី")),
    "zh-rank": ("尊敬的大使阁下：", "此致\n敬礼！"),
    "zh-f": ("尊敬的王女士：", "此致\n敬礼！"),
    "zh-m": ("尊敬的林先生：", "此致\n敬礼！"),
    "zh-u": ("尊敬的林国华：", "此致\n敬礼！"),
    "zh-none": ("尊敬的先生/女士：", "此致\n敬礼！"),
}  # fmt: skip


@pytest.fixture(scope="module")
def named_batch(tmp_path_factory) -> tuple[Path, dict[str, dict]]:  # type: ignore[no-untyped-def,type-arg]
    """One batch of tests/data/recipients/named.csv (PDF and DOCX): its output folder and manifest rows by id."""
    from appeal_gen.cli import main

    out = tmp_path_factory.mktemp("named") / "out"
    argv = ["batch", str(EXAMPLE), "--recipients", str(NAMED), "-o", str(out), "--jobs", "1", "--quiet"]
    assert main(argv) == 0
    rows = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["rows"]
    return out, {r["id"]: r for r in rows}


def _bare(text: str) -> str:
    """*text* without whitespace or format characters (poppler's bidi marks, zero-width spaces), NFKC."""
    return "".join(
        c for c in unicodedata.normalize("NFKC", text) if not c.isspace() and unicodedata.category(c) != "Cf"
    )


def _pdftotext(path: Path) -> str:
    """The PDF's text as poppler reads it (Arabic and Khmer in logical order), ``_bare``."""
    return _bare(subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True).stdout)


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs pdftotext (poppler-utils)")
@pytest.mark.parametrize("row", list(NAMED_CASES))
def test_a_batch_greets_each_addressee_by_rank_name_or_neither_in_each_language(named_batch, row: str) -> None:  # type: ignore[no-untyped-def]
    """The salutation and closing read back from the row's DOCX (as paragraphs) and PDF (as text)."""
    out, rows = named_batch
    salutation, closing = NAMED_CASES[row]
    files = rows[row]["files"]
    docx = [t for _, t in docx_paragraphs((out / files["docx"]["path"]).read_bytes())]
    assert salutation in docx
    assert docx.index(closing) == docx.index("Ann Lee") - 1  # the closing, then the signature
    assert docx.index(salutation) < docx.index(closing)
    pdf = _pdftotext(out / files["pdf"]["path"])
    for part in (salutation, closing):
        assert _bare(part) in pdf, part


def test_a_salesforce_salutation_is_the_honorific_not_the_greeting(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    """Salesforce's "Salutation" holds "Ms."/"Dr.": printed before the name and greeting by it, never "Ms.,"."""
    lst = tmp_path / "contacts.csv"
    lst.write_text(
        "Contact ID,Salutation,First Name,Last Name,Title,Account Name,Mailing Street,Mailing City,Language\n"
        "c1,Ms.,Ines,Moreau,Rapporteur,Commission,Rue 40,Geneva,en\n"
        "c2,Dr.,Chea,Vannak,Rapporteur,Commission,Rue 40,Geneva,en-US\n"
        "c3,Mr.,Vannak,Chea,Rapporteur,Commission,Rue 40,Geneva,es\n"
        "c4,Ms.,Ines,Moreau,Rapporteur,Commission,Rue 40,Geneva,en\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    code, _, err = run(capsys, "batch", str(EXAMPLE), "--recipients", str(lst), "-o", str(out), "--format", "docx")
    assert code == 0, err
    rows = {r["id"]: r for r in json.loads((out / "manifest.json").read_text(encoding="utf-8"))["rows"]}

    def paras(row: str) -> list[str]:
        return [t for _, t in docx_paragraphs((out / rows[row]["files"]["docx"]["path"]).read_bytes())]

    c1, c2, c3 = paras("c1"), paras("c2"), paras("c3")
    assert "Ms. Ines Moreau" in c1 and "Dear Ms Moreau," in c1 and "Yours sincerely," in c1
    # The family name from "Last Name" (never guessed): "Chea Vannak" with Last Name "Vannak" is Dr. Vannak.
    assert "Dr. Chea Vannak" in c2 and "Dear Dr. Vannak:" in c2 and "Sincerely," in c2
    assert "Mr. Vannak Chea" in c3 and "Estimado Sr. Chea:" in c3
    for p in (c1, c2, c3):
        assert not any(t.startswith(("Ms.,", "Mr.,", "Dr.,", "Ms.:", "Dr.:")) for t in p)
    note = "salutation 'Ms.' is a courtesy title, not a greeting: read as the honorific"
    assert rows["c1"]["message"] == rows["c4"]["message"] == note  # each row's, in the manifest
    assert err.count(note) == 1  # said once on stderr, not on every row of an export
    assert f"note: {lst}:1: 'Last Name': also the addressee's family name, as 'family_name'" in err


def test_the_spec_authoritys_family_name_names_the_target_in_a_supporters_letter(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    """An authority's ``family_name``, translatable like ``name``, greets the target without a written salutation."""
    text = EXAMPLE.read_text(encoding="utf-8")
    start = text.index("  salutation:\n    en: Your Excellency")
    end = text.index("  preferred_language:", start)
    spec = tmp_path / "appeal.yaml"
    spec.write_text(text[:start] + "  family_name: {en: Hun, fr: Hun, zh: 洪}\n  gender: male\n" + text[end:], "utf-8")
    lst = tmp_path / "supporters.csv"
    lst.write_text(
        "id,signatory_name,language\ngb,Ann Lee,en\nus,Ann Lee,en-US\nfr,Ann Lee,fr\nzh,Ann Lee,zh\n", "utf-8"
    )
    out = tmp_path / "out"
    argv = ("batch", str(spec), "--recipients", str(lst), "-o", str(out), "--format", "docx", "--allow-stale")
    code, _, err = run(capsys, *argv)
    assert code == 0, err
    rows = {r["id"]: r for r in json.loads((out / "manifest.json").read_text(encoding="utf-8"))["rows"]}
    for row, salutation, closing in (
        ("gb", "Dear Mr Hun,", "Yours sincerely,"),
        ("us", "Dear Mr. Hun:", "Sincerely,"),
        ("fr", "Monsieur,", _SUPPORTER_FR.format("Monsieur")),
        ("zh", "尊敬的洪先生：", "此致\n敬礼！"),
    ):
        docx = [t for _, t in docx_paragraphs((out / rows[row]["files"]["docx"]["path"]).read_bytes())]
        assert salutation in docx, row
        assert docx.index(closing) == docx.index("Ann Lee") - 1, row


# Issue 14: the example's supporters' letters, as a campaign officer would send them.

#: The first words of the example's model letter (letter.opening) in each language.
EXAMPLE_OPENING = {
    "en": "I am writing to express my deep concern about the call made on 26 November 2017",
    "fr": "Je vous écris pour vous faire part de ma profonde préoccupation au sujet de l’appel lancé",
    "es": "Me dirijo a usted para expresarle mi profunda preocupación por el llamamiento realizado",
    "ru": "Обращаюсь к Вам, чтобы выразить глубокую обеспокоенность в связи с прозвучавшим",
    "ar": "أكتب إليكم لأعرب عن بالغ قلقي إزاء الدعوة التي أطلقت في 26 نوفمبر 2017",
    "km": "ខ្ញុំសូមសរសេរលិខិតនេះ ដើម្បីសម្តែងការព្រួយបារម្ភយ៉ាងជ្រាលជ្រៅ",
    "zh": "我谨致函，对2017年11月26日提出的对柬埔寨人权中心（CCHR）展开调查",
}
#: The example's letter.subject: the subject line of its supporters' letters.
EXAMPLE_SUBJECT = {
    "en": "The Cambodian Centre for Human Rights (CCHR)",
    "fr": "Le Centre cambodgien des droits de l’homme (CCHR)",
    "es": "El Centro Camboyano de Derechos Humanos (CCHR)",
    "ru": "О Камбоджийском центре по правам человека (CCHR)",
    "ar": "المركز الكمبودي لحقوق الإنسان (CCHR)",
    "km": "មជ្ឈមណ្ឌលសិទ្ធិមនុស្សកម្ពុជា (CCHR)",
    "zh": "关于柬埔寨人权中心（CCHR）",
}


@pytest.mark.parametrize("lang", LANGS)
def test_a_supporter_writing_to_hun_sen_does_not_speak_of_him_in_the_third_person(example_spec, lang: str) -> None:  # type: ignore[no-untyped-def]
    """The example's model letter opens the letter; the summary ("…Prime Minister Hun Sen called…") is not in it."""
    letter = _letter(example_spec, lang, SUPPORTER)
    paragraphs = _docx(letter)
    salutation = next(
        i for i, p in enumerate(paragraphs) if p.startswith(example_spec.authorities[0].salutation.get(lang))
    )
    after = "\n".join(paragraphs[salutation + 1 :])
    assert after.startswith(EXAMPLE_OPENING[lang])
    assert example_spec.authorities[0].name.get(lang) not in after  # the addressee is "you", never named
    assert example_spec.summary.get(lang)[:25] not in after
    data = render_pdf(letter)
    assert len(PdfReader(io.BytesIO(data)).pages) == 1
    pdf = squash(unicodedata.normalize("NFKC", pdf_text(data)))
    if lang in ("en", "fr", "es", "ru"):  # scripts pypdf reads back in order and with spaces
        assert EXAMPLE_OPENING[lang] in pdf
        assert example_spec.summary.get(lang)[:25] not in pdf


@pytest.mark.parametrize("lang", LANGS)
def test_a_supporters_letter_has_the_model_letters_subject_not_the_appeals_headline(example_spec, lang: str) -> None:  # type: ignore[no-untyped-def]
    paragraphs = _docx(_letter(example_spec, lang, SUPPORTER))
    assert EXAMPLE_SUBJECT[lang] in paragraphs
    assert example_spec.title.get(lang) not in paragraphs  # "Prime Minister seeks to shut down …", to him
    # An organisation's letter keeps the appeal's title as its subject line.
    assert example_spec.title.get(lang) in _docx(_letter(example_spec, lang, EMBASSY))


def test_without_a_subject_a_supporters_letter_takes_the_appeals_title(example_spec) -> None:  # type: ignore[no-untyped-def]
    model = dataclasses.replace(example_spec.letter, subject=None)
    spec = dataclasses.replace(example_spec, letter=model)
    assert example_spec.title.get("en") in _docx(_letter(spec, "en", SUPPORTER))


def _without_model_letter(tmp_path):  # type: ignore[no-untyped-def]
    """The example spec without its ``letter:`` section, and the line of its summary."""
    text = EXAMPLE.read_text(encoding="utf-8")
    start = text.index("\nletter:")
    end = text.index("\nlinks:")
    spec = tmp_path / "appeal.yaml"
    spec.write_text(text[:start] + text[end:], encoding="utf-8")
    line = text[:start].splitlines().index("summary:") + 2  # the first language's value, on the next line
    return spec, line


def test_check_warns_when_the_default_wording_would_name_the_addressee(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    spec, line = _without_model_letter(tmp_path)
    code, out, err = run(capsys, "check", str(spec))
    assert code == 0, err
    assert out.startswith(f"{spec}: OK: ")
    assert err == (
        f"{spec}:{line}:3: summary: warning: supporters' letters to Hun Sen (authorities.0) would open with this "
        "summary, which speaks of the addressee in the third person; write their opening in letter.opening "
        "(docs/spec.md, 'letter')\n"
    )
    # The example itself, with its model letter, is clean.
    code, _, err = run(capsys, "check", str(EXAMPLE))
    assert (code, err) == (0, "")


def test_batch_warns_once_of_a_summary_naming_the_addressee(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    spec, line = _without_model_letter(tmp_path)
    recipients = EXAMPLE.parent / "recipients.csv"
    argv = ("batch", str(spec), "--recipients", str(recipients), "-o", str(tmp_path / "out"), "--format", "txt")
    code, _, err = run(capsys, *argv, "--jobs", "1")
    assert code == 0, err
    warnings = [w for w in err.splitlines() if "speaks of the addressee in the third person" in w]
    assert warnings == [
        f"warning: {spec}:{line}:3: summary: supporters' letters to Hun Sen (authorities.0) would open with this "
        "summary, which speaks of the addressee in the third person; write their opening in letter.opening "
        "(docs/spec.md, 'letter')"
    ]


@pytest.mark.parametrize("lang", LANGS)
def test_the_examples_supporters_letter_to_an_ambassador_is_one_page(example_spec, lang: str) -> None:  # type: ignore[no-untyped-def]
    who = Correspondent(
        honorific="H.E.",
        name="Sim Bopha",
        office="Ambassador of the Kingdom of Cambodia",
        organisation="Royal Embassy of Cambodia",
        address=("5 Wattle Crescent", "Deakin ACT 2600", "Australia"),
        signatory_name="Thomas Nguyen",
        signatory_city="Melbourne",
        kind="supporter",
    )
    data = render_pdf(_letter(example_spec, lang, who))
    assert len(PdfReader(io.BytesIO(data)).pages) == 1


def test_a_name_is_found_as_a_word_not_inside_another(example_spec) -> None:  # type: ignore[no-untyped-def]
    """ "Sen" is not named by "the Senate"; 洪森 is named in a Chinese summary that has no spaces around it."""
    from appeal_gen.letters import summary_names_target

    def spec_with(name: dict[str, str], summary: dict[str, str]):  # type: ignore[no-untyped-def]
        target = example_spec.authorities[0]
        target = dataclasses.replace(target, name=dataclasses.replace(target.name, values=name, source="en"))
        text = dataclasses.replace(example_spec.summary, values=summary, source="en")
        return dataclasses.replace(
            example_spec, letter=None, authorities=(target,), summary=text, languages=("en", "zh")
        )

    assert (
        summary_names_target(spec_with({"en": "Sen", "zh": "森"}, {"en": "The Senate met.", "zh": "参议院开会。"}))
        is None
    )
    found = summary_names_target(
        spec_with({"en": "Ms Lee", "zh": "洪森"}, {"en": "A minister spoke.", "zh": "首相洪森呼吁调查。"})
    )
    assert found is not None and found[0] == "洪森"


@pytest.mark.parametrize("lang", LANGS)
def test_a_supporters_docx_keeps_its_last_words_closing_and_signature_together(example_spec, lang: str) -> None:  # type: ignore[no-untyped-def]
    """Word and LibreOffice never leave the signature alone on a page.

    Khmer's tall lines push the supporter's DOCX just past one page in
    LibreOffice; the paragraphs after the demands and the closing formula
    are kept with what follows, so the page break comes before the last
    paragraph, and the signature never stands alone.
    """
    import docx

    letter = _letter(example_spec, lang, SUPPORTER)
    document = docx.Document(io.BytesIO(render_docx(letter)))
    paras = [p for p in document.paragraphs if p.text.strip()]
    signature = next(i for i, p in enumerate(paras) if p.text.strip() == "Ann Lee")
    last_demand = max(i for i, p in enumerate(paras) if p.style.name == "Appeal Demand")
    tail = paras[last_demand + 1 : signature]
    assert len(tail) >= 2, [p.text for p in tail]  # the last words and the closing formula
    for p in tail:
        keep = p.paragraph_format.keep_with_next
        assert keep or (keep is None and p.style.paragraph_format.keep_with_next), (p.style.name, p.text)
