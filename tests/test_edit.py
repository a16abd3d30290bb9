"""appeal_gen.edit: one field of a spec changed in place, every other character kept."""

from __future__ import annotations

import difflib

import pytest

from appeal_gen import edit
from appeal_gen.spec import parse_spec
from appeal_gen.staleness import stale

from .conftest import DATA, EXAMPLE

SPEC = DATA / "studio" / "commented.yaml"


def changed_lines(old: str, new: str) -> list[str]:
    return [
        line
        for line in difflib.unified_diff(old.splitlines(), new.splitlines(), n=0, lineterm="")
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]


def test_a_plain_value_changes_alone_and_its_comment_stays() -> None:
    text = SPEC.read_text()
    out = edit.set_value(text, "s.yaml", "reference.code", "TEST-STUDIO-2")
    assert changed_lines(text, out) == [
        "-  code: TEST-STUDIO   # names the files",
        "+  code: TEST-STUDIO-2   # names the files",
    ]
    assert parse_spec(out, "s.yaml").reference.code == "TEST-STUDIO-2"


def test_a_quoted_value_a_date_and_a_number_keep_their_style() -> None:
    text = SPEC.read_text()
    out = edit.set_value(text, "s.yaml", "date", "2024-03-09")
    assert changed_lines(text, out) == ["-date: 2024-03-05", "+date: 2024-03-09"]
    out = edit.set_value(text, "s.yaml", "title", "A defender's detention")
    assert changed_lines(text, out) == ["-title: 'A defender detained'", "+title: A defender's detention"]
    out = edit.set_value(text, "s.yaml", "reference.follow_up", "2")
    assert changed_lines(text, out) == ["+  follow_up: 2"]
    assert parse_spec(out, "s.yaml").reference.follow_up == 2


def test_a_block_text_is_replaced_and_what_follows_is_kept() -> None:
    text = SPEC.read_text()
    out = edit.set_value(text, "s.yaml", "summary", "Detained\non 2 March.")
    assert changed_lines(text, out) == [
        "-  A defender was detained",
        "-  on 1 March 2024.",
        "+  Detained",
        "+  on 2 March.",
    ]
    assert parse_spec(out, "s.yaml").summary.values["en"] == "Detained\non 2 March."


def test_several_lines_after_a_comment_are_quoted_so_the_comment_stays_a_comment() -> None:
    text = SPEC.read_text()
    out = edit.set_value(text, "s.yaml", "concern", "One.\nTwo # not a comment")
    assert parse_spec(out, "s.yaml").concern.values["en"] == "One.\nTwo # not a comment"
    assert "# keep this comment" in out


def test_an_edit_of_the_example_changes_one_line_of_621() -> None:
    text = EXAMPLE.read_text()
    out = edit.set_value(text, "appeal.yaml", "demands.1.fr", "Libérer tout le monde ;")
    assert len(changed_lines(text, out)) == 2
    assert parse_spec(out, "appeal.yaml").demands[1].values["fr"] == "Libérer tout le monde ;"


def test_a_typed_translation_is_recorded_current_and_a_source_edit_makes_it_stale() -> None:
    text = SPEC.read_text()
    out = edit.set_text(text, "s.yaml", "title", "fr", "Un défenseur détenu")
    spec = parse_spec(out, "s.yaml")
    assert spec.title.values == {"en": "A defender detained", "fr": "Un défenseur détenu"}
    assert "# the source language" in out and "# names the files" in out
    assert [s.text.path for s in stale(spec, "fr")] == []
    changed = edit.set_text(out, "s.yaml", "title", "en", "Two defenders detained")
    assert [s.text.path for s in stale(parse_spec(changed, "s.yaml"), "fr")] == ["title"]


def test_list_items_move_with_their_comments_and_are_removed_and_added() -> None:
    text = SPEC.read_text()
    moved = edit.list_move(text, "s.yaml", "demands", 0, 2)
    spec = parse_spec(moved, "s.yaml")
    assert [d.values["en"] for d in spec.demands] == [
        "Guarantee her access to a lawyer;",
        "Ensure that all defenders can work without fear.",
        "Release A. Defender immediately;",
    ]
    assert "  # the first demand\n  - Release A. Defender immediately;\n" in moved
    removed = edit.list_remove(text, "s.yaml", "demands", 1)
    assert changed_lines(text, removed) == ["-  - Guarantee her access to a lawyer;"]
    added = edit.list_append(text, "s.yaml", "demands", "Stop the harassment.")
    assert changed_lines(text, added) == ["+  - Stop the harassment."]
    updates = edit.list_append(text, "s.yaml", "updates", {"date": "2024-03-06", "headline": "H", "body": "B"})
    assert parse_spec(updates, "s.yaml").updates[0].headline.values["en"] == "H"


