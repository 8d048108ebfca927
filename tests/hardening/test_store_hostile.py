"""The state db against hostile answers and a hostile disk.

A small job server on loopback answers what each test needs; the real engine, client and
store run against it, and what reached the disk is read back as raw bytes.
- 4: a job whose text UTF-8 cannot carry costs (at most) its own row, never the batch;
- 7: no signed query on disk, whatever the shape the URL came in (JSON text included),
  in snapshots and in events (a job finishing while watched);
- 8: files 0600, directories created 0700, no symlink followed;
- 9: a huge answer is not stored whole; snapshots of jobs not watched are dropped.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sqlite3
import stat
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.demo_env import demo_for_commands
from tests.hardening.cli_run import run
from tests.loopback import json_answer, listening, read_request
from yike_tui.api.client import ApiClient
from yike_tui.api.credentials import Credentials
from yike_tui.core import paths
from yike_tui.core.events import Event, EventKind
from yike_tui.core.logs import setup_logging
from yike_tui.core.models import JobStatus, parse_job
from yike_tui.engine.monitor import Monitor
from yike_tui.sim import SimulatorThread
from yike_tui.store import MAX_SNAPSHOT_BYTES, SnapshotItem, Store

CREDS = Credentials("LTAI5tStoreHostile1", "secret-value-store", source="test")
NOW = time.time()  # events older than 30 days are pruned at open: these are recent
GUARD = 60.0  # seconds: a limit that fails loudly, never a synchronisation
QUERY = (
    "?OSSAccessKeyId=LTAI5tOssKeyLeak&Expires=1999999999"
    "&Signature=c2lnbmF0dXJlLWxlYWs%3D&security-token=CAIStokenLEAK"
)
MARKERS = (b"Signature=", b"OSSAccessKeyId", b"Expires=", b"security-token", b"LEAK")
BUCKET = "https://bucket.oss-cn-shanghai.aliyuncs.com"


def signed(name: str) -> str:
    return f"{BUCKET}/{name}{QUERY}"


def unsigned(name: str) -> str:
    return f"{BUCKET}/{name}?…"


def answer(job_id: str, status: str = "Running", title: str = "", **extra: Any) -> dict[str, Any]:
    return {
        "RequestId": "r",
        "JobId": job_id,
        "JobStatus": status,
        "JobParams": {"Title": title or f"Film {job_id}"},
        **extra,
    }


class JobServer:
    """A raw HTTP/1.1 server on 127.0.0.1 answering each JobId from ``answers`` (a dict:
    200 and that JSON; a (status, dict) pair: an API error), or 404 for others."""

    def __init__(self, answers: dict[str, Any]) -> None:
        self.answers = answers
        self.asked: list[str] = []  # JobIds, in the order asked
        self.port = 0
        self.connections: set[asyncio.Task[None]] = set()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self.connections.add(task)
        try:
            while True:
                job_id = (await read_request(reader)).params.get("JobId", "")
                self.asked.append(job_id)
                status, reply = 200, self.answers.get(job_id)
                if isinstance(reply, tuple):
                    status, reply = reply
                if reply is None:
                    status, reply = 404, {"Code": "NotFound", "Message": "no such job"}
                writer.write(json_answer(status, reply))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


@asynccontextmanager
async def engine(answers: dict[str, Any], store: Store) -> AsyncIterator[tuple[Monitor, JobServer]]:
    """The real engine and client, watching every job in ``answers``, against a JobServer."""
    server = JobServer(answers)
    try:
        async with listening(server.serve) as server.port:
            async with ApiClient(CREDS, endpoint=server.endpoint, retries=0) as client:
                monitor = Monitor(client, store=store, rate_limit=0, interval=30.0)
                monitor.add(list(answers))
                yield monitor, server
    finally:
        # The client has hung up: each connection ends on its own (bounded, never hung).
        await asyncio.wait_for(asyncio.gather(*server.connections), GUARD)


async def one_pass(monitor: Monitor) -> None:
    monitor.refresh_now()
    await asyncio.wait_for(monitor.run_pass(), GUARD)


def disk(db: Path) -> bytes:
    """Every byte of the db as it is on disk: the file, and its WAL and shared memory."""
    return b"".join(
        p.read_bytes() for p in (db, Path(f"{db}-wal"), Path(f"{db}-shm")) if p.exists()
    )


def leaks(data: bytes) -> list[bytes]:
    return [marker for marker in MARKERS if marker in data]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


@pytest.fixture
def umask_022() -> Iterator[None]:
    """The usual umask, under which SQLite and open() made files 0644 and dirs 0755."""
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


# --- item 4: one bad row ------------------------------------------------------------------


def test_one_row_that_cannot_be_stored_costs_only_that_row(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Text UTF-8 cannot carry (a lone surrogate: valid JSON) and a value JSON cannot write,
    next to good jobs and events in the same batch."""
    surrogate = answer("odd", title="T\ud800x")
    unwritable = {**answer("broken"), "Extra": object(), "Token": "hunter2-in-row"}
    with Store.open() as store:
        store.save_snapshots(
            [
                SnapshotItem("good1", answer("good1"), 1.0, "Running", "Film good1"),
                SnapshotItem("odd", surrogate, 1.0, "Running", "T\ud800x"),
                SnapshotItem("broken", unwritable, 1.0, "Running", "Film broken"),
                SnapshotItem("good2", answer("good2"), 1.0, "Running", "Film good2"),
            ]
        )
        store.append_events(
            [
                Event(EventKind.JOB_ADDED, "good1", NOW + 1.0, {"title": "Film good1"}),
                Event(EventKind.JOB_ADDED, "odd", NOW + 2.0, {"title": "T\ud800x"}),
                Event(EventKind.JOB_ADDED, "broken", NOW + 3.0, {"x": {1}, "t": "hunter2-in-row"}),
                Event(EventKind.JOB_ADDED, "good2", NOW + 4.0, {"title": "Film good2"}),
            ]
        )
    with Store.open() as store:
        snaps = store.load_snapshots()
        assert set(snaps) == {"good1", "odd", "good2"}  # only the unwritable row is missing
        assert snaps["odd"][0] == surrogate  # kept exactly (JSON-escaped), not lost
        assert store.last_status()["odd"][1] == "T\ufffdx"  # the title column is valid text
        assert [e.job_id for e in store.recent_events()] == ["good2", "odd", "good1"]
        assert store.recent_events(job_id="odd")[0].data == {"title": "T\ud800x"}
    skipped = [r.getMessage() for r in caplog.records if "not saved" in r.getMessage()]
    assert len(skipped) == 2 and all("broken" in line for line in skipped)
    assert not any("hunter2" in r.getMessage() for r in caplog.records)  # no value logged


