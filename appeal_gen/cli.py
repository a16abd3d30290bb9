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
    return p


def _check(args: argparse.Namespace) -> int:
    from .spec import load_spec

    spec = load_spec(args.spec)
    langs = ", ".join(spec.content_languages())
    demands = f"{len(spec.demands)} demand{'s' if len(spec.demands) != 1 else ''}"
    authorities = f"{len(spec.authorities)} {'authority' if len(spec.authorities) == 1 else 'authorities'}"
    print(f"{args.spec}: OK: {spec.reference.code}, {demands}, {authorities}, languages: {langs}")
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


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    handlers = {"check": _check, "build": _build}
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
