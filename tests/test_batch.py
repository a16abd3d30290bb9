"""The batch command as campaigners use it: letters read back, bad rows, resume, locks, manifests."""

from __future__ import annotations

import csv
import dataclasses
import email
import email.policy
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
import unicodedata
from pathlib import Path
from typing import Any

import docx
import pytest
from pypdf import PdfReader

from appeal_gen.document import Correspondent

from .conftest import DATA, EXAMPLE, pdf_text, run, squash

RECIPIENTS = EXAMPLE.parent / "recipients.csv"
LISTS = DATA / "recipients"


def docx_text(path: Path) -> str:
    return "\n".join(p.text for p in docx.Document(str(path)).paragraphs)


def manifest_rows(outdir: Path) -> list[dict[str, str]]:
    with open(outdir / "manifest.csv", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def write_list(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def all_files(outdir: Path) -> dict[str, bytes]:
    return {p.relative_to(outdir).as_posix(): p.read_bytes() for p in sorted(outdir.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def example_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int, str, str]:
    """The README's batch command on the example list, run once for this module."""
    out = tmp_path_factory.mktemp("batch") / "letters-out"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "appeal_gen",
            "batch",
            str(EXAMPLE),
            "--recipients",
            str(RECIPIENTS),
            "-o",
            str(out),
            "--eml",
            "--jobs",
            "2",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    return out, proc.returncode, proc.stdout, proc.stderr


# --------------------------------------------------------------------------
# The example: every letter, in its language, addressed and signed


def test_example_produces_every_letter_combined_pdfs_and_manifest(example_run) -> None:  # type: ignore[no-untyped-def]
    out, code, stdout, stderr = example_run
    assert code == 0, stderr
    rows = manifest_rows(out)
    assert len(rows) == 20
    assert {r["status"] for r in rows} == {"ok"}
    assert sorted({r["language"] for r in rows}) == ["ar", "en", "es", "fr", "km", "ru", "zh"]
    assert stdout.splitlines() == [
        *(
            str(out / "combined" / f"fld-kh-cchr-2017.{lang}.pdf")
            for lang in ["ar", "en", "es", "fr", "km", "ru", "zh"]
        ),
        str(out / "manifest.csv"),
        str(out / "manifest.json"),
    ]
    assert stderr.splitlines()[-1].startswith("batch: 20 rows: 20 letters (0 reused), 0 failed, in ")
    for r in rows:
        for fmt in ("pdf", "docx", "eml"):
            if r[fmt]:
                assert hashlib.sha256((out / r[fmt]).read_bytes()).hexdigest() == r[f"{fmt}_sha256"]
    # .eml only for rows with an email address; PDF and DOCX for every row.
    assert sum(1 for r in rows if r["eml"]) == 14
    assert all(r["pdf"] and r["docx"] for r in rows)
    assert not list(out.rglob("*.part"))


@pytest.mark.parametrize(
    ("stem", "expected"),
    [
        # An official: address block, the list's salutation, the supporter's letter and signature.
        (
            "emb-london.en",
            [
                "H.E. Chea Vannak",
                "Royal Embassy of Cambodia",
                "London NW8 4QX",
                "Your Excellency,",
                # The example's model letter (issue 14), not the summary naming the Prime Minister.
                "I am writing to express my deep concern about the call made on 26 November 2017",
                "I urge you to call on the authorities in Cambodia to:",
                "Thank you for your attention to this matter.",
                "Yours sincerely,",
                "Margaret Holloway",
                "Manchester",
            ],
        ),
        # No salutation in the list: the form of address of her rank (issue 14: it was "Dear Sir or Madam,").
        ("emb-canberra.en", ["H.E. Ms Sim Bopha", "Dear Ambassador,", "Yours sincerely,", "Thomas Nguyen"]),
        # A supporter with no addressee: written to the spec's first authority, with its salutation.
        (
            "sup-0101.en",
            [
                "Samdech Akka Moha Sena Padei Techo Hun Sen",
                "No. 41, Russian Federation Boulevard",
                "Your Excellency,",
                "I am writing to express my deep concern about the call made",
                "I urge you to:",
                "Immediately cease the investigation",
                "Yours sincerely,",
                "Chidi Okafor",
                "Leeds",
            ],
        ),
        (
            "emb-paris.fr",
            [
                "Son Excellence Monsieur Prak Sovann",
                "Monsieur l’Ambassadeur,",
                "Je vous écris pour vous faire part de ma profonde préoccupation au sujet de l’appel lancé",
                "Je vous prie d’agréer, Monsieur l’Ambassadeur, l’expression de ma très haute considération.",
                "Claire Dubois",
                "Lyon",
            ],
        ),
        (
            "sup-0301.es",
            ["Señor Primer Ministro:", "Le insto a:", "Atentamente,", "Mateo Rodríguez", "Ciudad de México"],
        ),
        # The organisation's letter, signed for it.
        (
            "emb-madrid.es",
            [
                "Excmo. Sr. Kong Rithy",
                "Excelentísimo Señor Embajador:",
                "Front Line Defenders insta a",
                "Atentamente,",
                "Lucía Fernández",
                "Front Line Defenders",
            ],
        ),
        ("emb-moscow.ru", ["Ким Сопхеап", "Уважаемый господин Посол!", "С глубоким уважением,", "Анна Смирнова"]),
        ("emb-beijing.zh", ["林国华", "柬埔寨王国大使馆", "尊敬的大使阁下：", "此致", "敬礼！", "王丽", "上海"]),
        # No signatory: the issuing organisation signs.
        ("ines-moreau.en", ["Ines Moreau", "Dear Ms Moreau,", "Yours sincerely,", "Front Line Defenders"]),
    ],
)
def test_letter_reads_back_addressed_greeted_and_signed(example_run, stem: str, expected: list[str]) -> None:  # type: ignore[no-untyped-def]
    out = example_run[0]
    pdf = squash(pdf_text((out / "letters" / f"{stem}.pdf").read_bytes()))
    text = docx_text(out / "letters" / f"{stem}.docx")
    at = 0
    for phrase in expected:
        assert phrase in pdf, phrase
        at = text.index(phrase, at)  # in reading order
    # A letter to an official carries none of the appeal's instructions to supporters.
    assert "Please write to" not in pdf and "Please take action by" not in pdf


def test_arabic_and_khmer_letters_carry_their_names(example_run) -> None:  # type: ignore[no-untyped-def]
    out = example_run[0]
    # pypdf returns the reshaped presentation forms; NFKC maps them back to letters.
    ar_pdf = unicodedata.normalize("NFKC", pdf_text((out / "letters" / "emb-cairo.ar.pdf").read_bytes()))
    for word in ("ساريث", "سعادة", "ليلى", "الإسكندرية"):
        assert word in ar_pdf
    ar = docx_text(out / "letters" / "emb-cairo.ar.docx")
    assert "سعادة السفير المحترم،" in ar and "وتفضلوا بقبول فائق الاحترام والتقدير،" in ar and "ليلى حسن" in ar
    km = docx_text(out / "letters" / "chr-kh.km.docx")
    for phrase in ("ឯកឧត្តម ហេង សុវណ្ណ", "សូមគោរព ឯកឧត្តមប្រធាន", "សុខ ចាន់ធី", "សៀមរាប"):
        assert phrase in km


def test_combined_pdf_has_every_letter_each_from_a_new_page(example_run) -> None:  # type: ignore[no-untyped-def]
    out = example_run[0]
    rows = [r for r in manifest_rows(out) if r["language"] == "en"]
    combined = PdfReader(str(out / "combined" / "fld-kh-cchr-2017.en.pdf"))
    letters = [PdfReader(str(out / r["pdf"])) for r in rows]
    assert len(combined.pages) == sum(len(r.pages) for r in letters)
    page = 0
    for letter in letters:
        first = squash(combined.pages[page].extract_text())
        assert "Page 1 of" not in first  # a letter numbers its pages from the second (issue 14)
        assert squash(letter.pages[0].extract_text()) == first
        if len(letter.pages) > 1:
            assert f"Page 2 of {len(letter.pages)}" in squash(combined.pages[page + 1].extract_text())
        page += len(letter.pages)
    info = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert info["combined"]["en"]["letters"] == 6
    assert info["summary"] == {"rows": 20, "ok": 20, "failed": 0}


def test_combined_pdf_has_a_bookmark_to_each_letter(example_run) -> None:  # type: ignore[no-untyped-def]
    """A print shop or a volunteer jumps to a letter by its recipient (or signer) and file name."""
    out = example_run[0]
    rows = [r for r in manifest_rows(out) if r["language"] == "ar"]
    combined = PdfReader(str(out / "combined" / "fld-kh-cchr-2017.ar.pdf"))
    marks = [(m.title, combined.get_destination_page_number(m)) for m in combined.outline]
    starts, page = [], 0
    for row in rows:
        starts.append(page)
        page += len(PdfReader(str(out / row["pdf"])).pages)
    stems = [Path(row["pdf"]).name.split(".")[0] for row in rows]
    assert marks == [
        (f"{row['name']} ({stem})" if row["name"] else stem, start)
        for row, stem, start in zip(rows, stems, starts, strict=True)
    ]
    assert any(row["name"] for row in rows)
    assert combined.trailer["/Root"]["/PageMode"] == "/UseOutlines"


def test_eml_draft_has_subject_body_and_the_letter_attached(example_run) -> None:  # type: ignore[no-untyped-def]
    out = example_run[0]
    raw = (out / "letters" / "emb-paris.fr.eml").read_bytes()
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert msg["To"] == "ambassade.paris@example.org"
    assert msg["From"] == "Front Line Defenders <info@frontlinedefenders.org>"
    # A supporter's letter: the model letter's subject, not the appeal's headline about the Prime Minister.
    assert msg["Subject"] == "Le Centre cambodgien des droits de l’homme (CCHR)"
    assert msg["Date"] == "Wed, 06 Dec 2017 09:00:00 +0000"
    assert msg["X-Unsent"] == "1"
    assert msg["Content-Language"] == "fr"
    body = msg.get_body(("plain",)).get_content().replace("\r\n", "\n")  # type: ignore[union-attr]
    assert body.startswith("Monsieur l’Ambassadeur,\n\n")
    assert "Claire Dubois\nLyon" in body
    (attachment,) = list(msg.iter_attachments())
    assert attachment.get_filename() == "emb-paris.fr.pdf"
    assert attachment.get_content() == (out / "letters" / "emb-paris.fr.pdf").read_bytes()
    assert not (out / "letters" / "emb-canberra.en.eml").exists()  # no email address in that row


def test_same_input_gives_byte_identical_output(example_run, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    out = example_run[0]
    again = tmp_path / "again"
    code, _, _ = run(
        capsys, "batch", str(EXAMPLE), "--recipients", str(RECIPIENTS), "-o", str(again), "--eml", "--jobs", "1"
    )
    assert code == 0
    first, second = all_files(out), all_files(again)
    # The lock names its process; the manifest's summary line is the same.
    first.pop(".appeal-gen/lock"), second.pop(".appeal-gen/lock")
    assert first.keys() == second.keys()
    assert [k for k in first if first[k] != second[k]] == []


# --------------------------------------------------------------------------
# Bad rows, exit codes, manifest safety


def test_bad_rows_are_reported_with_their_lines_and_the_rest_produced(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    lst = LISTS / "bad_rows.csv"
    code, _, err = run(capsys, "batch", str(EXAMPLE), "--recipients", str(lst), "-o", str(tmp_path), "--jobs", "1")
    assert code == 1
    lines = err.splitlines()
    assert lines[:7] == [
        f"{lst}:3: name: no name: fill in 'name' (or 'office' or 'organisation') for the person the letter is to, "
        "or 'signatory_name' for a supporter who signs it",
        f"{lst}:4: language: unknown language 'xx'; this appeal has: en, fr, es, ru, ar, km, zh",
        f"{lst}:5: name: bytes that are not utf-8 (b'\\xe9' after 'Ren'); save the list as 'CSV UTF-8', or give its "
        "encoding with --encoding",
        f'{lst}:6: a quote (") opened on this line is never closed; close it, or double it ("") inside a quoted value',
        f"{lst}:8: email: 'not-an-address' is not an email address (name@example.org)",
        f"note: {lst}:9: written in en, not de: the appeal has no 'de' text (33 fields missing) "
        "(fallback chain: de → en)",
        "batch: 9 rows: 4 letters (0 reused), 5 failed, in " + lines[6].split(" in ")[1],
    ]
    rows = manifest_rows(tmp_path)
    assert [(r["line"], r["status"]) for r in rows] == [
        ("2", "ok"), ("3", "error"), ("4", "error"), ("5", "error"), ("6", "error"),
        ("7", "ok"), ("8", "error"), ("9", "ok"), ("10", "ok"),
    ]  # fmt: skip
    assert rows[2]["message"] == "unknown language 'xx'; this appeal has: en, fr, es, ru, ar, km, zh"
    # A language the appeal lacks goes down the fallback chain, never silently (batch/languages.py).
    assert (rows[7]["language"], rows[7]["message"]) == (
        "en",
        "written in en, not de: the appeal has no 'de' text (33 fields missing) (fallback chain: de → en)",
    )
    assert sorted(p.name for p in (tmp_path / "letters").iterdir()) == [
        "bad-translation.en.docx", "bad-translation.en.pdf",
        "good-1.en.docx", "good-1.en.pdf", "good-2.fr.docx", "good-2.fr.pdf", "good-3.es.docx", "good-3.es.pdf",
    ]  # fmt: skip
    assert "Inés Ruiz" in pdf_text((tmp_path / "letters" / "good-3.es.pdf").read_bytes())


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--format", "odt"], "--format: unknown format 'odt'; choose from pdf, docx, html, txt\n"),
        (["--format", "docx", "--eml"], "--eml attaches each letter's PDF: add pdf to --format\n"),
        (["--jobs", "-1"], "--jobs: expected 1 or more (0 for one per CPU), not -1\n"),
    ],
)
def test_bad_arguments_exit_2_and_write_nothing(argv: list[str], message: str, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "out"
    code, stdout, err = run(capsys, "batch", str(EXAMPLE), "--recipients", str(RECIPIENTS), "-o", str(out), *argv)
    assert (code, stdout, err) == (2, "", message)
    assert not out.exists()


def test_bad_spec_or_list_exits_2_and_writes_nothing(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "out"
    broken = DATA / "broken" / "wrong_type.yaml"
    code, _, err = run(capsys, "batch", str(broken), "--recipients", str(RECIPIENTS), "-o", str(out))
    assert code == 2
    assert err.endswith("wrong_type.yaml:6:14: reference.follow_up: expected a whole number, found a string\n")
    code, _, err = run(capsys, "batch", str(EXAMPLE), "--recipients", str(tmp_path / "none.csv"), "-o", str(out))
    assert (code, err) == (2, f"{tmp_path / 'none.csv'}: cannot read recipient list: No such file or directory\n")
    code, _, err = run(capsys, "batch", str(EXAMPLE), "--recipients", str(LISTS / "no_who_column.csv"), "-o", str(out))
    assert code == 2 and ":1: no column says whom the letters are to or from" in err
    assert not out.exists()


def test_template_without_recipient_block_is_refused(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    from docx import Document

    tpl = tmp_path / "plain.docx"
    d = Document()
    d.add_paragraph("{{ title }}")
    d.save(str(tpl))
    code, _, err = run(
        capsys,
        "batch",
        str(EXAMPLE),
        "--recipients",
        str(RECIPIENTS),
        "-o",
        str(tmp_path / "o"),
        "--template",
        str(tpl),
    )
    assert code == 2
    assert err == (
        f"{tpl}: this template has no recipient block, so letters would print without their address, salutation "
        "and signature; add the recipient tags described in docs/batch.md\n"
    )


def _pdf_batch(capsys, lst: Path, out: Path) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    """The minimal spec's letters for *lst*, PDF only, in this process."""
    return run(capsys, "batch", str(DATA / "minimal.yaml"), "--recipients", str(lst), "-o", str(out),
               "--format", "pdf", "--jobs", "1")  # fmt: skip


def test_manifest_cells_cannot_run_as_spreadsheet_formulas(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    lst = write_list(
        tmp_path / "l.csv",
        ["id", "name", "office"],
        [
            ['=HYPERLINK("http://example.org","x")', "+Ann", "Minister"],
            ["-2", "@SUM(A1)", "Judge"],
            ["ok", "Plain Name", "Mayor"],
        ],
    )
    out = tmp_path / "out"
    code, _, _ = _pdf_batch(capsys, lst, out)
    assert code == 0
    text = (out / "manifest.csv").read_text(encoding="utf-8")
    rows = manifest_rows(out)
    assert [(r["id"], r["name"]) for r in rows] == [
        ('\'=HYPERLINK("http://example.org","x")', "'+Ann"),
        ("'-2", "'@SUM(A1)"),
        ("ok", "Plain Name"),
    ]
    assert "\n=" not in text and ",=" not in text and ",+" not in text and ",@" not in text
    # The JSON manifest keeps the values as they were.
    info = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert [r["name"] for r in info["rows"]] == ["+Ann", "@SUM(A1)", "Plain Name"]
    # And the letter prints the name as written.
    assert "+Ann" in pdf_text((out / rows[0]["pdf"]).read_bytes())


def test_hostile_names_stay_inside_outdir_and_are_unique(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    nfc, nfd = unicodedata.normalize("NFC", "José Ñúñez"), unicodedata.normalize("NFD", "José Ñúñez")
    names = ["../x", "/etc/x", "CON", "nul\x00name", "é" * 150, "Anna Berg", "ANNA BERG", nfc, nfd, "..", "x"]
    lst = write_list(tmp_path / "l.csv", ["name", "office"], [[n, "Minister"] for n in names])
    out = tmp_path / "out"
    code, _, err = _pdf_batch(capsys, lst, out)
    assert code == 0, err
    files = sorted(p.name for p in (out / "letters").iterdir())
    assert files == sorted(
        [
            "x.en.pdf", "etc-x.en.pdf", "con_.en.pdf", "nul-name.en.pdf", "é" * 40 + ".en.pdf", "anna-berg.en.pdf",
            "anna-berg-2.en.pdf", "josé-ñúñez.en.pdf", "josé-ñúñez-2.en.pdf", "row-11.en.pdf", "x-2.en.pdf",
        ]
    )  # fmt: skip
    assert len({f.casefold() for f in files}) == len(files)
    assert all(len(f.encode()) < 255 and unicodedata.is_normalized("NFC", f) for f in files)
    assert {p.parent for p in out.rglob("*.pdf")} == {out / "letters", out / "combined"}
    assert "this row: replaced NUL characters (U+0000) with U+FFFD" in err
    # The letter prints the name with the NUL visibly replaced (sanitize.py's rule).
    assert "nul\ufffdname" in pdf_text((out / "letters" / "nul-name.en.pdf").read_bytes())


# --------------------------------------------------------------------------
# Resuming, reuse by hash, locking


def _big_list(path: Path, n: int) -> Path:
    with open(RECIPIENTS, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], rows[1:]
    out = []
    for i in range(n):
        row = list(body[i % len(body)])
        row[0] = f"r{i:05d}"
        out.append(row)
    return write_list(path, header, out)


def _cli(*argv: str) -> list[str]:
    return [sys.executable, "-m", "appeal_gen", "batch", *argv]


def _running_batch(tmp_path: Path, journalled: int, **popen: Any) -> tuple[subprocess.Popen[str], Path, list[str]]:
    """A 40-row batch on two workers, started and left running until *journalled* rows are in its journal."""
    lst = _big_list(tmp_path / "l.csv", 40)
    out = tmp_path / "out"
    argv = _cli(str(EXAMPLE), "--recipients", str(lst), "-o", str(out), "--jobs", "2", "--quiet")
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, text=True, **popen)
    journal = out / ".appeal-gen" / "journal.jsonl"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if journal.exists() and journal.read_text(encoding="utf-8").count("\n") >= journalled:
            break
        time.sleep(0.02)
    return proc, out, argv


def test_kill_9_then_rerun_completes_without_duplicates_and_reuses_by_hash(tmp_path: Path) -> None:
    proc, out, argv = _running_batch(tmp_path, 8, stderr=subprocess.DEVNULL, start_new_session=True)
    os.killpg(proc.pid, signal.SIGKILL)  # the parent and its workers, at once
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert not (out / "manifest.csv").exists()
    journal = out / ".appeal-gen" / "journal.jsonl"
    finished = [json.loads(line) for line in journal.read_text(encoding="utf-8").splitlines() if line.endswith("}")]
    assert 8 <= len(finished) < 40
    before = {rel: (out / rel).stat().st_ino for e in finished for rel, _ in e["files"].values()}

    res = subprocess.run(argv, capture_output=True, text=True, check=False)
    assert res.returncode == 0, res.stderr
    summary = res.stderr.splitlines()[-1]
    reused = int(summary.split("(")[1].split(" reused")[0])
    assert reused >= len(finished)
    rows = manifest_rows(out)
    assert len(rows) == 40 and {r["status"] for r in rows} == {"ok"}
    listed = {r[f] for r in rows for f in ("pdf", "docx")}
    on_disk = {p.relative_to(out).as_posix() for p in (out / "letters").iterdir()}
    assert on_disk == listed  # no duplicate, no orphan
    assert not [p for p in out.rglob("*") if p.name.endswith(".part")]
    for r in rows:
        for f in ("pdf", "docx"):
            assert hashlib.sha256((out / r[f]).read_bytes()).hexdigest() == r[f"{f}_sha256"]
        PdfReader(str(out / r["pdf"]))  # complete, not truncated
    # Letters finished before the kill were kept, not written again.
    assert all((out / rel).stat().st_ino == ino for rel, ino in before.items())


def test_rerun_reuses_by_hash_not_existence_and_drops_stale_letters(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    lst = write_list(
        tmp_path / "l.csv",
        ["id", "name", "office", "salutation"],
        [
            ["a", "Ann Smith", "Minister", "Dear Minister"],
            ["b", "Ben Jones", "Judge", ""],
            ["c", "Cy Ode", "Mayor", ""],
        ],
    )
    out = tmp_path / "out"
    argv = ["batch", str(DATA / "minimal.yaml"), "--recipients", str(lst), "-o", str(out), "--jobs", "1"]
    assert run(capsys, *argv)[0] == 0
    letters = out / "letters"
    ino = {p.name: p.stat().st_ino for p in letters.iterdir()}
    # A file changed since the run wrote it (edited, or damaged) is kept, and its row says so;
    # once it is moved away, it is rendered again; the others are reused.
    (letters / "b.en.pdf").write_bytes(b"%PDF-1.4 damaged")
    code, _, err = run(capsys, *argv)
    assert code == 1 and "3 rows: 2 letters (2 reused), 1 failed" in err
    assert (letters / "b.en.pdf").read_bytes() == b"%PDF-1.4 damaged"
    assert (
        f"{lst}:3: letters/b.en.pdf: kept as it is: it was changed after appeal-gen wrote it, "
        "or appeal-gen did not write it; move it away and run again to make this letter\n"
    ) in err
    (letters / "b.en.pdf").unlink()
    code, _, err = run(capsys, *argv)
    assert code == 0 and "3 rows: 3 letters (2 reused)" in err
    assert PdfReader(str(letters / "b.en.pdf")).pages
    assert (letters / "a.en.pdf").stat().st_ino == ino["a.en.pdf"]
    # A changed row is rendered again; a row gone from the list takes its letters with it.
    write_list(lst, ["id", "name", "office", "salutation"], [["a", "Ann Smith", "Minister", "Dear Ms Smith"],
                                                              ["b", "Ben Jones", "Judge", ""]])  # fmt: skip
    code, _, err = run(capsys, *argv)
    assert code == 0 and "2 rows: 2 letters (1 reused)" in err
    assert "Dear Ms Smith," in pdf_text((letters / "a.en.pdf").read_bytes())
    assert sorted(p.name for p in letters.iterdir()) == ["a.en.docx", "a.en.pdf", "b.en.docx", "b.en.pdf"]
    assert len(PdfReader(str(out / "combined" / "test-001.en.pdf")).pages) == 2 * len(
        PdfReader(str(letters / "a.en.pdf")).pages
    )


def test_a_second_run_on_the_same_outdir_is_refused(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "out"
    (out / ".appeal-gen").mkdir(parents=True)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, os, sys, time\n"
            f"fd = os.open({str(out / '.appeal-gen' / 'lock')!r}, os.O_RDWR | os.O_CREAT)\n"
            "fcntl.flock(fd, fcntl.LOCK_EX)\n"
            "os.write(fd, b'pid 4242, started 2024-03-05 10:00:00')\n"
            "print('locked', flush=True)\n"
            "time.sleep(60)\n",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
        code, stdout, err = run(capsys, "batch", str(DATA / "minimal.yaml"), "--recipients", str(RECIPIENTS), "-o",
                                str(out))  # fmt: skip
        assert (code, stdout) == (1, "")
        assert err == (
            f"{out}: another appeal-gen batch is writing to this folder (pid 4242, started 2024-03-05 10:00:00); "
            "wait for it to finish, or give another -o folder\n"
        )
        assert sorted(p.name for p in out.rglob("*")) == [".appeal-gen", "lock"]
    finally:
        holder.kill()
        holder.wait()
        assert holder.stdout is not None
        holder.stdout.close()


@pytest.mark.slow
def test_thousand_rows_in_seven_languages(tmp_path: Path) -> None:
    lst = _big_list(tmp_path / "l.csv", 1000)
    out = tmp_path / "out"
    res = subprocess.run(
        _cli(str(EXAMPLE), "--recipients", str(lst), "-o", str(out), "--format", "pdf", "--jobs", "2"),
        capture_output=True,
        text=True,
        check=False,
    )
    assert res.returncode == 0, res.stderr[-2000:]
    rows = manifest_rows(out)
    assert len(rows) == 1000 and {r["status"] for r in rows} == {"ok"}
    assert len(list((out / "letters").iterdir())) == 1000
    info = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert sum(c["letters"] for c in info["combined"].values()) == 1000
    assert info["combined"]["km"]["letters"] == 150  # 3 of every 20 rows
    # Non-terminal progress: a plain line with count, rate and ETA every 5 s
    # (tested with a zero interval below), and the summary line at the end.
    progress = [line for line in res.stderr.splitlines() if line.startswith("batch: ") and "/1000 rows" in line]
    assert all(" rows/s, ETA " in line for line in progress)
    assert res.stderr.splitlines()[-1].startswith("batch: 1000 rows: 1000 letters (0 reused), 0 failed, in ")


# --------------------------------------------------------------------------
# Worker processes


def _grandchildren(pid: int) -> list[int]:
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    children = {p for p, parent in parents.items() if parent == pid}
    return sorted(p for p, parent in parents.items() if parent in children)


def test_a_killed_worker_stops_the_batch_and_a_rerun_finishes_it(tmp_path: Path) -> None:
    """The fork server's children are the workers: one killed stops the run (exit 1); the rerun completes."""
    proc, out, argv = _running_batch(tmp_path, 4, stderr=subprocess.PIPE)
    workers = _grandchildren(proc.pid)
    assert len(workers) == 2
    os.kill(workers[0], signal.SIGKILL)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 1
    assert err.splitlines()[-1].startswith("a worker process was killed by signal 9 while rendering line ")
    assert not (out / "manifest.csv").exists()
    assert not [p for p in out.rglob("*") if p.name.endswith(".part")]
    res = subprocess.run(argv, capture_output=True, text=True, check=False)
    assert res.returncode == 0, res.stderr
    rows = manifest_rows(out)
    assert len(rows) == 40 and {r["status"] for r in rows} == {"ok"}


def test_a_row_of_fifty_kilobytes_is_rendered(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    lst = write_list(tmp_path / "l.csv", ["id", "name", "office", "notes"],
                     [["a", "Ann Smith", "Minister", "n" * 50_000], ["b", "Ben Jones", "Judge", ""]])  # fmt: skip
    out = tmp_path / "out"
    code, _, err = run(capsys, "batch", str(DATA / "minimal.yaml"), "--recipients", str(lst), "-o", str(out),
                       "--format", "pdf", "--jobs", "2", "--quiet")  # fmt: skip
    assert code == 0, err
    assert [r["status"] for r in manifest_rows(out)] == ["ok", "ok"]


def test_fingerprint_is_the_json_of_every_field_of_the_row() -> None:
    """vars() of a Correspondent gives the JSON dataclasses.asdict gave, so nothing a row says is left out."""
    who = Correspondent(honorific="H.E.", name="Ann", office="Minister", organisation="Ministry",
                        address=("1 Road", "Leeds"), salutation="Dear Ann", signatory_name="Ben",
                        signatory_city="York", extra=(("group", "north"), ("note", "ünïcode")))  # fmt: skip
    assert json.dumps(vars(who), ensure_ascii=False) == json.dumps(dataclasses.asdict(who), ensure_ascii=False)
    assert [f.name for f in dataclasses.fields(who)] == list(vars(who))
