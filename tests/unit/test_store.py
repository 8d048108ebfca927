"""The state db: round trips, retention, and degrading instead of failing."""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from pathlib import Path

import pytest

from yike_tui.core import paths
from yike_tui.core.events import Event, EventKind
from yike_tui.core.exits import StateDbBusy
from yike_tui.store import SCHEMA_VERSION, SnapshotItem, Store

DAY = 86400.0


def payload(job_id: str, storyboards: int = 2) -> dict[str, object]:
    infos = [
        {
            "storyboardId": f"st_{i}",
            "title": f"Scene {i}",
            "status": "Editing",
            "subStatus": "Created",
        }
        for i in range(storyboards)
    ]
    return {
        "RequestId": "r",
        "JobId": job_id,
        "JobStatus": "Running",
        "JobParams": {"Title": f"Film {job_id}"},
        "JobResult": {"StoryboardInfoList": json.dumps(infos)},
    }


def test_fresh_store_is_wal_at_the_xdg_path() -> None:
    with Store.open() as store:
        assert store.path == paths.state_db() and store.notice == "" and not store.in_memory
    conn = sqlite3.connect(paths.state_db())
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    version = conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0]
    assert version == str(SCHEMA_VERSION)
    conn.close()


def test_snapshots_round_trip_and_upsert() -> None:
    with Store.open() as store:
        store.save_snapshots([SnapshotItem("j1", payload("j1"), 1.0, "Running", "Film j1")])
        store.save_snapshots(
            [
                SnapshotItem("j1", payload("j1", 3), 2.0, "Succeeded", "Film j1"),
                SnapshotItem("j2", payload("j2"), 2.5, "Running", "Film ☃"),
            ]
        )
    with Store.open() as store:
        snaps = store.load_snapshots()
        assert snaps["j1"] == (payload("j1", 3), 2.0)
        assert snaps["j2"] == (payload("j2"), 2.5)
        assert store.last_status() == {
            "j1": ("Succeeded", "Film j1", 2.0),
            "j2": ("Running", "Film ☃", 2.5),
        }
        store.forget(["j1"])
        assert set(store.load_snapshots()) == {"j2"}


def test_events_round_trip_newest_first_and_by_job() -> None:
    events = [
        Event(EventKind.JOB_ADDED, "j1", 1.0, {"status": "Running", "title": "t"}),
        Event(EventKind.STATUS_CHANGED, "j1", 2.0, {"old": "Running", "new": "Succeeded"}),
        Event(EventKind.FETCH_FAILED, "j2", 3.0, {"code": "Throttling", "message": "slow"}),
    ]
    with Store.open() as store:
        store.append_events(events)
        assert store.recent_events() == events[::-1]
        assert store.recent_events(limit=1) == [events[2]]
        assert store.recent_events(job_id="j1") == [events[1], events[0]]
        store.forget(["j1"])
        assert store.recent_events() == [events[2]]


def test_unknown_event_kind_in_db_is_skipped() -> None:
    with Store.open() as store:
        store.append_events([Event(EventKind.OUTPUT_READY, "j", 1.0, {"url": "u"})])
    conn = sqlite3.connect(paths.state_db())
    with conn:
        conn.execute("INSERT INTO events (ts, job_id, kind, data) VALUES (2, 'j', 'from_v9', '{}')")
    conn.close()
    with Store.open(prune=False) as store:
        assert [e.kind for e in store.recent_events()] == [EventKind.OUTPUT_READY]


def test_garbage_file_is_moved_aside_and_the_tool_still_works() -> None:
    db = paths.state_db()
    db.parent.mkdir(parents=True)
    garbage = b"this is not sqlite at all\x00" * 200
    db.write_bytes(garbage)
    with Store.open() as store:
        assert "moved to state.sqlite3.corrupt-" in store.notice
        assert not store.in_memory
        store.save_snapshots([SnapshotItem("j", payload("j"), 1.0, "Running", "t")])
        assert set(store.load_snapshots()) == {"j"}
    aside = [p for p in db.parent.iterdir() if p.name.startswith("state.sqlite3.corrupt-")]
    assert len(aside) == 1
    assert aside[0].read_bytes() == garbage
    with Store.open() as store:  # the new file is fine next time
        assert store.notice == "" and set(store.load_snapshots()) == {"j"}


