"""The local backend: worker processes fed through pipes, tasks handed out by language, a warmed-up fork server."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import pytest

from appeal_gen.batch import BatchOptions, BatchWorkerError, Task
from appeal_gen.batch.local.pool import Workers, pick
from appeal_gen.document import Correspondent
from appeal_gen.spec import load_spec

from ..conftest import DATA, EXAMPLE

# --------------------------------------------------------------------------
# Worker processes


def _task(line: int, note: str = "") -> Task:
    who = Correspondent(name=f"Official {line}", office="Minister", extra=(("note", note),) if note else ())
    return Task(line, f"r{line}", "en", who, "", f"fingerprint-{line}")


def test_a_task_too_big_for_a_pipe_goes_to_an_idle_worker(tmp_path: Path) -> None:
    """A row of 50 KB could fill a worker's pipe while the worker waits to hand back a letter."""
    workers = Workers(2, load_spec(str(DATA / "minimal.yaml")), BatchOptions(formats=("pdf",)), tmp_path)
    sent: list[tuple[int, list[int]]] = []  # (bytes, what the worker then had to do)
    for i, conn in enumerate(workers.conns):

        def send_bytes(data: bytes, i: int = i, real=conn.send_bytes) -> None:  # type: ignore[no-untyped-def]
            sent.append((len(data), list(workers.pending[i])))
            real(data)

        conn.send_bytes = send_bytes
    try:
        for line in (2, 3, 4):
            workers.submit(_task(line))
        workers.submit(_task(5, "x" * (3 * Workers.SMALL)))
        workers.submit(_task(6))
        outs = [workers.take(line) for line in range(2, 7)]
        assert [(o.line, o.error) for o in outs] == [(line, None) for line in range(2, 7)]
        assert all(o.files["pdf"].startswith(b"%PDF") for o in outs)
        assert [pending for size, pending in sent if size > Workers.SMALL] == [[5]]
        assert len(sent) == 5
        workers.close()
        assert [p.exitcode for p in workers.procs] == [0, 0]
    finally:
        workers.kill()


def test_workers_render_letters_of_several_languages_in_any_order(tmp_path: Path) -> None:
    workers = Workers(2, load_spec(str(EXAMPLE)), BatchOptions(formats=("pdf",)), tmp_path)
    langs = ["en", "fr", "es", "ru"] * 5
    try:
        for line, lang in enumerate(langs, 2):
            workers.submit(dataclasses.replace(_task(line), lang=lang))
        outs = [workers.take(line) for line in range(2, 2 + len(langs))]
        assert [(o.line, o.lang, o.error) for o in outs] == [(line, lang, None) for line, lang in enumerate(langs, 2)]
        assert {lang for known in workers.langs for lang in known} == {"en", "fr", "es", "ru"}
        workers.close()
    finally:
        workers.kill()


def test_languages_are_learnt_once_unless_a_worker_would_wait() -> None:
    big = 3 * Workers.SMALL
    # A language no worker knows goes to the first worker with room, even a busy one.
    assert pick([("en", 100), ("fr", 100)], [1, 2], [{"en"}, {"en"}], {}, 2, Workers.SMALL) == (0, 1)
    # Else a worker takes the earliest task of a language it knows, and waits rather than learn one.
    assert pick([("fr", 100), ("en", 100)], [1, 1], [{"en"}, {"fr"}], {}, 2, Workers.SMALL) == (0, 1)
    assert pick([("fr", 100)], [1, 2], [{"en"}, {"fr"}], {}, 2, Workers.SMALL) is None
    # An idle worker with nothing of its own learns the language that was cheapest to learn...
    costs = {"zh": 0.34, "es": 0.08}
    assert pick([("zh", 100), ("es", 100)], [2, 0], [{"zh", "es"}, {"fr"}], costs, 2, Workers.SMALL) == (1, 1)
    # ... and one still being learnt (no cost yet) only when nothing else is left.
    assert pick([("zh", 100), ("es", 100)], [2, 0], [{"zh", "es"}, {"fr"}], {"es": 0.2}, 2, 100) == (1, 1)
    assert pick([("zh", 100)], [2, 0], [{"zh"}, {"fr"}], {}, 2, Workers.SMALL) == (1, 0)
    # A task too big for a pipe with another in it goes only to an idle worker.
    assert pick([("en", big)], [1, 2], [{"en"}, {"en"}], {}, 2, Workers.SMALL) is None
    assert pick([("en", big), ("en", 100)], [1, 1], [{"en"}, {"en"}], {}, 2, Workers.SMALL) == (0, 1)
    assert pick([("en", big), ("en", 100)], [1, 0], [{"en"}, set()], {}, 2, Workers.SMALL) == (1, 0)


