"""The studio's endpoints through Starlette's test client: the guard, the folder, the editor's round trip."""

from __future__ import annotations

import io
import os
import shutil
from pathlib import Path

import pytest

pytest.importorskip("starlette", reason="the studio extra is not installed: pip install -e '.[studio]'")
pypdfium2 = pytest.importorskip("pypdfium2")

from starlette.testclient import TestClient  # noqa: E402

from appeal_gen.spec import SpecErrors, parse_spec  # noqa: E402
from appeal_gen.studio.app import create_app  # noqa: E402
from appeal_gen.studio.security import CSRF_HEADER, derive  # noqa: E402

from .conftest import DATA  # noqa: E402

TOKEN = "test-token-0123456789"
CSRF = {CSRF_HEADER: derive(TOKEN, "csrf")}


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    d = tmp_path / "appeals"
    d.mkdir()
    shutil.copy(DATA / "studio" / "commented.yaml", d / "case.yaml")
    (tmp_path / "secret.yaml").write_text("outside: the folder\n")
    return d


def anonymous(folder: Path, **kw: object) -> TestClient:
    return TestClient(create_app(folder, TOKEN, ["testserver"]), follow_redirects=False, **kw)  # type: ignore[arg-type]


@pytest.fixture
def client(folder: Path) -> TestClient:
    c = anonymous(folder)
    r = c.get(f"/?token={TOKEN}")
    assert r.status_code == 303
    return c


def pdf_text(data: bytes) -> str:
    doc = pypdfium2.PdfDocument(data)
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in doc)
    finally:
        doc.close()


# -- the guard -------------------------------------------------------------


def test_without_the_token_nothing_is_served(folder: Path) -> None:
    c = anonymous(folder)
    r = c.get("/")
    assert (r.status_code, r.text) == (403, "no session: open the studio by the URL with the token it printed\n")
    r = c.get("/?token=guess")
    assert (r.status_code, r.text) == (403, "wrong token: open the studio by the URL it printed\n")
    assert "set-cookie" not in r.headers
    assert c.get("/static/studio.css").status_code == 403


def test_the_token_becomes_an_httponly_strict_cookie_and_leaves_the_address_bar(folder: Path) -> None:
    c = anonymous(folder)
    r = c.get(f"/edit?spec=case.yaml&token={TOKEN}")
    assert r.status_code == 303
    assert r.headers["location"] == "/edit?spec=case.yaml"
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and TOKEN not in cookie
    page = c.get("/edit?spec=case.yaml")
    assert page.status_code == 200 and "TEST-STUDIO" in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]


def test_another_host_name_is_refused_even_with_the_cookie(client: TestClient) -> None:
    # DNS rebinding: the attacker's name resolves to 127.0.0.1, the browser sends its Host.
    r = client.get("/", headers={"Host": "evil.example:8000"})
    assert (r.status_code, r.text) == (421, "unknown Host 'evil.example:8000': open the studio by the URL it printed\n")


def test_every_write_needs_the_csrf_token_and_a_same_origin(client: TestClient, folder: Path) -> None:
    before = (folder / "case.yaml").read_text()
    form = {"path": "reference.code", "value": "HACKED"}
    r = client.post("/api/field?spec=case.yaml", data=form)
    assert (r.status_code, r.text) == (403, "missing or wrong CSRF token: reload the page\n")
    r = client.post("/api/save?spec=case.yaml", data={}, headers={CSRF_HEADER: "x"})
    assert r.status_code == 403
    r = client.post("/api/field?spec=case.yaml", data=form, headers={**CSRF, "Origin": "http://evil.example"})
    assert (r.status_code, r.text) == (403, "refused a change sent from another site (http://evil.example)\n")
    assert (folder / "case.yaml").read_text() == before
    assert client.post(
        "/api/field?spec=case.yaml", data=form, headers={**CSRF, "Origin": "http://testserver"}
    ).is_success


def test_an_upload_over_the_limit_is_refused_before_it_is_read(folder: Path) -> None:
    from appeal_gen.studio.security import Guard

    app = create_app(folder, TOKEN, ["testserver"])
    assert isinstance(app, Guard)
    app.max_body = 1024
    c = TestClient(app, follow_redirects=False)
    c.get(f"/?token={TOKEN}")
    r = c.post("/api/new", content=b"name=" + b"a" * 2000, headers={**CSRF, "content-type": "text/plain"})
    assert (r.status_code, r.text) == (413, "the upload is larger than 1 KiB\n")
    assert sorted(p.name for p in folder.iterdir()) == ["case.yaml"]


