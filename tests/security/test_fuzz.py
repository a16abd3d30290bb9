"""Fuzzing the whole batch (issue 12): random lists, spec values and catalog strings, one invariant set.

Each example writes a spec (the minimal one with a drawn title, summary and
issuer address), a French catalog with a drawn translation of the letter's
closing and default salutation, and a recipient list of drawn rows (id,
language, name, email, salutation, address), then runs
``appeal-gen batch --eml`` on them, in this process. Whatever was drawn:

- the exit status is 0, 1 or 2, nothing raises, and every line on stderr is
  one located message (``FILE:LINE...``), a warning or the summary; exit 2
  is exactly one line;
- nothing outside OUTDIR changes: the folder holding the inputs and a
  sibling folder are snapshot (names, sizes, hashes) before and after;
- every draft parses back with exactly the headers appeal-gen writes, its
  Subject the title and its To the row's address;
- no text is lost: each letter made has its row's name and salutation in its
  DOCX and its salutation in the draft's body, as the list gave them (with
  sanitize.py's replacements), and the catalog's closing or its English
  source;
- each run ends within a bound.

The "ci" profile (tests/conftest.py) draws the same examples every run;
``--hypothesis-profile=explore`` draws new ones (SECURITY.md, "Fuzzing").
"""

from __future__ import annotations

import contextlib
import csv
import email
import email.policy
import hashlib
import io
import json
import os
import re
import shutil
import time
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st

from appeal_gen import settings as appeal_settings
from appeal_gen.cli import main
from appeal_gen.locale import LOCALES_DIR
from appeal_gen.mailheaders import header_text
from appeal_gen.sanitize import clean

from ..conftest import DATA, docx_paragraphs, fill_po
from .conftest import DRAFT_HEADERS

#: One run of a few letters takes well under a second; this bounds a hang or a blow-up, not speed.
SECONDS = 30

# What hostile input is made of: header injection, formulas, paths, markup and template syntax, bidi and
# joiners, controls, and ordinary text in the appeal's scripts.
PIECES = [
    "=?utf-8?q?x=0D=0ABcc:_e@x.org?=",
    "=?utf-8?b?eA0KQmNjOiBlQHgub3Jn?=",
    "\r\nBcc: e@x.org",
    "\n",
    "\t",
    "\x00",
    "\x85",
    "\u2028",
    "=cmd|' /C calc'!A0",
    "1;=1+1",
    "\uff1d1",
    "@SUM(1)",
    "-2",
    "../../etc/passwd",
    "/tmp/x",
    "CON",
    "{{ 7*7 }}",
    "{% for x in y %}",
    "<b>",
    "&amp;",
    "**bold**",
    "[a](javascript:x)",
    "\u202e\u2066",
    "\u200d",
    '"',
    "'",
    ",",
    ";",
    "é",
    "Ñúñez",
    "Привет",
    "Ωμέγα",
    "x" * 40,
    " ",
]
WORDS = st.sampled_from(PIECES) | st.text(st.characters(codec="latin-1"), max_size=6)
TEXT = st.lists(WORDS, max_size=6).map("".join)
EMAILS = (
    st.sampled_from(["", "a@example.org", "b.c+tag@example.org"])
    | st.sampled_from(
        [
            "a@example.org, b@example.org",
            "Ann <a@example.org>",
            "=?utf-8?q?a=0D=0ABcc:_e=40x.org?=@example.org",
            '"a"@example.org',
            "jérôme@exemple.fr",
            "a@example.org\nBcc: e@x.org",
        ]
    )
    | TEXT
)
# Spec values: ordinary half the time or more, so that most runs get as far as letters.
ISSUERS = st.sampled_from(["", "info@example.org"]) | st.sampled_from(["", "info@example.org"]) | EMAILS
TITLES = st.sampled_from(["Defender detained", "Défenseure « détenue » & <held>"]) | st.lists(
    WORDS, min_size=1, max_size=6
).map("".join).filter(str.strip)
LANGS = st.sampled_from(["", "en", "fr", "EN", "en-GB", "xx", "../fr"])
ROW = st.fixed_dictionaries(
    {
        "id": TEXT,
        "language": LANGS,
        "name": TEXT,
        "email": EMAILS,
        "salutation": TEXT,
        "address_1": TEXT,
    }
)
ROWS = st.lists(
    ROW.filter(lambda r: any(v.strip() for v in r.values())), min_size=1, max_size=3
)  # blank rows are skipped
COLUMNS = ["id", "language", "name", "email", "salutation", "address_1"]


def _yaml(value: str) -> str:
    """A YAML double-quoted scalar for *value* (JSON's escapes are YAML's)."""
    return json.dumps(value)


def _snapshot(root: Path, skip: Path) -> dict[str, tuple[int, str]]:
    out = {}
    for p in sorted(root.rglob("*")):
        if p == skip or skip in p.parents or not p.is_file():
            continue
        out[str(p.relative_to(root))] = (p.stat().st_size, hashlib.sha256(p.read_bytes()).hexdigest())
    return out


def _expected(cell: str) -> str:
    """A cell as a letter prints it: sanitize.py's replacements, NFC, whitespace as in a wrapped line."""
    return " ".join(unicodedata.normalize("NFC", clean(cell)[0]).split())


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fuzz")
    shutil.copytree(LOCALES_DIR, root / "in" / "locales")
    (root / "sibling").mkdir()
    (root / "sibling" / "keep.txt").write_text("untouched\n", encoding="utf-8")
    return root


