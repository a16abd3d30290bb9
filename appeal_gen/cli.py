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
from typing import TYPE_CHECKING

from . import __version__
from .errors import AppealGenError
from .render.registry import DEFAULT_FORMATS, PDF_STANDARDS, formats

if TYPE_CHECKING:
    from .spec import Spec
    from .theme import Theme


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="appeal-gen",
        description="Turn one appeal spec (YAML) into print-ready PDF and editable DOCX urgent appeals.",
    )
    p.add_argument("--version", action="version", version=f"appeal-gen {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", required=True)

    c = sub.add_parser("check", help="validate a spec and report every problem with its line")
    c.add_argument("spec", metavar="SPEC", help="the appeal spec (YAML)")
    c.add_argument(
        "--theme", metavar="YAML", help="check with this theme (docs/theme.md), its fonts too; wins over the spec's"
    )

    b = sub.add_parser("build", help="write the PDF and DOCX appeals of a spec")
    b.add_argument("spec", metavar="SPEC", help="the appeal spec (YAML)")
    b.add_argument("-o", "--output", metavar="OUTDIR", default="out", help="output folder (default: out)")
    b.add_argument(
        "--format",
        default=",".join(DEFAULT_FORMATS),
        help=f"comma-separated: {', '.join(formats())} (default: {','.join(DEFAULT_FORMATS)})",
    )
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
    _look_options(b)
    b.add_argument(
        "--allow-stale",
        action="store_true",
        help="print translations made from a source text the spec no longer has (a warning per field)",
    )

    loc = sub.add_parser("locale", help="message catalogs of the fixed text (for translators)")
    lsub = loc.add_subparsers(dest="action", metavar="ACTION", required=True)
    n = lsub.add_parser("new", help="start the catalog of a new language from the message template")
    n.add_argument("lang", metavar="LANG", help="language code, e.g. de or pt_BR")
    lsub.add_parser("update", help="re-extract the strings from code and templates and merge them into every catalog")
    k = lsub.add_parser("check", help="counts and problems of every catalog (or one); exit 2 if any is incomplete")
    k.add_argument("lang", metavar="LANG", nargs="?", help="check only this language")

    tr = sub.add_parser("translate", help="an appeal's own text to and from translators (.po files)")
    tsub = tr.add_subparsers(dest="action", metavar="ACTION", required=True)
    e = tsub.add_parser("export", help="write a .po of every text field that lacks a language")
    e.add_argument("spec", metavar="SPEC", help="the appeal spec (YAML)")
    e.add_argument("--lang", required=True, help="the language to translate into")
    e.add_argument(
        "-o", "--output", metavar="FILE", help="the .po to write (default: SPEC's name + .LANG.po beside it)"
    )
    e.add_argument(
        "--memory",
        metavar="PATH",
        nargs="+",
        default=[],
        help="earlier appeals (spec files, folders of them, compendium .po files) whose translations "
        "pre-fill the entries, marked fuzzy for review",
    )
    i = tsub.add_parser("import", help="put the finished translations of a .po back into the spec")
    i.add_argument("spec", metavar="SPEC", help="the appeal spec (YAML) to add them to")
    i.add_argument("po", metavar="FILE", help="the translated .po")
    i.add_argument("--lang", help="the language of FILE (default: its Language header)")
    a = tsub.add_parser(
        "accept", help="record that the present translations of a language are of the present source text"
    )
    a.add_argument("spec", metavar="SPEC", help="the appeal spec (YAML)")
    a.add_argument("--lang", required=True, help="comma-separated language codes, or 'all'")
    tm = tsub.add_parser("memory", help="a compendium .po of the translations in a folder of specs")
    tm.add_argument("folder", metavar="FOLDER", nargs="+", help="spec files or folders of them")
    tm.add_argument("--lang", required=True, help="the language of the translations")
    tm.add_argument("--source", default="en", help="the language of the source texts (default: en)")
    tm.add_argument("-o", "--output", metavar="FILE", required=True, help="the compendium .po to write")
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
    m.add_argument(
        "--cluster",
        metavar="ADDRESS",
        help="render on a Dask cluster: its scheduler's tcp://HOST:PORT, or local:N for N local worker processes "
        "(docs/cluster.md; needs appeal-gen[cluster])",
    )
    m.add_argument(
        "--format",
        default=",".join(DEFAULT_FORMATS),
        help=f"comma-separated: {', '.join(formats())} (default: {','.join(DEFAULT_FORMATS)})",
    )
    m.add_argument("--eml", action="store_true", help="also an email draft (.eml, PDF attached) per row with an email")
    m.add_argument("--from", dest="sender", metavar="ADDRESS", help="the drafts' From (default: the spec's issuer's)")
    m.add_argument("--reply-to", metavar="ADDRESS", help="the drafts' Reply-To (default: none)")
    m.add_argument("--delimiter", metavar="CHAR", help="CSV delimiter (default: guessed from the header line)")
    m.add_argument(
        "--encoding",
        default="utf-8",
        help="CSV encoding, e.g. cp1252 (default: utf-8, with or without BOM; UTF-16 with a BOM is read as such)",
    )
    m.add_argument(
        "--header-row",
        type=int,
        metavar="N",
        help="the line (CSV) or row (XLSX) that names the columns (default: the first naming known columns)",
    )
    m.add_argument(
        "--allow-fallback",
        action="store_true",
        help="print the spec's own language where a row's language lacks a translation",
    )
    m.add_argument("--template", metavar="DOCX", help="a DOCX template to use instead of the default")
    m.add_argument(
        "--letter-kind",
        choices=("auto", "supporter", "organisation"),
        default="auto",
        help="the kind of letter of a row without a 'letter' cell (default: auto: a supporter's letter "
        "when the row has a signatory_name, else the organisation's)",
    )
    m.add_argument(
        "--letter-language",
        choices=("row", "preferred"),
        default="row",
        help="row (default): each row's language; preferred: a supporter's letter to the appeal's authority "
        "in its preferred_language, the row's language as the fallback",
    )
    m.add_argument(
        "--fallback",
        metavar="L1,L2",
        help="languages to try, in order, when the appeal has no text in a row's language "
        "(default: the authority's preferred language, then the spec's language)",
    )
    _look_options(m)
    m.add_argument(
        "--allow-stale",
        action="store_true",
        help="print translations made from a source text the spec no longer has (noted in the manifest)",
    )
    m.add_argument("--quiet", action="store_true", help="no progress output")
    st = sub.add_parser(
        "studio",
        help="a local web app to write, check, translate and preview the appeals of a folder",
        description="Serve FOLDER's appeals in the browser (needs: pip install 'appeal-gen[studio]'). "
        "Listens on 127.0.0.1 only unless --host is given; the printed URL carries the secret token.",
    )
    st.add_argument("folder", metavar="FOLDER", nargs="?", default=".", help="the folder of appeal specs (default: .)")
    st.add_argument("--port", type=int, default=0, metavar="N", help="port to listen on (default: a free one)")
    st.add_argument("--host", default="127.0.0.1", metavar="H", help="address to listen on (default: 127.0.0.1)")
    st.add_argument("--no-browser", action="store_true", help="do not open a browser")

    e = sub.add_parser(
        "send",
        help="send the e-mail drafts of a batch (batch ... --eml), each once",
        description="Send the drafts of a batch run over SMTP, each message once: a journal in "
        "OUTDIR/.appeal-gen/send.jsonl lets the same command continue after a crash. Credentials come from "
        "the environment (APPEAL_GEN_SMTP_PASSWORD, user in the URL or APPEAL_GEN_SMTP_USER) or ~/.netrc, "
        "never from the command line. See docs/email.md.",
    )
    e.add_argument("outdir", metavar="OUTDIR", help="the -o folder of the batch run")
    e.add_argument("--smtp", required=True, metavar="URL", help="smtp://[user@]host[:587] (STARTTLS) or smtps://")
    e.add_argument("--rate", type=float, default=20.0, metavar="N", help="messages per minute (default: 20)")
    e.add_argument("--no-tls", action="store_true", help="plain SMTP, only to a loopback address (a local relay)")
    e.add_argument("--cafile", metavar="PEM", help="trust the certificates in this file (a self-signed server's)")
    e.add_argument("--dry-run", action="store_true", help="list what would be sent; send nothing")
    e.add_argument("--only", nargs="+", metavar="ID", help="only these rows (the list's id column)")
    e.add_argument("--retry-failed", action="store_true", help="send again the rows a server refused for good (5xx)")
    e.add_argument("--retries", type=int, default=3, metavar="N", help="tries after a temporary refusal (4xx)")
    e.add_argument("--retry-wait", type=float, default=30.0, metavar="S", help="first wait after a 4xx, doubled")
    e.add_argument("--password-env", default="APPEAL_GEN_SMTP_PASSWORD", metavar="NAME", help=argparse.SUPPRESS)
    return p