@pytest.mark.parametrize(
    "name",
    ["../secret.yaml", "/etc/passwd", "..%2Fsecret.yaml", "sub/../../secret.yaml", ".appeal-gen-studio/x.yaml", "case"],
)
def test_names_outside_the_folder_are_refused(client: TestClient, name: str) -> None:
    for url in (f"/edit?spec={name}", f"/preview?spec={name}", f"/download?spec={name}&lang=en&format=pdf"):
        r = client.get(url)
        assert r.status_code == 404, url
        assert "outside" not in r.text or "secret" not in r.text
        assert r.text.endswith(("not a spec file name inside the folder\n", "outside the studio's folder\n"))


def test_a_symbolic_link_out_of_the_folder_is_refused(client: TestClient, folder: Path) -> None:
    os.symlink(folder.parent / "secret.yaml", folder / "link.yaml")
    r = client.get("/edit?spec=link.yaml")
    assert (r.status_code, r.text) == (404, "'link.yaml': outside the studio's folder\n")
    assert "link.yaml" not in client.get("/").text


# -- the folder and the editor -------------------------------------------------


def test_the_list_shows_languages_missing_and_stale_translations(client: TestClient, folder: Path) -> None:
    from appeal_gen import edit

    text = (folder / "case.yaml").read_text()
    text = edit.set_text(text, "case.yaml", "title", "fr", "Un défenseur détenu")
    text = edit.add_key(text, "case.yaml", "", "languages", ["en", "fr"])
    text = edit.set_text(text, "case.yaml", "title", "en", "Two defenders detained")
    (folder / "case.yaml").write_text(text)
    page = client.get("/").text
    row = page[page.index('<tr data-spec="case.yaml">') :].split("</tr>")[0]
    cells = [c.split(">", 1)[1].split("</td")[0] for c in row.split("<td")[1:]]
    assert cells[3:] == ["en, fr", "fr", "fr", "never"]


def test_typing_a_field_keeps_a_draft_and_save_writes_it_in_place(client: TestClient, folder: Path) -> None:
    original = (folder / "case.yaml").read_text()
    r = client.post(
        "/api/field?spec=case.yaml", data={"path": "demands.1", "lang": "en", "value": "Free her now."}, headers=CSRF
    )
    assert r.status_code == 200 and r.headers["HX-Trigger"] == "changed"
    assert (folder / "case.yaml").read_text() == original  # only the draft changed
    assert "Free her now." in client.get("/preview/text?spec=case.yaml&lang=en").text
    assert "Free her now." in client.get("/edit?spec=case.yaml").text  # the draft survives a reload
    r = client.post("/api/save?spec=case.yaml", data={}, headers=CSRF)
    assert "Saved case.yaml" in r.text
    saved = (folder / "case.yaml").read_text()
    assert saved == original.replace("  - Guarantee her access to a lawyer;", "  - Free her now.")


def test_a_file_changed_on_disk_meanwhile_is_not_overwritten_without_asking(client: TestClient, folder: Path) -> None:
    client.post("/api/field?spec=case.yaml", data={"path": "reference.code", "value": "MINE"}, headers=CSRF)
    theirs = (folder / "case.yaml").read_text().replace("TEST-STUDIO", "THEIRS")
    (folder / "case.yaml").write_text(theirs)
    r = client.post("/api/save?spec=case.yaml", data={}, headers=CSRF)
    assert "case.yaml changed on disk" in r.text and "Keep my version" in r.text and "Discard my changes" in r.text
    assert (folder / "case.yaml").read_text() == theirs
    client.post("/api/save?spec=case.yaml", data={"force": "1"}, headers=CSRF)
    assert "code: MINE   # names the files" in (folder / "case.yaml").read_text()


