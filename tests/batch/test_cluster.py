"""The cluster backend (issue 19): letters rendered on Dask workers, the bytes of a local run.

One LocalCluster (2 worker processes, one thread each) serves the module,
reached through its scheduler's tcp:// address as a real cluster is; the
acceptance command starts its own (``--cluster local:2``).
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from appeal_gen.batch import BatchOptions, RowDone, run_batch
from appeal_gen.batch.cluster import Cluster
from appeal_gen.batch.events import Event

from ..conftest import EXAMPLE, run

RECIPIENTS = EXAMPLE.parent / "recipients.csv"
OPTIONS = BatchOptions(formats=("pdf", "docx"), eml=True, jobs=1)
ROWS = 48


def _list(path: Path, n: int) -> Path:
    """*n* rows of the example list (all seven languages, some with an email), each with an id of its own."""
    with open(RECIPIENTS, encoding="utf-8", newline="") as fh:
        header, *body = list(csv.reader(fh))
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows([f"r{i:03d}", *body[i % len(body)][1:]] for i in range(n))
    return path


def _files(outdir: Path) -> dict[str, bytes]:
    """Every file a run leaves (the lock holds a process id: only its presence counts)."""
    return {
        p.relative_to(outdir).as_posix(): b"" if p.name == "lock" else p.read_bytes()
        for p in sorted(outdir.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    distributed = pytest.importorskip("distributed")
    scratch = tmp_path_factory.mktemp("dask")
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=":0",
        silence_logs=40,
        local_directory=str(scratch),
        scheduler_kwargs={"local_directory": str(scratch)},
    ) as cluster:
        yield cluster


@pytest.fixture(scope="module")
def local_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, bytes]]:
    """The list, and what a local run of it writes."""
    folder = tmp_path_factory.mktemp("cluster")
    lst = _list(folder / "list.csv", ROWS)
    run_batch(str(EXAMPLE), str(lst), folder / "local", OPTIONS)
    return lst, _files(folder / "local")


def test_a_cluster_run_writes_the_bytes_of_a_local_run(dask_cluster, local_run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    lst, expected = local_run
    with Cluster(dask_cluster.scheduler_address) as cluster:
        result = run_batch(str(EXAMPLE), str(lst), tmp_path / "out", OPTIONS, backend=cluster)
    assert (result.rows, result.ok, result.failed) == (ROWS, ROWS, 0)
    files = _files(tmp_path / "out")
    assert sorted(files) == sorted(expected)
    assert len([f for f in files if f.endswith(".eml")]) > 0
    assert [f for f in files if files[f] != expected[f]] == []


def test_a_worker_killed_mid_run_loses_and_duplicates_nothing(dask_cluster, local_run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    lst, expected = local_run
    killed: list[int] = []
    with Cluster(dask_cluster.scheduler_address) as cluster:
        pids: dict[str, int] = cluster.client.run(os.getpid)
        done = 0

        def events(event: Event) -> None:
            nonlocal done
            done += isinstance(event, RowDone)
            if done == 8 and not killed:
                victim = sorted(pids.values())[0]
                os.kill(victim, signal.SIGKILL)  # both workers have chunks in flight now
                killed.append(victim)

        result = run_batch(str(EXAMPLE), str(lst), tmp_path / "out", OPTIONS, backend=cluster, events=events)
        cluster.client.wait_for_workers(2, timeout=30)  # its nanny starts another
        assert killed[0] not in cluster.client.run(os.getpid).values()
    assert (result.rows, result.ok, result.failed) == (ROWS, ROWS, 0)
    files = _files(tmp_path / "out")
    assert [f for f in files if files.get(f) != expected.get(f)] == []
    assert sorted(files) == sorted(expected)
    journal = [json.loads(line) for line in files[".appeal-gen/journal.jsonl"].splitlines()[1:]]
    assert [e["stem"] for e in journal if "fingerprint" in e] == [f"r{i:03d}" for i in range(ROWS)]  # each row once


def test_a_client_killed_mid_run_is_resumed_by_the_same_command(dask_cluster, local_run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """kill -9 of the client (the CLI) while the cluster renders; the same command finishes the run."""
    lst, expected = local_run
    out = tmp_path / "out"
    argv = [sys.executable, "-m", "appeal_gen", "batch", str(EXAMPLE), "--recipients", str(lst), "-o", str(out)]
    argv += ["--eml", "--quiet", "--cluster", dask_cluster.scheduler_address]
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    journal = out / ".appeal-gen" / "journal.jsonl"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if journal.exists() and journal.read_bytes().count(b"\n") >= 8:
            break
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)
    assert proc.wait() == -signal.SIGKILL
    assert not (out / "manifest.csv").exists()
    lines = journal.read_text(encoding="utf-8").splitlines()
    finished = len([line for line in lines if line.endswith("}") and "fingerprint" in json.loads(line)])
    assert 8 <= finished < ROWS

    rerun = subprocess.run(argv, capture_output=True, text=True, check=False)
    assert rerun.returncode == 0, rerun.stderr
    assert f"{ROWS} letters ({finished} reused)" in rerun.stderr.splitlines()[-1]
    files = _files(out)
    assert [f for f in files if files.get(f) != expected.get(f)] == []
    assert sorted(files) == sorted(expected)


def test_a_worker_with_other_fonts_is_refused_and_nothing_is_written(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """A worker whose font folder adds a Khmer OS file (APPEAL_GEN_FONT_DIRS) would print other Khmer letters."""
    from appeal_gen import fonts

    distributed = pytest.importorskip("distributed")
    extra = tmp_path / "fonts"
    extra.mkdir()
    khmer = fonts.resolve("khmer").face("regular").path
    (extra / "KhmerOS-other.ttf").write_bytes(Path(khmer).read_bytes())
    with distributed.LocalCluster(
        n_workers=1,
        threads_per_worker=1,
        processes=True,
        dashboard_address=":0",
        silence_logs=40,
        env={"APPEAL_GEN_FONT_DIRS": str(extra)},
        local_directory=str(tmp_path / "dask"),
        scheduler_kwargs={"local_directory": str(tmp_path / "dask")},
    ) as other:
        (worker,) = other.scheduler_info["workers"]
        code, _, err = run(
            capsys, "batch", str(EXAMPLE), "--recipients", str(RECIPIENTS), "-o", str(tmp_path / "out"),
            "--cluster", other.scheduler_address,
        )  # fmt: skip
    assert code == 2
    assert err.strip().splitlines() == [
        f"--cluster {other.scheduler_address}: worker {worker} would write other bytes than this machine: "
        f"font Khmer OS {fonts.fingerprint((str(extra),))['Khmer OS']} (here {fonts.fingerprint()['Khmer OS']}); "
        "install the same appeal-gen, libraries and fonts on every worker (docs/cluster.md)"
    ]
    assert not (tmp_path / "out").exists()


def test_the_acceptance_command_on_local_2_writes_the_files_of_a_local_run(tmp_path: Path) -> None:
    argv = [sys.executable, "-m", "appeal_gen", "batch", str(EXAMPLE), "--recipients", str(RECIPIENTS), "--eml"]
    local = subprocess.run([*argv, "-o", str(tmp_path / "local")], capture_output=True, text=True, check=False)
    temp = tmp_path / "temp"  # where local:2 keeps its workers' scratch folder, removed at the end
    temp.mkdir()
    dask = subprocess.run(
        [*argv, "-o", str(tmp_path / "dask"), "--cluster", "local:2"],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "TMPDIR": str(temp)},
    )
    assert (local.returncode, dask.returncode) == (0, 0), dask.stderr
    assert dask.stdout == local.stdout.replace(str(tmp_path / "local"), str(tmp_path / "dask"))
    assert _files(tmp_path / "dask") == _files(tmp_path / "local")
    assert list(temp.iterdir()) == []


EXPECTED = "--cluster: expected tcp://HOST:PORT, tls://HOST:PORT or local:N (N >= 1), not"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--cluster", "8786"], f"{EXPECTED} '8786'"),
        (["--cluster", "local:0"], f"{EXPECTED} 'local:0'"),
        (["--cluster", "tcp://a:1\nb"], f"{EXPECTED} 'tcp://a:1\\nb'"),
        (
            ["--cluster", "local:2", "--jobs", "2"],
            "--jobs: not with --cluster (the cluster's workers render the letters)",
        ),
    ],
)
def test_bad_cluster_arguments_exit_2_and_write_nothing(argv: list[str], message: str, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "out"
    code, _, err = run(capsys, "batch", str(EXAMPLE), "--recipients", str(RECIPIENTS), "-o", str(out), *argv)
    assert (code, err.strip()) == (2, message)
    assert not out.exists()


def test_without_dask_installed_cluster_says_how_to_install_it(tmp_path: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed raises ImportError
    out = tmp_path / "out"
    code, _, err = run(
        capsys, "batch", str(EXAMPLE), "--recipients", str(RECIPIENTS), "-o", str(out), "--cluster", "local:2"
    )
    assert (code, err.strip()) == (2, "--cluster needs Dask, which is not installed: pip install 'appeal-gen[cluster]'")
    assert not out.exists()


def test_an_unreachable_scheduler_is_one_line_and_exit_2(tmp_path: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from appeal_gen.batch.cluster import backend

    monkeypatch.setattr(backend, "CONNECT_TIMEOUT", 1)
    out = tmp_path / "out"
    address = "tcp://127.0.0.1:9"  # the discard port: nobody listens
    code, _, err = run(
        capsys, "batch", str(EXAMPLE), "--recipients", str(RECIPIENTS), "-o", str(out), "--cluster", address
    )
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and err.startswith(f"--cluster {address}: ")
    assert not out.exists()


def test_a_worker_that_differs_after_the_handshake_is_refused_at_its_first_letters(  # type: ignore[no-untyped-def]
    dask_cluster, local_run, tmp_path: Path
) -> None:
    """A worker that joins later is checked by the identity each result carries (here: one whose fonts changed)."""
    from appeal_gen import fonts
    from appeal_gen.batch.cluster import ClusterError

    lst, expected = local_run
    extra = tmp_path / "fonts"
    extra.mkdir()
    (extra / "KhmerOS-other.ttf").write_bytes(Path(fonts.resolve("khmer").face("regular").path).read_bytes())
    with Cluster(dask_cluster.scheduler_address) as cluster:
        client = cluster.client
        victim = sorted(client.scheduler_info()["workers"])[0]

        def on_victim(change: str) -> None:
            """Run *change* on the victim (as code: a pickled os.environ is a copy), then forget what depends on it."""
            forget = "settings.reload(); fonts.fingerprint.cache_clear(); identity.identity.cache_clear()"
            imports = "import os; from appeal_gen import fonts, settings; from appeal_gen.batch.cluster import identity"
            client.run(exec, f"{imports}; {change}; {forget}", workers=[victim])

        on_victim(f"os.environ[settings.FONT_DIRS_ENV] = {str(extra)!r}")
        try:
            with pytest.raises(ClusterError) as refused:
                run_batch(str(EXAMPLE), str(lst), tmp_path / "out", OPTIONS, backend=cluster)
        finally:
            on_victim("os.environ.pop(settings.FONT_DIRS_ENV)")
        assert str(refused.value).startswith(
            f"--cluster {dask_cluster.scheduler_address}: worker {victim} would write other bytes than this machine: "
            f"font Khmer OS {fonts.fingerprint((str(extra),))['Khmer OS']} (here {fonts.fingerprint()['Khmer OS']}); "
        )
        assert refused.value.exit_code == 2
        run_batch(str(EXAMPLE), str(lst), tmp_path / "out", OPTIONS, backend=cluster)
    files = _files(tmp_path / "out")
    assert [f for f in files if files.get(f) != expected.get(f)] == []


def test_rows_in_flight_stay_within_the_capacity_whatever_the_list(dask_cluster, local_run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The client's memory is flat: at most 16 rows per worker thread between being sent and being written."""
    from appeal_gen.batch.cluster import ClusterBackend

    lst, _ = local_run
    seen: list[int] = []
    backends: list[ClusterBackend] = []
    with Cluster(dask_cluster.scheduler_address) as cluster:

        def make(spec, options):  # type: ignore[no-untyped-def]
            backend = cluster(spec, options)
            submit = backend.submit

            def counted(task):  # type: ignore[no-untyped-def]
                submit(task)
                seen.append(len(backend.chunks) + len(backend.batch) + len(backend.done))

            backend.submit = counted  # type: ignore[method-assign]
            backends.append(backend)
            return backend

        run_batch(str(EXAMPLE), str(lst), tmp_path / "out", BatchOptions(formats=("pdf",), jobs=1), backend=make)
    assert backends[0].capacity == 2 * 16 < ROWS
    assert len(seen) == ROWS and max(seen) == backends[0].capacity


