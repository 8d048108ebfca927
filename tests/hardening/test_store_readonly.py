"""The state db cannot be written: the tool still runs, says so in one line, and keeps
what was there. Made real in ways that hold as root (CI runs as root, and chmod stops
nothing for root): the db path is a directory, the db's WAL file cannot be created next
to it, and the disk is full (a file-size limit of 0, which binds root too).
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.demo_env import demo_for_commands
from tests.hardening.cli_run import run
from yike_tui.core import paths
from yike_tui.core.events import Event, EventKind
from yike_tui.sim import SimulatorThread
from yike_tui.store import SnapshotItem, Store

NOT_SAVED = "history will not be saved"
NOW = time.time()  # events older than 30 days are pruned at open: these are recent
SNAPSHOT = SnapshotItem("job1", {"JobId": "job1", "JobStatus": "Running"}, 1.0, "Running", "Film")


@pytest.fixture(autouse=True)
def _no_log_file(monkeypatch: pytest.MonkeyPatch) -> None:
    # In-process runs must not leave a root log handler pointing into one test's tmp dir.
    monkeypatch.setattr("yike_tui.core.logs.setup_logging", lambda debug: None)


@pytest.fixture
def sim(monkeypatch: pytest.MonkeyPatch) -> Iterator[SimulatorThread]:
    with demo_for_commands(monkeypatch) as server:
        yield server


def history(db: Path) -> None:
    """A healthy db with one snapshot and one event, as an earlier session leaves it."""
    with Store.open(db) as store:
        assert not store.in_memory
        store.save_snapshots([SNAPSHOT])
        store.append_events([Event(EventKind.JOB_ADDED, "job1", NOW, {})])


def files(directory: Path) -> dict[str, bytes | None]:
    return {p.name: None if p.is_dir() else p.read_bytes() for p in directory.iterdir()}


def assert_works_in_memory(store: Store) -> None:
    assert store.in_memory and NOT_SAVED in store.notice and "\n" not in store.notice
    store.save_snapshots([SNAPSHOT])  # the session still keeps its state, in memory
    store.append_events([Event(EventKind.JOB_ADDED, "job1", NOW + 1, {})])
    assert set(store.load_snapshots()) == {"job1"} and len(store.recent_events()) == 1


def test_a_directory_where_the_db_should_be_is_left_alone(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    db = state / "state.sqlite3"
    db.mkdir()
    (db / "keep.txt").write_text("someone's files")
    with Store.open(db) as store:
        assert_works_in_memory(store)
        assert str(db) in store.notice
    assert (db / "keep.txt").read_text() == "someone's files"
    assert sorted(p.name for p in state.iterdir()) == ["state.sqlite3"]  # nothing moved


@pytest.mark.parametrize("sidecar", ["-wal", "-shm"])
def test_a_db_that_cannot_be_written_keeps_its_history(tmp_path: Path, sidecar: str) -> None:
    state = tmp_path / "state"
    state.mkdir()
    db = state / "state.sqlite3"
    history(db)
    # SQLite writes a WAL db through the -wal and -shm files beside it: with one of them
    # impossible to create, the db can be read but never written (root included).
    (state / f"state.sqlite3{sidecar}").mkdir()
    before = files(state)
    with Store.open(db) as store:
        assert_works_in_memory(store)
    assert files(state) == before  # not "repaired", not moved aside as corrupt
    (state / f"state.sqlite3{sidecar}").rmdir()
    with Store.open(db) as store:  # writable again: the old history is all there
        assert not store.in_memory
        assert set(store.load_snapshots()) == {"job1"}
        assert [e.ts for e in store.recent_events()] == [NOW]


def test_watch_runs_and_says_once_that_history_is_not_saved(
    sim: SimulatorThread, capsys: pytest.CaptureFixture[str]
) -> None:
    db = paths.state_db()
    db.mkdir(parents=True)
    job = sim.job_ids[0]
    code, out, err = run(["watch", "--once", job], capsys)
    assert code == 0 and job in out  # the user still gets the answer...
    lines = err.strip().splitlines()
    assert len(lines) == 1 and NOT_SAVED in lines[0] and str(db) in lines[0]  # ...and why
    assert db.is_dir() and not any(db.iterdir())


def _watch_on_a_full_disk(sim: SimulatorThread, job: str) -> subprocess.CompletedProcess[str]:
    """``watch --once`` in a child process that cannot grow any file: a full disk, as the
    kernel reports it (EFBIG) to root as to anyone."""

    def full_disk() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))

    # Coverage measuring the child would fail to save its data on the full disk and say so
    # on stderr: the child runs unmeasured (the same fallback is measured in-process above).
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COVERAGE_", "COV_CORE_"))}
    return subprocess.run(
        [sys.executable, "-m", "yike_tui", "watch", "--once", job],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=full_disk,
    )


def test_a_full_disk_keeps_the_history_and_the_answer(sim: SimulatorThread) -> None:
    db = paths.state_db()
    history(db)
    before = db.read_bytes()
    job = sim.job_ids[0]
    result = _watch_on_a_full_disk(sim, job)
    assert result.returncode == 0 and job in result.stdout
    assert f"yike-tui: State db {db} cannot be used" in result.stderr
    assert NOT_SAVED in result.stderr
    assert db.read_bytes() == before  # left as it was...
    assert not [p for p in db.parent.iterdir() if "corrupt" in p.name]  # ...not moved aside
    with Store.open(db) as store:
        assert set(store.load_snapshots()) == {"job1"}


def test_a_full_disk_prints_one_line_not_tracebacks(sim: SimulatorThread) -> None:
    paths.state_db().parent.mkdir(parents=True, exist_ok=True)
    result = _watch_on_a_full_disk(sim, sim.job_ids[0])
    assert result.returncode == 0
    assert "Traceback" not in result.stderr and "Logging error" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
