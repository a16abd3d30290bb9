"""Limits that hostile inputs used to get past (issue 12, classes 5 and 7).

Each input is made here, in tmp_path, and run as a user would: the command
in a subprocess with a time limit (and, where the attack is memory, an
address-space limit), and the exact one-line error with exit status 2.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from ..conftest import DATA, ROOT

MINIMAL = (DATA / "minimal.yaml").read_text(encoding="utf-8")
#: Far above what each refusal takes (well under a second), far below what
#: the attacks took before (minutes, or until memory ran out).
SECONDS = 30
#: Address space for a run that must stay small: the interpreter with
#: reportlab and openpyxl loaded needs about 300 MiB of it.
MEMORY = 1024 * 1024 * 1024


def appeal_gen(cwd: Path, *argv: str, memory: int | None = None, env: dict[str, str] | None = None) -> tuple[int, str]:
    """``appeal-gen ARGV`` in a child process: exit status and stderr."""

    def limit() -> None:  # pragma: no cover - runs in the child
        if memory is not None:
            import resource

            resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    proc = subprocess.run(
        [sys.executable, "-m", "appeal_gen", *argv],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=SECONDS,
        preexec_fn=limit,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
    )
    return proc.returncode, proc.stderr


def write_spec(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "spec.yaml"
    path.write_text(text, encoding="utf-8")
    return path


# YAML ----------------------------------------------------------------------------


def test_alias_bomb_through_mapping_keys_is_refused_while_composing(tmp_path: Path) -> None:
    anchors = "x-keys:\n  a: &a [1, 2, 3, 4, 5, 6, 7, 8, 9]\n"
    for prev, name in zip("abcdefg", "bcdefgh", strict=True):
        anchors += f"  {name}: &{name} {{" + ", ".join(f"? [*{prev}, {j}] : {j}" for j in range(9)) + "}\n"
    write_spec(tmp_path, anchors + MINIMAL.replace("title: Defender", "title:\n  ? *h\n  : Defender"))
    code, err = appeal_gen(tmp_path, "build", "spec.yaml", "-o", "out", memory=MEMORY)
    assert (code, err) == (
        2,
        "spec.yaml:7:28: x-keys.f.?.…: more than 200000 YAML nodes (YAML aliases expanding?); "
        "a spec this large is refused\n",
    )
    assert not (tmp_path / "out").exists()


def test_alias_used_as_a_text_key_is_refused_with_its_field(tmp_path: Path) -> None:
    text = "x-a: &a [en]\n" + MINIMAL.replace("title: Defender", "title:\n  ? *a\n  : Defender")
    write_spec(tmp_path, text)
    code, err = appeal_gen(tmp_path, "check", "spec.yaml")
    assert code == 2
    assert "spec.yaml:1:6: title: keys must be language codes such as en or fr" in err.splitlines()


def test_deeply_nested_complex_key_is_refused_with_its_line(tmp_path: Path) -> None:
    write_spec(tmp_path, MINIMAL.replace("title: Defender", "title:\n  ? " + "[" * 5000 + "]" * 5000 + "\n  : x"))
    code, err = appeal_gen(tmp_path, "check", "spec.yaml")
    assert (code, err) == (2, "spec.yaml:12:63: title.?.0.…: nested more than 60 levels deep\n")


def test_deeply_nested_flow_mapping_key_is_refused_with_its_line(tmp_path: Path) -> None:
    write_spec(tmp_path, MINIMAL.replace("title: Defender", "title: {" + "{a: " * 3000 + "1" + "}" * 3000 + ": x}"))
    code, err = appeal_gen(tmp_path, "check", "spec.yaml")
    assert (code, err) == (2, "spec.yaml:11:238: title.?.a.…: nested more than 60 levels deep\n")


HUGE_INTS = {
    "hex": ("0x" + "f" * 100_000, 100_002),
    "octal": ("0" + "7" * 100_000, 100_001),
    "binary": ("0b" + "1" * 100_000, 100_002),
    "base_60": (":".join(["59"] * 30_000), 89_999),
    "underscores": ("1" + "_000" * 20_000, 80_001),
    "decimal": ("9" * 100_000, 100_000),
}


def test_huge_integers_in_every_yaml_form_are_refused_with_the_field(tmp_path: Path) -> None:
    for name, (digits, length) in HUGE_INTS.items():
        write_spec(tmp_path, MINIMAL.replace("spec_version: 1", f"spec_version: {digits}"))
        code, err = appeal_gen(tmp_path, "build", "spec.yaml", "-o", "out")
        assert (name, code, err) == (
            name,
            2,
            f"spec.yaml:2:15: spec_version: expected a whole number of at most 20 characters, found {length}\n",
        )
        assert not (tmp_path / "out").exists()


# XLSX ----------------------------------------------------------------------------


def xlsx(tmp_path: Path, sheet_edit: dict[str, str], name: str = "list.xlsx") -> Path:
    """A two-column list (name, email; one row) whose sheet XML has *sheet_edit* applied (old -> new)."""
    import zipfile

    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["name", "email"])
    ws.append(["A. Minister", "a@example.org"])
    base = tmp_path / "base.xlsx"
    wb.save(base)
    out = tmp_path / name
    with zipfile.ZipFile(base) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                for old, new in sheet_edit.items():
                    assert old in text
                    text = text.replace(old, new)
                data = text.encode()
            dst.writestr(item.filename, data)
    base.unlink()
    return out


def batch(tmp_path: Path, memory: int | None = MEMORY) -> tuple[int, str]:
    (tmp_path / "spec.yaml").write_text(MINIMAL, encoding="utf-8")
    return appeal_gen(
        tmp_path, "batch", "spec.yaml", "--recipients", "list.xlsx", "-o", "out", "--format", "pdf", "--quiet",
        memory=memory,
    )  # fmt: skip


LAST_CELL = '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'


def test_xlsx_declaring_the_last_cell_of_the_sheet_is_read_in_seconds(tmp_path: Path) -> None:
    path = xlsx(tmp_path, {'<dimension ref="A1:B2"/>': '<dimension ref="A1:XFD1048576"/>', "</sheetData>": LAST_CELL})
    assert path.stat().st_size < 6000
    code, err = batch(tmp_path)
    # The value in that last cell is reported on its row, not dropped (issue 14); the rest is a letter.
    assert "list.xlsx:1048576: a value in column 16384, but the header has 2 columns" in err.splitlines()
    assert (code, err.splitlines()[-1].split(" in ")[0]) == (1, "batch: 2 rows: 1 letters (0 reused), 1 failed,")


def test_xlsx_zip_bomb_is_refused_before_openpyxl_unpacks_it(tmp_path: Path) -> None:
    xlsx(tmp_path, {"</sheetData>": " " * 50_000_000 + "</sheetData>"})
    code, err = batch(tmp_path)
    assert (code, err) == (
        2,
        "list.xlsx: xl/worksheets/sheet1.xml would unpack 1,019 times larger than it is (more than 100:1); "
        "refused as a zip bomb\n",
    )
    assert not (tmp_path / "out").exists()


def test_xlsx_unpacking_past_the_limit_is_refused(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import pytest

    from appeal_gen import recipients, xlsxfiles

    path = xlsx(tmp_path, {})
    monkeypatch.setattr(xlsxfiles, "MAX_XLSX_UNCOMPRESSED", 10_000)  # the limits live with the XLSX reader
    with pytest.raises(recipients.RecipientListError) as info:
        recipients.open_list(str(path))
    total = sum(i.file_size for i in __import__("zipfile").ZipFile(path).infolist())
    assert str(info.value) == f"{path}: the workbook unpacks to {total:,} bytes, more than the limit of 10,000"


def test_xlsx_entry_count_shared_strings_and_file_size_limits(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import zipfile

    import pytest

    from appeal_gen import recipients, xlsxfiles

    path = xlsx(tmp_path, {})
    with zipfile.ZipFile(path, "a") as z:
        z.writestr("xl/sharedStrings.xml", "<sst>" + "<si><t>x</t></si>" * 1000 + "</sst>")
    shared = zipfile.ZipFile(path).getinfo("xl/sharedStrings.xml").file_size
    entries = len(zipfile.ZipFile(path).infolist())
    size = path.stat().st_size
    cases = {
        "MAX_XLSX_ENTRIES": (5, f"the workbook holds {entries} files, more than the limit of 5"),
        "MAX_XLSX_SHARED_STRINGS": (
            1000,
            f"xl/sharedStrings.xml unpacks to {shared:,} bytes, more than the limit of 1,000",
        ),
        "MAX_XLSX_BYTES": (1000, f"the workbook is {size:,} bytes, more than the limit of 1,000"),
    }
    for name, (value, message) in cases.items():
        with monkeypatch.context() as m:
            m.setattr(xlsxfiles, name, value)
            with pytest.raises(recipients.RecipientListError) as info:
                recipients.open_list(str(path))
        assert str(info.value) == f"{path}: {message}"


def test_xlsx_values_right_of_the_header_and_overlong_cells_fail_their_row(tmp_path: Path) -> None:
    from appeal_gen import recipients

    far = '<c r="Z2" t="inlineStr"><is><t>stray</t></is></c></row>'
    long = '<row r="3"><c r="A3" t="inlineStr"><is><t>' + "x" * 131_073 + "</t></is></c></row></sheetData>"
    path = xlsx(
        tmp_path, {"a@example.org</t></is></c></row>": "a@example.org</t></is></c>" + far, "</sheetData>": long}
    )
    rows = list(recipients.open_list(str(path)).rows())
    assert [(r.line, r.column, r.error) for r in rows] == [
        (2, None, "a value in column 26, but the header has 2 columns"),
        (
            3,
            "name",
            "a cell longer than 131,072 characters; no address or name is that long (a column pasted by mistake?)",
        ),
    ]


XLSX_BROKEN = {
    "unclosed_tags": ({"</sheetData>": "<row r='3'><c r='A3'>"}, "mismatched tag: line 1, column 702"),
    "bad_cell_reference": ({'r="A2"': 'r="!!"'}, "invalid literal for int() with base 10: '!'"),
    "row_past_excel": (
        {
            "</sheetData>": '<row r="99999999999"><c r="A99999999999" t="inlineStr"><is><t>x</t></is></c></row>'
            "</sheetData>"
        },
        None,
    ),
}


def test_xlsx_that_does_not_parse_is_one_line_exit_2_nothing_written(tmp_path: Path) -> None:
    for case, (edit, detail) in XLSX_BROKEN.items():
        xlsx(tmp_path, edit)
        code, err = batch(tmp_path, memory=None)
        expected = (
            f"list.xlsx: cannot read the spreadsheet: {detail}\n"
            if detail
            else "list.xlsx: the first sheet has more than 1,048,576 rows\n"
        )
        assert (case, code, err) == (case, 2, expected)
        assert not (tmp_path / "out").exists()


# Catalogs -------------------------------------------------------------------------

FR_PLURALS = '"Plural-Forms: nplurals=3; plural=(n == 0 || n == 1) ? 0 : n != 0 && n % "\n"1000000 == 0 ? 1 : 2;\\n"'
PO = "fr/LC_MESSAGES/appeal_gen.po"

CATALOG_CASES = {
    "huge_nplurals": (
        (FR_PLURALS, '"Plural-Forms: nplurals=100000000; plural=n;\\n"'),
        "15: Plural-Forms: nplurals=100000000 is not a number from 1 to 6",
    ),
    "nplurals_beyond_int_limit": (
        (FR_PLURALS, '"Plural-Forms: nplurals=' + "9" * 5000 + '; plural=n;\\n"'),
        "15: Plural-Forms: nplurals=99999999999999999999 is not a number from 1 to 6",
    ),
    "division_by_zero": (
        (FR_PLURALS, '"Plural-Forms: nplurals=3; plural=n<7 ? 0 : 1%(n-7);\\n"'),
        "15: Plural-Forms: plural=n<7 ? 0 : 1%(n-7) fails for n=7 (division by zero)",
    ),
    "does_not_parse": (
        (FR_PLURALS, '"Plural-Forms: nplurals=3; plural=n % ;\\n"'),
        "15: Plural-Forms: plural=n % cannot be read (unexpected end of plural form)",
    ),
    "out_of_range": (
        (FR_PLURALS, '"Plural-Forms: nplurals=3; plural=n>500 ? 3 : n>1;\\n"'),
        "15: Plural-Forms: plural=n>500 ? 3 : n>1 gives form 3 for n=501; with nplurals=3 it must give 0 to 2",
    ),
    "unknown_charset": (
        ("charset=utf-8", "charset=klingon"),
        "18: unknown charset 'klingon' in Content-Type; save the catalog as UTF-8 and declare charset=UTF-8",
    ),
    "megabyte_msgstr": (
        ('msgstr "Harcèlement judiciaire"', 'msgstr "' + "x" * 1_000_000 + '"'),
        "22: a message longer than 20,000 characters; a fixed phrase is a line or two",
    ),
}


def locales(tmp_path: Path, old: str, new: str) -> Path:
    import shutil

    loc = tmp_path / "locales"
    shutil.copytree(ROOT / "appeal_gen" / "locales", loc)
    po = loc / PO
    text = po.read_text(encoding="utf-8")
    assert old in text
    po.write_text(text.replace(old, new), encoding="utf-8")
    return loc


def test_broken_catalog_headers_and_sizes_stop_build_and_locale_check_with_the_line(tmp_path: Path) -> None:
    """Exit 2 with the catalog's line from both commands: a broken catalog stops, as a syntax error does."""
    write_spec(tmp_path, MINIMAL)
    for case, ((old, new), message) in CATALOG_CASES.items():
        work = tmp_path / case
        work.mkdir()
        env = {"APPEAL_GEN_LOCALES": str(locales(work, old, new))}
        args = ("build", str(tmp_path / "spec.yaml"), "--lang", "fr", "--allow-fallback", "-o", "out")
        code, err = appeal_gen(work, *args, env=env, memory=MEMORY)
        assert (case, code, err) == (case, 2, f"{work / 'locales' / PO}:{message}\n")
        assert not (work / "out").exists()
        code, err = appeal_gen(work, "locale", "check", "fr", env=env)
        assert (case, code, err) == (case, 2, "locale check: problems in fr\n")