async def test_a_long_watch_keeps_every_job_when_one_title_cannot_be_encoded() -> None:
    answers = {
        "jobA": answer("jobA"),
        "jobB": answer("jobB", title="T\ud800x"),  # the API sent "T\ud800x"
        "jobC": answer("jobC", "Succeeded"),
    }
    with Store.open() as store:
        async with engine(answers, store) as (monitor, _):
            await one_pass(monitor)
            assert monitor.status.last_error == ""
    with Store.open() as store:
        assert set(store.load_snapshots()) == {"jobA", "jobB", "jobC"}
        added = {e.job_id for e in store.recent_events() if e.kind is EventKind.JOB_ADDED}
        assert added == {"jobA", "jobB", "jobC"}


# --- item 7: no signed query on disk ------------------------------------------------------


async def test_no_signed_query_reaches_the_disk_whatever_its_shape() -> None:
    boards = json.dumps(
        [{"storyboardId": "st_1", "status": "Editing", "videoUrl": signed("b.mp4")}]
    )
    running = answer(
        "film",
        JobParams={"Title": "Film", "FileURL": signed("script.docx")},
        JobResult=json.dumps({"StoryboardInfoList": boards}),  # JSON text, as the API does
    )
    finished = {
        **running,
        "JobStatus": "Succeeded",
        "JobResult": json.dumps(
            {
                "OutputUrl": signed("out.mp4"),
                "SrtFileUrl": signed("out.srt"),
                "StoryboardInfoList": boards,
            }
        ),
    }
    twice = answer(  # JobResult escaped twice, and the URL's slashes escaped too
        "twice",
        "Succeeded",
        JobResult=json.dumps(json.dumps({"OutputUrl": signed("t.mp4")}).replace("/", "\\/")),
    )
    echoed = (400, {"Code": "InvalidParameter", "Message": f"cannot read {signed('in.mp4')}"})
    answers: dict[str, Any] = {"film": running, "plain": answer("plain"), "echo": echoed}
    with Store.open() as store:
        async with engine(answers, store) as (monitor, _):
            await one_pass(monitor)
            answers["film"] = finished  # the job finishes while watched
            answers["plain"] = answer(
                "plain", "Succeeded", JobResult={"OutputUrl": signed("p.mp4")}
            )
            answers["twice"] = twice
            monitor.add(["twice"])
            await one_pass(monitor)
            db = store.path
            assert db is not None
            assert b"out.mp4" in disk(db) and leaks(disk(db)) == []  # written, and unsigned
            ready = store.recent_events(job_id="film")[0]
        assert ready.kind is EventKind.OUTPUT_READY and ready.data["url"] == unsigned("out.mp4")
    assert leaks(disk(db)) == []
    with Store.open() as store:
        snaps = store.load_snapshots()
        assert set(snaps) == {"film", "plain", "twice"}
        film = parse_job(snaps["film"][0], job_id="film")
        assert film.status is JobStatus.SUCCEEDED and film.output_url == unsigned("out.mp4")
        assert snaps["film"][0]["JobParams"]["FileURL"] == unsigned("script.docx")
        assert parse_job(snaps["plain"][0], job_id="plain").output_url == unsigned("p.mp4")
        assert parse_job(snaps["twice"][0], job_id="twice").status is JobStatus.SUCCEEDED
        failed = [e for e in store.recent_events(job_id="echo") if e.kind is EventKind.FETCH_FAILED]
        assert failed and "cannot read" in failed[0].data["message"]


