"""How fast `appeal-gen batch` is, against the floor measured in the same run.

    python benchmarks/bench_batch.py [--letters 1000] [--jobs 2] [--rss-letters 20000]
    python benchmarks/bench_batch.py --cluster [--letters 1000] [--repeat 5]

One run measures, on one recipient list of N letters spread evenly over the
seven languages (officials' and supporters' rows alternating):

- ``appeal-gen batch`` as users run it (a subprocess, --jobs J, a fresh
  output folder each time): PDF only, DOCX only, both, each run --repeat
  times (median time); letters/s, ms per letter, peak RSS of each worker
  process (VmHWM, sampled from /proc; the highest of the runs);
- per letter, in this process, on the same letters: appeal-gen's PDF and
  DOCX renderers as a batch worker runs them, and the two baselines:
  naive docxtpl (a new DocxTemplate per letter, render, save, as docxtpl's
  documentation requires; the same template and context) and a bare
  reportlab platypus document (the same paragraphs in the same embedded
  fonts, no tables, footers or bidi; shaping for Khmer and CJK line
  breaking for Chinese, without which those languages do not print);
- ``appeal-gen --help``, started cold.

It prints PASS or FAIL for each target of issue 6 and exits 1 if any fails.

``--cluster`` measures instead the cluster backend (issue 19): the same
batch (both formats) with ``--jobs J`` and with ``--cluster`` on a
LocalCluster of J worker processes (one thread each) started once by this
script, run alternately --repeat times (medians; the workers stay warm
between runs, as a standing cluster's do, and the first run is shown
apart); and the client's CPU per letter: the CPU time of the
``appeal-gen`` process alone (the workers are the LocalCluster's, not its
children), the difference between a run of N letters and one of a few, so
that start-up does not count. One client can write no more than 1000 /
that many letters a second (docs/cluster.md).
Timings are medians of repeated runs where cheap; the machine is shared, so
compare the ratios, which are taken within the run.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "examples" / "cchr-2017" / "appeal.yaml"
LANGS = ("en", "fr", "es", "ru", "ar", "km", "zh")

#: Names in each language's script, so every letter prints its own glyphs.
NAMES = {
    "en": ("Margaret Holloway", "Thomas Nguyen", "Aoife Brennan", "Chidi Okafor"),
    "fr": ("Élodie Marchand", "François Lefèvre", "Aïcha Benali", "Noël Garçon"),
    "es": ("María José Núñez", "Iñaki Zubizarreta", "Lucía Peña", "Óscar Ibáñez"),
    "ru": ("Анна Смирнова", "Дмитрий Волков", "Ольга Кузнецова", "Сергей Иванов"),
    "ar": ("ليلى حداد", "عمر الفاروق", "سارة منصور", "يوسف الخطيب"),
    "km": ("សុខ ចាន់ធា", "ជា វណ្ណៈ", "ស៊ឹម បុប្ផា", "ហេង សុភាព"),
    "zh": ("王秀英", "李伟", "张丽华", "陈志强"),
}
CITIES = {
    "en": "Manchester",
    "fr": "Lyon",
    "es": "Sevilla",
    "ru": "Казань",
    "ar": "عمّان",
    "km": "ភ្នំពេញ",
    "zh": "上海",
}

#: Target of issue 19: a LocalCluster of J workers against --jobs J, same machine and list.
TARGET_CLUSTER_RATIO = 0.8

#: Targets of issue 6.
TARGET_RATE = 200.0  # letters/s, both formats, --jobs 2, 1,000 mixed letters
TARGET_DOCX = 3.0  # naive docxtpl / appeal-gen DOCX, per letter
TARGET_PDF = 1.2  # appeal-gen PDF / bare platypus, per letter
TARGET_RSS_MB = 200.0
TARGET_RSS_GROWTH = 1.10  # "flat": peak at 20,000 letters within 10% of the peak at 1,000
TARGET_HELP_MS = 300.0


def write_list(path: Path, n: int) -> Path:
    """N rows over the seven languages: an official's letter, then a supporter's."""
    header = [
        "id",
        "language",
        "honorific",
        "name",
        "office",
        "organisation",
        "address_1",
        "address_2",
        "salutation",
        "signatory_name",
        "signatory_city",
        "email",
    ]
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        for i in range(n):
            lang = LANGS[i % len(LANGS)]
            names = NAMES[lang]
            signatory = names[(i // 7) % len(names)]
            if (i // 7) % 2 == 0:
                addressee = names[(i // 7 + 1) % len(names)]
                w.writerow(
                    [
                        f"r{i:06d}",
                        lang,
                        "H.E.",
                        f"{addressee} {i}",
                        "Ambassador of the Kingdom of Cambodia",
                        "Royal Embassy of Cambodia",
                        f"{i % 90 + 1} Alder Gardens",
                        CITIES[lang],
                        "",
                        signatory,
                        CITIES[lang],
                        f"r{i}@example.org",
                    ]
                )
            else:
                w.writerow([f"r{i:06d}", lang, "", "", "", "", "", "", "", f"{signatory} {i}", CITIES[lang], ""])
    return path


# --------------------------------------------------------------------------
# The batch, as users run it


@dataclass
class BatchRun:
    label: str
    letters: int
    seconds: float
    worker_rss_mb: list[float]
    parent_rss_mb: float
    #: CPU seconds (user + system) of the appeal-gen process and the children it waited for.
    cpu: float = 0.0

    @property
    def rate(self) -> float:
        return self.letters / self.seconds

    @property
    def ms_per_letter(self) -> float:
        return 1000 * self.seconds / self.letters


def _descendants(pid: int) -> list[tuple[int, int]]:
    """(pid, parent pid) of every process below *pid*."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="utf-8") as fh:
                    ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        for c in children.get(p, []):
            out.append((c, p))
            todo.append(c)
    return out