def test_discarding_the_draft_reloads_the_file(client: TestClient, folder: Path) -> None:
    client.post("/api/field?spec=case.yaml", data={"path": "reference.code", "value": "MINE"}, headers=CSRF)
    r = client.post("/api/discard?spec=case.yaml", data={}, headers=CSRF)
    assert r.headers["HX-Redirect"] == "/edit?spec=case.yaml"
    assert "MINE" not in client.get("/edit?spec=case.yaml").text


def test_a_bad_value_shows_checks_own_message_at_the_field(client: TestClient, folder: Path) -> None:
    r = client.post("/api/field?spec=case.yaml", data={"path": "country", "value": "XQ"}, headers=CSRF)
    text = (folder / "case.yaml").read_text().replace("country: KH", "country: XQ")
    with pytest.raises(SpecErrors) as info:
        parse_spec(text, "case.yaml")
    (error,) = info.value.errors
    assert error.field == "country"
    assert r.text.strip() == f'<p class="problem">{error.message}</p>'.replace("'", "&#39;")
    page = client.get("/edit?spec=case.yaml").text
    field = page[page.index('id="f-country"') :]
    assert 'aria-invalid="true"' in page[page.index('<input type="text" id="f-country"') :].split(">")[0]
    assert field.index("err-f-country") < field.index(error.message.replace("'", "&#39;"))


def test_translation_tab_shows_the_source_beside_a_right_to_left_input(client: TestClient) -> None:
    page = client.get("/edit?spec=case.yaml&lang=ar").text
    tag = page[page.index('id="f-title-ar"') :].split(">")[0]
    assert 'lang="ar"' in tag and 'dir="rtl"' in tag
    assert (
        '<div class="source" lang="en" dir="ltr"><span class="visually-hidden">Source text: </span>'
        "A defender detained</div>" in page
    )


def test_list_buttons_reorder_remove_and_add(client: TestClient) -> None:
    r = client.post("/api/list?spec=case.yaml", data={"path": "demands", "op": "down", "index": "0"}, headers=CSRF)
    assert r.status_code == 200
    r = client.post("/api/list?spec=case.yaml", data={"path": "demands", "op": "remove", "index": "2"}, headers=CSRF)
    r = client.post(
        "/api/list?spec=case.yaml", data={"path": "demands", "op": "add", "blank": '"New one."'}, headers=CSRF
    )
    text = client.get("/preview/text?spec=case.yaml&lang=en").text
    assert text.index("Guarantee her access") < text.index("Release A. Defender") < text.index("New one.")
    assert "Ensure that all defenders" not in text


def test_downloads_are_the_built_documents(client: TestClient) -> None:
    client.post(
        "/api/field?spec=case.yaml", data={"path": "demands.0", "lang": "en", "value": "Free her."}, headers=CSRF
    )
    r = client.get("/download?spec=case.yaml&lang=en&format=pdf")
    assert r.headers["content-disposition"] == 'attachment; filename="test-studio.en.pdf"'
    assert "Free her." in pdf_text(r.content)
    r = client.get("/download?spec=case.yaml&lang=all&format=zip")
    import zipfile

    assert zipfile.ZipFile(io.BytesIO(r.content)).namelist() == ["test-studio.en.docx", "test-studio.en.pdf"]


def test_the_preview_and_downloads_wear_the_theme_the_spec_names(client: TestClient, folder: Path) -> None:
    from pypdf import PdfReader

    shutil.copytree(DATA.parent.parent / "examples" / "themes" / "northbridge", folder / "look")
    client.post("/api/field?spec=case.yaml", data={"path": "theme", "value": "look/theme.yaml"}, headers=CSRF)
    assert "Northbridge Rights Watch" in client.get("/preview/text?spec=case.yaml&lang=en").text
    r = client.get("/download?spec=case.yaml&lang=en&format=pdf")
    assert r.status_code == 200, r.text
    page = PdfReader(io.BytesIO(r.content)).pages[0]
    assert (float(page.mediabox.width), float(page.mediabox.height)) == (612, 792)
    assert "Northbridge Rights Watch" in pdf_text(r.content)


def test_a_download_of_a_spec_with_problems_says_them(client: TestClient) -> None:
    client.post("/api/field?spec=case.yaml", data={"path": "country", "value": "XQ"}, headers=CSRF)
    r = client.get("/download?spec=case.yaml&lang=en&format=pdf")
    assert r.status_code == 422
    assert r.text.startswith("case.yaml:9:10: country: ")