def test_edits_that_cannot_be_made_in_place_are_refused_naming_the_field() -> None:
    text = SPEC.read_text() + "context: &c Some context\ndateline: *c\n"
    with pytest.raises(edit.EditRefusedError) as info:
        edit.set_value(text, "s.yaml", "context", "Other")
    assert info.value.format() == "context: written once and reused with a YAML alias; edit it in the file itself"
    with pytest.raises(edit.EditRefusedError) as info:
        edit.set_value(text, "s.yaml", "subjects.5.name", "X")
    assert info.value.format() == "subjects.5.name: no such field"
    with pytest.raises(edit.EditRefusedError) as info:
        edit.list_remove(SPEC.read_text(), "s.yaml", "subjects", 0)
    assert info.value.format() == "subjects: the list's last item: change it rather than remove it"
    assert info.value.exit_code == 2


def test_translation_records_move_with_their_items_so_nothing_turns_stale() -> None:
    text = EXAMPLE.read_text()
    for out in (
        edit.list_move(text, "appeal.yaml", "demands", 0, 2),
        edit.list_remove(text, "appeal.yaml", "demands", 0),
        edit.list_insert(text, "appeal.yaml", "demands", 0, "New."),
    ):
        moved = parse_spec(out, "appeal.yaml")
        assert [s.text.path for lang in moved.content_languages() for s in stale(moved, lang)] == []


@pytest.mark.parametrize("path", ["title", "summary", "demands.1", "reference.code", "concern", "title.fr"])
def test_any_typed_text_is_written_exactly_or_refused_with_a_located_error(path: str) -> None:
    import yaml
    from hypothesis import given
    from hypothesis import strategies as st

    text = SPEC.read_text()

    @given(st.text(max_size=40))
    def check(value: str) -> None:
        try:
            out = edit.set_value(text, "s.yaml", path, value, source="en" if path.endswith(".fr") else None)
        except edit.EditRefusedError as exc:
            assert exc.field == path
            return
        got = yaml.safe_load(out)
        for part in path.split("."):
            got = got[int(part)] if isinstance(got, list) else got[part]
        assert got == value
        assert out.count("#") >= text.count("#")

    check()


# -- clearing a field ------------------------------------------------------------


def test_a_cleared_optional_field_is_removed_with_its_line_and_the_rest_is_kept() -> None:
    text = SPEC.read_text().replace("date: 2024-03-05\n", "date: 2024-03-05\ndeadline: 2024-04-01  # embassy\n")
    out = edit.clear(text, "s.yaml", "deadline")
    assert out == SPEC.read_text()
    # An optional key of a list item, and the first key after the dash.
    out = edit.clear(text, "s.yaml", "authorities.0.salutation")
    assert changed_lines(text, out) == ["-    salutation: Dear Minister"]
    out = edit.clear(text, "s.yaml", "authorities.0.name")
    assert changed_lines(text, out) == [
        "-  - name: B. Minister",
        "-    office: Minister of Justice",
        "+  - office: Minister of Justice",
    ]
    assert parse_spec(out, "s.yaml").authorities[0].name is None


def test_a_cleared_translation_is_removed_and_then_missing() -> None:
    text = edit.set_text(SPEC.read_text(), "s.yaml", "title", "fr", "Un défenseur détenu")
    text = edit.set_text(text, "s.yaml", "concern", "fr", "Nous sommes inquiets.")
    out = edit.clear(text, "s.yaml", "title", "fr")
    spec = parse_spec(out, "s.yaml")
    assert spec.title.values == {"en": "A defender detained"}
    assert "title" in [t.path for t in spec.missing_translations("fr")]
    assert "concern" not in [t.path for t in spec.missing_translations("fr")]
    assert "# keep this comment" in out and "# the first demand" in out
    assert spec.translated_from == {"fr": {"concern": spec.translated_from["fr"]["concern"]}}


def test_a_cleared_conventions_key_takes_its_emptied_mappings_with_it() -> None:
    text = SPEC.read_text()
    added = edit.set_value(text, "s.yaml", "conventions.fr.locale", "fr_CA")
    assert added != text
    assert edit.clear(added, "s.yaml", "conventions.fr.locale") == text


def test_a_cleared_required_field_or_list_entry_stays_in_its_place_empty() -> None:
    text = SPEC.read_text()
    out = edit.clear(text, "s.yaml", "reference.code")
    assert changed_lines(text, out) == ["-  code: TEST-STUDIO   # names the files", '+  code: ""   # names the files']
    out = edit.clear(text, "s.yaml", "title", "en")
    assert changed_lines(text, out) == ["-title: 'A defender detained'", '+title: ""']
    out = edit.clear(text, "s.yaml", "demands.1", "en")
    assert changed_lines(text, out) == ["-  - Guarantee her access to a lawyer;", '+  - ""']
