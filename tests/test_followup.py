"""appeal_gen.followup: the follow-up of an appeal, written in place of nothing else."""

from __future__ import annotations

import datetime
import difflib

import yaml

from appeal_gen import edit
from appeal_gen.followup import follow_up
from appeal_gen.spec import parse_spec
from appeal_gen.staleness import stale
from appeal_gen.validate import validate

from .conftest import EXAMPLE

TODAY = datetime.date(2026, 11, 30)


def test_the_follow_up_of_the_example_changes_number_date_deadline_and_adds_an_update_on_top() -> None:
    text = EXAMPLE.read_text()
    out = follow_up(text, "appeal.yaml", TODAY)
    body, records = "translated_from:", parse_spec(text, "a.yaml").translated_from
    assert out.split(body)[0].count("\n") == text.split(body)[0].count("\n") + 3
    changed = [
        line
        for line in difflib.unified_diff(
            text.split(body)[0].splitlines(), out.split(body)[0].splitlines(), n=0, lineterm=""
        )
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]
    assert changed == [
        "-  follow_up: 1",
        "+  follow_up: 2",
        "-date: 2017-12-06",
        "+date: 2026-11-30",
        "+- date: 2026-11-30",
        "+  headline: ''",
        "+  body: ''",
        "-deadline: 2018-01-15             # not in the published appeal; added for the example",
        "+deadline: 2027-01-09             # not in the published appeal; added for the example",
    ]
    # The translations of the old updates keep their records, moved with them.
    moved = yaml.safe_load(out)["translated_from"]
    assert set(moved["fr"]) == {
        k.replace("updates.1.", "updates.2.").replace("updates.0.", "updates.1.") for k in records["fr"]
    }
    assert moved["fr"]["updates.1.body"] == records["fr"]["updates.0.body"]


def test_the_new_update_is_untranslated_and_an_edited_source_makes_its_translations_stale() -> None:
    out = follow_up(EXAMPLE.read_text(), "appeal.yaml", TODAY)
    out = edit.set_text(out, "appeal.yaml", "updates.0.headline", "en", "CCHR's director summoned")
    out = edit.set_text(out, "appeal.yaml", "updates.0.body", "en", "On 28 November 2026 ...")
    out = edit.set_text(out, "appeal.yaml", "title", "en", "Prime Minister renews threats")
    spec = parse_spec(out, "appeal.yaml")
    assert spec.reference.follow_up == 2 and spec.updates[1].date == datetime.date(2017, 12, 6)
    assert [t.path for t in spec.missing_translations("fr")] == ["updates.0.headline", "updates.0.body"]
    assert [s.text.path for s in stale(spec, "fr")] == ["title"]
    report = validate(spec, spec.content_languages(), survey=True)
    assert {(e.field, e.message) for e in report.errors if e.field == "title"} == {
        ("title", f"the en text changed since the {lang} translation was made")
        for lang in ("ar", "es", "fr", "km", "ru", "zh")
    }
