"""Draw the example theme's logo (examples/themes/northbridge/logo.png), a fictional organisation's.

Run ``python tools/make_logo.py`` to make it again; the same Pillow gives the
same bytes (no metadata, fixed compression). Shapes only, so the file does
not depend on the fonts of the machine that made it: the organisation's
name is in the theme's letterhead block, as text.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image, ImageDraw

NAVY = (31, 78, 121)
GOLD = (214, 162, 52)


def draw(size: int = 480) -> Image.Image:
    """A navy disc with a gold bridge over three waves: 'Northbridge' as a picture."""
    scale = 4  # drawn large and scaled down, for smooth edges
    s = size * scale
    img = Image.new("RGBA", (s, s), (255, 255, 255, 0))
    d = ImageDraw.Draw(img)
    d.ellipse((0, 0, s - 1, s - 1), fill=NAVY)
    # The bridge: an arch and its deck.
    m = s // 6
    d.arc((m, s // 4, s - m, s - s // 5), start=180, end=360, fill=GOLD, width=s // 22)
    deck = s // 2 + s // 20
    d.rectangle((m - s // 40, deck, s - m + s // 40, deck + s // 26), fill=GOLD)
    for i in range(1, 6):
        x = m + i * (s - 2 * m) // 6
        top = deck - int((s // 4) * (1 - abs(i - 3) / 3.2))
        d.rectangle((x - s // 120, top, x + s // 120, deck), fill=GOLD)
    # Water.
    for row in range(3):
        y = deck + s // 10 + row * s // 14
        for k in range(4):
            x0 = m + k * (s - 2 * m) // 4
            d.arc((x0, y, x0 + (s - 2 * m) // 4, y + s // 16), start=200, end=340, fill=(255, 255, 255), width=s // 90)
    # Pixels outside the disc stay transparent, as the disc's edge is anti-aliased on scaling.
    return img.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    root = Path(__file__).resolve().parent.parent
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else root / "examples" / "themes" / "northbridge" / "logo.png"
    draw().save(out, "PNG", compress_level=9)
    print(out)


if __name__ == "__main__":
    main()
