"""Regenerate the studio's screenshots in docs/images (README, docs/studio.md).

    python tools/studio_screenshots.py [OUTDIR]

Serves a copy of the example appeal and a small recipient list, drives
Debian's Chromium through the screens a person uses (the list, the editor
with its preview, the Arabic tab beside its English source, a French tab
with a stale translation after the English changed, a spec whose YAML does
not read, the editor at 200% zoom, a batch), and saves each as a small
palette PNG.
"""

from __future__ import annotations

import io
import shutil
import sys
import tempfile
from pathlib import Path

from PIL import Image
from playwright.sync_api import sync_playwright

from appeal_gen.studio.server import Running

ROOT = Path(__file__).resolve().parent.parent
ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


def save(png: bytes, path: Path, width: int = 1100) -> None:
    """A screenshot made small: scaled to *width* and reduced to 128 colours."""
    im = Image.open(io.BytesIO(png)).convert("RGB")
    if im.width > width:
        im = im.resize((width, round(im.height * width / im.width)), Image.Resampling.LANCZOS)
    im.quantize(colors=128, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)
    print(path, path.stat().st_size)


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "images"
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        shutil.copy(ROOT / "examples" / "cchr-2017" / "appeal.yaml", folder / "cchr-2017.yaml")
        shutil.copy(ROOT / "tests" / "data" / "minimal.yaml", folder / "minimal.yaml")
        broken = (ROOT / "tests" / "data" / "studio" / "commented.yaml").read_text(encoding="utf-8")
        (folder / "broken.yaml").write_text(broken.replace("country: KH", 'country: "KH', 1), encoding="utf-8")
        running = Running(str(folder))
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=shutil.which("chromium") or "/usr/bin/chromium", args=ARGS)
                ctx = browser.new_context(viewport={"width": 1280, "height": 860}, bypass_csp=True)
                pg = ctx.new_page()
                pg.goto(running.url)
                save(pg.screenshot(), out / "studio-list.png")
                pg.goto(running.base + "edit?spec=cchr-2017.yaml")
                pg.wait_for_selector(".pages img", timeout=30000)
                pg.locator("#f-demands-0-en").scroll_into_view_if_needed()
                pg.locator("#f-demands-0-en").focus()
                save(pg.screenshot(), out / "studio-editor.png")
                pg.goto(running.base + "edit?spec=cchr-2017.yaml&lang=ar")
                pg.wait_for_selector(".pages img", timeout=30000)
                pg.locator("#f-title-ar").scroll_into_view_if_needed()
                save(pg.screenshot(), out / "studio-arabic.png")
                zoom = browser.new_context(viewport={"width": 640, "height": 860}, device_scale_factor=2)
                zp = zoom.new_page()
                zp.goto(running.url)
                zp.goto(running.base + "edit?spec=minimal.yaml")
                zp.wait_for_selector(".pages img", timeout=30000)
                zp.keyboard.press("Tab")
                zp.keyboard.press("Tab")
                save(zp.screenshot(), out / "studio-zoom-200.png", width=640)
                pg.goto(running.base + "batch?spec=cchr-2017.yaml")
                pg.get_by_label("Recipient list").set_input_files(
                    str(ROOT / "examples" / "cchr-2017" / "recipients.csv")
                )
                pg.get_by_role("button", name="Read its columns").click()
                pg.get_by_role("button", name="Make the letters").click()
                pg.get_by_text("Done:").wait_for(timeout=120000)
                save(pg.screenshot(full_page=True), out / "studio-batch.png")
                # The English title changes: the French one is stale until checked.
                pg.goto(running.base + "edit?spec=cchr-2017.yaml")
                pg.locator("#f-title-en").fill("Prime Minister moves to shut down a leading human rights organisation")
                pg.wait_for_selector(".pages img", timeout=30000)
                pg.wait_for_timeout(1500)
                pg.goto(running.base + "edit?spec=cchr-2017.yaml&lang=fr")
                pg.wait_for_selector(".pages img", timeout=30000)
                pg.locator("#f-reference-code").scroll_into_view_if_needed()
                pg.evaluate("document.querySelector('#stale-f-title-fr').scrollIntoView({block: 'center'})")
                save(pg.screenshot(), out / "studio-stale.png")
                pg.goto(running.base + "edit?spec=broken.yaml")
                save(pg.screenshot(), out / "studio-raw.png")
                browser.close()
        finally:
            running.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
