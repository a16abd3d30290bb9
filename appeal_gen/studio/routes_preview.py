"""Routes of the preview and the downloads: page images, the PDF's text, PDF/DOCX/zip files."""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..errors import AppealGenError
from ..spec import parse_spec
from .core import Studio, spec_name
from .pages import render_lock
from .views import parse, source_language

_DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def routes(studio: Studio) -> list[Route]:
    """The live preview and the downloads."""

    async def preview(request: Request) -> Response:
        name = spec_name(request)
        text, _base, _ = studio.working_text(name)
        lang = request.query_params.get("lang", "")
        lang = lang or source_language(text)
        try:
            pages, pdf_text = studio.preview(text, name, lang)
            missing = [t.path for t in parse(text, name).missing_translations(lang)]
        except AppealGenError as exc:
            return studio.page("preview.html", pages=[], text="", error=exc.format(), name=name, lang=lang, missing=[])
        return studio.page(
            "preview.html", pages=pages, text=pdf_text, error=None, name=name, lang=lang, missing=missing
        )

    async def preview_text(request: Request) -> Response:
        name = spec_name(request)
        text, _base, _ = studio.working_text(name)
        lang = request.query_params.get("lang", "") or source_language(text)
        _pages, pdf_text = studio.preview(text, name, lang)
        return Response(pdf_text, media_type="text/plain; charset=utf-8")

    async def page_image(request: Request) -> Response:
        """One page image of a recent preview; its address is its content's digest, so it never changes."""
        png = studio.images.get(request.query_params.get("key", ""))
        if png is None:
            return Response("no such page image (the preview was redrawn)", status_code=404)
        return Response(png, media_type="image/png", headers={"Cache-Control": "private, max-age=86400, immutable"})

    async def download(request: Request) -> Response:
        from ..build import build

        name = spec_name(request)
        text, _base, _ = studio.working_text(name)
        lang = request.query_params.get("lang", "all")
        fmt = request.query_params.get("format", "pdf")
        try:
            spec = parse_spec(text, name)
            langs = list(spec.content_languages()) if lang == "all" else [lang]
            formats = ("pdf", "docx") if fmt == "zip" else (fmt,)
            with tempfile.TemporaryDirectory(prefix="appeal-gen-studio-") as tmp:
                with render_lock:
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

    return [
        Route("/preview", preview),
        Route("/preview/text", preview_text),
        Route("/preview/page", page_image),
        Route("/download", download),
    ]
