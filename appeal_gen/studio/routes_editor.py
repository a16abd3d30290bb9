"""Routes of the editor: its page, one field's edit, list operations, languages, problems, save.

Every edit goes through ``edit`` (in place, verified) into the autosaved
draft; ``check``'s messages come from ``views.check_text``.
"""

from __future__ import annotations

import datetime
import json

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .. import edit
from ..errors import AppealGenError
from .core import Studio, spec_name
from .views import LANGUAGES, Problem, belongs, check_text, editor_context, focus_after, load, quote_name, unreadable
from .workspace import Draft, digest


def routes(studio: Studio) -> list[Route]:
    """The editor's page and the edits, checks and saves of its form."""

    async def editor(request: Request) -> Response:
        name = spec_name(request)
        text, base, restored = studio.working_text(name)
        lang = request.query_params.get("lang", "")
        broken = unreadable(text, name)
        if broken is not None:
            return studio.page("raw.html", name=name, q=quote_name(name), text=text, broken=broken, restored=restored)
        return studio.page("editor.html", **editor_context(name, text, base, lang, restored=restored))

    async def set_field(request: Request) -> Response:
        name = spec_name(request)
        data = await request.form()
        path, lang, value = str(data.get("path", "")), str(data.get("lang", "")), str(data.get("value", ""))
        value = value.replace("\r\n", "\n")
        text, base, _ = studio.working_text(name)
        try:
            if value == "":
                new = edit.clear(text, name, path, lang)
            elif lang:
                new = edit.set_text(text, name, path, lang, value)
            else:
                new = edit.set_value(text, name, path, value)
        except AppealGenError as exc:
            return studio.page("field_problems.html", problems=[Problem(path, "", exc.message)], path=path, lang=lang)
        studio.ws.save_draft(name, Draft(new, base))
        # The field's own problems: check's messages for the language typed in (the list of all
        # problems, every language, is fetched beside the preview).
        checked = check_text(new, name, only=lang or None)
        here = [p for p in checked.problems if belongs(p.field, path, lang)]
        response = studio.page("field_problems.html", problems=here, path=path, lang=lang, checked=checked)
        response.headers["HX-Trigger"] = "changed"
        return response

    async def list_op(request: Request) -> Response:
        name = spec_name(request)
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
            ctx = editor_context(name, text, base, lang, notice=message)
            return studio.page("form.html", **ctx)
        studio.ws.save_draft(name, Draft(new, base))
        focus = focus_after(new, path, op, index)
        response = studio.page("form.html", **editor_context(name, new, base, lang, focus=focus))
        response.headers["HX-Trigger"] = "changed"
        return response

    async def add_language(request: Request) -> Response:
        name = spec_name(request)
        data = await request.form()
        lang = str(data.get("value", ""))
        text, base, _ = studio.working_text(name)
        if lang not in LANGUAGES:
            return Response("unknown language", status_code=400)
        data = load(text)
        if not isinstance(data, dict):
            return Response(f"{name}: the spec is not a mapping of fields", status_code=400)
        spec_langs = data.get("languages") or []
        try:
            if not spec_langs:
                source = data.get("language", "en")
                new = edit.add_key(text, name, "", "languages", [source, lang] if lang != source else [source])
            elif lang not in spec_langs:
                new = edit.list_append(text, name, "languages", lang)
            else:
                new = text
        except AppealGenError as exc:
            return Response(exc.format(), status_code=400)
        studio.ws.save_draft(name, Draft(new, base))
        return Response(status_code=204, headers={"HX-Redirect": f"/edit?spec={quote_name(name)}&lang={lang}"})

    async def raw(request: Request) -> Response:
        """The spec's text saved from the raw editor: into the draft once it reads as a spec's fields."""
        name = spec_name(request)
        data = await request.form()
        new = str(data.get("text", "")).replace("\r\n", "\n")
        _text, base, _ = studio.working_text(name)
        broken = unreadable(new, name)
        if broken is not None:
            return studio.page("raw_problems.html", name=name, text=new, broken=broken)
        studio.ws.save_draft(name, Draft(new, base))
        return Response(status_code=204, headers={"HX-Redirect": f"/edit?spec={quote_name(name)}"})

    async def problems(request: Request) -> Response:
        name = spec_name(request)
        text, _base, _ = studio.working_text(name)
        return studio.page("problems.html", checked=check_text(text, name), lang=request.query_params.get("lang", ""))

    async def save(request: Request) -> Response:
        name = spec_name(request)
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
        name = spec_name(request)
        studio.ws.spec_path(name)
        studio.ws.drop_draft(name)
        return Response(status_code=204, headers={"HX-Redirect": f"/edit?spec={quote_name(name)}"})

    return [
        Route("/edit", editor),
        Route("/api/field", set_field, methods=["POST"]),
        Route("/api/list", list_op, methods=["POST"]),
        Route("/api/language", add_language, methods=["POST"]),
        Route("/api/save", save, methods=["POST"]),
        Route("/api/discard", discard, methods=["POST"]),
        Route("/problems", problems),
        Route("/api/raw", raw, methods=["POST"]),
    ]
