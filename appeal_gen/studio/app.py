"""The studio as an ASGI app: the routes of each area behind the guard.

Each route reads the editor's draft (the spec's YAML text), asks the
library (``edit`` to change a field in place, ``spec.parse_spec`` and
``validate.validate`` for ``check``'s messages, ``build`` to render,
``staleness`` for stale translations) and shows the answer; nothing here
validates or renders by itself. The areas have rooms of their own:
``routes_appeals`` (the list, new, follow-up), ``routes_editor``,
``routes_preview`` (preview and downloads), ``routes_batch`` and
``routes_translate`` (.po files, stale translations); what their
pages show is worked out in ``views``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from . import routes_appeals, routes_batch, routes_editor, routes_preview, routes_translate
from .core import Studio
from .security import Guard
from .workspace import NotInFolderError


async def not_in_folder(request: Request, exc: Exception) -> Response:
    return Response(str(exc) + "\n", status_code=404, media_type="text/plain; charset=utf-8")


def create_app(folder: Path | str, token: str, hosts: list[str]) -> Any:
    """The studio as an ASGI app, behind its guard; *hosts* are the ``host:port`` it answers to."""
    studio = Studio(folder, token)
    static = Path(__file__).parent / "static"
    routes = [
        *routes_appeals.routes(studio),
        *routes_editor.routes(studio),
        *routes_preview.routes(studio),
        *routes_batch.routes(studio),
        *routes_translate.routes(studio),
        Mount("/static", StaticFiles(directory=static), name="static"),
    ]
    app = Starlette(routes=routes, exception_handlers={NotInFolderError: not_in_folder})
    return Guard(app, token, hosts)
