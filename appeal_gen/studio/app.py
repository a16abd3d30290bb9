"""The studio's routes: pages and htmx fragments over the library.

Each route reads the editor's draft (the spec's YAML text), asks the
library (``edit`` to change a field in place, ``spec.parse_spec`` and
``validate.validate`` for ``check``'s messages, ``build`` to render,
``staleness`` for stale translations) and shows the answer; nothing here
validates or renders by itself. Rendering is serialised by one lock:
reportlab and the font caches are not made for threads.

Bigger than the project's 600 lines on purpose, for now: ``create_app``'s
routes are closures over one ``Studio`` (its lock, drafts and batch jobs),
so they live together; the editor's form helpers below them are the next
room to move out (``studio/views.py``) when the studio grows again.
"""

from __future__ import annotations

import asyncio
import base64
import datetime
import hashlib
import io
import json
import re
import secrets
import tempfile
import threading
import zipfile
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from .. import edit
from ..errors import AppealGenError, SpecErrors
from ..output import safe_path, write_atomic
from ..spec import Spec, parse_spec
from . import form
from .security import Guard, derive
from .workspace import STATE, Draft, NotInFolderError, Workspace, digest

#: The languages appeal-gen ships, offered when adding a language to a spec.
LANGUAGES = {
    "en": "English",
    "fr": "Français",
    "es": "Español",
    "ru": "Русский",
    "ar": "العربية",
    "km": "ខ្មែរ",
    "zh": "中文",
}
RTL = frozenset({"ar", "fa", "he", "ur"})
PREVIEW_SCALE = 1.0  # 72 dpi: an A4 page is 595 x 842 pixels

_render_lock = threading.Lock()


def direction(lang: str) -> str:
    return "rtl" if lang.split("_")[0] in RTL else "ltr"


@dataclass
class Problem:
    field: str | None
    where: str
    message: str
    warning: bool = False


@dataclass
class Checked:
    spec: Spec | None
    problems: list[Problem] = field(default_factory=list)

    def at(self) -> dict[str, list[Problem]]:
        out: dict[str, list[Problem]] = {}
        for p in self.problems:
            out.setdefault(p.field or "", []).append(p)
        return out


_parsed: OrderedDict[str, Spec | SpecErrors] = OrderedDict()
_parsed_lock = threading.Lock()


def parse(text: str, name: str) -> Spec:
    """``spec.parse_spec``, remembered for the last few texts: an edit's check, preview and list share one parse."""
    key = digest(f"{name}\0{text}")
    with _parsed_lock:
        hit = _parsed.get(key)
        if hit is not None:
            _parsed.move_to_end(key)
    if hit is None:
        try:
            hit = parse_spec(text, name)
        except SpecErrors as exc:
            hit = exc
        with _parsed_lock:
            _parsed[key] = hit
            while len(_parsed) > 8:
                _parsed.popitem(last=False)
    if isinstance(hit, SpecErrors):
        raise hit
    return hit


def check_text(text: str, name: str, only: str | None = None) -> Checked:
    """``appeal-gen check``'s problems for *text*: the spec's own, then every language's (validate.py).

    *only* limits the second part to one language (what one field's edit can change there).
    """
    from ..validate import validate

    def problem(e: AppealGenError, warning: bool = False) -> Problem:
        where = ":".join(str(x) for x in (e.line, e.column) if x is not None)
        return Problem(e.field, where, e.message, warning)

    try:
        spec = parse(text, name)
    except SpecErrors as exc:
        return Checked(None, [problem(e) for e in exc.errors])
    except AppealGenError as exc:
        return Checked(None, [problem(exc)])
    languages = [only] if only in spec.content_languages() else spec.content_languages()
    report = validate(spec, languages, survey=True)
    return Checked(spec, [problem(e) for e in report.errors] + [problem(w, True) for w in report.warnings])