def _look_options(p: argparse.ArgumentParser) -> None:
    """How the PDFs look and what they claim, the same for ``build`` and ``batch``."""
    p.add_argument(
        "--pdf-standard",
        choices=PDF_STANDARDS,
        default=None,
        help="make the PDFs archivable: pdfa-2b (PDF/A-2b, with an sRGB output intent; docs/accessibility.md)",
    )
    p.add_argument(
        "--theme", metavar="YAML", help="the organisation's look (docs/theme.md); wins over the spec's 'theme:'"
    )
    p.add_argument(
        "--stationery",
        metavar="PDF[,PDF]",
        help="draw the PDFs' pages over pre-printed letterhead: FILE.pdf (page 1, then page 2) or FIRST.pdf,REST.pdf",
    )


def _check(args: argparse.Namespace) -> int:
    from .spec import load_spec

    spec = load_spec(args.spec)
    for w in spec.warnings:
        print(f"warning: {w}", file=sys.stderr)
    from .theme import resolve_theme

    # The theme (--theme, else the spec's), checked like the spec; its fonts are the glyph check's.
    look = resolve_theme(spec, args.theme)
    _check_languages(spec, look)
    langs = ", ".join(spec.content_languages())
    demands = f"{len(spec.demands)} demand{'s' if len(spec.demands) != 1 else ''}"
    authorities = f"{len(spec.authorities)} {'authority' if len(spec.authorities) == 1 else 'authorities'}"
    print(f"{args.spec}: OK: {spec.reference.code}, {demands}, {authorities}, languages: {langs}")
    return 0