def test_a_new_appeal_starts_from_a_blank_form(client: TestClient, folder: Path) -> None:
    r = client.post("/api/new", data={"name": "new-case"}, headers=CSRF)
    assert r.headers["HX-Redirect"] == "/edit?spec=new-case.yaml"
    page = client.get("/edit?spec=new-case.yaml").text
    assert 'id="f-title-en"' in page
    r = client.post("/api/new", data={"name": "new-case"}, headers=CSRF)
    assert (r.status_code, r.text) == (409, "new-case.yaml: exists already; choose another name")
    r = client.post("/api/new", data={"name": "../escape"}, headers=CSRF)
    assert r.status_code == 404 and not (folder.parent / "escape.yaml").exists()


def test_the_form_has_a_place_for_every_documented_field() -> None:
    from appeal_gen.spec import iter_schema_keys
    from appeal_gen.studio.form import form_keys

    bookkeeping = {"spec_version", "languages", "translated_from", "reference"}
    assert set(iter_schema_keys()) - bookkeeping - form_keys() == set()


def test_follow_up_writes_a_new_spec_next_to_the_first(client: TestClient, folder: Path) -> None:
    r = client.post("/api/followup?spec=case.yaml", data={}, headers=CSRF)
    assert r.headers["HX-Redirect"] == "/edit?spec=case.followup-1.yaml"
    text = (folder / "case.followup-1.yaml").read_text()
    assert "  follow_up: 1\n" in text and "# names the files" in text
    page = client.get("/edit?spec=case.followup-1.yaml").text
    assert "updates.0.headline</code>: must not be empty" in page
    r = client.post("/api/followup?spec=case.yaml", data={}, headers=CSRF)
    assert r.headers["HX-Redirect"] == "/edit?spec=case.followup-1-2.yaml"


def test_a_batch_from_the_browser_maps_columns_shows_bad_rows_and_zips_the_letters(
    client: TestClient, folder: Path
) -> None:
    import re
    import zipfile

    page = client.get("/batch?spec=case.yaml")
    assert 'name="list"' in page.text
    with open(DATA / "studio" / "recipients.csv", "rb") as fh:
        r = client.post(
            "/api/batch/upload?spec=case.yaml", files={"list": ("people.csv", fh, "text/csv")}, headers=CSRF
        )
    selected = dict(re.findall(r'name="map:([^"]+)">.*?<option value="([^"]*)" selected', r.text, re.S))
    assert selected == {
        "id": "id",
        "lang": "language",
        "full_name": "name",
        "office": "office",
        "e_mail": "email",
        "group": "",
    }
    upload = re.search(r'name="upload" value="([^"]+)"', r.text)
    assert upload
    form = {
        "upload": upload.group(1),
        "filename": "people.csv",
        **{f"map:{k}": v for k, v in selected.items()},
        "map:office": "organisation",
    }
    r = client.post("/api/batch/run?spec=case.yaml", data=form, headers=CSRF)
    job = re.search(r'data-events="/api/batch/events\?job=([0-9a-f]+)"', r.text)
    assert job
    with client.stream("GET", f"/api/batch/events?job={job.group(1)}") as events:
        lines = [line for line in events.iter_lines() if line.startswith("event: done")]
    assert lines == ["event: done"]
    result = client.get(f"/api/batch/result?job={job.group(1)}").text
    assert "Done: 3 rows: 2 letters (0 reused), 1 failed" in result
    (problem,) = re.findall(r'<li class="problem">(.*?)</li>', result)
    assert problem == "people.csv:3: language: unknown language &#39;xx-bogus&#39;; this appeal has: en"
    z = zipfile.ZipFile(io.BytesIO(client.get(f"/api/batch/zip?job={job.group(1)}").content))
    assert {"letters/r1.en.pdf", "letters/r3.en.pdf", "combined/test-studio.en.pdf", "manifest.csv"} <= set(
        z.namelist()
    )
    manifest = z.read("manifest.csv").decode()
    # Line numbers are the uploaded file's; the names come from the column mapped to "name".
    assert [row.split(",")[:3] for row in manifest.splitlines()[1:]] == [
        ["2", "r1", "A. Ambassador"],
        ["3", "r2", "B. Person"],
        ["4", "r3", "C. Person"],
    ]
    assert not (folder / "people.csv").exists()


