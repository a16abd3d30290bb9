"""The studio's one object: its folder, token, templates, preview cache and batch jobs.

Every route module (``routes_*.py``) receives the same ``Studio`` and
closes over it; nothing else is shared between requests.
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from . import form
from .pages import rasterise, render_lock
from .security import derive
from .views import LANGUAGES, direction, parse
from .workspace import Workspace, digest


def spec_name(request: Request) -> str:
    """The spec a request is about (``?spec=``, relative to FOLDER; ``Workspace.spec_path`` judges it)."""
    return request.query_params.get("spec", "")


class Studio:
    """The studio of one FOLDER, for one token."""

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
        self.jobs: dict[str, Any] = {}
        self._previews: OrderedDict[str, tuple[list[bytes], str]] = OrderedDict()
        #: The page images of recent previews by the digest of their PNG, served at /preview/page:
        #: a page that did not change keeps its address, so the browser shows it from its cache.
        self.images: OrderedDict[str, bytes] = OrderedDict()

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

    def preview(self, text: str, name: str, lang: str) -> tuple[list[str], str]:
        """The keys of the page images (``images``) of the *lang* PDF of *text*, and the PDF's text."""
        pages, pdf_text = self._preview(text, name, lang)
        keys = []
        for png in pages:
            k = hashlib.sha256(png).hexdigest()[:32]
            self.images[k] = png
            self.images.move_to_end(k)
            keys.append(k)
        while len(self.images) > 64:
            self.images.popitem(last=False)
        return keys, pdf_text

    def theme_file(self, spec: Any, name: str) -> str | None:
        """The theme *spec* (the file *name* in the folder) names, found from the spec's place in the folder."""
        import dataclasses

        from ..theme import theme_path

        return theme_path(dataclasses.replace(spec, path=str(self.ws.spec_path(name, exists=False))))

    def _preview(self, text: str, name: str, lang: str) -> tuple[list[bytes], str]:
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
        with render_lock:
            # A translation in progress is previewed with the source text in
            # its gaps (build's --allow-fallback); the page says how many.
            pdf = render(spec, lang, "pdf", allow_fallback=True, theme=theme)
        result = rasterise(pdf)
        self._previews[key] = result
        while len(self._previews) > 16:
            self._previews.popitem(last=False)
        return result
