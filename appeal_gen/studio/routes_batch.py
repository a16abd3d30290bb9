"""Routes of batch from the browser: a recipient list uploaded, its columns mapped, a run followed."""

from __future__ import annotations

import asyncio
import json
import re
import secrets
from pathlib import Path
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from ..errors import AppealGenError
from ..output import safe_path, write_atomic
from .core import Studio, spec_name
from .views import quote_name
from .workspace import STATE


def routes(studio: Studio) -> list[Route]:
    """Batch from the browser: upload, mapping, run, progress, result, zip."""

    async def batch_page(request: Request) -> Response:
        name = spec_name(request)
        studio.ws.spec_path(name)
        draft = studio.ws.draft(name) is not None
        return studio.page("batch.html", name=name, q=quote_name(name), draft=draft)

    async def batch_upload(request: Request) -> Response:
        from ..columns import documented, header, suggest

        name = spec_name(request)
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
            q=quote_name(name),
            upload=upload_id + suffix,
            filename=upload.filename,
            mapping=suggest(columns),
            documented=documented(),
        )

    async def batch_run(request: Request) -> Response:
        from ..columns import rename
        from . import batchjob

        name = spec_name(request)
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

    return [
        Route("/batch", batch_page),
        Route("/api/batch/upload", batch_upload, methods=["POST"]),
        Route("/api/batch/run", batch_run, methods=["POST"]),
        Route("/api/batch/events", batch_events),
        Route("/api/batch/result", batch_result),
        Route("/api/batch/zip", batch_zip),
    ]