def test_someone_elses_sqlite_db_is_moved_aside_not_reused() -> None:
    db = paths.state_db()
    db.parent.mkdir(parents=True)
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE mine (x)")
    conn.commit()
    conn.close()
    with Store.open() as store:
        assert "not a yike-tui state db" in store.notice


def test_a_newer_schema_is_left_alone_and_memory_used() -> None:
    db = paths.state_db()
    with Store.open():
        pass
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("UPDATE meta SET value='99' WHERE key='schema_version'")
    conn.close()
    before = db.read_bytes()
    with Store.open() as store:
        assert store.in_memory and "newer yike-tui" in store.notice
    assert db.read_bytes() == before


def test_unusable_directory_falls_back_to_memory(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    with Store.open(blocker / "state.sqlite3") as store:
        assert store.in_memory
        assert "history will not be saved" in store.notice
        store.save_snapshots([SnapshotItem("j", payload("j"), 1.0, "Running", "t")])
        store.append_events([Event(EventKind.JOB_ADDED, "j", 1.0, {})])
        assert set(store.load_snapshots()) == {"j"} and len(store.recent_events()) == 1


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_read_only_directory_falls_back_to_memory(tmp_path: Path) -> None:
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        with Store.open(ro / "state.sqlite3") as store:
            assert store.in_memory and "history will not be saved" in store.notice
    finally:
        ro.chmod(0o755)


@pytest.fixture
def short_busy_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("yike_tui.store.db.BUSY_WAIT", 0.3)
    monkeypatch.setattr("yike_tui.store.db.QUIET_WAIT", 0)  # said at the first refusal


def test_a_locked_db_is_waited_for_then_refused(short_busy_wait: None) -> None:
    """Not an empty in-memory db: that would show the watch list as empty."""
    with Store.open() as store:
        store.watch(["job-1"])
    holder = sqlite3.connect(paths.state_db(), isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    told: list[str] = []
    try:
        with pytest.raises(StateDbBusy) as refused:
            Store.open(on_wait=told.append)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert told == ["the state db is busy (another yike-tui?); waiting up to 0.3 s"]
    message = str(refused.value)
    assert str(paths.state_db()) in message and "still locked after 0.3 s" in message
    assert "\n" not in message
    with Store.open() as store:  # untouched: the watch list is still there
        assert [job.id for job in store.watchlist()] == ["job-1"]


def test_a_lock_let_go_within_the_wait_is_a_normal_open(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("yike_tui.store.db.QUIET_WAIT", 0)
    monkeypatch.setattr("yike_tui.store.db.BUSY_WAIT", 60.0)
    with Store.open() as store:
        store.watch(["job-1"])
    holder = sqlite3.connect(paths.state_db(), isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN EXCLUSIVE")

    def let_go(message: str) -> None:  # told it waits: the other process lets go now
        holder.execute("ROLLBACK")

    try:
        with Store.open(on_wait=let_go) as store:
            assert not store.in_memory and store.notice == ""
            assert [job.id for job in store.watchlist()] == ["job-1"]
    finally:
        holder.close()


def test_a_short_write_by_another_process_is_waited_for_quietly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A lock let go within the quiet part of the wait (an ordinary write takes
    milliseconds; here the part is long, so a busy machine cannot make it run out) is no
    news: nothing is said."""
    monkeypatch.setattr("yike_tui.store.db.QUIET_WAIT", 60.0)
    monkeypatch.setattr("yike_tui.store.db.BUSY_WAIT", 120.0)
    with Store.open():
        pass
    holder = sqlite3.connect(paths.state_db(), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    told: list[str] = []
    opened = threading.Event()

    def open_it() -> None:
        with Store.open(on_wait=told.append):
            opened.set()

    thread = threading.Thread(target=open_it)
    thread.start()
    holder.execute("ROLLBACK")  # at once: well within the quiet part of the wait
    thread.join(timeout=30)
    holder.close()
    assert opened.is_set() and told == []


def test_retention_by_age() -> None:
    now = 100 * DAY
    with Store.open() as store:
        store.append_events(
            Event(EventKind.FETCH_RECOVERED, "j", now - age * DAY, {}) for age in (40, 31, 29, 1)
        )
        assert store.prune(now=now) == 2
        assert [round((now - e.ts) / DAY) for e in store.recent_events()] == [1, 29]


def test_retention_by_count_keeps_the_newest() -> None:
    with Store.open() as store:
        store.append_events(Event(EventKind.FETCH_RECOVERED, "j", float(i), {}) for i in range(10))
        assert store.prune(max_events=4, now=10.0) == 6
        assert [e.ts for e in store.recent_events()] == [9.0, 8.0, 7.0, 6.0]


def test_retention_of_a_huge_history_keeps_the_newest_and_the_young() -> None:
    """Most of the history going (the table emptied and refilled): the same events stay."""
    from yike_tui.store import PRUNE_IN_BULK

    now = 100 * DAY
    count = 2 * 4 + PRUNE_IN_BULK + 10
    with Store.open() as store:
        # Oldest first; the last three are young, the one before them 40 days old.
        stamps = [now - 90 * DAY + i for i in range(count - 3)] + [now - 3, now - 2, now - 1]
        stamps[-4] = now - 40 * DAY
        store.append_events(
            Event(EventKind.FETCH_RECOVERED, f"j{i}", ts, {"n": i}) for i, ts in enumerate(stamps)
        )
        assert store.prune(max_age_days=30, max_events=4, now=now) == count - 3
        kept = store.recent_events()
        assert [e.ts for e in kept] == [now - 1, now - 2, now - 3]
        assert [e.data["n"] for e in kept] == [count - 1, count - 2, count - 3]
        store.append_events([Event(EventKind.FETCH_RECOVERED, "new", now, {})])
        assert [e.job_id for e in store.recent_events()][:2] == ["new", f"j{count - 1}"]


def test_retention_runs_at_open() -> None:
    with Store.open(prune=False) as store:
        store.append_events([Event(EventKind.FETCH_RECOVERED, "j", 1.0, {})])  # 1970
    with Store.open() as store:
        assert store.recent_events() == []


def test_five_thousand_jobs_load_correctly() -> None:
    jobs = [
        SnapshotItem(f"job{i:05d}", payload(f"job{i:05d}", 20), float(i), "Running", f"Film {i}")
        for i in range(5000)
    ]
    with Store.open() as store:
        store.save_snapshots(jobs)
    with Store.open() as store:
        snaps = store.load_snapshots()
        assert len(snaps) == 5000
        assert snaps["job04999"] == (payload("job04999", 20), 4999.0)
        assert len(store.last_status()) == 5000


def test_another_connection_never_sees_a_half_made_schema(tmp_path: Path) -> None:
    """Deterministic half of the two-process race (tests/integration/test_store_race.py):
    before every statement that creates the schema, a second connection looks at the db and
    must find it empty or whole, never ``meta`` without a schema version (which it moves aside).
    """
    from yike_tui.store.db import ensure_schema

    db = tmp_path / "state.sqlite3"
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode=WAL")
    seen: list[tuple[str, bool]] = []

    def look(statement: str) -> None:
        other = sqlite3.connect(db)
        try:
            tables = {r[0] for r in other.execute("SELECT name FROM sqlite_master")}
            version = None
            if "meta" in tables:
                row = other.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
                version = row[0] if row else None
        finally:
            other.close()
        seen.append((statement.split("(")[0].strip(), not tables or version is not None))

    conn.set_trace_callback(look)
    ensure_schema(conn)
    conn.set_trace_callback(None)
    conn.close()
    assert any("CREATE TABLE" in statement for statement, _ in seen)
    assert [statement for statement, whole in seen if not whole] == []