def test_catalog_larger_than_the_limit_is_refused_unread(tmp_path: Path) -> None:
    loc = locales(tmp_path, "Generated-By", "X-Padding: " + "x" * 4_200_000 + '\\n"\n"Generated-By')
    write_spec(tmp_path, MINIMAL)
    size = (loc / PO).stat().st_size
    env = {"APPEAL_GEN_LOCALES": str(loc)}
    code, err = appeal_gen(tmp_path, "build", "spec.yaml", "--lang", "fr", "--allow-fallback", "-o", "out", env=env)
    assert (code, err) == (2, f"{loc / PO}: the catalog is {size:,} bytes, more than the limit of 4,194,304\n")


# Fonts ----------------------------------------------------------------------------


def test_font_folder_fifo_device_and_huge_file_are_skipped_without_blocking(tmp_path: Path) -> None:
    fonts = tmp_path / "fonts"
    fonts.mkdir()
    os.mkfifo(fonts / "pipe.ttf")
    (fonts / "zero.ttf").symlink_to("/dev/zero")
    with open(fonts / "huge.ttf", "wb") as fh:  # sparse: takes no disk space
        fh.truncate(100 * 1024**3)
    (fonts / "loop").symlink_to(fonts)
    write_spec(tmp_path, MINIMAL)
    env = {"APPEAL_GEN_FONT_DIRS": str(fonts)}
    code, err = appeal_gen(tmp_path, "build", "spec.yaml", "-o", "out", "--format", "pdf", env=env, memory=MEMORY)
    assert (code, err) == (0, "")
    assert (tmp_path / "out" / "test-001.en.pdf").is_file()