def test_a_worker_without_this_appeal_gen_is_refused_by_name() -> None:
    """A worker with an older appeal-gen (or none) cannot run the handshake: refused, saying so."""
    from appeal_gen.batch.cluster import ClusterError

    cluster = Cluster("tcp://10.0.0.5:8786")  # not connected: the check alone
    older = dict(cluster.mine, **{"appeal-gen": "0.0.9 (code 0123456789ab)"})
    with pytest.raises(ClusterError) as refused:
        cluster.check({"tcp://10.0.0.8:4000": cluster.mine, "tcp://10.0.0.7:4000": older})
    assert str(refused.value) == (
        "--cluster tcp://10.0.0.5:8786: worker tcp://10.0.0.7:4000 would write other bytes than this machine: "
        f"appeal-gen 0.0.9 (code 0123456789ab) (here {cluster.mine['appeal-gen']}); "
        "install the same appeal-gen, libraries and fonts on every worker (docs/cluster.md)"
    )
    with pytest.raises(ClusterError) as refused:
        cluster.check({"tcp://10.0.0.7:4000": ModuleNotFoundError("No module named 'appeal_gen.batch.cluster'")})
    assert str(refused.value) == (
        "--cluster tcp://10.0.0.5:8786: worker tcp://10.0.0.7:4000 cannot run appeal-gen's tasks "
        "(ModuleNotFoundError: No module named 'appeal_gen.batch.cluster'); "
        "install the same appeal-gen on every worker (docs/cluster.md)"
    )
    cluster.check({"tcp://10.0.0.8:4000": cluster.mine})  # the same: accepted