class Studio:
    def __init__(self, folder: Path | str, token: str) -> None:
        self.ws = Workspace(folder)
        self.token = token
        self.csrf = derive(token, "csrf")
        self.env = Environment(
            loader=PackageLoader("appeal_gen.studio", "templates"),
            autoescape=select_autoescape(default=True),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.globals.update(
            csrf=self.csrf,
            LANGUAGES=LANGUAGES,
            direction=direction,
            form=form,
            json=json.dumps,
        )
        self.env.filters["b64"] = lambda data: base64.b64encode(data).decode("ascii")
        self.jobs: dict[str, Any] = {}
        self._previews: OrderedDict[str, tuple[list[bytes], str]] = OrderedDict()

    # -- helpers ---------------------------------------------------------

    def page(self, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        return HTMLResponse(self.env.get_template(template).render(**context), status_code=status)

    def working_text(self, name: str) -> tuple[str, str, bool]:
        """The editor's text of *name* (its draft if any), the base digest, and whether a draft was used."""
        draft = self.ws.draft(name)
        if draft is not None:
            return draft.text, draft.base, True
        text = self.ws.read(name)
        return text, digest(text), False

    def theme_file(self, spec: Any, name: str) -> str | None:
        """The theme *spec* (the file *name* in the folder) names, found from the spec's place in the folder."""
        import dataclasses

        from ..theme import theme_path

        return theme_path(dataclasses.replace(spec, path=str(self.ws.spec_path(name, exists=False))))

    def preview(self, text: str, name: str, lang: str) -> tuple[list[bytes], str]:
        """PNG page images of the *lang* PDF of *text*, and the PDF's text (cached by content)."""
        key = digest(f"{lang}\0{name}\0{text}")
        if key in self._previews:
            self._previews.move_to_end(key)
            return self._previews[key]
        from ..build import render
        from ..theme import load_theme

        spec = parse(text, name)
        theme_file = self.theme_file(spec, name)
        theme = load_theme(theme_file) if theme_file else None
        with _render_lock:
            # A translation in progress is previewed with the source text in
            # its gaps (build's --allow-fallback); the page says how many.
            pdf = render(spec, lang, "pdf", allow_fallback=True, theme=theme)
        result = _rasterise(pdf)
        self._previews[key] = result
        while len(self._previews) > 16:
            self._previews.popitem(last=False)
        return result


_png_cache: OrderedDict[bytes, bytes] = OrderedDict()
_png_lock = threading.Lock()


def _png(bitmap: Any) -> bytes:
    """One page's pixels as PNG, reused when the page looks exactly as before.

    Encoding is most of a preview's time, and an edit changes one page (or
    the few its text reflows over): the others are found by the digest of
    their pixels, which costs a few milliseconds.
    """
    key = hashlib.blake2b(bitmap.buffer, digest_size=16).digest()
    with _png_lock:
        hit = _png_cache.get(key)
        if hit is not None:
            _png_cache.move_to_end(key)
            return hit
    out = io.BytesIO()
    bitmap.to_pil().save(out, format="PNG", compress_level=1)
    data = out.getvalue()
    with _png_lock:
        _png_cache[key] = data
        while len(_png_cache) > 64:
            _png_cache.popitem(last=False)
    return data


def _rasterise(pdf: bytes) -> tuple[list[bytes], str]:
    import pypdfium2

    doc = pypdfium2.PdfDocument(pdf)
    try:
        bitmaps, texts = [], []
        for page in doc:
            bitmaps.append(page.render(scale=PREVIEW_SCALE))
            texts.append(page.get_textpage().get_text_range())
        # Pillow's encoder lets go of the GIL: the changed pages are encoded side by side.
        pages = list(_encoder.map(_png, bitmaps)) if len(bitmaps) > 1 else [_png(b) for b in bitmaps]
        return pages, "\n".join(texts)
    finally:
        doc.close()


_encoder = ThreadPoolExecutor(max_workers=2, thread_name_prefix="studio-png")


def _name(request: Request) -> str:
    return request.query_params.get("spec", "")


# -- routes --------------------------------------------------------------


def create_app(folder: Path | str, token: str, hosts: list[str]) -> Any:
    """The studio as an ASGI app, behind its guard; *hosts* are the ``host:port`` it answers to."""
    studio = Studio(folder, token)
    static = Path(__file__).parent / "static"

    async def index(request: Request) -> Response:
        rows = [_summary(studio, name) for name in studio.ws.specs()]
        return studio.page("index.html", rows=rows, folder=str(studio.ws.root))

    async def editor(request: Request) -> Response:
        name = _name(request)
        text, base, restored = studio.working_text(name)
        lang = request.query_params.get("lang", "")
        return studio.page("editor.html", **_editor_context(studio, name, text, base, lang, restored=restored))

    async def set_field(request: Request) -> Response:
        name = _name(request)
        data = await request.form()
        path, lang, value = str(data.get("path", "")), str(data.get("lang", "")), str(data.get("value", ""))
        value = value.replace("\r\n", "\n")
        text, base, _ = studio.working_text(name)
        try:
            if lang:
                new = edit.set_text(text, name, path, lang, value)
            else:
                new = edit.set_value(text, name, path, value)
        except AppealGenError as exc:
            return studio.page("field_problems.html", problems=[Problem(path, "", exc.message)], path=path, lang=lang)
        studio.ws.save_draft(name, Draft(new, base))
        # The field's own problems: check's messages for the language typed in (the list of all
        # problems, every language, is fetched beside the preview).
        checked = check_text(new, name, only=lang or None)
        here = [p for p in checked.problems if _belongs(p.field, path, lang)]
        response = studio.page("field_problems.html", problems=here, path=path, lang=lang, checked=checked)
        response.headers["HX-Trigger"] = "changed"
        return response

    async def list_op(request: Request) -> Response:
        name = _name(request)
        data = await request.form()
        path, op = str(data.get("path", "")), str(data.get("op", ""))
        lang = str(data.get("lang", ""))
        text, base, _ = studio.working_text(name)
        try:
            index = int(str(data.get("index", "0")))
            if op == "add":
                blank = json.loads(str(data.get("blank", '""')))
                new = edit.list_append(text, name, path, blank)
            elif op == "remove":
                new = edit.list_remove(text, name, path, index)
            elif op in ("up", "down"):
                new = edit.list_move(text, name, path, index, index - 1 if op == "up" else index + 1)
            elif op == "language":
                new = edit.list_append(text, name, "languages", str(data.get("value", "")))
            else:
                return Response("unknown operation", status_code=400)
        except (AppealGenError, ValueError) as exc:
            message = exc.message if isinstance(exc, AppealGenError) else str(exc)
            ctx = _editor_context(studio, name, text, base, lang, notice=message)
            return studio.page("form.html", **ctx)
        studio.ws.save_draft(name, Draft(new, base))
        response = studio.page("form.html", **_editor_context(studio, name, new, base, lang))
        response.headers["HX-Trigger"] = "changed"
        return response

    async def add_language(request: Request) -> Response:
        name = _name(request)
        data = await request.form()
        lang = str(data.get("value", ""))
        text, base, _ = studio.working_text(name)
        if lang not in LANGUAGES:
            return Response("unknown language", status_code=400)
        spec_langs = yaml.safe_load(text).get("languages") or []
        try:
            if not spec_langs:
                source = yaml.safe_load(text).get("language", "en")
                new = edit.add_key(text, name, "", "languages", [source, lang] if lang != source else [source])
            elif lang not in spec_langs:
                new = edit.list_append(text, name, "languages", lang)
            else:
                new = text
        except AppealGenError as exc:
            return Response(exc.format(), status_code=400)
        studio.ws.save_draft(name, Draft(new, base))
        return Response(status_code=204, headers={"HX-Redirect": f"/edit?spec={_q(name)}&lang={lang}"})

    async def problems(request: Request) -> Response:
        name = _name(request)
        text, _base, _ = studio.working_text(name)
        return studio.page("problems.html", checked=check_text(text, name), lang=request.query_params.get("lang", ""))

    async def preview(request: Request) -> Response:
        name = _name(request)
        text, _base, _ = studio.working_text(name)
        lang = request.query_params.get("lang", "")
        lang = lang or _source(text)
        try:
            pages, pdf_text = studio.preview(text, name, lang)
            missing = [t.path for t in parse(text, name).missing_translations(lang)]
        except AppealGenError as exc:
            return studio.page("preview.html", pages=[], text="", error=exc.format(), name=name, lang=lang, missing=[])
        return studio.page(
            "preview.html", pages=pages, text=pdf_text, error=None, name=name, lang=lang, missing=missing
        )

    async def preview_text(request: Request) -> Response:
        name = _name(request)
        text, _base, _ = studio.working_text(name)
        lang = request.query_params.get("lang", "") or _source(text)
        _pages, pdf_text = studio.preview(text, name, lang)
        return Response(pdf_text, media_type="text/plain; charset=utf-8")

    async def download(request: Request) -> Response:
        from ..build import build

        name = _name(request)
        text, _base, _ = studio.working_text(name)
        lang = request.query_params.get("lang", "all")
        fmt = request.query_params.get("format", "pdf")
        try:
            spec = parse_spec(text, name)
            langs = list(spec.content_languages()) if lang == "all" else [lang]
            formats = ("pdf", "docx") if fmt == "zip" else (fmt,)
            with tempfile.TemporaryDirectory(prefix="appeal-gen-studio-") as tmp:
                with _render_lock:
                    theme_file = studio.theme_file(spec, name)
                    theme = Path(theme_file) if theme_file else None
                    result = build(spec, Path(tmp), formats=formats, languages=langs, theme=theme)
                files = {p.name: p.read_bytes() for p in result.files}
        except AppealGenError as exc:
            return Response(exc.format() + "\n", status_code=422, media_type="text/plain; charset=utf-8")
        if fmt == "zip" or len(files) != 1:
            out = io.BytesIO()
            with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
                for fname, data in sorted(files.items()):
                    z.writestr(fname, data)
            body, media, fname = out.getvalue(), "application/zip", f"{spec.slug}.zip"
        else:
            ((fname, body),) = files.items()
            media = "application/pdf" if fname.endswith(".pdf") else _DOCX
        return Response(body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{fname}"'})

    async def save(request: Request) -> Response:
        name = _name(request)
        data = await request.form()
        force = data.get("force") == "1"
        text, base, _ = studio.working_text(name)
        on_disk = studio.ws.read(name)
        if digest(on_disk) != base and not force:
            return studio.page("conflict.html", name=name)
        studio.ws.write_spec(name, text)
        studio.ws.drop_draft(name)
        when = datetime.datetime.now().strftime("%H:%M:%S")
        return studio.page("saved.html", name=name, when=when, base=digest(text))

    async def discard(request: Request) -> Response:
        name = _name(request)
        studio.ws.spec_path(name)
        studio.ws.drop_draft(name)
        return Response(status_code=204, headers={"HX-Redirect": f"/edit?spec={_q(name)}"})

    async def new(request: Request) -> Response:
        data = await request.form()
        stem = str(data.get("name", "")).strip()
        name = stem if stem.endswith(form_suffixes()) else f"{stem}.yaml"
        path = studio.ws.spec_path(name, exists=False)
        if path.exists():
            return Response(f"{name}: exists already; choose another name", status_code=409)
        studio.ws.write_spec(name, blank_spec(datetime.date.today()))
        return Response(status_code=204, headers={"HX-Redirect": f"/edit?spec={_q(name)}"})

    async def follow(request: Request) -> Response:
        from ..followup import follow_up, next_name, number_of

        name = _name(request)
        text = studio.ws.read(name)
        try:
            new_text = follow_up(text, name, datetime.date.today())
        except AppealGenError as exc:
            return Response(exc.format() + "\n", status_code=422, media_type="text/plain; charset=utf-8")
        existing = {p.relative_to(studio.ws.root).as_posix() for p in studio.ws.root.rglob("*.y*ml")}
        target = next_name(existing, name, number_of(text))
        studio.ws.write_spec(target, new_text)
        return Response(status_code=204, headers={"HX-Redirect": f"/edit?spec={_q(target)}"})

    async def batch_page(request: Request) -> Response:
        name = _name(request)
        studio.ws.spec_path(name)
        draft = studio.ws.draft(name) is not None
        return studio.page("batch.html", name=name, q=_q(name), draft=draft)

    async def batch_upload(request: Request) -> Response:
        from ..columns import documented, header, suggest

        name = _name(request)
        studio.ws.spec_path(name)
        async with request.form(max_files=1, max_fields=10) as data:
            upload = data.get("list")
            if not isinstance(upload, UploadFile) or not upload.filename:
                return studio.page("batch_problem.html", message="choose a recipient list (.csv or .xlsx) first")
            suffix = Path(upload.filename).suffix.lower()
            if suffix not in (".csv", ".xlsx"):
                return studio.page(
                    "batch_problem.html", message=f"{upload.filename}: not a .csv or .xlsx recipient list"
                )
            upload_id = secrets.token_hex(8)
            target = safe_path(studio.ws.root, STATE, "uploads", upload_id + suffix)
            write_atomic(target, await upload.read())
        try:
            columns = header(str(target))
        except AppealGenError as exc:
            return studio.page("batch_problem.html", message=exc.format().replace(str(target), upload.filename))
        return studio.page(
            "batch_mapping.html",
            q=_q(name),
            upload=upload_id + suffix,
            filename=upload.filename,
            mapping=suggest(columns),
            documented=documented(),
        )

    async def batch_run(request: Request) -> Response:
        from ..columns import rename
        from . import batchjob

        name = _name(request)
        spec_file = studio.ws.spec_path(name)
        data = await request.form()
        upload = str(data.get("upload", ""))
        if not re.fullmatch(r"[0-9a-f]{16}\.(csv|xlsx)", upload):
            return Response("no such upload", status_code=404)
        src = safe_path(studio.ws.root, STATE, "uploads", upload, make_folders=False)
        mapping = {k.removeprefix("map:"): str(v) for k, v in data.items() if k.startswith("map:")}
        mapped = safe_path(studio.ws.root, STATE, "uploads", "mapped-" + upload)
        try:
            rename(src, mapped, mapping)
        except AppealGenError as exc:
            return studio.page("batch_problem.html", message=exc.format())
        stem = Path(name).with_suffix("").as_posix().replace("/", "-")
        outdir = safe_path(studio.ws.root, "out", "batch", stem)
        job = batchjob.Job(secrets.token_hex(8), spec_file, mapped, outdir, eml=data.get("eml") == "1")
        job.label = Path(str(data.get("filename", ""))).name or "recipients"
        studio.jobs[job.id] = job
        batchjob.start(job)
        return studio.page("batch_progress.html", job=job)

    async def batch_events(request: Request) -> Response:
        job = studio.jobs.get(request.query_params.get("job", ""))
        if job is None:
            return Response("no such batch", status_code=404)

        async def stream() -> Any:
            while True:
                snap = job.snapshot()
                yield f"event: progress\ndata: {json.dumps(snap)}\n\n"
                if snap["state"] != "running":
                    yield f"event: done\ndata: {json.dumps(snap)}\n\n"
                    return
                await asyncio.sleep(0.2)

        return StreamingResponse(stream(), media_type="text/event-stream", headers={"X-Accel-Buffering": "no"})

    async def batch_result(request: Request) -> Response:
        job = studio.jobs.get(request.query_params.get("job", ""))
        if job is None:
            return Response("no such batch", status_code=404)
        with job.lock:
            problems = [p.replace(str(job.recipients), job.label) for p in job.problems]
            return studio.page("batch_result.html", job=job, problems=problems, notes=list(job.notes))

    async def batch_zip(request: Request) -> Response:
        from . import batchjob

        job = studio.jobs.get(request.query_params.get("job", ""))
        if job is None or job.state == "running":
            return Response("no such finished batch", status_code=404)
        body = batchjob.zip_outdir(job.outdir)
        fname = f"{job.outdir.name}-batch.zip"
        return Response(
            body, media_type="application/zip", headers={"Content-Disposition": f'attachment; filename="{fname}"'}
        )

    async def not_in_folder(request: Request, exc: Exception) -> Response:
        return Response(str(exc) + "\n", status_code=404, media_type="text/plain; charset=utf-8")

    routes = [
        Route("/", index),
        Route("/edit", editor),
        Route("/api/field", set_field, methods=["POST"]),
        Route("/api/list", list_op, methods=["POST"]),
        Route("/api/language", add_language, methods=["POST"]),
        Route("/api/save", save, methods=["POST"]),
        Route("/api/discard", discard, methods=["POST"]),
        Route("/api/new", new, methods=["POST"]),
        Route("/api/followup", follow, methods=["POST"]),
        Route("/batch", batch_page),
        Route("/api/batch/upload", batch_upload, methods=["POST"]),
        Route("/api/batch/run", batch_run, methods=["POST"]),
        Route("/api/batch/events", batch_events),
        Route("/api/batch/result", batch_result),
        Route("/api/batch/zip", batch_zip),
        Route("/problems", problems),
        Route("/preview", preview),
        Route("/preview/text", preview_text),
        Route("/download", download),
        Mount("/static", StaticFiles(directory=static), name="static"),
    ]
    app = Starlette(routes=routes, exception_handlers={NotInFolderError: not_in_folder})
    return Guard(app, token, hosts)


_DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def form_suffixes() -> tuple[str, ...]:
    return (".yaml", ".yml")


def _q(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="/")


def _source(text: str) -> str:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        return "en"
    return str(data.get("language", "en")) if isinstance(data, dict) else "en"


def _belongs(problem_field: str | None, path: str, lang: str) -> bool:
    """Whether a problem of *problem_field* is shown at the input of *path* (in *lang*)."""
    if not problem_field:
        return False
    full = f"{path}.{lang}" if lang else path
    return problem_field in (path, full) or problem_field.startswith(full + ".")


def blank_spec(today: datetime.date) -> str:
    """The text of a new appeal: every required field, empty, for the form to fill."""
    return (
        "# A new appeal, started in appeal-gen studio. Every field is documented in docs/spec.md.\n"
        "spec_version: 1\n"
        "language: en\n"
        "reference:\n"
        "  code: NEW\n"
        "issuers:\n"
        '- name: ""\n'
        f"date: {today.isoformat()}\n"
        'country: ""\n'
        'status: ""\n'
        'title: ""\n'
        'summary: ""\n'
        "subjects:\n"
        '- name: ""\n'
        'concern: ""\n'
        "demands:\n"
        '- ""\n'
        "authorities:\n"
        '- name: ""\n'
        '  office: ""\n'
        '  salutation: ""\n'
    )


@dataclass
class Summary:
    name: str
    code: str = ""
    title: str = ""
    languages: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    error: str = ""
    built: str = ""
    draft: bool = False


def _summary(studio: Studio, name: str) -> Summary:
    from ..staleness import stale

    out = Summary(name, draft=studio.ws.draft(name) is not None)
    try:
        spec = parse_spec(studio.ws.read(name), name)
    except SpecErrors as exc:
        first = exc.errors[0] if exc.errors else exc
        out.error = f"{len(exc.errors)} problem(s), first: {first.format()}"
        return out
    except AppealGenError as exc:
        out.error = exc.format()
        return out
    out.code = spec.reference.code
    out.title = spec.title.get(spec.language) or ""
    out.languages = list(spec.content_languages())
    out.missing = [lang for lang in out.languages if spec.missing_translations(lang)]
    out.stale = [lang for lang in out.languages if lang != spec.language and stale(spec, lang)]
    built = [p.stat().st_mtime for p in studio.ws.build_dir().glob(f"{spec.slug}.*.pdf") if p.is_file()]
    if built:
        out.built = datetime.datetime.fromtimestamp(max(built)).strftime("%Y-%m-%d %H:%M")
    return out


@dataclass
class Input:
    """One input of the form: its spec path, label, value and, in a language tab, the source beside it."""

    path: str
    label: str
    kind: str
    value: str
    lang: str = ""  #: set when the input edits one language of a text field
    source: str | None = None  #: the source-language text shown beside a translation
    id: str = ""
    hint: str = ""
    text_lang: str = ""  #: the language its text is in, when not a translation (``conventions.fr.authorities``)


def _text_value(value: Any, lang: str, source: str) -> str:
    if isinstance(value, dict):
        v = value.get(lang)
        return "" if v is None else str(v)
    if value is None:
        return ""
    return str(value) if lang == source else ""


def _editor_context(
    studio: Studio, name: str, text: str, base: str, lang: str, *, restored: bool = False, notice: str = ""
) -> dict[str, Any]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        data = None
    if not isinstance(data, dict):
        data = {}
    source = str(data.get("language") or "en")
    langs = [str(x) for x in (data.get("languages") or [source])]
    lang = lang if lang in langs or lang in LANGUAGES else source
    checked = check_text(text, name)
    return {
        "name": name,
        "base": base,
        "lang": lang,
        "source": source,
        "languages": langs,
        "sections": _sections(data, lang, source),
        "checked": checked,
        "at": checked.at(),
        "restored": restored,
        "notice": notice,
        "q": _q(name),
    }


def _input(f: form.Field, prefix: str, value: Any, lang: str, source: str) -> Input:
    path = prefix + f.key
    ident = "f-" + path.replace(".", "-")
    if f.kind in form.TRANSLATED:
        shown = _text_value(value, lang, source)
        src = None if lang == source else _text_value(value, source, source)
        return Input(path, f.label, f.kind, shown, lang, src, ident + f"-{lang}", f.hint)
    return Input(path, f.label, f.kind, "" if value is None else str(value), "", None, ident, f.hint)


def _get(data: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        if not isinstance(data, dict):
            return None
        data = data.get(part)
    return data


def _sections(data: dict[str, Any], lang: str, source: str) -> list[dict[str, Any]]:
    sections: list[dict[str, Any]] = []
    for title, items in form.SECTIONS:
        entries: list[dict[str, Any]] = []
        for item in items:
            if isinstance(item, form.Field):
                if item.kind == "lines":
                    continue
                entries.append({"input": _input(item, "", _get(data, item.key), lang, source)})
                continue
            values = data.get(item.key) or []
            rows: list[dict[str, Any]] = []
            for i, value in enumerate(values if isinstance(values, list) else []):
                if not item.fields:
                    f = form.Field(str(i), item.item_kind, f"{item.item_label} {i + 1}")
                    rows.append({"inputs": [_input(f, f"{item.key}.", value, lang, source)], "lines": []})
                    continue
                inputs: list[Input] = []
                lines: list[dict[str, Any]] = []
                for f in item.fields:
                    v = value.get(f.key) if isinstance(value, dict) else None
                    if f.kind == "lines":
                        entries_ = v if isinstance(v, list) else []
                        lines.append(
                            {
                                "path": f"{item.key}.{i}.{f.key}",
                                "label": f.label,
                                "inputs": [
                                    _input(
                                        form.Field(str(j), "str", f"{f.label} {j + 1}"),
                                        f"{item.key}.{i}.{f.key}.",
                                        x,
                                        lang,
                                        source,
                                    )
                                    for j, x in enumerate(entries_)
                                ],
                            }
                        )
                        continue
                    inputs.append(_input(f, f"{item.key}.{i}.", v, lang, source))
                rows.append({"inputs": inputs, "lines": lines})
            entries.append({"list": item, "rows": rows, "blank": json.dumps(item.blank)})
        sections.append({"title": title, "entries": entries})
    conv = data.get("conventions")
    mine = conv.get(lang) if isinstance(conv, dict) else None
    conventions: list[dict[str, Any]] = []
    for f in form.CONVENTIONS:
        v = mine.get(f.key) if isinstance(mine, dict) else None
        shown = "" if v is None else str(v).lower() if isinstance(v, bool) else str(v)
        path = f"conventions.{lang}.{f.key}"
        ident = "f-" + path.replace(".", "-")
        conventions.append({"input": Input(path, f.label, f.kind, shown, "", None, ident, f.hint, text_lang=lang)})
    sections.append({"title": f"How {LANGUAGES.get(lang, lang)} is written", "entries": conventions})
    return sections