# Tracebacks ------------------------------------------------------------------------


def test_a_name_too_long_to_lay_out_is_one_line_with_its_field(tmp_path: Path) -> None:
    write_spec(tmp_path, MINIMAL.replace("  - name: Example Defenders & Partners", "  - name: " + "E" * 20_000))
    code, err = appeal_gen(tmp_path, "build", "spec.yaml", "-o", "out", memory=MEMORY)
    assert (code, err) == (
        2,
        "spec.yaml:7:11: issuers: cannot be laid out: a word or a line is too long for a page; "
        "shorten it or add spaces\n",
    )
    assert not (tmp_path / "out").exists()


def test_a_title_over_255_characters_builds_with_the_docx_property_shortened(tmp_path: Path) -> None:
    import docx
    from pypdf import PdfReader

    title = " ".join(["Defender detained and held incommunicado"] * 10)
    write_spec(tmp_path, MINIMAL.replace('title: Defender <detained> & "held" incommunicado', f"title: {title}"))
    code, err = appeal_gen(tmp_path, "build", "spec.yaml", "-o", "out")
    assert (code, err) == (0, "")
    d = docx.Document(str(tmp_path / "out" / "test-001.en.docx"))
    shortened = d.core_properties.title
    assert len(shortened) <= 255 and shortened.endswith("incommunicado Defender\u2026")
    assert title.startswith(shortened[:-1])
    assert title in [p.text for p in d.paragraphs]
    assert PdfReader(tmp_path / "out" / "test-001.en.pdf").metadata.title == title