def test_the_walk_through_of_docs_studio_md_gives_the_examples_follow_up_in_seven_languages(tmp_path: Path) -> None:
    import zipfile

    from .conftest import EXAMPLE

    folder = tmp_path / "cchr-2017"
    folder.mkdir()
    shutil.copy(EXAMPLE, folder / "appeal.yaml")
    c = anonymous(folder)
    c.get(f"/?token={TOKEN}")
    r = c.post("/api/followup?spec=appeal.yaml", data={}, headers=CSRF)
    assert r.headers["HX-Redirect"] == "/edit?spec=appeal.followup-2.yaml"
    news = {
        "en": ("CCHR director summoned", "On 28 November the director was summoned."),
        "fr": ("La directrice du CCHR convoquée", "Le 28 novembre, la directrice a été convoquée."),
        "es": ("Citada la directora del CCHR", "El 28 de noviembre, la directora fue citada."),
        "ru": ("Директор CCHR вызвана", "28 ноября директор была вызвана."),
        "ar": ("استدعاء مديرة المركز", "في 28 نوفمبر، استُدعيت المديرة."),
        "km": ("នាយិកា CCHR ត្រូវបានកោះហៅ", "នៅថ្ងៃទី២៨ ខែវិច្ឆិកា នាយិកាត្រូវបានកោះហៅ។"),
        "zh": ("柬埔寨人权中心主任被传唤", "11月28日，该主任被传唤。"),
    }
    for lang, (headline, body) in news.items():
        for field, value in (("headline", headline), ("body", body)):
            r = c.post(
                "/api/field?spec=appeal.followup-2.yaml",
                data={"path": f"updates.0.{field}", "lang": lang, "value": value},
                headers=CSRF,
            )
            assert r.status_code == 200
    assert "No problems: <code>check</code> passes." in c.get("/problems?spec=appeal.followup-2.yaml").text
    assert "Saved" in c.post("/api/save?spec=appeal.followup-2.yaml", data={}, headers=CSRF).text
    saved = parse_spec((folder / "appeal.followup-2.yaml").read_text(), "f.yaml")
    assert saved.reference.follow_up == 2 and saved.updates[0].headline.values == {k: v[0] for k, v in news.items()}
    z = zipfile.ZipFile(io.BytesIO(c.get("/download?spec=appeal.followup-2.yaml&lang=all&format=zip").content))
    assert len(z.namelist()) == 14
    assert "La directrice du CCHR convoquée" in pdf_text(z.read("fld-kh-cchr-2017.fr.pdf"))


