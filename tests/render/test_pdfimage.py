"""The logo in the PDF: once per file, at its printed size's pixels, binary streams the same pixels as the file."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from appeal_gen import build_letter
from appeal_gen.images import Image
from appeal_gen.locale import LocaleInfo
from appeal_gen.render import registry
from appeal_gen.render.pdfimage import encode_logo
from appeal_gen.theme import load_theme

from ..conftest import EXAMPLE, ROOT

pikepdf = pytest.importorskip("pikepdf")
PIL = pytest.importorskip("PIL.Image")

THEME = ROOT / "examples" / "themes" / "northbridge" / "theme.yaml"


def _pdf(lang: str) -> bytes:
    from appeal_gen.spec import load_spec

    letter = build_letter(load_spec(str(EXAMPLE)), LocaleInfo(lang))
    return registry.renderer("pdf")(registry.RenderRequest(letter, theme=load_theme(THEME)))


def _images(pdf: pikepdf.Pdf) -> list[pikepdf.Stream]:
    return [o for o in pdf.objects if isinstance(o, pikepdf.Stream) and o.get("/Subtype") == "/Image"]


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_the_logo_is_embedded_once_at_200_dpi_of_its_printed_width_with_the_files_pixels(lang: str) -> None:
    with pikepdf.open(io.BytesIO(_pdf(lang))) as pdf:
        assert len(pdf.pages) > 1
        # One picture and its transparency: 22 mm at 200 dpi is 174 pixels across.
        (picture,) = [o for o in _images(pdf) if "/SMask" in o]
        assert len(_images(pdf)) == 2
        assert (int(picture.Width), int(picture.Height)) == (174, 174)
        mask = picture.SMask
        assert (int(mask.Width), int(mask.Height), str(mask.ColorSpace)) == (174, 174, "/DeviceGray")
        # Binary streams: no ASCII85 (a quarter larger), in every copy of every letter.
        for stream in (picture, mask):
            assert "/ASCII85Decode" not in [str(f) for f in pikepdf.Array(stream.Filter)]
        drawn = pikepdf.PdfImage(picture).as_pil_image()
        alpha = pikepdf.PdfImage(mask).as_pil_image()
    logo = PIL.open(io.BytesIO(load_theme(THEME).logo.image.png))  # type: ignore[union-attr]
    assert drawn.convert("RGB").tobytes() == logo.convert("RGB").tobytes()
    assert alpha.tobytes() == logo.getchannel("A").tobytes()


def _png(img: object) -> Image:
    out = io.BytesIO()
    img.save(out, "PNG")  # type: ignore[attr-defined]
    return Image(out.getvalue(), img.width, img.height)  # type: ignore[attr-defined]


def test_a_photograph_like_logo_is_stored_with_png_row_filters_and_reads_back_the_same() -> None:
    """Gradients compress far better with PNG's row filters (/Predictor 15) than as plain Flate."""
    width, height = 150, 90
    gradient = PIL.new("RGB", (width, height))
    gradient.putdata([(x, y * 2, (x + y) % 256) for y in range(height) for x in range(width)])
    image = _png(gradient)
    logo = encode_logo(image)
    assert logo.alpha is None  # opaque: no mask
    assert logo.color.columns == width and logo.color.colors == 3
    pdf = pikepdf.new()
    stream = pikepdf.Stream(pdf, logo.color.data)
    stream.Type, stream.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
    stream.Width, stream.Height, stream.BitsPerComponent = width, height, 8
    stream.ColorSpace, stream.Filter = pikepdf.Name.DeviceRGB, pikepdf.Name.FlateDecode
    stream.DecodeParms = pikepdf.Dictionary(Predictor=15, Colors=3, BitsPerComponent=8, Columns=width)
    assert pikepdf.PdfImage(stream).as_pil_image().tobytes() == gradient.tobytes()


def test_flat_colours_are_stored_as_plain_flate_and_an_opaque_alpha_is_no_mask() -> None:
    flat = PIL.new("RGBA", (120, 60), (31, 78, 121, 255))
    logo = encode_logo(_png(flat))
    assert logo.alpha is None
    assert logo.color.columns is None


def test_the_same_logo_gives_the_same_bytes_in_every_letter(tmp_path: Path) -> None:
    assert _pdf("fr") == _pdf("fr")
