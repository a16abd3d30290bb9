"""The studio in a real browser: Playwright driving Debian's Chromium.

The steps of a person on deadline: open the studio, create an appeal, type
a demand and see it in the preview, see a validation error at its field,
add a translation, download the PDF and read it, run a small batch.
Skipped, saying why, where Chromium or Playwright is missing; CI installs
both (scripts/install-system-packages --with-tests, the test extra).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pytest.importorskip("starlette", reason="the studio extra is not installed: pip install -e '.[studio]'")
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed: pip install -e '.[test]'")
pypdfium2 = pytest.importorskip("pypdfium2")

from appeal_gen.studio.server import Running  # noqa: E402

from .conftest import DATA  # noqa: E402

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(),
        reason="Chromium is missing: scripts/install-system-packages --with-tests installs it (apt chromium)",
    ),
]


@pytest.fixture
def studio(tmp_path: Path):  # type: ignore[no-untyped-def]
    folder = tmp_path / "appeals"
    folder.mkdir()
    running = Running(str(folder))
    yield running, folder
    running.stop()


@pytest.fixture
def page(studio):  # type: ignore[no-untyped-def]
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        # bypass_csp lets Playwright's own wait_for_function run; the page keeps its policy for everything else.
        context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
        pg = context.new_page()
        errors: list[str] = []
        pg.on("pageerror", lambda e: errors.append(str(e)))
        yield pg
        browser.close()
        assert errors == []


def preview_has(pg, text: str) -> None:  # type: ignore[no-untyped-def]
    pg.wait_for_function(
        "t => { const p = document.querySelector('.pages'); return p && p.dataset.pdfText.includes(t); }",
        arg=text,
        timeout=15000,
    )


def test_from_a_blank_form_to_a_translated_pdf_and_a_batch(studio, page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    running, folder = studio
    pg = page
    pg.goto(running.url)
    pg.get_by_label("File name for the new appeal").fill("kh-defender")
    pg.get_by_role("button", name="Create").click()
    pg.wait_for_url("**/edit?spec=kh-defender.yaml")

    # The required fields of a new appeal, typed as a person types them.
    for label, value in [
        ("Case reference code", "KH-2026-001"),
        ("Country (ISO code, e.g. KH)", "KH"),
        ("Status", "arbitrary_detention"),
    ]:
        pg.get_by_label(label, exact=True).fill(value)
    # Text fields are labelled with their language ("Title en").
    pg.get_by_label("Title en").fill("Defender detained in Phnom Penh")
    pg.get_by_label("Summary en").fill("A defender was detained on 28 November 2026.")
    pg.get_by_label("Concern en").fill("We are concerned for her safety.")
    pg.locator("#f-issuers-0-name-en").fill("Example Defenders")
    pg.locator("#f-subjects-0-name-en").fill("A. Defender")
    pg.locator("#f-authorities-0-name-en").fill("B. Minister")
    pg.locator("#f-authorities-0-office-en").fill("Minister of Justice")
    pg.locator("#f-authorities-0-salutation-en").fill("Dear Minister")
    pg.locator("#f-demands-0-en").fill("Release A. Defender immediately and unconditionally;")
    preview_has(pg, "Release A. Defender immediately and unconditionally;")
    pg.screenshot(path=str(tmp_path / "editor.png"))
    assert (tmp_path / "editor.png").stat().st_size > 10_000

    # A bad value: check's message appears at the field.
    pg.get_by_label("Country (ISO code, e.g. KH)").fill("QQ")
    problem = pg.locator("#err-f-country p.problem")
    problem.wait_for(timeout=10000)
    assert "QQ" in problem.inner_text()
    pg.get_by_label("Country (ISO code, e.g. KH)").fill("KH")
    pg.locator("#err-f-country p.problem").wait_for(state="detached", timeout=10000)

    # Save, add French, translate the title beside its source.
    pg.get_by_role("button", name="Save").click()
    pg.get_by_text("Saved kh-defender.yaml").wait_for()
    pg.get_by_label("Add a language").select_option("fr")
    pg.get_by_role("button", name="Add", exact=True).click()
    pg.wait_for_url("**lang=fr")
    title = pg.locator("#f-title-fr")
    assert title.get_attribute("lang") == "fr" and title.get_attribute("dir") == "ltr"
    title.fill("Défenseure détenue à Phnom Penh")
    preview_has(pg, "Défenseure détenue à Phnom Penh")

    # A download is a build: French is refused, as build refuses it, until every field is translated.
    href = pg.locator("a", has_text="PDF (fr)").get_attribute("href") or ""
    response = pg.request.get(running.base + href.lstrip("/"))
    assert response.status == 422
    assert "summary: no 'fr' text for 5 of 6 fields" in response.text()
    for field, text in [
        ("summary", "Une défenseure a été arrêtée le 28 novembre 2026."),
        ("concern", "Nous sommes inquiets pour sa sécurité."),
        ("demands-0", "Libérer A. Defender immédiatement et sans condition ;"),
        ("authorities-0-office", "Ministre de la Justice"),
        ("authorities-0-salutation", "Monsieur le Ministre"),
    ]:
        pg.locator(f"#f-{field}-fr").fill(text)
    preview_has(pg, "Monsieur le Ministre")
    response = pg.request.get(running.base + href.lstrip("/"))
    assert response.headers["content-disposition"] == 'attachment; filename="kh-2026-001.fr.pdf"', response.text()
    doc = pypdfium2.PdfDocument(response.body())
    text = "".join(page.get_textpage().get_text_range() for page in doc)
    doc.close()
    assert "Défenseure détenue à Phnom Penh" in text and "Libérer A. Defender immédiatement" in text

    # A small batch: the list, its columns, the progress bar, the bad row.
    pg.get_by_role("button", name="Save").click()
    pg.get_by_text("Saved kh-defender.yaml").wait_for()
    pg.get_by_role("link", name="Batch…").click()
    pg.get_by_label("Recipient list").set_input_files(str(DATA / "studio" / "recipients.csv"))
    pg.get_by_role("button", name="Read its columns").click()
    assert pg.get_by_label("e_mail").input_value() == "email"
    pg.get_by_role("button", name="Make the letters").click()
    pg.get_by_text("Done: 3 rows: 2 letters").wait_for(timeout=60000)
    assert "recipients.csv:3: language: unknown language 'xx-bogus'" in pg.locator(".batch-problems").inner_text()
    assert pg.locator("#batch-progress").get_attribute("value") == "3"
    assert (folder / "out" / "batch" / "kh-defender" / "manifest.csv").is_file()


def test_every_field_is_labelled_focus_is_visible_and_200_percent_zoom_reflows(studio) -> None:  # type: ignore[no-untyped-def]
    from .conftest import EXAMPLE

    running, folder = studio
    shutil.copy(EXAMPLE, folder / "appeal.yaml")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            # 200% zoom of a 1280-pixel window: a 640-pixel layout viewport at twice the pixel density.
            ctx = browser.new_context(viewport={"width": 640, "height": 900}, device_scale_factor=2, bypass_csp=True)
            pg = ctx.new_page()
            pg.goto(running.url)
            pg.goto(running.base + "edit?spec=appeal.yaml&lang=ar")
            pg.wait_for_selector(".pages img", timeout=30000)
            unlabelled = pg.evaluate(
                """[...document.querySelectorAll('input, textarea, select, button')]
                   .filter(e => e.type !== 'hidden')
                   .filter(e => !(e.labels && e.labels.length))
                   .filter(e => !e.getAttribute('aria-label') && !e.textContent.trim())
                   .map(e => e.outerHTML.slice(0, 80))"""
            )
            assert unlabelled == []
            without_lang = pg.evaluate(
                "[...document.querySelectorAll('input[name=value], textarea')]"
                ".filter(e => !e.lang || !e.dir).map(e => e.id)"
            )
            assert without_lang == []
            assert pg.locator("#f-summary-ar").get_attribute("dir") == "rtl"
            # Nothing wider than the window: no sideways scrolling at 200%.
            assert pg.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
            # Keyboard: the first Tab reaches the skip link, and a focused field shows an outline.
            pg.keyboard.press("Tab")
            assert pg.evaluate("document.activeElement.className") == "skip"
            pg.locator("#f-reference-code").focus()
            pg.keyboard.press("Tab")
            assert pg.evaluate("document.activeElement.id") == "f-reference-follow_up"
            outline = pg.evaluate("getComputedStyle(document.activeElement).outlineStyle")
            assert outline == "solid"
        finally:
            browser.close()


def test_a_yaml_syntax_error_is_fixed_in_the_text_with_the_keyboard(studio, page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    running, folder = studio
    original = (DATA / "studio" / "commented.yaml").read_text()
    (folder / "case.yaml").write_text(original.replace("country: KH", 'country: "KH', 1))
    pg = page
    pg.goto(running.url)
    pg.goto(running.base + "edit?spec=case.yaml")
    assert "case.yaml:9:10: YAML syntax error" in pg.locator("#raw-problems").inner_text()
    assert pg.locator("#raw-problems mark").inner_text() == 'country: "KH'
    # The cursor waits on the error line, that line selected: typing replaces it.
    assert pg.evaluate("document.activeElement.id") == "raw-text"
    pg.screenshot(path=str(tmp_path / "raw.png"))
    pg.keyboard.type("country: KH")
    pg.keyboard.press("Tab")
    pg.keyboard.press("Enter")  # "Check and continue in the form"
    pg.wait_for_selector("#f-country")
    assert pg.locator("#f-country").input_value() == "KH"
    pg.get_by_role("button", name="Save").click()
    pg.get_by_text("Saved case.yaml").wait_for()
    assert (folder / "case.yaml").read_text() == original


def focused(pg, expected: str) -> str:  # type: ignore[no-untyped-def]
    """The focused element's id once an htmx swap has put the focus on *expected*; its focus ring shows."""
    try:
        pg.wait_for_function("id => document.activeElement.id === id", arg=expected, timeout=10000)
    except sync_api.TimeoutError:
        pass
    state = pg.evaluate("[document.activeElement.id, getComputedStyle(document.activeElement).outlineStyle]")
    assert state[1] == "solid", state
    return str(state[0])


