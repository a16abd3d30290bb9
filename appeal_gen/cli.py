"""The ``appeal-gen`` command: argument parsing only.

Every command calls the library and maps its exceptions to exit codes here
(2 for input the user must fix, 1 for a failed run). Heavy modules are
imported inside the commands so that ``--help`` stays instant.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from . import __version__
from .errors import AppealGenError


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="appeal-gen",
        description="Turn one appeal spec (YAML) into print-ready PDF and editable DOCX urgent appeals.",
    )
    p.add_argument("--version", action="version", version=f"appeal-gen {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", required=True)

    c = sub.add_parser("check", help="validate a spec and report every problem with its line")
    c.add_argument("spec", metavar="SPEC", help="the appeal spec (YAML)")

    b = sub.add_parser("build", help="write the PDF and DOCX appeals of a spec")
    b.add_argument("spec", metavar="SPEC", help="the appeal spec (YAML)")
    b.add_argument("-o", "--output", metavar="OUTDIR", default="out", help="output folder (default: out)")
    b.add_argument("--format", default="pdf,docx", help="comma-separated: pdf, docx (default: both)")
    b.add_argument(
        "--lang",
        default=None,
        help="comma-separated language codes, or 'all' for every language the spec has (default: the spec's language)",
    )
    b.add_argument(
        "--allow-fallback",
        action="store_true",
        help="print the spec's own language where a translation is missing (reported as a warning)",
    )
    b.add_argument("--template", metavar="DOCX", help="a DOCX template to use instead of the default")

    m = sub.add_parser(
        "batch",
        help="one personalised letter per recipient of a list (CSV or XLSX), resumable",
        description="Write one letter per row of LIST into OUTDIR/letters, a combined PDF per language into "
        "OUTDIR/combined and a manifest (CSV and JSON). Rerunning the same command after an interruption "
        "reuses the letters already finished. Columns: see docs/batch.md.",
    )
    m.add_argument("spec", metavar="SPEC", help="the appeal spec (YAML)")
    m.add_argument("--recipients", metavar="LIST", required=True, help="the recipient list: .csv or .xlsx")
    m.add_argument("-o", "--output", metavar="OUTDIR", default="out", help="output folder (default: out)")
    m.add_argument("--jobs", type=int, default=0, metavar="N", help="worker processes (default: one per CPU)")
    m.add_argument("--format", default="pdf,docx", help="comma-separated: pdf, docx (default: both)")
    m.add_argument("--eml", action="store_true", help="also an email draft (.eml, PDF attached) per row with an email")
    m.add_argument("--delimiter", metavar="CHAR", help="CSV delimiter (default: guessed from the header line)")
    m.add_argument("--encoding", default="utf-8", help="CSV encoding (default: utf-8, with or without BOM)")
    m.add_argument(
        "--allow-fallback",
        action="store_true",
        help="print the spec's own language where a row's language lacks a translation",
    )
    m.add_argument("--template", metavar="DOCX", help="a DOCX template to use instead of the default")
    m.add_argument("--quiet", action="store_true", help="no progress output")
    return p


def _check(args: argparse.Namespace) -> int:
    from .spec import load_spec

    spec = load_spec(args.spec)
    langs = ", ".join(spec.content_languages())
    print(
        f"{args.spec}: OK: {spec.reference.code}, {len(spec.demands)} demands, "
        f"{len(spec.authorities)} authorities, languages: {langs}"
    )
    return 0


def _build(args: argparse.Namespace) -> int:
    from .build import build, parse_formats, resolve_languages
    from .spec import load_spec

    formats = parse_formats(args.format)
    spec = load_spec(args.spec)
    result = build(
        spec,
        Path(args.output),
        formats=formats,
        languages=resolve_languages(spec, args.lang),
        allow_fallback=args.allow_fallback,
        template=Path(args.template) if args.template else None,
    )
    for w in result.warnings:
        print(f"warning: {w}", file=sys.stderr)
    for f in result.files:
        print(f)
    return 0


def _batch(args: argparse.Namespace) -> int:
    from .batch import BatchOptions, Progress, run_batch
    from .build import parse_formats
    from .errors import UsageError

    if args.jobs < 0:
        raise UsageError(f"--jobs: expected 1 or more (0 for one per CPU), not {args.jobs}")
    options = BatchOptions(
        formats=parse_formats(args.format),
        eml=args.eml,
        allow_fallback=args.allow_fallback,
        template=args.template,
        jobs=args.jobs,
        delimiter=args.delimiter,
        encoding=args.encoding,
    )
    progress: list[Progress] = []

    def make_progress(total: int) -> Progress:
        progress.append(Progress(total, sys.stderr, enabled=not args.quiet))
        return progress[0]

    def report(message: str) -> None:
        if progress:
            progress[0].write(message)
        else:
            print(message, file=sys.stderr, flush=True)

    result = run_batch(args.spec, args.recipients, Path(args.output), options, report=report, progress=make_progress)
    for path in (*result.combined.values(), *result.manifest):
        print(path)
    rate = result.rows / result.seconds if result.seconds else 0.0
    print(
        f"batch: {result.rows} rows: {result.ok} letters ({result.reused} reused), {result.failed} failed, "
        f"in {result.seconds:.1f} s ({rate:.1f} rows/s)",
        file=sys.stderr,
    )
    return 1 if result.failed else 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    handlers = {"check": _check, "build": _build, "batch": _batch}
    try:
        return handlers[args.command](args)
    except AppealGenError as exc:
        print(exc.format(), file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