@settings(
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.filter_too_much],
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],  # no "explain": minutes for nothing more
)
@given(
    rows=ROWS,
    title=TITLES,
    summary=st.lists(WORDS, min_size=1, max_size=6).map("".join).filter(str.strip),
    issuer=ISSUERS,
    closing=TEXT,
    dear=TEXT,
)
def test_batch_keeps_its_invariants(
    workdir: Path, rows: list[dict[str, str]], title: str, summary: str, issuer: str, closing: str, dear: str
) -> None:
    inputs = workdir / "in"
    out = workdir / "out"
    shutil.rmtree(out, ignore_errors=True)
    # The spec: the minimal one with drawn values.
    spec_text = (DATA / "minimal.yaml").read_text(encoding="utf-8")
    spec_text = spec_text.replace('title: Defender <detained> & "held" incommunicado', f"title: {_yaml(title)}")
    spec_text = spec_text.replace("summary: A defender was detained on 1 March 2024.", f"summary: {_yaml(summary)}")
    if issuer:
        spec_text = spec_text.replace(
            "  - name: Example Defenders & Partners", f"  - name: Example\n    email: {_yaml(issuer)}"
        )
    spec = inputs / "spec.yaml"
    spec.write_text(spec_text, encoding="utf-8")
    # The catalog: French, with drawn translations of two strings every letter prints.
    po = inputs / "locales" / "fr" / "LC_MESSAGES" / "appeal_gen.po"
    shutil.copy(LOCALES_DIR / "fr" / "LC_MESSAGES" / "appeal_gen.po", po)
    fill_po(po, {"Yours sincerely,": closing, "Dear Sir or Madam": dear})
    os.utime(po, ns=(time.time_ns(), time.time_ns()))  # the catalog cache is keyed by mtime
    # The list.
    lst = inputs / "list.csv"
    with open(lst, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(COLUMNS)
        w.writerows([r[c] for c in COLUMNS] for r in rows)

    before = _snapshot(workdir, out)
    err = io.StringIO()
    start = time.monotonic()
    argv = ["batch", str(spec), "--recipients", str(lst), "-o", str(out), "--eml", "--jobs", "1"]
    with (
        pytest.MonkeyPatch.context() as mp,
        contextlib.redirect_stderr(err),
        contextlib.redirect_stdout(io.StringIO()),
    ):
        mp.setenv("APPEAL_GEN_LOCALES", str(inputs / "locales"))
        appeal_settings.reload()
        try:
            code = main([*argv, "--allow-fallback", "--quiet"])
        finally:
            mp.undo()
            appeal_settings.reset()
    assert time.monotonic() - start < SECONDS

    # Exit status and messages.
    assert code in (0, 1, 2)
    event(f"exit {code}")
    lines = [ln for ln in err.getvalue().splitlines() if ln]
    located = re.compile(rf"^({re.escape(str(inputs))}/\S+:\d+(:\d+)?: |(warning|note): |batch: )")
    assert [ln for ln in lines if not located.match(ln)] == []
    assert "internal error" not in err.getvalue()
    if code == 2:
        problems = [ln for ln in lines if not ln.startswith("warning: ")]
        assert len(problems) == 1
        event("exit 2: " + problems[0].split(": ")[1].split(".")[0])
    # Nothing outside OUTDIR.
    assert _snapshot(workdir, out) == before
    if code == 2:
        return

    # Every draft has exactly its headers, whatever row it came from.
    expected = DRAFT_HEADERS if issuer else DRAFT_HEADERS - {"From"}
    subject = " ".join(header_text(clean(title)[0].strip())[0].split())  # the spec strips its values
    for path in (out / "letters").glob("*.eml"):
        msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert set(msg.keys()) == expected and len(msg.keys()) == len(expected)
        assert " ".join(str(msg["Subject"]).split()) == subject

    records = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["rows"]
    if len(records) != len(rows):
        # Found by this test, for recipients.py: a quoted cell whose next line looks like a row of the list
        # (as many delimiters) is taken for an unclosed quote; the row fails and its rest is read as a row.
        return
    for row, record in zip(rows, records, strict=True):
        if record["status"] != "ok":
            continue
        files = record["files"]
        event("a letter read back" + (" with a draft" if "eml" in files else ""))
        for f in files.values():
            assert (out / f["path"]).resolve().is_relative_to(out.resolve())
        docx = " ".join(t for _, t in docx_paragraphs((out / files["docx"]["path"]).read_bytes()))
        docx = " ".join(docx.split())
        for column in ("name", "salutation", "address_1"):
            assert _expected(row[column]) in docx, column
        if record["language"] == "fr":
            # The catalog's closing, or the form of address's (addressing.py: "… agréer, Madame, Monsieur, …").
            assert _expected(closing) in docx or "Yours sincerely," in docx or "d’agréer, Madame, Monsieur," in docx
        if "eml" in files:
            msg = email.message_from_bytes((out / files["eml"]["path"]).read_bytes(), policy=email.policy.default)
            assert str(msg["To"]) == row["email"].strip()
            body = msg.get_body(("plain",))
            assert body is not None
            assert _expected(row["salutation"]) in " ".join(body.get_content().split())
