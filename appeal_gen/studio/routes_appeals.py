"""Routes of the appeals list: what FOLDER holds, a new appeal, a follow-up of one."""

from __future__ import annotations

import datetime

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..errors import AppealGenError
from .core import Studio, spec_name
from .views import blank_spec, form_suffixes, quote_name, summary


def routes(studio: Studio) -> list[Route]:
    """The list of FOLDER's appeals, a new appeal, a follow-up."""

    async def index(request: Request) -> Response:
        rows = [summary(studio.ws, name) for name in studio.ws.specs()]
        return studio.page("index.html", rows=rows, folder=str(studio.ws.root))

    async def new(request: Request) -> Response:
        data = await request.form()
        stem = str(data.get("name", "")).strip()
        name = stem if stem.endswith(form_suffixes()) else f"{stem}.yaml"
        path = studio.ws.spec_path(name, exists=False)
        if path.exists():
            return Response(f"{name}: exists already; choose another name", status_code=409)
        studio.ws.write_spec(name, blank_spec(datetime.date.today()))
        return Response(status_code=204, headers={"HX-Redirect": f"/edit?spec={quote_name(name)}"})

    async def follow(request: Request) -> Response:
        from ..followup import follow_up, next_name, number_of

        name = spec_name(request)
        text = studio.ws.read(name)
        try:
            new_text = follow_up(text, name, datetime.date.today())
        except AppealGenError as exc:
            return Response(exc.format() + "\n", status_code=422, media_type="text/plain; charset=utf-8")
        existing = {p.relative_to(studio.ws.root).as_posix() for p in studio.ws.root.rglob("*.y*ml")}
        target = next_name(existing, name, number_of(text))
        studio.ws.write_spec(target, new_text)
        return Response(status_code=204, headers={"HX-Redirect": f"/edit?spec={quote_name(target)}"})

    return [
        Route("/", index),
        Route("/api/new", new, methods=["POST"]),
        Route("/api/followup", follow, methods=["POST"]),
    ]
