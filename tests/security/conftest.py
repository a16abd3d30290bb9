"""Helpers for hostile inputs: templates, specs and files made in tmp_path."""

from __future__ import annotations

import zipfile
from pathlib import Path

from ..conftest import DATA, EXAMPLE
from ..conftest import run as cli

__all__ = ["DATA", "EXAMPLE", "batch_with_template", "cli", "make_template", "minimal_spec", "patch_docx"]


def make_template(tmp_path: Path, *paragraphs: str, name: str = "hostile.docx") -> Path:
    """A Word document whose body is *paragraphs* (Jinja tags included)."""
    import docx

    d = docx.Document()
    for text in paragraphs:
        d.add_paragraph(text)
    path = tmp_path / name
    d.save(str(path))
    return path


def patch_docx(src: Path, dst: Path, replace: dict[str, bytes], extra: dict[str, bytes] | None = None) -> Path:
    """A copy of *src* with some zip entries replaced or added."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = replace.get(item.filename, zin.read(item.filename))
            zout.writestr(item, data)
        for name, data in (extra or {}).items():
            zout.writestr(name, data)
    return dst


def batch_with_template(tmp_path: Path, capsys, template: Path, *more: str) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    """``batch`` of the example to one English row (``tmp_path/r.csv``) as DOCX via *template*: (exit code, stderr).

    The letters go to ``tmp_path/out``; a refused template must leave it empty.
    """
    recipients = tmp_path / "r.csv"
    recipients.write_text("name,language\nAda,en\n", encoding="utf-8")
    code, _, err = cli(
        capsys,
        "batch",
        str(EXAMPLE),
        "--recipients",
        str(recipients),
        "--format",
        "docx",
        "--template",
        str(template),
        *more,
        "-o",
        str(tmp_path / "out"),
    )
    return code, str(err)


def minimal_spec(tmp_path: Path, **replace: str) -> Path:
    """tests/data/minimal.yaml with whole lines replaced: key -> new YAML line(s)."""
    lines = (DATA / "minimal.yaml").read_text(encoding="utf-8").splitlines()
    out = []
    for line in lines:
        key = line.split(":", 1)[0]
        out.append(replace.pop(key) if key in replace and not line.startswith(" ") else line)
    assert not replace, f"no top-level line for {sorted(replace)}"
    path = tmp_path / "spec.yaml"
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return path


#: The headers of every draft: the ones appeal-gen sets and the two MIME adds.
DRAFT_HEADERS = frozenset(
    {"To", "From", "Subject", "Date", "Message-ID", "X-Unsent", "Content-Language", "MIME-Version", "Content-Type"}
)
