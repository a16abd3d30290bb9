"""The wording of the letters as their native readers review it (issue 14), read back from the letters a batch writes.

Each assertion is a sentence a reviewer corrected: the catalogs' default
wording of a supporter's letter (the model-letter example without its
``letter:`` section, so nothing but the catalog speaks) and the
translations of examples/ua-model-letter. Paragraphs are compared whole,
from the DOCX (no line wrapping to undo), and checked in the PDF where its
text extracts in reading order (Latin and Cyrillic scripts).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from appeal_gen.cli import main

from .conftest import DATA, EXAMPLE, docx_paragraphs, pdf_text, squash

UA = EXAMPLE.parent.parent / "ua-model-letter"
#: One supporter writing to the appeal's minister and one to an ambassador, per reviewed language.
LIST = DATA / "letters" / "supporters_and_ambassadors.csv"


def _plain(text: str) -> str:
    """*text* with French typography's no-break spaces read as spaces, as a reader sees them."""
    return text.replace("\u00a0", " ").replace("\u202f", " ")


def _batch(spec: Path, recipients: Path, out: Path) -> dict[str, dict[str, object]]:
    """``appeal-gen batch`` (PDF and DOCX): the manifest's rows by id."""
    argv = ["batch", str(spec), "--recipients", str(recipients), "-o", str(out), "--jobs", "1", "--quiet"]
    assert main([*argv, "--format", "pdf,docx"]) == 0
    rows = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["rows"]
    return {str(r["id"]): r for r in rows}


def _paragraphs(out: Path, row: dict[str, object], kind: str = "docx") -> list[str]:
    files = row["files"]
    assert isinstance(files, dict)
    data = (out / files[kind]["path"]).read_bytes()
    if kind == "pdf":
        return [squash(_plain(pdf_text(data)))]
    return [_plain(text) for _, text in docx_paragraphs(data)]


def _without_model_letter(tmp: Path) -> Path:
    """The model-letter example without its ``letter:`` section (and that section's translation record)."""
    lines = (UA / "appeal.yaml").read_text(encoding="utf-8").splitlines(keepends=True)
    kept, skipping = [], False
    for line in lines:
        if line.startswith("letter:"):
            skipping = True
        elif skipping and not line.startswith((" ", "#")):
            skipping = False
        if not skipping and not line.strip().startswith("letter."):
            kept.append(line)
    spec = tmp / "appeal.yaml"
    spec.write_text("".join(kept), encoding="utf-8")
    return spec


@pytest.fixture(scope="module")
def default_wording(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, dict[str, object]]]:
    tmp = tmp_path_factory.mktemp("default")
    out = tmp / "out"
    return out, _batch(_without_model_letter(tmp), LIST, out)


@pytest.fixture(scope="module")
def model_letter(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, dict[str, object]]]:
    out = tmp_path_factory.mktemp("ua") / "out"
    return out, _batch(UA / "appeal.yaml", UA / "supporters.csv", out)