def _check_languages(spec: Spec, theme: Theme | None = None) -> None:
    """What ``build --lang all`` would refuse, every problem at once (validate.py); warnings to stderr."""
    from .validate import validate

    report = validate(spec, spec.content_languages(), survey=True, theme=theme)
    for w in report.warnings:
        print(w.format(), file=sys.stderr)
    report.raise_errors()


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
        allow_stale=args.allow_stale,
        theme=Path(args.theme) if args.theme else None,
        stationery=args.stationery,
        pdf_standard=args.pdf_standard,
    )
    for w in result.warnings:
        print(f"warning: {w}", file=sys.stderr)
    for note in result.notes:
        print(note, file=sys.stderr)
    for f in result.files:
        print(f)
    return 0


def _locale(args: argparse.Namespace) -> int:
    from . import catalogs

    if args.action == "new":
        path = catalogs.new_catalog(args.lang)
        print(f"{catalogs.display(path)}: created; translate it, then run 'appeal-gen locale check {args.lang}'")
        return 0
    if args.action == "update":
        res = catalogs.update_catalogs()
        print(f"{catalogs.display(res.template)}: {'updated' if res.template_changed else 'unchanged'}")
        for lang, (path, new, fuzzy, obsolete, written) in res.languages.items():
            state = "updated" if written else "unchanged"
            print(f"{catalogs.display(path)}: {state}: {new} new, {fuzzy} fuzzy, {obsolete} obsolete ({lang})")
        return 0
    report = catalogs.check_catalogs([args.lang] if args.lang else None)
    for problem in report.template_problems:
        print(problem.format())
    for lang_report in report.languages:
        print(lang_report.summary())
        for problem in lang_report.problems:
            print(problem.format())
        for line in lang_report.todo:
            print(line)
    bad = [r.lang for r in report.languages if not r.ok]
    if report.ok:
        n = len(report.languages)
        print(f"locale check: OK: {n} catalog{'' if n == 1 else 's'}")
        return 0
    print(f"locale check: problems in {', '.join(bad) or 'the template'}", file=sys.stderr)
    return 2


def _translate(args: argparse.Namespace) -> int:
    from . import translate

    if args.action == "export":
        out = Path(args.output) if args.output else None
        path, exp = translate.export_file(args.spec, args.lang, out, memory=args.memory)
        for w in exp.warnings:
            print(w, file=sys.stderr)
        extra = ""
        if exp.kept or exp.review:
            extra = f"; kept {exp.kept} earlier translations, {exp.review} marked fuzzy because the source changed"
        if exp.stale:
            extra += f"; {exp.stale} stale (the source changed since they were translated), marked fuzzy"
        if exp.from_memory:
            extra += f"; {exp.from_memory} pre-filled from the memory, marked fuzzy"
        print(f"{path}: {exp.exported} fields to translate into {args.lang}{extra}")
        return 0
    if args.action == "accept":
        from .staleness import accept_file

        acc = accept_file(args.spec, [v.strip() for v in args.lang.split(",") if v.strip()])
        done = ", ".join(f"{lang} ({n} fields)" for lang, n in acc.recorded.items())
        print(f"{args.spec}: recorded as current: {done or 'nothing'}")
        return 0
    if args.action == "memory":
        from .memory import write_compendium

        mem = write_compendium(args.folder, args.lang, args.source, Path(args.output))
        for w in mem.warnings:
            print(w, file=sys.stderr)
        print(f"{args.output}: {mem.entries} translations into {args.lang} from {mem.specs} specs")
        return 0
    res = translate.import_file(args.spec, args.po, args.lang)
    for problem in (*res.refused, *res.skipped):
        print(problem.format(), file=sys.stderr)
    print(res.summary(args.spec))
    return 2 if res.refused else 0


