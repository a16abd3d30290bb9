"""Backends: where letters are rendered changes nothing in what comes back."""

from __future__ import annotations

from pathlib import Path

from appeal_gen.batch import BatchOptions, InlineBackend, LetterRenderer, Outcome, Task
from appeal_gen.batch.backend import Backend
from appeal_gen.batch.local import LocalBackend
from appeal_gen.document import Correspondent
from appeal_gen.spec import load_spec

from ..conftest import DATA, EXAMPLE, pdf_text

OPTIONS = BatchOptions(formats=("pdf", "docx"), eml=True)


def _tasks() -> list[Task]:
    """Letters in four scripts, one with an email (its .eml), one in a language the appeal has no text for."""
    langs = ["en", "fr", "ar", "km", "zh", "ru", "es", "en", "de"]
    tasks = []
    for line, lang in enumerate(langs, 2):
        who = Correspondent(name=f"Official {line}", office="Minister")
        email = "official@example.org" if line == 3 else ""
        tasks.append(Task(line, f"official-{line}", lang, who, email, f"fingerprint-{line}"))
    return tasks


def _outcomes(backend: Backend, tasks: list[Task]) -> list[Outcome]:
    try:
        for task in tasks:
            backend.submit(task)
        outs = [backend.take(task.line) for task in tasks]
        backend.close()
    except BaseException:
        backend.kill()
        raise
    return outs


def test_inline_and_the_process_pool_give_the_same_outcomes(tmp_path: Path) -> None:
    spec = load_spec(str(EXAMPLE))
    tasks = _tasks()
    inline = _outcomes(InlineBackend(LetterRenderer(spec, OPTIONS), capacity=32), tasks)
    layouts = tmp_path / "layouts"
    layouts.mkdir()
    pool = _outcomes(LocalBackend(2, spec, OPTIONS, layouts, lambda: None, capacity=64), tasks)

    assert [vars(o) for o in pool] == [vars(o) for o in inline]
    # What both gave is each row's letter, in the order the rows were submitted.
    assert [o.line for o in inline] == [t.line for t in tasks]
    assert [sorted(o.files) for o in inline[:8]] == [["docx", "pdf"], ["docx", "eml", "pdf"], *[["docx", "pdf"]] * 6]
    assert "Official 2" in pdf_text(inline[0].files["pdf"])
    assert b"To: official@example.org" in inline[1].files["eml"]
    assert inline[-1].files == {} and inline[-1].error is not None and "'de'" in inline[-1].error


def test_the_inline_backend_renders_as_tasks_are_submitted() -> None:
    spec = load_spec(str(EXAMPLE))
    backend = InlineBackend(LetterRenderer(spec, BatchOptions(formats=("pdf",))), capacity=32)
    task = _tasks()[0]
    assert not backend.ready(task.line)
    backend.submit(task)
    assert backend.ready(task.line)
    assert backend.take(task.line).files["pdf"].startswith(b"%PDF")
    assert not backend.ready(task.line)


def test_the_pool_starts_no_worker_before_its_first_task(tmp_path: Path) -> None:
    """A rerun that reuses every letter starts no process (and computes no warm-up token)."""
    asked: list[int] = []

    def token() -> None:
        asked.append(1)

    backend = LocalBackend(2, load_spec(str(EXAMPLE)), BatchOptions(formats=("pdf",)), tmp_path, token, capacity=64)
    assert not backend.ready(2)
    backend.close()
    assert backend.workers is None and asked == []


def test_a_run_takes_its_backend_from_the_caller(tmp_path: Path) -> None:
    """Another backend (a cluster's) is one class: run_batch gives it the tasks and writes what it returns."""
    from appeal_gen.batch import run_batch
    from appeal_gen.spec import Spec

    submitted: list[int] = []

    class Recording(InlineBackend):
        def submit(self, task: Task) -> None:
            submitted.append(task.line)
            super().submit(task)

    def make(spec: Spec, options: BatchOptions) -> Backend:
        return Recording(LetterRenderer(spec, options), capacity=4)

    lst = DATA / "recipients" / "unknown_language.csv"
    options = BatchOptions(formats=("pdf",), jobs=2)
    theirs = run_batch(str(EXAMPLE), str(lst), tmp_path / "theirs", options, backend=make)
    ours = run_batch(str(EXAMPLE), str(lst), tmp_path / "ours", options)
    assert submitted == [2, 4]  # the row in an unknown language never reaches a backend
    assert (theirs.ok, theirs.failed) == (ours.ok, ours.failed) == (2, 1)
    for name in ("letters/ann-smith.en.pdf", "letters/eve-martin.fr.pdf", "manifest.csv"):
        assert (tmp_path / "theirs" / name).read_bytes() == (tmp_path / "ours" / name).read_bytes()
