"""Recipient lists as spreadsheets and CRMs export them: each row with its line, bad rows isolated."""

from __future__ import annotations

from pathlib import Path

import pytest

from appeal_gen.recipients import RecipientListError, open_list

from .conftest import DATA

LISTS = DATA / "recipients"


def test_excel_csv_with_bom_semicolons_crlf_and_a_two_line_address() -> None:
    lst = open_list(str(LISTS / "excel_semicolon.csv"))
    assert lst.delimiter == ";"
    assert lst.columns == ("id", "language", "name", "office", "address", "signatory_name")
    rows = list(lst.rows())
    assert [r.line for r in rows] == [2, 4]
    first = rows[0].correspondent()
    assert (first.name, first.office, first.signatory_name) == ("Élise Fabre", "Préfète", "Marc Petit")
    assert first.address == ("2, place de la Mairie", "31000 Toulouse")


def test_bad_rows_carry_their_line_and_the_rows_after_them_are_read() -> None:
    rows = list(open_list(str(LISTS / "bad_rows.csv")).rows())
    assert [(r.line, r.get("id"), r.error is None) for r in rows] == [
        (2, "good-1", True),
        (3, "no-name", True),  # read fine; the batch refuses it for having no name
        (4, "bad-lang", True),
        (5, "", False),
        (6, "", False),
        (7, "good-2", True),
        (8, "bad-email", True),
        (9, "bad-translation", True),
        (10, "good-3", True),
    ]
    assert rows[3].column == "name"
    assert rows[3].error == (
        "bytes that are not utf-8 (b'\\xe9' after 'Ren'); save the list as 'CSV UTF-8', or give its encoding "
        "with --encoding"
    )
    assert rows[4].error == (
        'a quote (") opened on this line is never closed; close it, or double it ("") inside a quoted value'
    )


def test_a_runaway_quote_does_not_swallow_the_next_rows(tmp_path: Path) -> None:
    # The quote on line 2 closes on line 4: Python's csv would make lines 2-4 one row.
    p = tmp_path / "l.csv"
    p.write_text('id,name,office,city\n1,"Ann,Minister,Leeds\n2,Ben,Judge,York\n3,"Cy",Mayor,Hull\n', encoding="utf-8")
    rows = list(open_list(str(p)).rows())
    assert [(r.line, r.get("name"), r.error is None) for r in rows] == [
        (2, "", False),
        (3, "Ben", True),
        (4, "Cy", True),
    ]
    assert rows[0].error is not None and "not closed" in rows[0].error


def test_more_cells_than_columns_and_nul_and_control_characters(tmp_path: Path) -> None:
    p = tmp_path / "l.csv"
    p.write_bytes(b"id,name,office\n1,Ann,Minister,extra\n2,B\x00en,Judge\n3,Cy\x07,Mayor\n")
    rows = list(open_list(str(p)).rows())
    assert rows[0].error == "4 cells, but the header has 3 columns; a value containing ',' must be quoted"
    assert rows[1].get("name") == "B\ufffden"
    assert rows[1].warnings == ("this row: replaced NUL characters (U+0000) with U+FFFD",)
    assert rows[2].get("name") == "Cy\ufffd"
    assert rows[2].warnings == ("column 'name': replaced 1 unprintable character(s) (U+0007) with U+FFFD",)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("no_who_column.csv", "no column says whom the letters are to or from"),
        ("duplicate_column.csv", "column 'name' appears twice (columns 2 and 3); rename or remove one"),
        ("empty.csv", "the recipient list is empty; its first line must name the columns"),
    ],
)
def test_unusable_lists_are_refused_whole(name: str, message: str) -> None:
    with pytest.raises(RecipientListError) as info:
        open_list(str(LISTS / name))
    assert message in info.value.message
    assert info.value.exit_code == 2


def test_old_excel_is_refused_with_what_to_do_and_utf16_is_read(tmp_path: Path) -> None:
    xls = tmp_path / "list.xls"
    xls.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(RecipientListError, match=r"'\.xls' files are not read; save the list as \.xlsx or as CSV"):
        open_list(str(xls))
    u16 = tmp_path / "list.csv"
    u16.write_bytes("name\nAnn\n".encode("utf-16"))  # Excel's "Unicode text": read as it is
    assert [r.get("name") for r in open_list(str(u16)).rows()] == ["Ann"]


