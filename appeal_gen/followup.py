"""A follow-up of an appeal: the same case, one update later.

A follow-up keeps everything of the appeal it follows (the people, the
demands, the authorities and every translation) and changes what a new
letter must: the follow-up number goes up by one, the date becomes today,
a new dated update goes on top of the others for the news, and an action
deadline keeps its distance from the date. The text is edited in place
(``edit``), so the user's comments and layout come along.

Nothing is marked by hand: the new update has no translation yet, so
``check`` lists it as missing in every other language, and a source text
edited afterwards no longer matches the fingerprint its translations were
recorded against, so they are stale (staleness.py) until re-translated.
"""

from __future__ import annotations

import datetime
from typing import Any

import yaml

from . import edit
from .spec import parse_spec


def follow_up(text: str, file: str, today: datetime.date) -> str:
    """The text of the follow-up of the appeal *text* (which must read as a valid spec), dated *today*."""
    spec = parse_spec(text, file)
    out = edit.set_value(text, file, "reference.follow_up", str((spec.reference.follow_up or 0) + 1))
    out = edit.set_value(out, file, "date", today.isoformat())
    if spec.deadline is not None:
        later = today + (spec.deadline - spec.date)
        out = edit.set_value(out, file, "deadline", max(later, today).isoformat())
    update: dict[str, Any] = {"date": today, "headline": "", "body": ""}
    out = edit.list_insert(out, file, "updates", 0, update)
    return out


def next_name(existing: set[str], name: str, number: int) -> str:
    """A file name for follow-up *number* of the spec *name* that is not one of *existing*.

    >>> next_name({"a.yaml"}, "a.yaml", 2)
    'a.followup-2.yaml'
    >>> next_name({"a.followup-2.yaml"}, "a.followup-1.yaml", 2)
    'a.followup-2-2.yaml'
    """
    stem, _, suffix = name.rpartition(".")
    base = stem.split(".followup-")[0]
    candidate = f"{base}.followup-{number}.{suffix}"
    n = 2
    while candidate in existing:
        candidate = f"{base}.followup-{number}-{n}.{suffix}"
        n += 1
    return candidate


def number_of(text: str) -> int:
    """The follow-up number the follow-up of *text* will have."""
    data = yaml.safe_load(text)
    ref = data.get("reference") if isinstance(data, dict) else None
    current = ref.get("follow_up") if isinstance(ref, dict) else None
    return (current if isinstance(current, int) else 0) + 1
