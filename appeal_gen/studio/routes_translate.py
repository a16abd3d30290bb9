"""Routes for translators: a language's .po to download, a translated .po to upload, stale ones confirmed.

The same library functions as ``appeal-gen translate export``, ``import``
and ``accept`` (``translate.export_po``, ``translate.import_po``,
``staleness.accept``), on the editor's draft: an import or a confirmation
changes the draft, and Save writes the file as after any other edit.
"""

from __future__ import annotations

from pathlib import Path

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..errors import AppealGenError
from ..spec import parse_spec
from .core import Studio, spec_name
from .views import editor_context
from .workspace import Draft


def routes(studio: Studio) -> list[Route]:
    """The .po download and upload, and the confirmation of stale translations."""

    def problem(message: str) -> Response:
        return Response(message + "\n", status_code=422, media_type="text/plain; charset=utf-8")

    async def po_download(request: Request) -> Response:
        from ..translate import export_po

        name = spec_name(request)
        text, _base, _ = studio.working_text(name)
        lang = request.query_params.get("lang", "")
        try:
            spec = parse_spec(text, name)
            if lang == spec.language or lang not in spec.content_languages():
                return problem(f"{name}: --lang: '{lang}' is not one of the spec's translations")
            result = export_po(spec, lang)
        except AppealGenError as exc:
            return problem(exc.format())
        fname = f"{Path(name).stem}.{lang}.po"
        return Response(
            result.data,
            media_type="text/x-gettext-translation; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{fname}"'},
        )

    async def po_upload(request: Request) -> Response:
        from ..pofile import parse_po
        from ..translate import catalog_language, import_po

        name = spec_name(request)
        text, base, _ = studio.working_text(name)
        async with request.form(max_files=1, max_fields=5) as data:
            tab = str(data.get("lang", ""))
            upload = data.get("po")
            if not isinstance(upload, UploadFile) or not upload.filename:
                ctx = editor_context(name, text, base, tab, notice="choose a translated .po file first")
                return studio.page("form.html", **ctx)
            po_name = Path(upload.filename.replace("\\", "/")).name
            po = await upload.read()
        try:
            lang = catalog_language(parse_po(po, po_name)) or tab
            result = import_po(text, name, po, po_name, lang)
        except AppealGenError as exc:
            return studio.page("form.html", **editor_context(name, text, base, tab, notice=exc.format()))
        if result.text != text:
            studio.ws.save_draft(name, Draft(result.text, base))
        report = [("", result.summary(po_name))]
        report += [("problem", p.format()) for p in result.refused] + [("warning", p.format()) for p in result.skipped]
        response = studio.page("form.html", **editor_context(name, result.text, base, tab, report=report))
        response.headers["HX-Trigger"] = "changed"
        return response

    async def accept(request: Request) -> Response:
        from ..staleness import accept as accept_records

        name = spec_name(request)
        data = await request.form()
        lang, path = str(data.get("lang", "")), str(data.get("path", ""))
        text, base, _ = studio.working_text(name)
        focus = f"f-{path.replace('.', '-')}-{lang}" if path else ""
        try:
            new = accept_records(text, name, [lang], only=[path] if path else None).text
        except AppealGenError as exc:
            return studio.page("form.html", **editor_context(name, text, base, lang, notice=exc.format()))
        studio.ws.save_draft(name, Draft(new, base))
        response = studio.page("form.html", **editor_context(name, new, base, lang, focus=focus))
        response.headers["HX-Trigger"] = "changed"
        return response

    return [
        Route("/translate/po", po_download),
        Route("/api/po", po_upload, methods=["POST"]),
        Route("/api/accept", accept, methods=["POST"]),
    ]