def test_the_command_prints_its_url_with_the_token_and_serves_it(folder: Path) -> None:
    import re
    import subprocess
    import sys
    import urllib.error
    import urllib.request

    proc = subprocess.Popen(
        [sys.executable, "-m", "appeal_gen", "studio", str(folder), "--no-browser"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        m = re.fullmatch(r"appeal-gen studio: serving (.+) at (http://127\.0\.0\.1:\d+/)\?token=([\w-]{43})\n", line)
        assert m and m.group(1) == str(folder.resolve())
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(m.group(2))
        assert info.value.code == 403
        info.value.close()
    finally:
        proc.terminate()
        proc.communicate(timeout=10)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--port", "70000"], "--port: expected 0 to 65535, not 70000"),
        (["--host", "192.0.2.1"], "--port: cannot listen on 192.0.2.1:0: Cannot assign requested address"),
    ],
)
def test_bad_options_are_one_line_and_exit_2(folder: Path, argv: list[str], message: str, capsys) -> None:  # type: ignore[no-untyped-def]
    from appeal_gen.cli import main

    assert main(["studio", str(folder), "--no-browser", *argv]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[-1] == message
    if "--host" in argv:
        assert err[0].startswith("warning: --host 192.0.2.1: the studio is reachable from other machines")


def test_a_missing_folder_is_refused(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    from appeal_gen.cli import main

    assert main(["studio", str(tmp_path / "nope"), "--no-browser"]) == 2
    assert capsys.readouterr().err == f"{tmp_path / 'nope'}: not a folder\n"


def test_two_studios_side_by_side_keep_their_own_cookies(folder: Path) -> None:
    other = TestClient(create_app(folder, "another-token", ["testserver"]), follow_redirects=False)
    c = anonymous(folder)
    first = c.get(f"/?token={TOKEN}").headers["set-cookie"].split("=")[0]
    second = other.get("/?token=another-token").headers["set-cookie"].split("=")[0]
    assert first != second and first.startswith("appeal_gen_studio_")
    # The first studio's cookie, sent to both (same host, other port), opens only the first.
    c.cookies.set(second, "x")
    assert c.get("/").status_code == 200


def test_each_language_tab_sets_how_that_language_is_written(client: TestClient, folder: Path) -> None:
    page = client.get("/edit?spec=case.yaml&lang=fr").text
    tag = page[page.index('id="f-conventions-fr-authorities"') :].split(">")[0]
    assert 'lang="fr"' in tag
    for path, value in (
        ("conventions.fr.authorities", "les autorités du Cambodge"),
        ("conventions.fr.typography", "false"),
    ):
        r = client.post("/api/field?spec=case.yaml", data={"path": path, "value": value}, headers=CSRF)
        assert r.status_code == 200 and r.text.strip() == ""
    client.post("/api/save?spec=case.yaml", data={}, headers=CSRF)
    text = (folder / "case.yaml").read_text()
    assert text.endswith("conventions:\n  fr:\n    authorities: les autorités du Cambodge\n    typography: false\n")
    conventions = parse_spec(text, "case.yaml").conventions["fr"]
    assert (conventions.authorities, conventions.typography) == ("les autorités du Cambodge", False)


# -- a spec whose YAML does not parse ------------------------------------------


def test_a_yaml_syntax_error_shows_checks_message_and_the_text_never_an_empty_form(
    client: TestClient, folder: Path
) -> None:
    original = (folder / "case.yaml").read_text()
    broken = original.replace("country: KH", 'country: "KH', 1)
    (folder / "case.yaml").write_text(broken)
    with pytest.raises(SpecErrors) as info:
        parse_spec(broken, "case.yaml")
    message = info.value.errors[0].format()
    assert message.startswith("case.yaml:") and "YAML syntax error" in message
    line = info.value.errors[0].line

    page = client.get("/edit?spec=case.yaml").text
    assert f"<code>{message}</code>".replace('"', "&#34;") in page
    assert "/api/field" not in page and "/api/save" not in page  # no form that could overwrite the file
    assert f'data-line="{line}"' in page
    assert f"<mark>{broken.splitlines()[line - 1]}</mark>".replace('"', "&#34;") in page

    # Still not YAML: the message again, nothing saved anywhere.
    r = client.post("/api/raw?spec=case.yaml", data={"text": broken + "\n"}, headers=CSRF)
    assert r.status_code == 200 and "YAML syntax error" in r.text and "HX-Redirect" not in r.headers
    assert "/api/field" not in client.get("/edit?spec=case.yaml").text

    # Fixed: the form opens with it as a draft; the file changes only on Save.
    fixed = broken.replace('country: "KH', "country: KH", 1)
    r = client.post("/api/raw?spec=case.yaml", data={"text": fixed.replace("\n", "\r\n")}, headers=CSRF)
    assert (r.status_code, r.headers["HX-Redirect"]) == (204, "/edit?spec=case.yaml")
    assert (folder / "case.yaml").read_text() == broken
    assert 'id="f-country"' in client.get("/edit?spec=case.yaml").text
    client.post("/api/save?spec=case.yaml", data={}, headers=CSRF)
    assert (folder / "case.yaml").read_text() == original


def test_a_spec_that_is_not_a_mapping_opens_as_text(client: TestClient, folder: Path) -> None:
    (folder / "list.yaml").write_text("- a\n- b\n")
    page = client.get("/edit?spec=list.yaml").text
    assert "<code>list.yaml:1:1: expected a mapping, found a list</code>" in page
    assert "/api/field" not in page


def test_clearing_an_optional_field_removes_its_key_and_keeps_the_rest(client: TestClient, folder: Path) -> None:
    original = (folder / "case.yaml").read_text()
    client.post("/api/field?spec=case.yaml", data={"path": "deadline", "value": "2024-04-01"}, headers=CSRF)
    client.post("/api/field?spec=case.yaml", data={"path": "title", "lang": "fr", "value": "Détenu"}, headers=CSRF)
    client.post(
        "/api/field?spec=case.yaml", data={"path": "authorities.0.salutation", "lang": "en", "value": ""}, headers=CSRF
    )
    client.post("/api/field?spec=case.yaml", data={"path": "deadline", "value": ""}, headers=CSRF)
    r = client.post("/api/field?spec=case.yaml", data={"path": "title", "lang": "fr", "value": ""}, headers=CSRF)
    assert r.status_code == 200
    client.post("/api/save?spec=case.yaml", data={}, headers=CSRF)
    saved = (folder / "case.yaml").read_text()
    expected = original.replace("    salutation: Dear Minister\n", "")
    expected = expected.replace("title: 'A defender detained'", "title:\n  en: 'A defender detained'")
    assert saved == expected  # no deadline, no French title and no record of one, no ""


# -- translators ---------------------------------------------------------------


def stale_french(folder: Path) -> str:
    """case.yaml with a French title, then its English title changed: the French one is stale."""
    from appeal_gen import edit

    text = (folder / "case.yaml").read_text()
    text = edit.set_text(text, "case.yaml", "title", "fr", "Un défenseur détenu")
    text = edit.add_key(text, "case.yaml", "", "languages", ["en", "fr"])
    text = edit.set_text(text, "case.yaml", "title", "en", "Two defenders detained")
    (folder / "case.yaml").write_text(text)
    return text


def test_a_stale_translation_shows_the_new_source_beside_it_and_is_confirmed(client: TestClient, folder: Path) -> None:
    from appeal_gen.staleness import stale

    stale_french(folder)
    page = client.get("/edit?spec=case.yaml&lang=fr").text
    assert '<bdi class="badge" lang="en">1 stale</bdi>' in page
    assert "1 translation in this tab is stale" in page
    block = page[page.index('<label for="f-title-fr">') :].split('<div class="field-problems"')[0]
    assert '<span class="source-tag">New source text: </span>Two defenders detained</div>' in block
    assert "Stale: the en text changed since the fr translation was made." in block
    assert 'value="Un défenseur détenu"' in block
    assert "Stale:" not in page[page.index('<label for="f-summary-fr">') :]  # only the title

    r = client.post("/api/accept?spec=case.yaml", data={"path": "title", "lang": "fr"}, headers=CSRF)
    assert r.status_code == 200 and r.headers["HX-Trigger"] == "changed"
    assert "Stale:" not in r.text and 'data-focus="f-title-fr"' in r.text
    client.post("/api/save?spec=case.yaml", data={}, headers=CSRF)
    assert stale(parse_spec((folder / "case.yaml").read_text(), "case.yaml"), "fr") == []


def test_confirm_all_stale_translations_of_a_language(client: TestClient, folder: Path) -> None:
    from appeal_gen.staleness import stale

    stale_french(folder)
    r = client.post("/api/accept?spec=case.yaml", data={"lang": "fr"}, headers=CSRF)
    assert "stale" not in r.text.lower().replace("stale-", "")
    draft_text = client.get("/edit?spec=case.yaml&lang=fr").text
    assert "1 stale" not in draft_text
    client.post("/api/save?spec=case.yaml", data={}, headers=CSRF)
    assert stale(parse_spec((folder / "case.yaml").read_text(), "case.yaml"), "fr") == []


def test_a_language_po_is_downloaded_translated_and_uploaded(client: TestClient, folder: Path, tmp_path: Path) -> None:
    from .conftest import fill_po

    text = (folder / "case.yaml").read_text()
    from appeal_gen import edit

    (folder / "case.yaml").write_text(edit.add_key(text, "case.yaml", "", "languages", ["en", "fr"]))
    r = client.get("/translate/po?spec=case.yaml&lang=fr")
    assert r.headers["content-disposition"] == 'attachment; filename="case.fr.po"'
    po = tmp_path / "case.fr.po"
    po.write_bytes(r.content)
    assert 'msgctxt "title"' in r.text and 'msgid "A defender detained"' in r.text
    fill_po(po, {"title": "Un défenseur détenu", "concern": "Nous sommes inquiets pour sa sécurité."}, key="context")
    r = client.post(
        "/api/po?spec=case.yaml",
        data={"lang": "fr"},
        files={"po": ("case.fr.po", po.read_bytes(), "text/x-gettext-translation")},
        headers=CSRF,
    )
    assert r.status_code == 200 and r.headers["HX-Trigger"] == "changed"
    assert "<p>case.fr.po: 2 translations imported, 6 not finished; 6 fields still lack fr</p>" in r.text
    assert '<p class="warning">case.fr.po:39: summary: not translated yet</p>' in r.text
    assert 'value="Un défenseur détenu"' in r.text
    assert "Nous sommes inquiets pour sa sécurité." in client.get("/preview/text?spec=case.yaml&lang=fr").text
    client.post("/api/save?spec=case.yaml", data={}, headers=CSRF)
    assert parse_spec((folder / "case.yaml").read_text(), "case.yaml").title.values["fr"] == "Un défenseur détenu"


def test_a_broken_po_is_refused_with_the_clis_message(client: TestClient, folder: Path) -> None:
    original = (folder / "case.yaml").read_text()
    r = client.post(
        "/api/po?spec=case.yaml",
        data={"lang": "fr"},
        files={"po": ("../x/bad.po", b'msgid "a"\nmsgstr "b\n', "text/x-gettext-translation")},
        headers=CSRF,
    )
    assert r.status_code == 200 and "HX-Trigger" not in r.headers
    notice = r.text[r.text.index('<p class="notice" role="alert">') :].split("</p>")[0]
    assert notice.startswith('<p class="notice" role="alert">bad.po:')
    assert (folder / "case.yaml").read_text() == original
    assert client.get("/edit?spec=case.yaml").text.count("restored") == 0


def test_preview_pages_are_images_at_addresses_that_change_only_with_the_page(client: TestClient) -> None:
    import re

    from PIL import Image

    first = re.findall(
        r'<img src="/preview/page\?key=([0-9a-f]{32})"', client.get("/preview?spec=case.yaml&lang=en").text
    )
    assert len(first) == 1
    r = client.get(f"/preview/page?key={first[0]}")
    assert r.headers["content-type"] == "image/png" and "immutable" in r.headers["cache-control"]
    assert Image.open(io.BytesIO(r.content)).size == (596, 842)  # A4 at 72 dpi, rounded up
    client.post("/api/field?spec=case.yaml", data={"path": "title", "lang": "en", "value": "Changed"}, headers=CSRF)
    second = re.findall(
        r'<img src="/preview/page\?key=([0-9a-f]{32})"', client.get("/preview?spec=case.yaml&lang=en").text
    )
    assert second != first and client.get(f"/preview/page?key={second[0]}").status_code == 200
    assert client.get("/preview/page?key=" + "0" * 32).status_code == 404


def test_checking_the_same_text_again_reuses_the_answer(folder: Path) -> None:
    """The problems list, the form and the editor page ask about one text after each edit: one check."""
    from appeal_gen.studio.views import check_text

    text = (folder / "case.yaml").read_text()
    first = check_text(text, "case.yaml")
    assert check_text(text, "case.yaml") is first
    assert check_text(text, "case.yaml", only="en") is not first
    assert check_text(text + "\n", "case.yaml") is not first


@pytest.mark.parametrize("route", ["/api/raw", "/api/po", "/api/accept"])
def test_the_translator_and_text_routes_need_csrf_and_stay_in_the_folder(
    client: TestClient, folder: Path, route: str
) -> None:
    before = (folder / "case.yaml").read_text()
    r = client.post(f"{route}?spec=case.yaml", data={"text": "spec_version: 1\n", "lang": "fr"})
    assert (r.status_code, r.text) == (403, "missing or wrong CSRF token: reload the page\n")
    r = client.post(f"{route}?spec=../secret.yaml", data={"text": "x: 1\n", "lang": "fr"}, headers=CSRF)
    assert (r.status_code, r.text) == (404, "'../secret.yaml': not a spec file name inside the folder\n")
    assert (folder / "case.yaml").read_text() == before
    assert (folder.parent / "secret.yaml").read_text() == "outside: the folder\n"
    assert client.get("/translate/po?spec=../secret.yaml&lang=fr").status_code == 404