def test_appeal_gen_imports_no_dask_until_a_run_connects() -> None:
    """Dask is an optional extra: the CLI and the cluster package import without it (a fresh interpreter)."""
    code = (
        "import sys, appeal_gen.cli, appeal_gen.batch, appeal_gen.batch.cluster; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_a_run_key_holds_the_theme_and_stationery_contents(tmp_path: Path) -> None:
    """A worker keeps a run's renderer by key: an edited theme or stationery must make a new key (issue 21)."""
    from appeal_gen.batch.cluster.backend import look_files

    theme = tmp_path / "theme.yaml"
    theme.write_text("accent_color: '#1F4E79'\n")
    paper = tmp_path / "paper.pdf"
    paper.write_bytes(b"%PDF-1.4 one")
    options = BatchOptions(theme=str(theme), stationery=str(paper))
    first = look_files(options)
    paper.write_bytes(b"%PDF-1.4 two")
    assert look_files(options) != first
    theme.write_text("accent_color: '#123456'\n")
    assert look_files(options)[0] != first[0]
    assert look_files(BatchOptions()) == ()


def test_the_handshake_holds_the_themes_font_files(tmp_path: Path) -> None:
    """A worker whose copy of a theme's font differs is refused, the font file named (issue 21)."""
    from appeal_gen.batch.cluster.identity import differences, look
    from appeal_gen.batch.cluster.tasks import worker_identity

    fonts = Path(__file__).resolve().parent.parent / "data" / "themefonts"
    theme = tmp_path / "theme.yaml"
    theme.write_text("fonts:\n  latin:\n    regular: Mono.ttf\n", encoding="utf-8")
    shutil.copy(fonts / "Mono.ttf", tmp_path / "Mono.ttf")
    mine = look(str(theme))
    assert sorted(mine) == ["theme", "theme font fonts.latin.regular"]
    assert mine["theme font fonts.latin.regular"].startswith("Mono.ttf ")
    assert worker_identity(str(theme)) == {**worker_identity(), **mine}
    shutil.copy(fonts / "Mono-Bold.ttf", tmp_path / "Mono.ttf")  # the same name, other contents
    os.utime(theme, ns=(1, 1))  # the theme file itself unchanged but for its time stamp
    theirs = look(str(theme))
    diff = differences(mine, theirs)
    assert "theme font fonts.latin.regular Mono.ttf " in diff and diff.startswith("theme ")


def test_a_themed_run_checks_each_workers_copy_of_the_themes_fonts(dask_cluster, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The same bytes as a local run with the theme's fonts; a worker reading another font file is refused first."""
    import dataclasses

    from appeal_gen.batch.cluster import ClusterError
    from appeal_gen.batch.cluster.identity import look

    fonts = Path(__file__).resolve().parent.parent / "data" / "themefonts"
    shutil.copy(fonts / "Mono.ttf", tmp_path / "Mono.ttf")
    theme = tmp_path / "theme.yaml"
    theme.write_text("fonts:\n  latin: Mono.ttf\n", encoding="utf-8")
    options = dataclasses.replace(OPTIONS, theme=str(theme))
    lst = _list(tmp_path / "list.csv", 7)
    run_batch(str(EXAMPLE), str(lst), tmp_path / "local", options)
    expected = _files(tmp_path / "local")
    with Cluster(dask_cluster.scheduler_address) as cluster:
        client = cluster.client
        victim = sorted(client.scheduler_info()["workers"])[0]
        patch = (
            "from appeal_gen.batch.cluster import tasks; tasks.original_look = tasks.look; "
            "tasks.look = lambda t, o=tasks.original_look: "
            "{**o(t), 'theme font fonts.latin': 'Mono.ttf 0123456789abcdef'}"
        )
        client.run(exec, patch, workers=[victim])
        try:
            with pytest.raises(ClusterError) as refused:
                run_batch(str(EXAMPLE), str(lst), tmp_path / "out", options, backend=cluster)
        finally:
            client.run(
                exec, "from appeal_gen.batch.cluster import tasks; tasks.look = tasks.original_look", workers=[victim]
            )
        here = look(str(theme))["theme font fonts.latin"]
        assert f"theme font fonts.latin Mono.ttf 0123456789abcdef (here {here})" in str(refused.value)
        assert not [p for p in (tmp_path / "out").rglob("*") if p.suffix in (".pdf", ".docx", ".eml")]
        run_batch(str(EXAMPLE), str(lst), tmp_path / "out", options, backend=cluster)
    files = _files(tmp_path / "out")
    assert sorted(files) == sorted(expected)
    assert [f for f in files if files[f] != expected[f]] == []