def _hwm_mb(pid: int) -> tuple[float, str]:
    """Peak RSS (VmHWM) of a process in MB, and its command line."""
    try:
        with open(f"/proc/{pid}/status", encoding="utf-8") as fh:
            hwm = next((int(line.split()[1]) for line in fh if line.startswith("VmHWM:")), 0)
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            cmd = fh.read().replace(b"\0", b" ").decode("utf-8", "replace")
    except OSError:
        return 0.0, ""
    return hwm / 1024, cmd


#: The theme of ``--theme`` (empty: none), for the batch runs and the per-letter figures.
THEME: list[str] = []


def run_batch(
    label: str, lst: Path, n: int, jobs: int, formats: str, workdir: Path, cluster: str | None = None
) -> BatchRun:
    # A new folder each run, all removed at the end: deleting a run's
    # thousands of files just before the next run (the kernel discarding
    # their blocks) slowed that run's file creation by a millisecond a file,
    # and so did the previous run's letters still being written back to
    # disk; each run starts with nothing left to write.
    out = Path(tempfile.mkdtemp(prefix=f"out-{label}-", dir=workdir))
    os.sync()
    cmd = [
        sys.executable,
        "-m",
        "appeal_gen",
        "batch",
        str(SPEC),
        "--recipients",
        str(lst),
        "-o",
        str(out),
        *(["--cluster", cluster] if cluster else ["--jobs", str(jobs)]),
        "--format",
        formats,
        "--quiet",
        *(["--theme", THEME[0]] if THEME else []),
    ]
    peaks: dict[int, tuple[float, str]] = {}
    parents: dict[int, int] = {}
    start = time.perf_counter()
    errors = tempfile.TemporaryFile(mode="w+", dir=workdir)
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=errors, text=True)
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            below = _descendants(proc.pid)
            parents.update(below)
            for pid in [proc.pid, *(p for p, _ in below)]:
                mb, cmdline = _hwm_mb(pid)
                if mb and mb >= peaks.get(pid, (0.0, ""))[0]:
                    peaks[pid] = (mb, cmdline)
            done.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    # wait4 rather than wait: the process's own CPU time (the client's, in a cluster run).
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    if proc.returncode != 0:
        errors.seek(0)
        sys.exit(f"appeal-gen batch failed ({label}):\n{errors.read()[-3000:]}")
    errors.close()
    parent = peaks.pop(proc.pid, (0.0, ""))[0]
    # Workers are the processes that rendered: the fork server's children
    # (the fork server itself only imports modules; the resource tracker is idle).
    servers = {pid for pid, (_, cmdline) in peaks.items() if "forkserver" in cmdline and parents.get(pid) == proc.pid}
    workers = [mb for pid, (mb, _) in peaks.items() if parents.get(pid) in servers]
    cpu = usage.ru_utime + usage.ru_stime
    return BatchRun(label, n, seconds, sorted(workers, reverse=True)[:jobs], parent, cpu)


