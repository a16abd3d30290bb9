"""Is this checkout slower than an earlier revision? Both measured in one run, alternating.

    python benchmarks/bench_compare.py REV [--letters 1000] [--jobs 2] [--rounds 7] [--format pdf,docx]

A machine shared with others varies by tens of percent from one minute to
the next, so figures taken on different days (or an hour apart) cannot say
whether a change made the batch slower. This script extracts REV (any git
revision: a commit, a tag, ``main~3``) with ``git archive`` into a temporary
folder, writes one recipient list (``bench_batch.write_list``), and then runs
``appeal-gen batch`` on it with each version in turn, round after round,
alternating which goes first, each run in a new output folder after
``sync``. Each round gives a ratio (this checkout's letters/s over REV's,
measured within a few seconds of each other); the median ratio, with the
lowest and highest, is the answer, and the medians of each side are shown
too.

Each version runs its own example spec (``examples/cchr-2017/appeal.yaml``
of that revision): a spec written for a newer version may use fields an
older one does not know. The list is the same file for both.

It exits 1 when the median ratio is below ``--floor`` (default 0.95: a
slowdown of more than 5%, about the spread of a quiet machine's runs).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_batch import write_list  # noqa: E402 - the benchmark folder is not a package


def extract(rev: str, into: Path) -> Path:
    """REV's files (as committed) in *into*; the checkout and its worktrees are left alone."""
    archive = into / "rev.tar"
    with archive.open("wb") as fh:
        subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", rev], stdout=fh, check=True)
    tree = into / "rev"
    with tarfile.open(archive) as tar:
        tar.extractall(tree, filter="data")
    archive.unlink()
    return tree


def one_run(tree: Path, lst: Path, jobs: int, formats: str, work: Path) -> float:
    """Seconds for ``appeal-gen batch`` of *tree*'s code and example spec on *lst*."""
    out = Path(tempfile.mkdtemp(prefix="out-", dir=work))
    os.sync()
    cmd = [
        sys.executable,
        "-m",
        "appeal_gen",
        "batch",
        str(tree / "examples" / "cchr-2017" / "appeal.yaml"),
        "--recipients",
        str(lst),
        "-o",
        str(out),
        "--jobs",
        str(jobs),
        "--format",
        formats,
        "--quiet",
    ]
    env = {**os.environ, "PYTHONPATH": str(tree)}
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=tree, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"appeal-gen batch failed ({tree}):\n{proc.stderr[-3000:]}")
    shutil.rmtree(out)
    return seconds


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("rev", help="the git revision to compare against (e.g. a commit before a change)")
    ap.add_argument("--letters", type=int, default=1000, help="letters per batch run (default 1000)")
    ap.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    ap.add_argument("--rounds", type=int, default=7, help="runs of each version, alternating (default 7)")
    ap.add_argument("--format", default="pdf,docx", help="the batch's --format (default pdf,docx)")
    ap.add_argument("--floor", type=float, default=0.95, help="lowest median ratio that passes (default 0.95)")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-compare-") as tmp:
        work = Path(tmp)
        old = extract(args.rev, work)
        lst = write_list(work / "list.csv", args.letters)
        print(
            f"appeal-gen batch, {args.letters} letters, --jobs {args.jobs}, --format {args.format}: "
            f"this checkout against {args.rev}, {args.rounds} rounds, alternating"
        )
        print(f"{'round':>5} {'this letters/s':>15} {f'{args.rev} letters/s':>22} {'ratio':>7}")
        one_run(ROOT, lst, args.jobs, args.format, work)  # the page cache and the font cache, once for both
        one_run(old, lst, args.jobs, args.format, work)
        mine: list[float] = []
        theirs: list[float] = []
        ratios: list[float] = []
        for k in range(args.rounds):
            order = (ROOT, old) if k % 2 == 0 else (old, ROOT)
            seconds = {tree: one_run(tree, lst, args.jobs, args.format, work) for tree in order}
            a, b = args.letters / seconds[ROOT], args.letters / seconds[old]
            mine.append(a)
            theirs.append(b)
            ratios.append(a / b)
            print(f"{k + 1:5d} {a:15.1f} {b:22.1f} {a / b:7.3f}")
    median = statistics.median(ratios)
    print(
        f"median: this {statistics.median(mine):.1f} letters/s, {args.rev} {statistics.median(theirs):.1f} letters/s; "
        f"ratio {median:.3f} (lowest {min(ratios):.3f}, highest {max(ratios):.3f})"
    )
    ok = median >= args.floor
    print(f"{'PASS' if ok else 'FAIL'}  median ratio >= {args.floor}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
