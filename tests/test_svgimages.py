"""SVG logos: a plain one drawn at its printed size in PDF and DOCX; hostile ones refused, nothing read or fetched."""

from __future__ import annotations

import http.server
import io
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from appeal_gen.theme import load_theme

from .conftest import EXAMPLE, run

pytest.importorskip("resvg_py")
PIL = pytest.importorskip("PIL.Image")

HEAD = (
    '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
    'viewBox="0 0 200 100" width="200" height="100">'
)
PLAIN = HEAD + '<rect width="200" height="100" fill="#1F4E79"/><circle cx="50" cy="50" r="30" fill="#FFFFFF"/></svg>'


@pytest.fixture
def server() -> Iterator[tuple[str, list[str]]]:
    """A web server on 127.0.0.1 that records every request it gets (none must come)."""
    asked: list[str] = []

    class Recorder(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            asked.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()
            self.wfile.write(SECRET_PNG)

        def log_message(self, *args: object) -> None:
            pass

    httpd = http.server.HTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}", asked
    httpd.shutdown()
    httpd.server_close()


def _png(colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    PIL.new("RGB", (8, 8), colour).save(out, "PNG")
    return out.getvalue()


SECRET_PNG = _png((255, 0, 0))


def _setup(tmp_path: Path, svg: str, width: str = "40mm") -> Path:
    """theme/theme.yaml naming theme/logo.svg, and secret.png beside the theme's folder (it must never be read)."""
    folder = tmp_path / "theme"
    folder.mkdir(parents=True)
    (tmp_path / "secret.png").write_bytes(SECRET_PNG)
    (folder / "logo.svg").write_text(svg, encoding="utf-8")
    theme = folder / "theme.yaml"
    theme.write_text(f"logo:\n  alt: Our logo\n  width: {width}\n  file: logo.svg\n", encoding="utf-8")
    return theme


def _refused(capsys, tmp_path: Path, svg: str) -> str:  # type: ignore[no-untyped-def]
    """The one-line error of a build with the theme, after 'FILE:4:9: logo.file: ', nothing written."""
    theme = _setup(tmp_path, svg)
    out = tmp_path / "out"
    code, stdout, err = run(capsys, "build", str(EXAMPLE), "--theme", str(theme), "-o", str(out))
    assert (code, stdout) == (2, "")
    assert not out.exists()
    (line,) = err.strip().splitlines()
    prefix = f"{theme}:4:9: logo.file: "
    assert line.startswith(prefix), line
    return line.removeprefix(prefix)


ONLY_OWN = "an SVG logo may refer only to its own parts ('#id'): nothing is read from other files or the web"


def test_a_plain_svg_logo_is_drawn_at_its_printed_size_in_the_pdf_and_the_docx(capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pikepdf = pytest.importorskip("pikepdf")
    theme = _setup(tmp_path, PLAIN)
    out = tmp_path / "out"
    code, _, err = run(capsys, "build", str(EXAMPLE), "--lang", "en", "--theme", str(theme), "-o", str(out))
    assert code == 0, err
    # 40 mm at 200 dpi: 315 pixels across, and half as many down, as the viewBox says.
    with pikepdf.open(out / "fld-kh-cchr-2017.en.pdf") as pdf:
        (logo,) = [pikepdf.PdfImage(i) for i in pdf.pages[0].get_images().values()]
        pixels = logo.as_pil_image()
    assert pixels.size == (315, 158)
    pixels = pixels.convert("RGB")
    assert pixels.getpixel((5, 5)) == (31, 78, 121)  # the rectangle's navy
    assert pixels.getpixel((78, 79)) == (255, 255, 255)  # the circle, 50 of 200 across: 79 of 315
    with zipfile.ZipFile(out / "fld-kh-cchr-2017.en.docx") as docx:
        (media,) = [n for n in docx.namelist() if n.startswith("word/media/")]
        assert PIL.open(io.BytesIO(docx.read(media))).size == (315, 158)
        header = next(docx.read(n).decode() for n in docx.namelist() if "header" in n and b"<w:drawing" in docx.read(n))
        assert 'descr="Our logo"' in header


def test_programs_elements_and_comments_are_left_out_and_the_size_claimed_does_not_count(tmp_path: Path) -> None:
    """An SVG 100,000,000 units wide is drawn at the logo's printed width: the pixels are decided here."""
    svg = (
        '<?xml version="1.0"?>\n<!-- a comment -->\n<svg xmlns="http://www.w3.org/2000/svg" '
        'xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape" width="100000000" height="50000000">'
        '<inkscape:foo href="http://example.org/"/><rect width="100000000" height="50000000" fill="#D6A234"/></svg>'
    )
    theme = load_theme(_setup(tmp_path, svg, width="20mm"))
    assert theme.logo is not None
    assert (theme.logo.image.width, theme.logo.image.height) == (158, 79)
    assert PIL.open(io.BytesIO(theme.logo.image.png)).convert("RGB").getpixel((80, 40)) == (214, 162, 52)


@pytest.mark.parametrize(
    "body",
    [
        '<image href="../secret.png" width="10" height="10"/>',
        '<image xlink:href="{tmp}/secret.png" width="10" height="10"/>',
    ],
)
def test_an_embedded_picture_is_refused_and_the_file_beside_the_folder_is_not_read(
    capsys, tmp_path: Path, body: str
) -> None:  # type: ignore[no-untyped-def]
    message = _refused(capsys, tmp_path, HEAD + body.format(tmp=tmp_path) + "</svg>")
    assert message == (
        "'logo.svg' line 1: <image> is an embedded picture (<image>); use the PNG itself as the logo; "
        "SVG logos may hold only shapes"
    )


@pytest.mark.parametrize(
    ("body", "target"),
    [
        ('<use xlink:href="{url}/shapes.svg#a"/>', "{url}/shapes.svg#a"),
        ('<filter id="f"><feImage href="file://{tmp}/secret.png"/></filter>', "file://{tmp}/secret.png"),
        ('<filter id="f"><feImage href="../secret.png"/></filter>', "../secret.png"),
        ('<rect width="9" height="9" fill="url({url}/paint.svg#p)"/>', "{url}/paint.svg#p"),
        ('<rect width="9" height="9" style="filter: url(\'{url}/f.svg#f\')"/>', "{url}/f.svg#f"),
        ('<a href="{url}/"><rect width="9" height="9"/></a>', "{url}/"),
    ],
)
def test_a_reference_outside_the_svg_is_refused_and_nothing_is_fetched(
    capsys, tmp_path: Path, server, body: str, target: str
) -> None:  # type: ignore[no-untyped-def]
    url, asked = server
    message = _refused(capsys, tmp_path, HEAD + body.format(url=url, tmp=tmp_path) + "</svg>")
    element = body[1 : body.index(" ")]
    if element == "filter":
        element = "feImage"
    assert message == f"'logo.svg' line 1: <{element}> refers to '{target.format(url=url, tmp=tmp_path)}'; {ONLY_OWN}"
    assert asked == []


def test_a_style_sheet_import_is_refused_and_nothing_is_fetched(capsys, tmp_path: Path, server) -> None:  # type: ignore[no-untyped-def]
    url, asked = server
    svg = HEAD + f'<style>@import url("{url}/a.css");</style><rect width="9" height="9"/></svg>'
    message = _refused(capsys, tmp_path, svg)
    assert message == f"'logo.svg' line 1: <style> imports a style sheet (@import); {ONLY_OWN}"
    escaped = HEAD + '<style>rect {{ fill: \\75 rl({url}/p.svg#p) }}</style><rect width="9" height="9"/></svg>'
    message = _refused(capsys, tmp_path / "escaped", escaped.format(url=url))
    assert message == "'logo.svg' line 1: <style> has a backslash escape in its style; write the style without escapes"
    assert asked == []


def test_an_external_entity_is_refused_with_its_doctype(capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    svg = f'<?xml version="1.0"?>\n<!DOCTYPE svg [<!ENTITY x SYSTEM "file://{tmp_path}/secret.png">]>\n{HEAD}<desc>&x;</desc></svg>'
    message = _refused(capsys, tmp_path, svg)
    assert message == "'logo.svg' has a DOCTYPE; an SVG logo needs none (it could declare entities)"


def test_a_billion_laughs_is_refused_at_once(capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    entities = '<!ENTITY a "ha">' + "".join(
        f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9)
    )
    svg = f'<?xml version="1.0"?>\n<!DOCTYPE svg [{entities}]>\n{HEAD}<desc>&j;</desc></svg>'
    start = time.perf_counter()
    message = _refused(capsys, tmp_path, svg)
    assert time.perf_counter() - start < 5
    assert message == "'logo.svg' has a DOCTYPE; an SVG logo needs none (it could declare entities)"


def test_use_chains_that_multiply_the_shapes_are_refused(capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The same laughs with <use>: ten copies of ten copies..., a billion circles from a kilobyte."""
    chain = '<circle id="l0" r="1"/>'
    for i in range(1, 10):
        chain += f'<g id="l{i}">' + f'<use href="#l{i - 1}"/>' * 10 + "</g>"
    message = _refused(capsys, tmp_path, HEAD + "<defs>" + chain + "</defs></svg>")
    assert message == "'logo.svg' draws more than 20,000 elements (counting each <use>); simplify it"


def test_a_use_that_draws_itself_is_refused(capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    message = _refused(capsys, tmp_path, HEAD + '\n<g id="a">\n<use href="#a"/></g></svg>')
    assert message == "'logo.svg' line 3: a <use> draws itself"


@pytest.mark.parametrize(
    ("levels", "expected"),
    [
        (100, "'logo.svg' line 1: nested more than 64 levels deep"),
        (300, "'logo.svg' line 1: not well-formed XML: Excessive depth in document: 256, use XML_PARSE_HUGE option"),
    ],
)
def test_deeply_nested_groups_are_refused(capsys, tmp_path: Path, levels: int, expected: str) -> None:  # type: ignore[no-untyped-def]
    svg = HEAD + "<g>" * levels + '<rect width="9" height="9"/>' + "</g>" * levels + "</svg>"
    assert _refused(capsys, tmp_path, svg).startswith(expected)


@pytest.mark.parametrize(
    ("svg", "expected"),
    [
        (
            '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1000000"><rect width="1" height="9"/></svg>',
            "'logo.svg' is 1 x 1e+06; a logo's sides must be positive and at most 20 times each other",
        ),
        (
            '<svg xmlns="http://www.w3.org/2000/svg" width="100%" height="50%"><rect width="1" height="9"/></svg>',
            "'logo.svg' has no viewBox and its width is '100%'; give it a viewBox "
            "(or a width and height in px, pt, mm, cm or in)",
        ),
        (
            HEAD + "<script>alert(1)</script></svg>",
            "'logo.svg' line 1: <script> is a script; SVG logos may hold only shapes",
        ),
        (
            HEAD + "<text>Northbridge</text></svg>",
            "'logo.svg' line 1: <text> is text, which each computer would draw in its own fonts; convert the text "
            "to outlines (paths); SVG logos may hold only shapes",
        ),
        ("<html><body/></html>", "'logo.svg' is not an SVG image (its root element is not <svg>)"),
    ],
)
def test_what_an_svg_logo_cannot_be(capsys, tmp_path: Path, svg: str, expected: str) -> None:  # type: ignore[no-untyped-def]
    assert _refused(capsys, tmp_path, svg) == expected


def test_without_the_renderer_an_svg_logo_is_refused_with_the_way_to_install_it(
    capsys, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    import sys

    monkeypatch.setitem(sys.modules, "resvg_py", None)
    assert _refused(capsys, tmp_path, PLAIN) == (
        "SVG logos need the optional SVG renderer: pip install 'appeal-gen[svg]' (or give a PNG)"
    )