def test_a_signed_query_the_patterns_miss_is_not_stored() -> None:
    """A last check catches a signing parameter in a shape no rule expects: no scheme, or
    in a key (keys are not rewritten)."""
    odd = answer("odd", JobResult={"Link": "bucket/o.mp4" + QUERY, "k" + QUERY: 1})
    with Store.open() as store:
        store.save_snapshots([SnapshotItem("odd", odd, 1.0, "Running", "Film odd")])
        store.append_events(
            [Event(EventKind.FETCH_FAILED, "odd", NOW, {"message": "x" + QUERY, "k" + QUERY: 1})]
        )
        assert store.path is not None and leaks(disk(store.path)) == []
        assert store.last_status()["odd"] == ("Running", "Film odd", 1.0)  # the job still shows
        assert [e.kind for e in store.recent_events()] == [EventKind.FETCH_FAILED]


# --- item 8: private files ----------------------------------------------------------------


@pytest.mark.usefixtures("umask_022")
def test_state_files_are_private_whatever_the_umask(isolated_home: Path) -> None:
    with Store.open() as store:
        store.save_snapshots([SnapshotItem("j", answer("j"), 1.0, "Running", "Film")])
        db = paths.state_db()
        sides = [Path(f"{db}-wal"), Path(f"{db}-shm")]
        assert all(p.exists() for p in sides)  # open, in WAL mode: both exist now
        assert {p.name: mode(p) for p in [db, *sides]} == {p.name: 0o600 for p in [db, *sides]}
    created = [paths.state_dir(), paths.state_dir().parent, isolated_home / ".local"]
    assert {str(d): mode(d) for d in created} == {str(d): 0o700 for d in created}