# Glyphs ---------------------------------------------------------------------------


def test_a_demand_number_the_base_font_lacks_is_drawn_by_a_font_that_has_it(tmp_path: Path) -> None:
    """A catalog's "{number}." with a Khmer sign in a French letter: drawn in Khmer OS, not as nothing."""
    from pypdf import PdfReader

    loc = locales(tmp_path, 'msgid "{number}."\nmsgstr "{number}."', 'msgid "{number}."\nmsgstr "{number}\u17d4"')
    write_spec(tmp_path, MINIMAL)
    env = {"APPEAL_GEN_LOCALES": str(loc)}
    args = ("build", "spec.yaml", "--lang", "fr", "--allow-fallback", "-o", "out", "--format", "pdf")
    code, _ = appeal_gen(tmp_path, *args, env=env)
    assert code == 0
    drawn: list[tuple[str, str]] = []

    def visit(text, cm, tm, font, size):  # type: ignore[no-untyped-def]
        if text.strip():
            drawn.append((text.strip(), str(font.get("/BaseFont", "")) if font else ""))

    PdfReader(tmp_path / "out" / "test-001.fr.pdf").pages[0].extract_text(visitor_text=visit)
    signs = [font for text, font in drawn if "\u17d4" in text]
    assert len(signs) == 3 and all("Khmer" in font for font in signs), drawn