@pytest.fixture(scope="module")
def appeals(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """The model-letter example's appeal in every language, as DOCX paragraphs."""
    out = tmp_path_factory.mktemp("build")
    assert main(["build", str(UA / "appeal.yaml"), "--lang", "all", "--format", "docx", "-o", str(out)]) == 0
    return {p.name.split(".")[-2]: [_plain(t) for _, t in docx_paragraphs(p.read_bytes())] for p in out.glob("*.docx")}


#: The catalog's supporter's letter to the appeal's own authority: how the first
#: paragraph starts (its sentence, then the summary's first words), the line
#: before the demands, the thanks.
DEFAULT_WORDING = {
    "fr": (
        "Je vous écris pour vous faire part de ma profonde préoccupation. Le 3 mai 2025,",
        "Je vous prie instamment de :",
        "Je vous remercie de l’attention que vous porterez à cette affaire urgente.",
    ),
    "es": (
        "Le escribo para expresarle mi profunda preocupación. El 3 de mayo de 2025,",
        "Le insto a:",
        "Le agradezco la atención que preste a este asunto urgente.",
    ),
    # "Я пишу Вам" is a calque of "I am writing"; a Russian letter to an official "обращается".
    "ru": (
        "Обращаюсь к Вам, чтобы выразить глубокую обеспокоенность. 3 мая 2025 года",
        "Настоятельно прошу Вас:",
        "Благодарю Вас за внимание к этому неотложному вопросу.",
    ),
    "ar": (
        "أكتب إليكم لأعرب عن قلقي البالغ. في 3 مايو 2025،",
        "أحثكم على:",
        "أشكركم على اهتمامكم بهذه المسألة العاجلة.",
    ),
    # To a minister: "ខ្ញុំសូម…" (the polite "I"), deep (ជ្រាលជ្រៅ) concern, formal thanks (ថ្លែងអំណរគុណ).
    "km": (
        "ខ្ញុំសូមសរសេរលិខិតនេះ ដើម្បីសម្តែងនូវការព្រួយបារម្ភយ៉ាងជ្រាលជ្រៅរបស់ខ្ញុំ។ នៅថ្ងៃទី៣ ខែឧសភា",
        "ខ្ញុំសូមស្នើដោយទទូចឱ្យ៖",
        "ខ្ញុំសូមថ្លែងអំណរគុណចំពោះការយកចិត្តទុកដាក់លើបញ្ហាបន្ទាន់នេះ។",
    ),
    # "我谨致函": the respectful "I write to you", not the spoken "我写信是为了".
    "zh": ("我谨致函，向您表达我的深切关注。2025年5月3日，", "我恳请您：", "感谢您对这一紧急事项的关注。"),
}

#: A supporter's letter to an ambassador: the line before the demands (asking her to call on the authorities).
CALL_ON = {
    "fr": "Je vous prie instamment d’exhorter les autorités péruviennes à :",
    "es": "Le ruego que inste a las autoridades peruanas a:",  # not "Le insto a exhortar a … a:"
    "ru": "Настоятельно прошу Вас призвать власти Перу:",
    "ar": "أحثكم على مطالبة السلطات البيروفية بما يلي:",
    "km": "ខ្ញុំសូមស្នើដោយទទូចឱ្យជំរុញអាជ្ញាធរប៉េរូឱ្យ៖",
    "zh": "我恳请您敦促秘鲁当局：",
}


@pytest.mark.parametrize("lang", sorted(DEFAULT_WORDING))
def test_the_catalogs_supporters_letter_reads_as_reviewed(default_wording, lang: str) -> None:  # type: ignore[no-untyped-def]
    out, rows = default_wording
    opening, urge, thanks = DEFAULT_WORDING[lang]
    paragraphs = _paragraphs(out, rows[f"s-{lang}"])
    assert any(p.startswith(opening) for p in paragraphs), paragraphs
    assert urge in paragraphs
    assert thanks in paragraphs
    ambassador = _paragraphs(out, rows[f"a-{lang}"])
    assert CALL_ON[lang] in ambassador
    if lang in ("fr", "es", "ru"):
        (pdf,) = _paragraphs(out, rows[f"s-{lang}"], "pdf")
        assert opening in pdf and urge in pdf and thanks in pdf
        (pdf,) = _paragraphs(out, rows[f"a-{lang}"], "pdf")
        assert CALL_ON[lang] in pdf


def test_a_khmer_letter_to_an_official_never_says_lok_neak(default_wording, model_letter) -> None:  # type: ignore[no-untyped-def]
    """លោកអ្នក ("you", as to an audience) is too familiar for a minister or an ambassador.

    Neither the catalog's wording nor the model letter's uses it.
    """
    out, rows = default_wording
    for row in ("s-km", "a-km"):
        assert not [p for p in _paragraphs(out, rows[row]) if "លោកអ្នក" in p]
    out, rows = model_letter
    paragraphs = _paragraphs(out, rows["s-006"])
    assert not [p for p in paragraphs if "លោកអ្នក" in p]
    assert any(p.startswith("ខ្ញុំសូមសរសេរលិខិតនេះ អំពីលោកស្រី រ៉ូសា គីនតាណា") for p in paragraphs)
    assert any(p.endswith("ហើយសូមរង់ចាំការឆ្លើយតបដោយក្តីគោរព។") for p in paragraphs)
    # The demand follows "ខ្ញុំសូមស្នើដោយទទូចឱ្យ៖" with its verb, not with "ត្រូវ" ("must").
    assert any("ក្នុងពេលរង់ចាំការដោះលែងគាត់ ធានាថាគាត់អាចជួបក្រុមគ្រួសារ" in p for p in paragraphs)
    assert not [p for p in paragraphs if "ត្រូវធានា" in p]


def test_the_model_letters_openings_read_as_reviewed(model_letter) -> None:  # type: ignore[no-untyped-def]
    out, rows = model_letter
    ru = _paragraphs(out, rows["s-004"])
    # Not "в связи с задержанием …, которую задержали": the detention is said once.
    opening = "Обращаюсь к Вам по поводу Розы Кинтаны, общественной активистки из Агуас-Клараса, которая была задержана"
    assert any(p.startswith(opening) for p in ru)
    assert opening in _paragraphs(out, rows["s-004"], "pdf")[0]
    zh = _paragraphs(out, rows["s-007"])
    assert any(p.startswith("我谨就阿瓜斯克拉拉斯社区领袖罗莎·金塔纳一事致函。") for p in zh)
    # The minister's address is written as his country writes it, not with an English "(fictional)" in every letter.
    for row in ("s-002", "s-003", "s-004", "s-005", "s-006", "s-007"):
        paragraphs = _paragraphs(out, rows[row])
        assert "Ciudad Capital (ficticia)" in paragraphs and not [p for p in paragraphs if "fictional" in p]


def test_the_model_letter_examples_appeal_reads_as_reviewed(appeals) -> None:  # type: ignore[no-untyped-def]
    # The network is named as the line before the demands names it, without an article.
    assert any(p.startswith("Urgent Action Network estime que Rosa Quintana") for p in appeals["fr"])
    assert any(p.startswith("Urgent Action Network considera que Rosa Quintana") for p in appeals["es"])
    assert any("« trouble à l’ordre public » et se trouve en détention" in p for p in appeals["fr"])
    assert "Langue à privilégier pour écrire au destinataire : espagnol" in appeals["fr"]
    # Copies go to the ambassador, as in every other language, not to the embassy.
    assert "El embajador o la embajadora del país en su país" in appeals["es"]
    # Río Claro is 克拉罗河 (the river's name without "río"), and the community is named before "该".
    zh = "\n".join(appeals["zh"])
    assert "她一直记录克拉罗河的污染情况" in zh and "里奥克拉罗河" not in zh
    assert "阿瓜斯克拉拉斯是一个约有800户家庭的农业社区" in zh
