"""Is this checkout slower than an earlier revision? Both measured in one run, alternating.

    python benchmarks/bench_compare.py REV [--letters 1000] [--jobs 2] [--rounds 7] [--format pdf,docx]
    python benchmarks/bench_compare.py --theme examples/themes/northbridge/theme.yaml [...]

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

``--cpu`` measures letters per CPU second (the batch's and its workers'
user and system time) instead of per second of the clock: on a machine
others are using, the clock counts their work too, the CPU time much less
(it still varies with their use of the caches and memory).

With ``--theme YAML`` (issue 21) there is no REV: this checkout's batch
with the theme is compared with the same batch without it, alternating in
the same way, so the ratio is what the theme (its logo, letterhead, page
size) costs a letter. Its letters are the organisation's
(``--letter-kind organisation``, unless ``--letter-kind`` says otherwise):
a supporter's letter has no letterhead, and the list's rows all have a
signatory, so a plain run would not draw the logo in a single PDF.

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


#: Measure CPU seconds (user and system, the batch's and its workers') instead of wall-clock seconds.
CPU: list[bool] = []


def one_run(tree: Path, lst: Path, jobs: int, formats: str, work: Path, extra: tuple[str, ...] = ()) -> float:
    """Seconds for ``appeal-gen batch`` of *tree*'s code and example spec on *lst* (*extra*: more options)."""
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
        *extra,
    ]
    env = {**os.environ, "PYTHONPATH": str(tree)}
    start = time.perf_counter()
    errors = tempfile.TemporaryFile(mode="w+", dir=work)
    proc = subprocess.Popen(cmd, cwd=tree, env=env, stdout=subprocess.DEVNULL, stderr=errors, text=True)
    # wait4: the batch's CPU time with its workers' (it waits for them), for --cpu.
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        errors.seek(0)
        sys.exit(f"appeal-gen batch failed ({tree}):\n{errors.read()[-3000:]}")
    shutil.rmtree(out)
    return usage.ru_utime + usage.ru_stime if CPU else seconds


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("rev", nargs="?", help="the git revision to compare against (e.g. a commit before a change)")
    ap.add_argument("--letters", type=int, default=1000, help="letters per batch run (default 1000)")
    ap.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    ap.add_argument("--rounds", type=int, default=7, help="runs of each version, alternating (default 7)")
    ap.add_argument("--format", default="pdf,docx", help="the batch's --format (default pdf,docx)")
    ap.add_argument("--floor", type=float, default=0.95, help="lowest median ratio that passes (default 0.95)")
    ap.add_argument("--theme", metavar="YAML", help="compare this checkout with this theme against without it")
    ap.add_argument("--letter-kind", help="the batch's --letter-kind (default: organisation with --theme)")
    ap.add_argument(
        "--cpu",
        action="store_true",
        help="letters per CPU second instead of per second: steadier on a machine others are using",
    )
    args = ap.parse_args()
    if args.cpu:
        CPU.append(True)
    if (args.rev is None) == (args.theme is None):
        ap.error("give a revision to compare against, or --theme (and no revision)")
    kind = args.letter_kind or ("organisation" if args.theme else None)
    common = ("--letter-kind", kind) if kind else ()

    with tempfile.TemporaryDirectory(prefix="bench-compare-") as tmp:
        work = Path(tmp)
        # Each side: (a label, its tree, its options).
        if args.theme:
            mine = ("with the theme", ROOT, (*common, "--theme", str(Path(args.theme).resolve())))
            base = ("without", ROOT, common)
        else:
            mine = ("this", ROOT, common)
            base = (args.rev, extract(args.rev, work), common)
        lst = write_list(work / "list.csv", args.letters)
        against = f"with {args.theme} against without it" if args.theme else f"this checkout against {args.rev}"
        print(
            f"appeal-gen batch, {args.letters} letters, --jobs {args.jobs}, --format {args.format}"
            f"{f', --letter-kind {kind}' if kind else ''}: {against}, {args.rounds} rounds, alternating"
        )
        unit = "letters/CPU s" if args.cpu else "letters/s"
        print(f"{'round':>5} {f'{mine[0]} {unit}':>28} {f'{base[0]} {unit}':>26} {'ratio':>7}")
        for _, tree, extra in (mine, base):  # the page cache and the font cache, once for both
            one_run(tree, lst, args.jobs, args.format, work, extra)
        ours: list[float] = []
        theirs: list[float] = []
        ratios: list[float] = []
        for k in range(args.rounds):
            order = (mine, base) if k % 2 == 0 else (base, mine)
            seconds = {side[0]: one_run(side[1], lst, args.jobs, args.format, work, side[2]) for side in order}
            a, b = args.letters / seconds[mine[0]], args.letters / seconds[base[0]]
            ours.append(a)
            theirs.append(b)
            ratios.append(a / b)
            print(f"{k + 1:5d} {a:28.1f} {b:26.1f} {a / b:7.3f}")
    median = statistics.median(ratios)
    print(
        f"median: {mine[0]} {statistics.median(ours):.1f} {unit}, {base[0]} {statistics.median(theirs):.1f} "
        f"{unit}; ratio {median:.3f} (lowest {min(ratios):.3f}, highest {max(ratios):.3f})"
    )
    ok = median >= args.floor
    print(f"{'PASS' if ok else 'FAIL'}  median ratio >= {args.floor}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
