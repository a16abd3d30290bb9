"""appeal_gen.columns: a list's own headers mapped to the documented columns, rows untouched."""

from __future__ import annotations

from pathlib import Path

import pytest

from appeal_gen.columns import rename, suggest
from appeal_gen.errors import InputError
from appeal_gen.recipients import open_list

from .conftest import DATA


def test_headers_people_write_are_mapped_to_the_documented_columns() -> None:
    assert suggest(["e_mail", "lang", "full_name", "adress", "group", "email"]) == {
        "e_mail": "email",
        "lang": "language",
        "full_name": "name",
        "adress": "address",
        "group": "",
        "email": "",  # email is taken by the first column that means it
    }


def test_rename_changes_the_header_only_so_every_row_keeps_its_line(tmp_path: Path) -> None:
    src = DATA / "studio" / "recipients.csv"
    dst = tmp_path / "mapped.csv"
    rename(src, dst, {"lang": "language", "full_name": "name", "e_mail": "email"})
    before, after = src.read_bytes().split(b"\n"), dst.read_bytes().split(b"\n")
    assert after[0] == b"id,language,name,office,email,group"
    assert after[1:] == before[1:]
    assert open_list(str(dst)).columns == ("id", "language", "name", "office", "email", "group")


def test_two_columns_mapped_to_one_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        rename(DATA / "studio" / "recipients.csv", tmp_path / "m.csv", {"full_name": "name", "office": "name"})
    assert info.value.format() == "recipients.csv: two columns are mapped to name: choose one"
    assert not (tmp_path / "m.csv").exists()


def test_the_studio_suggests_what_the_batch_reads_from_crm_exports() -> None:
    header = ["Contact ID", "First Name", "Last Name", "E-mail Address", "Preferred Language", "Mailing City", "Notes"]
    assert suggest(header) == {
        "Contact ID": "id",
        "First Name": "first_name",
        "Last Name": "last_name",
        "E-mail Address": "email",
        "Preferred Language": "language",
        "Mailing City": "city",
        "Notes": "",
    }