def test_xlsx_rows_have_their_sheet_row_numbers_and_cells_read_as_shown(tmp_path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append([])  # a blank first row: the header is on row 2
    ws.append(["ID", "Language", "Name", "Member No"])
    ws.append([7, "fr", "Élise Fabre", 1234.0])
    ws.append([None, None, None, None])
    ws.append(["x9", "km", "សុខ ចាន់", None])
    path = tmp_path / "list.xlsx"
    wb.save(path)
    lst = open_list(str(path))
    assert lst.columns == ("id", "language", "name", "member_no")
    assert lst.extra_columns == ("member_no",)
    rows = list(lst.rows())
    assert [(r.line, r.get("id"), r.get("name"), r.get("member_no")) for r in rows] == [
        (3, "7", "Élise Fabre", "1234"),
        (5, "x9", "សុខ ចាន់", ""),
    ]
    assert rows[0].correspondent().extra == (("member_no", "1234"),)


def test_misspelt_column_is_kept_for_templates_with_a_warning(tmp_path: Path) -> None:
    p = tmp_path / "l.csv"
    p.write_text("name,salutaton\nAnn,Dear Ann\n", encoding="utf-8")
    lst = open_list(str(p))
    assert lst.warnings == [
        f"{p}:1: column 'salutaton' is not a documented column (did you mean 'salutation'?); "
        "it is only available to templates as extra.salutaton"
    ]


@pytest.mark.parametrize("name", ["bad_rows.csv", "excel_semicolon.csv"])
def test_count_is_the_number_of_rows_read(name: str) -> None:
    lst = open_list(str(LISTS / name))
    assert lst.count() == len(list(lst.rows()))


def test_count_of_a_list_with_runaway_quotes_blank_rows_and_long_rows(tmp_path: Path) -> None:
    p = tmp_path / "l.csv"
    p.write_bytes(
        b'id,name,office\n1,"Ann,Minister\n2,Ben,Judge\n\n,,\n3,"Cy\nand Co",Mayor\n4,D,E,F\n5,"Eve\n6,B\x00en,Judge\n'
    )
    lst = open_list(str(p))
    rows = list(lst.rows())
    assert lst.count() == len(rows) == 6
    assert [(r.line, r.error is None) for r in rows] == [(2, False), (3, True), (6, True), (8, False), (9, False),
                                                         (10, True)]  # fmt: skip


def test_an_xlsx_value_far_right_of_the_header_is_reported_not_dropped(tmp_path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["id", "name"])
    ws.append(["1", "Ann"])
    ws.cell(row=3, column=300, value="far away")  # past the 200 columns a row is read to
    ws.append(["3", "Cy"])
    path = tmp_path / "far.xlsx"
    wb.save(path)
    rows = [(r.line, r.get("name"), r.error) for r in open_list(str(path)).rows()]
    assert rows == [(2, "Ann", None), (3, "", "a value in column 300, but the header has 2 columns"), (4, "Cy", None)]


def test_an_xlsx_is_parsed_once_for_its_header_count_and_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """openpyxl's parse is nearly all an XLSX list costs: the header, the count and the rows share one."""
    import openpyxl
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["Supporters, November"])  # a title above the header, found in the same pass
    ws.append(["ID", "Name", "Office", "Group"])
    ws.append(["a1", "Ann", "Minister", "North"])
    ws.append(["a2", "Ben", "Judge", None])
    ws.append(["a3", "Cy", "Mayor", None])
    ws.merge_cells("D3:D5")  # "North" shown down the merged range
    ws.append(["Total", None, None, 3])
    path = tmp_path / "list.xlsx"
    wb.save(path)
    real = openpyxl.load_workbook
    parses: list[str] = []

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        parses.append(str(args[0]))
        return real(*args, **kwargs)

    monkeypatch.setattr(openpyxl, "load_workbook", counted)
    lst = open_list(str(path))
    assert (lst.header_line, lst.columns) == (2, ("id", "name", "office", "group"))
    assert lst.count() == 3
    rows = [r for r in lst.rows() if r.skip is None]
    assert [(r.line, r.get("name"), r.get("group")) for r in rows] == [(3, "Ann", "North"), (4, "Ben", "North"),
                                                                      (5, "Cy", "North")]  # fmt: skip
    assert parses == [str(path)]