def test_keyboard_focus_follows_list_add_remove_and_move(studio, page) -> None:  # type: ignore[no-untyped-def]
    running, folder = studio
    shutil.copy(DATA / "studio" / "commented.yaml", folder / "case.yaml")
    pg = page
    pg.goto(running.url)
    pg.goto(running.base + "edit?spec=case.yaml")
    pg.locator("#f-demands-2-en").focus()
    pg.keyboard.press("Tab")  # -> "Add demand"
    assert pg.evaluate("document.activeElement.id") == "add-demands"
    pg.keyboard.press("Enter")
    assert focused(pg, "f-demands-3-en") == "f-demands-3-en"  # the new demand's field, ready to type in
    pg.keyboard.type("Stop the harassment.")
    preview_has(pg, "Stop the harassment.")

    # Move demand 2 down: focus stays on the moved demand's "down" button, now in place 3.
    pg.locator("#f-demands-1-en").focus()
    pg.keyboard.press("Shift+Tab")  # Remove
    pg.keyboard.press("Shift+Tab")  # down
    assert pg.evaluate("document.activeElement.id") == "btn-demands-1-down"
    pg.keyboard.press("Enter")
    assert focused(pg, "btn-demands-2-down") == "btn-demands-2-down"
    assert pg.locator("#f-demands-2-en").input_value() == "Guarantee her access to a lawyer;"
    pg.keyboard.press("Enter")  # down again, to the end: its "down" is disabled, so "up" has the focus
    assert focused(pg, "btn-demands-3-up") == "btn-demands-3-up"
    assert pg.locator("#f-demands-3-en").input_value() == "Guarantee her access to a lawyer;"

    # Remove the last demand: the focus goes to the one before it; remove the first: to the next.
    pg.keyboard.press("Tab")  # from "up", past "down" (disabled), to Remove
    assert pg.evaluate("document.activeElement.id") == "btn-demands-3-remove"
    pg.keyboard.press("Enter")
    assert focused(pg, "f-demands-2-en") == "f-demands-2-en"
    assert pg.locator("#f-demands-2-en").input_value() == "Stop the harassment."
    pg.locator("#btn-demands-0-remove").focus()
    pg.keyboard.press("Enter")
    assert focused(pg, "f-demands-0-en") == "f-demands-0-en"
    assert pg.locator("#f-demands-0-en").input_value() == "Ensure that all defenders can work without fear."