@pytest.mark.usefixtures("umask_022")
def test_a_db_an_older_version_left_readable_is_made_private() -> None:
    db = paths.state_db()
    db.parent.mkdir(parents=True)
    with Store.open():
        pass
    db.chmod(0o644)
    Path(f"{db}-wal").write_bytes(b"")
    Path(f"{db}-wal").chmod(0o644)
    with Store.open() as store:
        assert not store.in_memory and mode(db) == 0o600 and mode(Path(f"{db}-wal")) == 0o600


@pytest.fixture
def log_handler() -> Iterator[None]:
    """setup_logging for real; its root handler removed again afterwards."""
    root = logging.getLogger()
    before, level = list(root.handlers), root.level
    try:
        yield
    finally:
        for handler in root.handlers:
            if handler not in before:
                root.removeHandler(handler)
                handler.close()
        root.setLevel(level)


@pytest.mark.usefixtures("umask_022", "log_handler")
def test_the_log_is_private_and_takes_any_text(capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging(False)
    ours = [h for h in logging.getLogger().handlers if getattr(h, "_yike_tui", False)]
    assert len(ours) == 1
    # Straight to our handler: pytest's own capture cannot carry a lone surrogate.
    ours[0].handle(logging.makeLogRecord({"msg": "title %s", "args": ("T\ud800x",)}))
    ours[0].flush()
    log = paths.log_file()
    assert mode(log) == 0o600 and mode(paths.log_dir()) == 0o700
    assert "title T\\ud800x" in log.read_text(encoding="utf-8")  # escaped, not an error
    assert capsys.readouterr().err == ""  # nothing on the terminal


@pytest.mark.usefixtures("log_handler")
def test_a_planted_symlink_is_never_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_bytes(b"the user's own file\n")
    for planted in (paths.state_db(), paths.log_file()):
        planted.parent.mkdir(parents=True, exist_ok=True)
        planted.symlink_to(outside)
    with Store.open() as store:
        assert store.in_memory and "symbolic link" in store.notice
    setup_logging(False)
    logging.getLogger("yike_tui.test").warning("must not land in the outside file")
    for handler in logging.getLogger().handlers:
        handler.flush()
    assert outside.read_bytes() == b"the user's own file\n"
    assert paths.state_db().is_symlink() and paths.log_file().is_symlink()  # left as found


# --- item 9: bounded snapshots ------------------------------------------------------------


async def test_a_huge_answer_is_not_stored_whole_and_the_job_still_shows() -> None:
    boards = [
        {"storyboardId": f"st_{i}", "title": "x" * 500, "status": "Editing"} for i in range(4000)
    ]
    huge = answer("huge", "Succeeded", JobResult={"StoryboardInfoList": json.dumps(boards)})
    assert len(json.dumps(huge)) > 2 * MAX_SNAPSHOT_BYTES
    answers = {"huge": huge, "small": answer("small", "Succeeded")}
    with Store.open() as store:
        async with engine(answers, store) as (monitor, _):
            await one_pass(monitor)
    db = paths.state_db()
    conn = sqlite3.connect(db)
    sizes = dict(conn.execute("SELECT job_id, length(payload) FROM snapshots").fetchall())
    conn.close()
    assert sizes["huge"] <= MAX_SNAPSHOT_BYTES and sizes["small"] < 1000
    with Store.open() as store:
        assert store.last_status()["huge"][:2] == ("Succeeded", "Film huge")  # `list` shows it
        async with engine(answers, store) as (monitor, server):
            assert monitor.load_cached() == 2
            cached = monitor.jobs["huge"].job
            assert cached is not None and cached.title == "Film huge"  # shown before any fetch
            await asyncio.wait_for(monitor.run_pass(), GUARD)
            # The small job is final as stored; the huge one is fetched again, whole.
            assert server.asked == ["huge"]
            assert len(monitor.jobs["huge"].job.storyboards) == 4000  # type: ignore[union-attr]


def test_an_oversized_snapshot_an_older_version_stored_is_never_loaded() -> None:
    """64 MiB stored whole by an older version: every open, ``list`` and the watch loaded
    it (``SELECT *`` at open, then the payload); now its size is read, never its text."""
    with Store.open():
        pass
    conn = sqlite3.connect(paths.state_db())
    with conn:  # the first row: what a ``LIMIT 1`` look at the table reads
        conn.execute(
            "INSERT INTO snapshots VALUES ('old', ?, 1.0, 'Running', 'Old film')",
            (json.dumps(answer("old", Blob="y" * (64 << 20))),),
        )
    conn.close()
    with Store.open() as store:
        store.save_snapshots([SnapshotItem("ok", answer("ok"), 1.0, "Running", "Film ok")])
        assert set(store.load_snapshots()) == {"ok"}
        assert store.last_status()["old"] == ("Running", "Old film", 1.0)
    # In a child, to read its own peak memory: the row alone is 64 MiB (the child ~20 MiB).
    peak = subprocess.run(
        [sys.executable, "-c", _PEAK_RSS_OF_OPEN_AND_LOAD],
        capture_output=True,
        text=True,
        timeout=GUARD,
        check=True,
    )
    assert peak.stdout.split()[0] == "1"  # loaded the small one...
    assert int(peak.stdout.split()[1]) < 48 << 10  # ...and never the 64 MiB (KiB here)


_PEAK_RSS_OF_OPEN_AND_LOAD = """
from pathlib import Path
from yike_tui.store import SnapshotItem, SnapshotItem, Store
with Store.open(prune=False) as store:
    assert len(store.last_status()) == 2
    loaded = len(store.load_snapshots())
# VmHWM, not ru_maxrss: that one keeps the forked test process's peak across exec.
peak = next(line for line in Path("/proc/self/status").read_text().splitlines()
            if line.startswith("VmHWM:"))
print(loaded, peak.split()[1])
"""


@pytest.fixture
def sim(monkeypatch: pytest.MonkeyPatch) -> Iterator[SimulatorThread]:
    monkeypatch.setattr("yike_tui.core.logs.setup_logging", lambda debug: None)
    with demo_for_commands(monkeypatch) as server:
        yield server


def test_snapshots_of_jobs_no_longer_watched_are_dropped_at_start(
    sim: SimulatorThread, capsys: pytest.CaptureFixture[str]
) -> None:
    watched, other = sim.job_ids[0], sim.job_ids[1]
    assert run(["add", watched], capsys)[0] == 0
    with Store.open() as store:  # left by earlier sessions: one job since removed by hand
        store.save_snapshots([SnapshotItem("gone", answer("gone"), 1.0, "Running", "Gone")])
    code, out, _ = run(["watch", "--once", other], capsys)  # watched + other, this once
    assert code == 0 and watched in out and other in out
    with Store.open() as store:
        assert set(store.last_status()) == {watched, other}
    code, _, _ = run(["watch", "--once"], capsys)
    with Store.open() as store:
        assert code == 0 and set(store.last_status()) == {watched}
    # A watch list that cannot be read is not an empty one: nothing is dropped then (a
    # config.toml that cannot be read may hold [[jobs]] not imported yet).
    paths.config_file().parent.mkdir(parents=True, exist_ok=True)
    paths.config_file().write_text("[[jobs]\nbroken", encoding="utf-8")
    code, out, err = run(["watch", "--once", other], capsys)
    assert code == 0 and other in out and "config" in err
    with Store.open() as store:
        assert set(store.last_status()) == {watched, other}