def _cluster_runs(
    address: str, work: Path, letters: int, jobs: int, repeat: int
) -> tuple[list[BatchRun], list[BatchRun], BatchRun, list[BatchRun]]:
    """--jobs and --cluster runs, alternately; the cluster's first (cold) run; cluster runs of a few letters."""
    lst = write_list(work / "list.csv", letters)
    few = write_list(work / "few.csv", len(LANGS) * 2)
    print(f"appeal-gen batch, {letters} letters over {len(LANGS)} languages, both formats, {repeat} runs each")
    first = run_batch("cluster", lst, letters, jobs, "pdf,docx", work, address)
    local, remote = [], []
    for _ in range(repeat):
        local.append(run_batch("local", lst, letters, jobs, "pdf,docx", work))
        remote.append(run_batch("cluster", lst, letters, jobs, "pdf,docx", work, address))
    small = [run_batch("cluster", few, len(LANGS) * 2, jobs, "pdf,docx", work, address) for _ in range(repeat)]
    return local, remote, first, small


def cluster_mode(letters: int, jobs: int, repeat: int) -> int:
    """``--jobs J`` against ``--cluster`` on a LocalCluster of J workers, alternately; the client's CPU per letter."""
    import logging

    from distributed import LocalCluster

    with tempfile.TemporaryDirectory(prefix="bench-appeal-gen-") as tmp:
        work = Path(tmp)
        with LocalCluster(
            n_workers=jobs,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",
            silence_logs=logging.ERROR,
            local_directory=tmp,  # not Dask's /tmp/dask-scratch-space, which would outlive the run
            scheduler_kwargs={"local_directory": tmp},
        ) as cluster:
            local, remote, first, small = _cluster_runs(cluster.scheduler_address, work, letters, jobs, repeat)
    local_s = statistics.median(r.seconds for r in local)
    remote_s = statistics.median(r.seconds for r in remote)
    print(f"  --jobs {jobs}                      {local_s:7.2f} s  {letters / local_s:7.1f} letters/s")
    print(f"  --cluster, LocalCluster of {jobs}    {remote_s:7.2f} s  {letters / remote_s:7.1f} letters/s")
    print(f"    its first run (workers cold)  {first.seconds:7.2f} s  {first.rate:7.1f} letters/s")
    print("  runs (s): local " + " ".join(f"{r.seconds:.2f}" for r in local))
    print("          cluster " + " ".join(f"{r.seconds:.2f}" for r in remote))
    client_ms = 1000 * (statistics.median(r.cpu for r in remote) - statistics.median(r.cpu for r in small))
    client_ms /= letters - len(LANGS) * 2
    parent_ms = 1000 * statistics.median(r.cpu for r in local) / letters
    print(f"  client CPU per letter: {client_ms:.2f} ms (a ceiling of {1000 / client_ms:.0f} letters/s per client)")
    print(f"  (--jobs {jobs}: appeal-gen and the children it reaped, start-up included: {parent_ms:.2f} ms)")
    ratio = local_s / remote_s
    ok = ratio >= TARGET_CLUSTER_RATIO
    print("\ntargets (issue 19)")
    print(f"  {'PASS' if ok else 'FAIL'}  cluster / local rate >= {TARGET_CLUSTER_RATIO}: {ratio:.2f}")
    return 0 if ok else 1


# --------------------------------------------------------------------------
# Per letter, in this process


def correspondent(lang: str, i: int) -> object:
    """The list's *i*-th correspondent in *lang*: an official every other row, else only a signatory."""
    from appeal_gen.document import Correspondent

    names = NAMES[lang]
    if i % 2 == 0:
        return Correspondent(
            honorific="H.E.",
            name=f"{names[i % 4]} {i}",
            office="Ambassador of the Kingdom of Cambodia",
            organisation="Royal Embassy of Cambodia",
            address=(f"{i + 1} Alder Gardens", CITIES[lang]),
            signatory_name=names[(i + 1) % 4],
            signatory_city=CITIES[lang],
        )
    return Correspondent(signatory_name=f"{names[i % 4]} {i}", signatory_city=CITIES[lang])


def _letters(n_per_lang: int, first: int = 0) -> list[object]:
    """Letters as the batch's list has them; *first* numbers them, so each pass has letters of its own."""
    from appeal_gen import build_letter, load_spec
    from appeal_gen.letters import personalise
    from appeal_gen.locale import LocaleInfo

    spec = load_spec(str(SPEC))
    letters = []
    for lang in LANGS:
        loc = LocaleInfo(lang)
        base = build_letter(spec, loc)
        for i in range(first, first + n_per_lang):
            letters.append(personalise(base, spec, loc, correspondent(lang, i)))  # type: ignore[arg-type]
    return letters


