"""How live the studio feels: start time, and edit-to-new-preview latency.

    python benchmarks/bench_studio.py [--edits 20] [--starts 3] [--lang en]

- start: ``appeal-gen studio FOLDER --no-browser`` as users run it (a
  subprocess), from launch to the first page served through its printed
  URL (token, cookie, the list of appeals); median of --starts runs;
  target <= 2 s.
- edit to preview: on the example appeal (seven languages, three pages in
  English), one field typed (the POST htmx sends after the pause) and the
  new preview fetched (PDF rendered, pages rasterised) with the page images
  the browser does not have yet (a page that did not change keeps its
  address), until the preview holds the typed text; warm (three edits first), median of
  --edits; target <= 300 ms.

Prints PASS or FAIL per target and exits 1 if any fails.
"""

from __future__ import annotations

import argparse
import html
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "examples" / "cchr-2017" / "appeal.yaml"
START_TARGET = 2.0
PREVIEW_TARGET = 0.300


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def start_studio(folder: Path) -> tuple[subprocess.Popen[str], str, float]:
    """Launch the studio; return the process, its URL and the seconds to the first served page."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "appeal_gen", "studio", str(folder), "--no-browser"],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    m = re.search(r"(http://\S+)", line)
    if not m:
        proc.kill()
        raise SystemExit(f"the studio printed no URL: {line!r}")
    url = m.group(1)
    cookie = login(url)
    page = get(url.split("?")[0], cookie)
    elapsed = time.perf_counter() - t0
    assert "appeal.yaml" in page, "the list of appeals was not served"
    return proc, url, elapsed


def login(url: str) -> str:
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        opener.open(url)
    except urllib.error.HTTPError as exc:  # the 303 that sets the cookie
        return str(exc.headers["set-cookie"]).split(";")[0]
    raise SystemExit("the token was not traded for a cookie")


def get(url: str, cookie: str) -> str:
    req = urllib.request.Request(url, headers={"Cookie": cookie})
    with urllib.request.urlopen(req) as r:
        return r.read().decode()


def get_bytes(url: str, cookie: str) -> bytes:
    req = urllib.request.Request(url, headers={"Cookie": cookie})
    with urllib.request.urlopen(req) as r:
        return bytes(r.read())


def post(url: str, cookie: str, csrf: str, data: dict[str, str]) -> str:
    body = urllib.parse.urlencode(data).encode()
    req = urllib.request.Request(url, data=body, headers={"Cookie": cookie, "X-CSRF-Token": csrf})
    with urllib.request.urlopen(req) as r:
        return r.read().decode()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--edits", type=int, default=20)
    ap.add_argument("--starts", type=int, default=3)
    ap.add_argument("--lang", default="en")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-studio-") as tmp:
        folder = Path(tmp)
        shutil.copy(SPEC, folder / "appeal.yaml")
        starts = []
        for _ in range(args.starts):
            proc, url, seconds = start_studio(folder)
            starts.append(seconds)
            proc.terminate()
            proc.wait(timeout=10)

        proc, url, _ = start_studio(folder)
        try:
            base = url.split("?")[0]
            cookie = login(url)
            editor = get(f"{base}edit?spec=appeal.yaml&lang={args.lang}", cookie)
            csrf = re.search(r"X-CSRF-Token&#34;: &#34;([0-9a-f]+)", editor)
            assert csrf, "no CSRF token on the editor page"
            times = []
            seen: set[str] = set()
            for i in range(3 + args.edits):
                typed = f"Release the defenders now (edit {i})"
                t0 = time.perf_counter()
                post(
                    f"{base}api/field?spec=appeal.yaml",
                    cookie,
                    csrf.group(1),
                    {"path": "demands.0", "lang": args.lang, "value": typed},
                )
                preview = html.unescape(get(f"{base}preview?spec=appeal.yaml&lang={args.lang}", cookie))
                # The page images the browser does not have yet (a page that did not change keeps its address).
                for src in re.findall(r'<img src="/([^"]+)"', preview):
                    if src not in seen:
                        seen.add(src)
                        get_bytes(base + src, cookie)
                elapsed = time.perf_counter() - t0
                assert typed in preview, "the preview does not show the edit"
                if i >= 3:
                    times.append(elapsed)
        finally:
            proc.terminate()
            proc.wait(timeout=10)

    start = statistics.median(starts)
    edit = statistics.median(times)
    ok_start, ok_edit = start <= START_TARGET, edit <= PREVIEW_TARGET
    print(
        f"start to a served page: median {start * 1000:.0f} ms of {len(starts)} "
        f"(target <= {START_TARGET * 1000:.0f} ms): {'PASS' if ok_start else 'FAIL'}"
    )
    print(
        f"edit to new preview ({args.lang}, {len(times)} warm edits): median {edit * 1000:.0f} ms, "
        f"max {max(times) * 1000:.0f} ms (target <= {PREVIEW_TARGET * 1000:.0f} ms): {'PASS' if ok_edit else 'FAIL'}"
    )
    return 0 if ok_start and ok_edit else 1


if __name__ == "__main__":
    sys.exit(main())
