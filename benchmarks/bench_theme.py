"""What a theme costs a letter, measured in one process: the same letters with and without it, interleaved.

    python benchmarks/bench_theme.py [--theme examples/themes/northbridge/theme.yaml] [--rounds 15]

Whole batches (``bench_compare.py --theme``) on a machine others are using
vary by more than the few percent a logo could cost. Here one process
renders the organisation's letters (the kind with the letterhead and the
logo) of every language as a batch worker does (its ``LetterRenderer``, the
shared layouts and the compiled DOCX templates warm), once with the theme
and once without, round after round, alternating which goes first, and
times each pass in CPU time of this process. Each letter's files are then
handled as the batch's parent does (written to a file, read back and
hashed for the journal), since the logo's cost per letter is its bytes.

``--against OTHER.yaml`` compares with another theme instead of none: the
same theme without its ``logo:`` gives what the logo alone costs.

Prints the median milliseconds per letter of each side for the PDF, the
DOCX and the files, the ratio of the totals per round (without over with:
1.00 is no cost), its median and spread, and the bytes per letter.
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_batch import LANGS, SPEC, correspondent  # noqa: E402 - the benchmark folder is not a package


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--theme", default=str(ROOT / "examples" / "themes" / "northbridge" / "theme.yaml"))
    ap.add_argument(
        "--against",
        metavar="YAML",
        help="compare with this theme instead of none (a copy of the theme without its logo: the logo's own cost)",
    )
    ap.add_argument("--rounds", type=int, default=15, help="rounds of both sides, alternating (default 15)")
    ap.add_argument("--per-language", type=int, default=10, help="letters per language and round (default 10)")
    args = ap.parse_args()

    from appeal_gen.batch import BatchOptions, LetterRenderer
    from appeal_gen.letters import personalise
    from appeal_gen.spec import load_spec

    spec = load_spec(str(SPEC))
    sides = {
        "without": LetterRenderer(
            spec,
            BatchOptions(formats=("pdf", "docx"), theme=str(Path(args.against).resolve()) if args.against else None),
        ),
        "with": LetterRenderer(spec, BatchOptions(formats=("pdf", "docx"), theme=str(Path(args.theme).resolve()))),
    }
    # The organisation's letters to the list's correspondents.
    from appeal_gen.locale import LocaleInfo

    letters = [(LocaleInfo(lang), correspondent(lang, i)) for lang in LANGS for i in range(args.per_language)]

    def one_pass(worker: LetterRenderer, folder: Path) -> tuple[float, float, float, int, int]:
        pdf = docx = files = 0.0
        size_pdf = size_docx = 0
        for i, (loc, who) in enumerate(letters):
            loc, shared = worker.shared(loc.lang, "organisation", not who.has_addressee)  # type: ignore[attr-defined]
            letter = personalise(shared, spec, loc, who)  # type: ignore[arg-type]
            t = time.process_time()
            a = worker._render("pdf", letter, loc)
            t1 = time.process_time()
            b = worker._render("docx", letter, loc)
            t2 = time.process_time()
            for n, data in ((f"{i}.pdf", a), (f"{i}.docx", b)):
                (folder / n).write_bytes(data)
                hashlib.sha256((folder / n).read_bytes()).hexdigest()
            t3 = time.process_time()
            pdf, docx, files = pdf + t1 - t, docx + t2 - t1, files + t3 - t2
            size_pdf, size_docx = size_pdf + len(a), size_docx + len(b)
        n = len(letters)
        return 1000 * pdf / n, 1000 * docx / n, 1000 * files / n, size_pdf // n, size_docx // n

    figures: dict[str, list[tuple[float, float, float, int, int]]] = {"with": [], "without": []}
    ratios = []
    with tempfile.TemporaryDirectory(prefix="bench-theme-") as tmp:
        for name in sides:  # warm: layouts, templates, fonts, the logo's streams
            (Path(tmp) / name).mkdir()
            one_pass(sides[name], Path(tmp) / name)
        print(
            f"{len(letters)} organisation letters ({args.per_language} in each of {len(LANGS)} languages) "
            f"per pass, {args.rounds} rounds, CPU ms per letter"
        )
        for k in range(args.rounds):
            order = ("with", "without") if k % 2 == 0 else ("without", "with")
            got = {name: one_pass(sides[name], Path(tmp) / name) for name in order}
            for name in order:
                figures[name].append(got[name])
            ratios.append(sum(got["without"][:3]) / sum(got["with"][:3]))
    for name in ("without", "with"):
        f = figures[name]
        pdf, docx, files = (statistics.median(x[i] for x in f) for i in range(3))
        print(
            f"  {name:8} PDF {pdf:5.2f}  DOCX {docx:5.2f}  files {files:5.2f}  total {pdf + docx + files:5.2f} ms;  "
            f"bytes: PDF {f[0][3]:,}  DOCX {f[0][4]:,}"
        )
    print(
        f"ratio (without over with, per round): median {statistics.median(ratios):.3f}, "
        f"lowest {min(ratios):.3f}, highest {max(ratios):.3f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