def test_a_translator_confirms_a_stale_translation_and_uploads_a_po(studio, page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from appeal_gen import edit

    from .conftest import fill_po

    running, folder = studio
    text = (DATA / "studio" / "commented.yaml").read_text()
    text = edit.add_key(text, "case.yaml", "", "languages", ["en", "ru"])
    text = edit.set_text(text, "case.yaml", "title", "ru", "Задержан правозащитник")
    text = edit.set_text(text, "case.yaml", "title", "en", "Defender detained")
    (folder / "case.yaml").write_text(text)
    pg = page
    pg.goto(running.url)
    pg.goto(running.base + "edit?spec=case.yaml&lang=ru")
    assert pg.locator(".tabs a[lang=ru] .badge").inner_text() == "1 stale"
    assert "New source text: Defender detained" in pg.locator("#f-title-ru").locator("xpath=..").inner_text()
    pg.screenshot(path=str(tmp_path / "stale.png"), full_page=False)
    pg.get_by_role("button", name="Still right: confirm this translation").focus()
    pg.keyboard.press("Enter")
    assert focused(pg, "f-title-ru") == "f-title-ru"
    assert pg.locator(".stale").count() == 0

    # The .po for Poedit: downloaded, translated, uploaded.
    with pg.expect_download() as info:
        pg.get_by_role("link", name="Download the ru .po (Poedit, Weblate)").click()
    po = tmp_path / info.value.suggested_filename
    info.value.save_as(po)
    assert po.name == "case.ru.po"
    fill_po(po, {"concern": "Мы обеспокоены её безопасностью."}, key="context")
    pg.get_by_label("Translated .po file").set_input_files(str(po))
    pg.get_by_role("button", name="Import the .po").click()
    pg.locator(".po-report").wait_for()
    assert pg.locator(".po-report p").first.inner_text().startswith("case.ru.po: 1 translations imported")
    assert pg.locator("#f-concern-ru").input_value() == "Мы обеспокоены её безопасностью."
    preview_has(pg, "Мы обеспокоены её безопасностью.")
    pg.get_by_role("button", name="Save").click()
    pg.get_by_text("Saved case.yaml").wait_for()
    assert "Мы обеспокоены её безопасностью." in (folder / "case.yaml").read_text()


#: The news of the walk-through in docs/studio.md, in the six languages of the example besides English.
NEWS = {
    "fr": ("Le tribunal a rejeté l’appel du CCHR", "Le 2 décembre, le tribunal a rejeté l’appel du CCHR."),
    "es": (
        "El tribunal rechaza la apelación del CCHR",
        "El 2 de diciembre, el tribunal rechazó la apelación del CCHR.",
    ),
    "ru": ("Суд отклонил апелляцию CCHR", "2 декабря суд отклонил апелляцию CCHR."),
    "ar": ("المحكمة ترفض استئناف المركز", "في 2 ديسمبر، رفضت المحكمة استئناف المركز."),
    "km": ("តុលាការច្រានចោលបណ្តឹងឧទ្ធរណ៍", "នៅថ្ងៃទី២ ខែធ្នូ តុលាការបានច្រានចោលបណ្តឹងឧទ្ធរណ៍របស់ CCHR។"),
    "zh": ("法院驳回柬埔寨人权中心的上诉", "12月2日，法院驳回了柬埔寨人权中心的上诉。"),
}


def test_the_docs_walk_through_the_examples_follow_up_in_seven_languages(studio, page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """docs/studio.md's walk-through, as a person does it: no YAML, the Russian through a .po."""
    import zipfile

    from .conftest import EXAMPLE, fill_po

    running, folder = studio
    shutil.copy(EXAMPLE, folder / "appeal.yaml")
    pg = page
    pg.goto(running.url)
    pg.get_by_role("button", name="Follow-up of appeal.yaml").click()
    pg.wait_for_url("**/edit?spec=appeal.followup-2.yaml")
    assert pg.get_by_label("Follow-up number").input_value() == "2"
    headline = pg.get_by_label("Headline en").first
    assert headline.get_attribute("aria-invalid") == "true"  # check: must not be empty
    headline.fill("Court rejects CCHR's appeal")
    # Fixed: the red outline and aria-invalid go with the message.
    pg.wait_for_function("() => !document.querySelector('#f-updates-0-headline-en').hasAttribute('aria-invalid')")
    assert pg.locator(".field.has-problem #f-updates-0-headline-en").count() == 0
    pg.get_by_label("Body en").first.fill("On 2 December, the court rejected CCHR's appeal.")
    preview_has(pg, "On 2 December, the court rejected CCHR's appeal.")

    for lang, (headline, body) in NEWS.items():
        pg.locator(f".tabs a[lang={lang}]").click()
        pg.wait_for_url(f"**lang={lang}")
        if lang == "ru":
            with pg.expect_download() as info:
                pg.get_by_role("link", name="Download the ru .po (Poedit, Weblate)").click()
            po = tmp_path / "appeal.followup-2.ru.po"
            info.value.save_as(po)
            fill_po(po, {"updates.0.headline": headline, "updates.0.body": body}, key="context")
            pg.get_by_label("Translated .po file").set_input_files(str(po))
            pg.get_by_role("button", name="Import the .po").click()
            pg.locator(".po-report").wait_for()
            assert pg.locator(".po-report p").first.inner_text() == (
                "appeal.followup-2.ru.po: 2 translations imported; every field has ru"
            )
        else:
            pg.locator(f"#f-updates-0-headline-{lang}").fill(headline)
            pg.locator(f"#f-updates-0-body-{lang}").fill(body)
        pg.wait_for_function(
            "l => !document.querySelector('#problems').innerText.includes(`'${l}' text`)", arg=lang, timeout=20000
        )
    pg.get_by_text("No problems: check passes.").wait_for(timeout=20000)
    pg.get_by_role("button", name="Save").click()
    pg.get_by_text("Saved appeal.followup-2.yaml").wait_for()

    with pg.expect_download(timeout=180000) as info:
        pg.get_by_role("link", name="All languages (zip)").click()
    with zipfile.ZipFile(info.value.path()) as z:
        names = sorted(z.namelist())
        assert names == sorted(f"fld-kh-cchr-2017.{lang}.{fmt}" for lang in ["en", *NEWS] for fmt in ("pdf", "docx"))
        for lang in ("en", "fr", "ru", "zh"):
            doc = pypdfium2.PdfDocument(z.read(f"fld-kh-cchr-2017.{lang}.pdf"))
            text = "".join(p.get_textpage().get_text_range() for p in doc).replace("\r\n", "\n")
            doc.close()
            body = "On 2 December, the court rejected CCHR's appeal." if lang == "en" else NEWS[lang][1]
            assert body in text.replace("\n", " ") or body in text.replace("\n", ""), lang