def _per_letter(fn: object, passes: list[list[object]]) -> float:
    """Median over the passes after the first (a warm-up) of the mean ms per letter.

    Each pass has letters of its own, as a batch has: what repeats from
    letter to letter (salutations, closings) is reused as in a batch, while
    every official's address is new.
    """
    call = fn  # type: ignore[assignment]
    runs = []
    for letters in passes:
        t = time.perf_counter()
        for letter in letters:
            call(letter)  # type: ignore[operator]
        runs.append(1000 * (time.perf_counter() - t) / len(letters))
    return statistics.median(runs[1:])


def naive_docxtpl(letter: object) -> bytes:
    """What docxtpl's documentation asks for: a new template object per document."""
    from docxtpl import DocxTemplate

    from appeal_gen.render.docx import context, default_template

    tpl = DocxTemplate(str(default_template(letter.lang)))  # type: ignore[attr-defined]
    tpl.render(context(letter, tpl), autoescape=True)  # type: ignore[arg-type]
    buf = io.BytesIO()
    tpl.save(buf)
    return buf.getvalue()


def bare_platypus(letter: object) -> bytes:
    """The letter's paragraphs as plain platypus Paragraphs in the letter's embedded font."""
    from xml.sax.saxutils import escape

    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    from appeal_gen.render import pdffonts
    from appeal_gen.scripts import base_script

    script = base_script(letter.lang)  # type: ignore[attr-defined]
    family = pdffonts.register(script)
    body = ParagraphStyle(
        "body",
        fontName=f"{family}-regular",
        fontSize=10,
        leading=14.5,
        spaceAfter=6,
        wordWrap="CJK" if script == "han" else None,
        shaping=1 if script == "khmer" else 0,
    )
    bold = ParagraphStyle("bold", parent=body, fontName=f"{family}-bold")
    story = [
        Paragraph(escape(p.text), bold if p.runs and all(r.bold for r in p.runs) else body)
        for p in letter.all_paras()  # type: ignore[attr-defined]
    ]
    buf = io.BytesIO()
    SimpleDocTemplate(buf, invariant=1).build(story)
    return buf.getvalue()


def appeal_gen_renderer(formats: tuple[str, ...]) -> object:
    """appeal-gen's renderers as a batch worker runs them (one renderer, reused)."""
    from appeal_gen.batch import BatchOptions, LetterRenderer
    from appeal_gen.spec import load_spec

    spec = load_spec(str(SPEC))
    worker = LetterRenderer(spec, BatchOptions(formats=formats, theme=THEME[0] if THEME else None))

    def render(letter: object) -> bytes:
        if "pdf" in formats:
            from appeal_gen.render.pdf import options_for, render_pdf

            if worker.theme is not None:
                return render_pdf(letter, options_for(worker.theme, letter.lang))  # type: ignore[arg-type, attr-defined]
            return render_pdf(letter)  # type: ignore[arg-type]
        # The worker's own path for a format: the registry's batch fast path (DOCX: its compiled template).
        loc, _ = worker.base(letter.lang)  # type: ignore[attr-defined]
        return worker._render("docx", letter, loc)  # type: ignore[arg-type]

    return render


def help_ms(repeats: int = 5) -> float:
    exe = Path(sys.executable).with_name("appeal-gen")
    cmd = [str(exe), "--help"] if exe.exists() else [sys.executable, "-m", "appeal_gen", "--help"]
    runs = []
    for _ in range(repeats):
        t = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        runs.append(1000 * (time.perf_counter() - t))
    return statistics.median(runs)


