"""The state db's engine lease (store/lease.py): taking, renewing, losing and taking over;
asks, guests, the change feed, and a filesystem without locks."""

from __future__ import annotations

import errno
import fcntl
import os
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from yike_tui.core import paths
from yike_tui.core.events import Event, EventKind
from yike_tui.store import SnapshotItem, Store
from yike_tui.store.lease import (
    LOST_AFTER,
    Claim,
    Judge,
    LeaseLost,
    forget_claim,
    locks_work,
    new_claim,
    parse_holder,
    pid_gone,
    this_host,
)

JOB = "0123456789abcdef0123456789abcdef"


class Clock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def store() -> Iterator[Store]:
    with Store.open() as opened:
        yield opened


@pytest.fixture
def claim() -> Iterator[Claim]:
    made = new_claim({"interval": 5.0, "rate_limit": 10.0})
    yield made
    forget_claim(made)


def dead_pid() -> int:
    """The pid of a process that has ended (and been reaped)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def plant(path: Path, **row: object) -> None:
    """A lease row written by someone else (another process, or an attacker)."""
    values = {
        "token": "f" * 32,
        "pid": 4242,
        "host": "elsewhere",
        "started_at": time.time(),
        "heartbeat": time.time(),
        "settings": '{"interval": 30}',
        "state": "{}",
        **row,
    }
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("DELETE FROM engine_lease")
        conn.execute(
            "INSERT INTO engine_lease (id, token, pid, host, started_at, heartbeat, settings, "
            "state) VALUES (1, :token, :pid, :host, :started_at, :heartbeat, :settings, :state)",
            values,
        )
    conn.close()


def payload(job_id: str, status: str = "Running") -> dict[str, object]:
    return {"JobId": job_id, "JobStatus": status, "JobParams": {"Title": "Film"}}


def test_the_first_takes_the_lease_and_renews_it(store: Store, claim: Claim) -> None:
    assert store.take_lease(claim, Judge()) is None
    holder = store.lease_holder()
    assert holder is not None and holder.token == claim.token and holder.pid == os.getpid()
    assert holder.host == this_host() and holder.settings == {"interval": 5.0, "rate_limit": 10.0}
    assert store.renew_lease(claim.token, '{"paused": true}')
    renewed = store.lease_holder()
    assert renewed is not None and renewed.state == {"paused": True}
    assert renewed.heartbeat >= holder.heartbeat
    store.release_lease(claim.token)
    assert store.lease_holder() is None


def test_a_live_engine_elsewhere_keeps_it_until_its_heartbeat_stops(
    store: Store, claim: Claim
) -> None:
    assert store.path is not None
    plant(store.path)
    clock = Clock()
    judge = Judge(clock=clock)
    held = store.take_lease(claim, judge)
    assert held is not None and held.who == "pid 4242 on elsewhere"
    clock.t += LOST_AFTER - 1  # the heartbeat has not moved, but not for long enough
    assert store.take_lease(claim, judge) is not None
    clock.t += 2
    assert store.take_lease(claim, judge) is None  # not renewed for LOST_AFTER: taken over
    holder = store.lease_holder()
    assert holder is not None and holder.token == claim.token


def test_an_engine_on_this_host_whose_process_is_gone_loses_it_at_once(
    store: Store, claim: Claim
) -> None:
    assert store.path is not None
    plant(store.path, pid=dead_pid(), host=this_host())
    assert store.take_lease(claim, Judge()) is None


def test_a_heartbeat_long_past_on_the_wall_clock_loses_it_at_once(
    store: Store, claim: Claim
) -> None:
    assert store.path is not None
    plant(store.path, heartbeat=time.time() - 3 * LOST_AFTER)
    assert store.take_lease(claim, Judge()) is None


def test_a_heartbeat_in_the_future_locks_nobody_out_for_long(store: Store, claim: Claim) -> None:
    assert store.path is not None
    plant(store.path, heartbeat=time.time() + 10 * 365 * 86400)
    clock = Clock()
    judge = Judge(clock=clock)
    assert store.take_lease(claim, judge) is not None
    clock.t += LOST_AFTER + 0.1  # it never moved: lost, whatever it says the time is
    assert store.take_lease(claim, judge) is None


def test_of_two_takers_at_once_one_wins(claim: Claim) -> None:
    Store.open().close()  # the db exists: both open it alike
    other = new_claim({})
    results: list[object] = []
    barrier = threading.Barrier(2)

    def take(mine: Claim) -> None:
        with Store.open() as store:
            barrier.wait()
            results.append(store.take_lease(mine, Judge()))

    threads = [threading.Thread(target=take, args=(c,)) for c in (claim, other)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    forget_claim(other)
    assert sorted(r is None for r in results) == [False, True], results


def test_a_write_checks_the_lease_inside_its_transaction(store: Store, claim: Claim) -> None:
    assert store.take_lease(claim, Judge()) is None
    item = SnapshotItem(JOB, payload(JOB), 1.0, "Running", "Film")
    event = Event(EventKind.JOB_ADDED, JOB, 1.0, {"status": "Running"})
    assert store.save_batch([item], [], [event], lease=claim.token) == set()
    assert store.path is not None
    plant(store.path)  # another process took over (this one slept through it)
    later = SnapshotItem(JOB, payload(JOB, "Succeeded"), 2.0, "Succeeded", "Film")
    with pytest.raises(LeaseLost):
        store.save_batch([later], [], [event], lease=claim.token)
    assert store.last_status()[JOB][0] == "Running"  # nothing of it was written
    assert len(store.recent_events()) == 1
    assert not store.renew_lease(claim.token, "{}")


@pytest.mark.parametrize(
    "row",
    [
        {"pid": "not a pid"},
        {"pid": -1},
        {"pid": 1 << 40},
        {"token": None},
        {"token": "x" * 10_000},
        {"heartbeat": "soon"},
        {"heartbeat": None},
        {"token": b"\x00\xff"},
    ],
    ids=repr,
)
def test_a_row_of_garbage_holds_no_lease(
    store: Store, claim: Claim, row: dict[str, object]
) -> None:
    assert store.path is not None
    plant(store.path, **row)
    assert store.lease_holder() is None
    assert store.take_lease(claim, Judge()) is None


def test_a_row_is_read_bounded_and_its_host_shown_safe(store: Store) -> None:
    assert store.path is not None
    hostile = "\x1b]52;c;aGFja2Vk\x07[red]evil\u202e" + "h" * 5_000_000
    plant(store.path, host=hostile, settings="{" * 100_000, state='{"paused": "yes"}')
    holder = store.lease_holder()
    assert holder is not None
    assert len(holder.host) <= 256 and holder.settings == {}
    shown = holder.who
    assert "\x1b" not in shown and "\x07" not in shown and "\u202e" not in shown
    assert len(shown) < 100


def test_a_pid_that_cannot_be_a_process_is_not_gone() -> None:
    assert not pid_gone(os.getpid())
    assert pid_gone(dead_pid())


def test_a_holder_from_a_row_of_the_wrong_shape() -> None:
    assert parse_holder(None) is None
    holder = parse_holder(("t", 7, 12345, "x", 1.0, "[1]", "nope"))
    assert holder is not None and holder.host == "" and holder.started_at == 1.0
    assert holder.settings == {} and holder.state == {} and "unnamed" in holder.who


def test_asks_are_taken_once_and_stale_or_bad_ones_dropped(store: Store) -> None:
    store.ask_engine("refresh", JOB)
    store.ask_engine("pause")
    assert store.path is not None
    conn = sqlite3.connect(store.path)
    with conn:
        rows = [
            (time.time() - 3600, "refresh", ""),  # nobody took it in time
            (time.time(), "rm -rf", ""),
            (time.time(), "refresh", "bad id\x1b"),
            ("now", "resume", ""),
        ]
        conn.executemany("INSERT INTO engine_asks (ts, kind, job_id) VALUES (?, ?, ?)", rows)
    conn.close()
    asks = store.take_asks()
    assert [(a.kind, a.job_id) for a in asks] == [("refresh", JOB), ("pause", "")]
    assert store.take_asks() == []
    with pytest.raises(ValueError):
        store.ask_engine("drop table")


def test_guests_live_while_their_follower_does(store: Store, claim: Claim) -> None:
    store.set_guests(claim, [JOB])
    assert store.live_guests() == {JOB}
    store.touch_guests(claim.token)
    assert store.live_guests() == {JOB}
    assert store.path is not None
    conn = sqlite3.connect(store.path)
    with conn:
        other = "a" * 32
        conn.execute(
            "INSERT INTO engine_guests VALUES (?, ?, ?, ?, ?)",
            ("t2", other, dead_pid(), this_host(), time.time()),  # its follower was killed
        )
        conn.execute(
            "INSERT INTO engine_guests VALUES (?, ?, ?, ?, ?)",
            ("t3", "b" * 32, 1, "elsewhere", time.time() + 86400),  # from the future
        )
    conn.close()
    assert store.live_guests() == {JOB}
    store.set_guests(claim, [])
    assert store.live_guests() == set()


def test_the_change_feed_reads_what_came_after_the_marks(store: Store) -> None:
    event_id, seq, version = store.change_marks()
    store.watch([JOB])
    store.save_batch(
        [SnapshotItem(JOB, payload(JOB), 5.0, "Running", "Film")],
        [],
        [Event(EventKind.JOB_ADDED, JOB, 5.0, {"status": "Running"})],
    )
    changes = store.changes_since(event_id, seq, version)
    assert changes.watchlist is not None and [w.id for w in changes.watchlist] == [JOB]
    assert [row.job_id for _, row in changes.rows] == [JOB]
    assert [e.kind for _, e in changes.events] == [EventKind.JOB_ADDED]
    new_seq = changes.rows[-1][0]
    # The same answer again: only its time moves, and its row is read again.
    item = SnapshotItem(JOB, payload(JOB), 9.0, "Running", "Film")
    store.save_batch([], [item], [])
    again = store.changes_since(changes.last_event, new_seq, changes.watchlist_version)
    assert again.watchlist is None and again.events == []
    assert [(row.job_id, row.fetched_at) for _, row in again.rows] == [(JOB, 9.0)]


def test_a_db_of_an_older_version_gains_the_lease_tables() -> None:
    path = paths.state_db()
    with Store.open() as store:
        store.watch([JOB])
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("DROP TABLE engine_lease")
        conn.execute("DROP INDEX summaries_seq")
        conn.execute("ALTER TABLE summaries DROP COLUMN seq")
    conn.close()
    with Store.open() as store:
        assert [w.id for w in store.watchlist()] == [JOB]
        assert store.lease_holder() is None
        store.save_snapshots([SnapshotItem(JOB, payload(JOB), 1.0, "Running", "Film")])
        assert store.change_marks()[1] == 1


def test_locks_are_probed_beside_the_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "db").mkdir()
    db = tmp_path / "db" / "state.sqlite3"
    assert locks_work(db)
    assert list(db.parent.iterdir()) == []  # the probe is gone again
    monkeypatch.setattr(fcntl, "flock", lambda fd, op: None)  # a filesystem that locks nothing
    assert not locks_work(db)

    def refuse(fd: int, op: int) -> None:
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(fcntl, "flock", refuse)
    assert not locks_work(db)
    assert not locks_work(tmp_path / "missing" / "state.sqlite3")