def _batch(args: argparse.Namespace) -> int:
    import contextlib

    from .batch import BatchOptions, run_batch
    from .build import parse_formats
    from .cli_progress import ProgressListener
    from .errors import UsageError

    if args.jobs < 0:
        raise UsageError(f"--jobs: expected 1 or more (0 for one per CPU), not {args.jobs}")
    if args.cluster is not None and args.jobs:
        raise UsageError("--jobs: not with --cluster (the cluster's workers render the letters)")
    from .mailheaders import check_addr_spec, shown

    for option, value in (("--from", args.sender), ("--reply-to", args.reply_to)):
        problem = check_addr_spec(value) if value is not None else None
        if problem:
            raise UsageError(f"{option}: '{shown(value)}' {problem}")
    from .batch.languages import parse_fallback

    options = BatchOptions(
        letter_kind=args.letter_kind,
        letter_language=args.letter_language,
        fallback=parse_fallback(args.fallback),
        sender=args.sender,
        reply_to=args.reply_to,
        formats=parse_formats(args.format),
        eml=args.eml,
        allow_fallback=args.allow_fallback,
        allow_stale=args.allow_stale,
        template=args.template,
        theme=args.theme,
        stationery=args.stationery,
        pdf_standard=args.pdf_standard,
        jobs=args.jobs,
        delimiter=args.delimiter,
        encoding=args.encoding,
        header_row=args.header_row,
    )
    listener = ProgressListener(sys.stderr, enabled=not args.quiet)
    try:
        with contextlib.ExitStack() as stack:
            backend = None
            if args.cluster is not None:
                from .batch.cluster import Cluster

                backend = stack.enter_context(Cluster(args.cluster))
            result = run_batch(args.spec, args.recipients, Path(args.output), options, events=listener, backend=backend)
    finally:
        listener.close()
    for path in (*result.combined.values(), *result.manifest):
        print(path)
    rate = result.rows / result.seconds if result.seconds else 0.0
    print(
        f"batch: {result.rows} rows: {result.ok} letters ({result.reused} reused), {result.failed} failed, "
        f"in {result.seconds:.1f} s ({rate:.1f} rows/s)",
        file=sys.stderr,
    )
    return 1 if result.failed or result.kept else 0


def _studio(args: argparse.Namespace) -> int:
    from .errors import UsageError

    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port: expected 0 to 65535, not {args.port}")
    from .studio.server import serve

    serve(args.folder, host=args.host, port=args.port, open_browser=not args.no_browser, say=_say)
    return 0


def _say(line: str) -> None:
    print(line, flush=True)


def _send(args: argparse.Namespace) -> int:
    from .sending import SendOptions, send

    options = SendOptions(
        smtp=args.smtp,
        rate=args.rate,
        no_tls=args.no_tls,
        cafile=args.cafile,
        dry_run=args.dry_run,
        only=tuple(args.only or ()),
        retry_failed=args.retry_failed,
        retries=args.retries,
        retry_wait=args.retry_wait,
        password_env=args.password_env,
    )
    result = send(Path(args.outdir), options, report=lambda line: print(line, file=sys.stderr, flush=True))
    if args.dry_run:
        print(f"send: {len(result.planned)} to send, {result.skipped} already sent (dry run: nothing sent)")
        return 0
    parts = [f"{result.sent} sent", f"{result.skipped} already sent"]
    for name, rows in (("failed", result.failed), ("deferred", result.deferred), ("unconfirmed", result.unconfirmed)):
        if rows:
            parts.append(f"{len(rows)} {name} ({', '.join(rows)})")
    print(f"send: {'; '.join(parts)}")
    if result.unconfirmed:
        print(
            "send: unconfirmed messages may have reached the server just before an interruption; they are not "
            "sent again: check the server's log, then send one with --only ID (docs/email.md)",
            file=sys.stderr,
        )
    return 1 if result.failed or result.deferred or result.unconfirmed else 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    handlers = {
        "check": _check,
        "build": _build,
        "batch": _batch,
        "send": _send,
        "locale": _locale,
        "translate": _translate,
        "studio": _studio,
    }
    try:
        return handlers[args.command](args)
    except AppealGenError as exc:
        print(exc.format(), file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`appeal-gen ... | head`): stop quietly, as
        # other command-line tools do.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