# --------------------------------------------------------------------------


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--letters", type=int, default=1000, help="letters per batch run (default 1000)")
    ap.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    ap.add_argument(
        "--rss-letters",
        type=int,
        default=0,
        metavar="N",
        help="also run a batch of N letters (e.g. 20000) to check that worker memory stays flat",
    )
    ap.add_argument("--per-language", type=int, default=10, help="letters per language for the per-letter figures")
    ap.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="runs of each batch; the median time is reported, the highest memory (default 3)",
    )
    ap.add_argument("--cluster", action="store_true", help="measure the cluster backend instead (issue 19)")
    ap.add_argument(
        "--theme",
        metavar="YAML",
        help="letters in this theme (issue 21: the logo is drawn once per layout, so the figures should not move)",
    )
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    if args.theme:
        THEME.append(str(Path(args.theme).resolve()))
    if args.cluster:
        return cluster_mode(args.letters, args.jobs, args.repeat)

    results: list[tuple[str, bool, str]] = []
    with tempfile.TemporaryDirectory(prefix="bench-appeal-gen-") as tmp:
        work = Path(tmp)
        lst = write_list(work / "list.csv", args.letters)
        print(
            f"appeal-gen batch, {args.letters} letters over {len(LANGS)} languages, --jobs {args.jobs}, "
            f"median of {args.repeat} runs"
        )
        print(
            f"{'formats':<10} {'seconds':>8} {'letters/s':>10} {'ms/letter':>10} "
            f"{'worker RSS MB':>16} {'parent MB':>10}"
        )
        runs = {}
        for label, formats in (("pdf", "pdf"), ("docx", "docx"), ("both", "pdf,docx")):
            tries = [run_batch(label, lst, args.letters, args.jobs, formats, work) for _ in range(args.repeat)]
            r = runs[label] = BatchRun(
                label,
                args.letters,
                statistics.median(t.seconds for t in tries),
                [max(mb) for mb in zip(*(t.worker_rss_mb for t in tries), strict=False)],
                max(t.parent_rss_mb for t in tries),
            )
            rss = "/".join(f"{x:.0f}" for x in r.worker_rss_mb)
            print(
                f"{label:<10} {r.seconds:8.2f} {r.rate:10.1f} {r.ms_per_letter:10.2f} {rss:>16} {r.parent_rss_mb:10.0f}"
            )

        both = runs["both"]
        results.append(
            (
                f"both formats, --jobs {args.jobs}, {args.letters} letters: >= {TARGET_RATE:.0f} letters/s",
                both.rate >= TARGET_RATE,
                f"{both.rate:.1f} letters/s",
            )
        )
        peak = max(max(r.worker_rss_mb or [0.0]) for r in runs.values())
        results.append((f"peak RSS per worker <= {TARGET_RSS_MB:.0f} MB", peak <= TARGET_RSS_MB, f"{peak:.0f} MB"))
        if args.rss_letters:
            big_list = write_list(work / "big.csv", args.rss_letters)
            big = run_batch("rss", big_list, args.rss_letters, args.jobs, "pdf,docx", work)
            big_peak = max(big.worker_rss_mb or [0.0])
            small_peak = max(both.worker_rss_mb or [0.0])
            print(
                f"{args.rss_letters} letters, both formats: {big.seconds:.1f} s, {big.rate:.1f} letters/s, "
                f"worker RSS {'/'.join(f'{x:.0f}' for x in big.worker_rss_mb)} MB, parent {big.parent_rss_mb:.0f} MB"
            )
            results.append(
                (
                    f"worker RSS flat from {args.letters} to {args.rss_letters} letters (within 10%)",
                    big_peak <= small_peak * TARGET_RSS_GROWTH and big_peak <= TARGET_RSS_MB,
                    f"{small_peak:.0f} MB -> {big_peak:.0f} MB",
                )
            )
        else:
            results.append(("worker RSS flat to 20,000 letters", False, "not measured: run with --rss-letters 20000"))

    passes = [_letters(args.per_language, first=k * args.per_language) for k in range(4)]
    letters = passes[0]
    print(
        f"\nper letter, one process, {len(letters)} letters ({args.per_language} per language), "
        "median of 3 passes (each of new letters, after one to warm up)"
    )
    pdf_ms = _per_letter(appeal_gen_renderer(("pdf",)), passes)
    bare_ms = _per_letter(bare_platypus, passes)
    docx_ms = _per_letter(appeal_gen_renderer(("docx",)), passes)
    naive_ms = _per_letter(naive_docxtpl, passes)
    print(
        f"  appeal-gen PDF        {pdf_ms:7.2f} ms   bare platypus  {bare_ms:7.2f} ms   ratio {pdf_ms / bare_ms:.2f}x"
    )
    print(
        f"  appeal-gen DOCX       {docx_ms:7.2f} ms   naive docxtpl  {naive_ms:7.2f} ms   "
        f"{naive_ms / docx_ms:.1f}x faster"
    )
    results.append(
        (
            f"DOCX per letter >= {TARGET_DOCX:.0f}x faster than naive docxtpl",
            naive_ms / docx_ms >= TARGET_DOCX,
            f"{naive_ms / docx_ms:.1f}x",
        )
    )
    results.append(
        (
            f"PDF per letter <= {TARGET_PDF}x bare platypus",
            pdf_ms / bare_ms <= TARGET_PDF,
            f"{pdf_ms / bare_ms:.2f}x",
        )
    )
    h = help_ms()
    print(f"  appeal-gen --help     {h:7.1f} ms (median of 5, cold process)")
    results.append((f"appeal-gen --help < {TARGET_HELP_MS:.0f} ms", h < TARGET_HELP_MS, f"{h:.0f} ms"))

    print("\ntargets (issue 6)")
    for name, ok, value in results:
        print(f"  {'PASS' if ok else 'FAIL'}  {name}: {value}")
    return 0 if all(ok for _, ok, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main())
