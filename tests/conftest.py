"""Shared fixtures: the example spec, built once per test session."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from hypothesis import settings

from appeal_gen import build_letter, load_spec, parse_spec
from appeal_gen import settings as appeal_settings
from appeal_gen.locale import LocaleInfo
from appeal_gen.render.docx import DocxOptions, render_docx
from appeal_gen.render.pdf import render_pdf

# Hypothesis: the "ci" profile draws the same examples every run (a red CI is
# a real regression); "explore" (--hypothesis-profile=explore) draws new ones.
settings.register_profile("ci", max_examples=100, derandomize=True)
settings.register_profile("explore", max_examples=1500)
settings.load_profile("ci")

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "cchr-2017" / "appeal.yaml"
#: The example's recipient list: both kinds of letter, all seven languages.
EXAMPLE_LIST = EXAMPLE.parent / "recipients.csv"
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(autouse=True)
def _settings_read_afresh():  # type: ignore[no-untyped-def]
    """Each test reads the environment's settings afresh, and leaves none behind.

    ``appeal_gen.settings`` reads the environment once per process; a test's
    ``monkeypatch.setenv`` (undone at its end) must neither be missed by that
    test nor seen by the next. A test that changes a variable after something
    already read the settings calls ``appeal_settings.reload()``.
    """
    appeal_settings.reset()
    yield
    appeal_settings.reset()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--regen-golden",
        action="store_true",
        default=False,
        help="rewrite tests/data/golden/ from the current output instead of comparing with it",
    )


@pytest.fixture
def regen_golden(request: pytest.FixtureRequest) -> bool:
    """True under ``pytest --regen-golden``: golden files are written, not compared."""
    return bool(request.config.getoption("--regen-golden"))


@pytest.fixture(scope="session")
def example_spec():  # type: ignore[no-untyped-def]
    return load_spec(str(EXAMPLE))


@pytest.fixture(scope="session")
def example_pdf(example_spec) -> bytes:  # type: ignore[no-untyped-def]
    return render_pdf(build_letter(example_spec, LocaleInfo("en")))


@pytest.fixture(scope="session")
def example_docx(example_spec) -> bytes:  # type: ignore[no-untyped-def]
    return render_docx(build_letter(example_spec, LocaleInfo("en")), DocxOptions(date=example_spec.date))


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """``appeal-gen ARGV`` in this process: exit status, stdout, stderr."""
    from appeal_gen.cli import main

    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def batch_example(capsys: pytest.CaptureFixture[str], out: Path, formats: str, *more: str) -> tuple[int, str, str]:
    """``appeal-gen batch`` of the example and its list into *out*, in *formats*, in this process (``--jobs 1``)."""
    return run(
        capsys, "batch", str(EXAMPLE), "--recipients", str(EXAMPLE_LIST), "-o", str(out), "--format", formats,
        "--jobs", "1", *more,
    )  # fmt: skip


def minimal_letter(summary: str, lang: str = "en"):  # type: ignore[no-untyped-def]
    """The minimal spec's letter, with *summary* (YAML scalar text) as its summary."""
    text = (DATA / "minimal.yaml").read_text(encoding="utf-8")
    text = text.replace("A defender was detained on 1 March 2024.", summary)
    return build_letter(parse_spec(text, "x.yaml"), LocaleInfo(lang))


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def docx_paragraphs(data: bytes) -> list[tuple[str, str]]:
    """(style name, text) of every body paragraph."""
    import docx

    d = docx.Document(io.BytesIO(data))
    return [(p.style.name if p.style is not None else "", p.text) for p in d.paragraphs]


def docx_xml(data: bytes, name: str):  # type: ignore[no-untyped-def]
    """Part *name* of a DOCX as an lxml tree, read the way appeal-gen reads packages
    (``appeal_gen.ooxml``), or None if the package has no such part."""
    from lxml import etree

    from appeal_gen import ooxml

    with ooxml.open_package(data, "test") as package:
        if name not in package.names():
            return None
        return etree.fromstring(package.read(name), etree.XMLParser(resolve_entities=False, no_network=True))


def docx_names(data: bytes) -> list[str]:
    from appeal_gen import ooxml

    with ooxml.open_package(data, "test") as package:
        return package.names()


def squash(text: str) -> str:
    """Whitespace folded, so text wrapped across PDF lines compares equal."""
    return " ".join(text.split())


def fill_po(
    path: Path, translations: dict[str, str | list[str]], *, key: str = "id", fuzzy: tuple[str, ...] = ()
) -> None:
    """Type translations into a .po as a translator does in Poedit: msgstr only.

    *translations* is keyed by msgid (``key="id"``; the singular for a
    message with plural forms, whose value is then the list of forms) or by
    msgctxt (``key="context"``); keys listed in *fuzzy* are saved as "needs
    work".
    """
    from babel.messages.pofile import read_po, write_po

    with open(path, "rb") as fh:
        catalog = read_po(fh)
    for message in catalog:
        msgid = message.id[0] if isinstance(message.id, tuple) else message.id
        k = msgid if key == "id" else message.context
        if message.id and k in translations:
            value = translations[k]
            message.string = tuple(value) if isinstance(value, list) else value
            if k in fuzzy:
                message.flags.add("fuzzy")
            else:
                message.flags.discard("fuzzy")
    buf = io.BytesIO()
    write_po(buf, catalog)
    path.write_bytes(buf.getvalue())


def copy_locales(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the shipped catalogs that appeal-gen uses instead ($APPEAL_GEN_LOCALES)."""
    import shutil

    from appeal_gen.locale import LOCALES_DIR

    target = tmp_path / "locales"
    shutil.copytree(LOCALES_DIR, target)
    monkeypatch.setenv("APPEAL_GEN_LOCALES", str(target))
    appeal_settings.reload()
    return target