def test_a_worker_that_dies_stops_the_run_with_one_line(tmp_path: Path) -> None:
    workers = Workers(2, load_spec(str(DATA / "minimal.yaml")), BatchOptions(formats=("pdf",)), tmp_path)
    try:
        for line in (2, 3, 4, 5):
            workers.submit(_task(line))
        victim = workers.procs[1]
        victim.kill()  # its first letter, with the worker's start-up, takes far longer than this
        with pytest.raises(BatchWorkerError) as info:
            for line in (2, 3, 4, 5):
                workers.take(line)
        assert info.value.format() == (
            f"a worker process was killed by signal 9 while rendering line {workers.pending[1][0]}; "
            "the letters written so far are kept: rerun the same command to finish"
        )
    finally:
        workers.kill()


# --------------------------------------------------------------------------
# Start-up prepared once, in the fork server (appeal_gen/batch/local/_warmup.py)


def _prepared(monkeypatch, options: BatchOptions):  # type: ignore[no-untyped-def]
    """What the fork server leaves for the workers, made here as it makes it."""
    import importlib

    from appeal_gen import _yaml
    from appeal_gen.batch.local import forkserver

    spec_text = _yaml.read_spec_text(str(EXAMPLE))
    request = forkserver.request_warmup(spec_text, str(EXAMPLE), options)
    assert request is not None
    monkeypatch.setenv(forkserver.WARMUP_ENV, request)
    monkeypatch.delitem(sys.modules, forkserver.WARMUP_MODULE, raising=False)
    ready = importlib.import_module(forkserver.WARMUP_MODULE).READY
    return spec_text, ready


def test_the_fork_server_prepares_every_language_for_the_workers(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from appeal_gen.batch.local import forkserver
    from appeal_gen.render import pdf
    from appeal_gen.render.context import default_docx_context

    default_docx_context().templates.clear()
    options = BatchOptions()
    spec_text, ready = _prepared(monkeypatch, options)
    token, renderer = ready
    spec = load_spec(str(EXAMPLE))
    assert token == forkserver.warm_token(spec_text, spec.path, options, spec.content_languages())
    assert sorted(renderer._letters) == sorted(spec.content_languages())
    compiled = {key[3] for key in default_docx_context().templates}  # (path, size, mtime, language, ...)
    assert sorted(compiled) == sorted(spec.content_languages()), "each language's DOCX template compiled"
    assert {("han", "regular"), ("arabic", "bold"), ("khmer", "bold")} <= pdf._REGISTERED
    assert forkserver.take_prepared(token) is renderer
    assert forkserver.take_prepared(None) is None


def test_a_worker_ignores_what_was_prepared_for_another_run(monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A fork server outlives a run: a changed catalog, option or spec must not reach a letter."""
    from appeal_gen.batch import planning
    from appeal_gen.batch.local import forkserver

    options = BatchOptions()
    spec_text, (token, _) = _prepared(monkeypatch, options)
    spec = load_spec(str(EXAMPLE))
    langs = spec.content_languages()
    assert forkserver.warm_token(spec_text, spec.path, BatchOptions(formats=("pdf",)), langs) != token
    assert forkserver.warm_token(spec_text + "\n# edited\n", spec.path, options, langs) != token
    po = tmp_path / "fr.po"
    po.write_bytes(planning.catalog_path("fr").read_bytes() + b'\n#, fuzzy\nmsgid "x"\nmsgstr "y"\n')
    real = planning.catalog_path
    monkeypatch.setattr(planning, "catalog_path", lambda code: po if code == "fr" else real(code))
    changed = forkserver.warm_token(spec_text, spec.path, options, langs)
    assert changed != token
    assert forkserver.take_prepared(changed) is None


def test_a_spec_too_big_to_pass_to_the_fork_server_is_prepared_by_the_workers(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from appeal_gen import _yaml
    from appeal_gen.batch.local import forkserver

    spec_text = _yaml.read_spec_text(str(EXAMPLE))
    request = forkserver.request_warmup(spec_text, str(EXAMPLE), BatchOptions())
    assert request is not None and len(request) < forkserver.WARMUP_MAX
    monkeypatch.setattr(forkserver, "WARMUP_MAX", len(request) - 1)
    assert forkserver.request_warmup(spec_text, str(EXAMPLE), BatchOptions()) is None
