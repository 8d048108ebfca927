"""The refresh engine when something under or beside it breaks mid-session.

A bug in one fetch, a subscriber that raises, a state db another program has locked:
each must cost what it touches (one fetch, one subscriber, some history), never the
engine. The engine runs for real here (``Monitor.run``) against the simulator on loopback.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.engine_rig import FakeClock
from yike_tui.api.client import ApiClient
from yike_tui.core.events import EventKind
from yike_tui.core.models import JobStatus
from yike_tui.engine.monitor import Monitor
from yike_tui.engine.status import Update
from yike_tui.sim import SimServer
from yike_tui.store import Store

INTERVAL = 0.2  # seconds between polls of a running job: several passes in a short test
DEADLINE = 30.0  # seconds: far beyond a healthy wait; a stuck engine fails the test loudly


async def wait_for(
    condition: Callable[[], object],
    what: str,
    engine: asyncio.Task[None] | None = None,
    timeout: float = DEADLINE,
) -> None:
    """Until ``condition()``; fails at once (with why) if the ``engine`` task has ended."""
    deadline = time.monotonic() + timeout
    while not condition():
        if engine is not None and engine.done():
            died = None if engine.cancelled() else engine.exception()
            raise AssertionError(f"the engine stopped ({died!r}) while waiting for {what}")
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout:g} s for {what}")
        await asyncio.sleep(0.01)


class BuggyFetcher:
    """The real client, except that fetching one job hits a bug (not an ApiError)."""

    def __init__(self, client: ApiClient, broken: str) -> None:
        self.client, self.broken, self.fixed = client, broken, False

    async def get_job_payload(self, job_id: str) -> dict[str, Any]:
        if job_id == self.broken and not self.fixed:
            raise KeyError("StoryboardInfoList")  # e.g. a parser bug on one odd answer
        return await self.client.get_job_payload(job_id)


def running_ids(sim: SimServer, monitor: Monitor) -> list[str]:
    return [j for j, s in monitor.jobs.items() if s.status is JobStatus.RUNNING]


@pytest.fixture
async def engine() -> AsyncIterator[Callable[[Monitor], asyncio.Task[None]]]:
    """Start ``monitor.run()`` as the app does; cancelled (and awaited) after the test."""
    tasks: list[asyncio.Task[None]] = []

    def start(monitor: Monitor) -> asyncio.Task[None]:
        tasks.append(asyncio.create_task(monitor.run()))
        return tasks[-1]

    yield start
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def test_a_bug_in_one_fetch_costs_that_fetch_not_the_engine(
    sim: SimServer, client: ApiClient, engine: Callable[[Monitor], asyncio.Task[None]]
) -> None:
    ids = sim.sim.book.ids
    broken = ids[0]
    fetcher = BuggyFetcher(client, broken)
    monitor = Monitor(fetcher, interval=INTERVAL, rate_limit=0)
    updates: list[Update] = []
    monitor.subscribe(updates.append)
    monitor.add(ids)
    task = engine(monitor)
    stats = sim.sim.stats

    await wait_for(lambda: monitor.status.passes >= 1, "the first pass", task)
    others = [j for j in running_ids(sim, monitor) if j != broken]
    assert others, "the demo has running jobs besides the broken one"
    # Every other running job keeps being polled, pass after pass.
    await wait_for(
        lambda: all(stats.by_job.get(j, 0) >= 4 for j in others),
        "the other jobs to keep updating",
        task,
    )
    assert not task.done(), "the engine stopped"
    state = monitor.jobs[broken]
    # The broken job shows why, in one line, and is tried again later (backoff), not dropped.
    assert state.error is not None and state.error.code == "ClientError"
    assert "KeyError" in state.error.message and "\n" not in state.error.message
    assert state.failures >= 1 and state.due != float("inf")
    assert "ClientError" in monitor.status.last_error

    def told(job_id: str) -> list[EventKind]:
        """The events subscribers were given about ``job_id`` (handed over every 0.5 s)."""
        return [e.kind for u in updates for e in u.events if e.job_id == job_id]

    await wait_for(lambda: EventKind.FETCH_FAILED in told(broken), "the failure told", task)
    failed = [e for u in updates for e in u.events if e.kind is EventKind.FETCH_FAILED]
    assert [e.job_id for e in failed] == [broken]  # said once, not at every retry
    assert all(monitor.jobs[j].error is None for j in ids if j != broken)

    fetcher.fixed = True  # the next try gets through: the job comes back by itself
    monitor.refresh_now(broken)
    await wait_for(lambda: monitor.jobs[broken].job is not None, "the broken job to recover", task)
    # The state moves at the answer; subscribers hear of it at the next hand-over.
    await wait_for(lambda: len(told(broken)) >= 3, "the recovery told", task)
    kinds = told(broken)
    assert kinds[:3] == [EventKind.FETCH_FAILED, EventKind.FETCH_RECOVERED, EventKind.JOB_ADDED]
    assert monitor.jobs[broken].error is None
    assert not task.done()


async def test_a_raising_subscriber_does_not_stop_the_others_or_the_engine(
    sim: SimServer,
    client: ApiClient,
    engine: Callable[[Monitor], asyncio.Task[None]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    monitor = Monitor(client, interval=INTERVAL, rate_limit=0)
    calls = {"broken": 0}

    def broken(update: Update) -> None:
        calls["broken"] += 1
        raise RuntimeError("a widget that is gone")

    seen: list[Update] = []
    monitor.subscribe(broken)  # first: it must not keep the next one from hearing anything
    monitor.subscribe(seen.append)
    ids = sim.sim.book.ids
    monitor.add(ids)
    task = engine(monitor)

    await wait_for(lambda: monitor.status.passes >= 5, "the engine to keep polling", task)
    assert not task.done(), "the engine stopped"
    assert calls["broken"] >= 5  # it was called (and raised) again and again...
    added = {e.job_id for u in seen for e in u.events if e.kind is EventKind.JOB_ADDED}
    assert added == set(ids)  # ...and the good subscriber still heard every job
    # Running jobs keep moving for the good subscriber after the broken one raised.
    running = set(running_ids(sim, monitor))
    late = {j for u in seen[len(seen) // 2 :] for j in u.changed}
    assert running and running <= late
    assert "subscriber failed" in caplog.text


@pytest.fixture
def quick_lock(monkeypatch: pytest.MonkeyPatch) -> None:
    # Seconds a write waits for another program's lock before it gives up: small, so the
    # failure comes at once. Set before the store opens (sqlite takes it at connect).
    monkeypatch.setattr("yike_tui.store.db.LOCK_TIMEOUT", 0.05)


@pytest.fixture
def held_lock(tmp_path: Path) -> Iterator[Callable[[], sqlite3.Connection]]:
    """Another program (a second connection, as a sqlite browser or a stuck process would
    be) taking the db's write lock and keeping it until the test lets go."""
    holders: list[sqlite3.Connection] = []

    def take() -> sqlite3.Connection:
        holder = sqlite3.connect(tmp_path / "state.sqlite3", isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")
        holders.append(holder)
        return holder

    yield take
    for holder in holders:
        if holder.in_transaction:
            holder.execute("ROLLBACK")
        holder.close()


async def test_state_db_locked_mid_session_costs_history_not_updates(
    sim: SimServer,
    client: ApiClient,
    tmp_path: Path,
    quick_lock: None,
    held_lock: Callable[[], sqlite3.Connection],
) -> None:
    store = Store.open(tmp_path / "state.sqlite3")
    assert not store.in_memory
    clock = FakeClock()
    monitor = Monitor(client, store=store, interval=30, rate_limit=0, clock=clock)
    updates: list[Update] = []
    monitor.subscribe(updates.append)
    ids = sim.sim.book.ids
    monitor.add(ids)
    await monitor.run_pass()
    assert set(store.load_snapshots()) == set(ids)  # saved while the db was fine
    saved_at = {j: t for j, (_, t) in store.load_snapshots().items()}

    holder = held_lock()  # mid-session, another program locks the db
    updates.clear()
    sim.sim.clock.t = 10_000  # type: ignore[attr-defined]  # jobs move on meanwhile
    clock.t += 30
    fetched = await monitor.run_pass()  # must not raise
    assert fetched > 0
    kinds = {e.kind for u in updates for e in u.events}
    assert EventKind.STATUS_CHANGED in kinds  # the user still sees what changed...
    assert "saving history failed" in monitor.status.last_error  # ...and that it is not kept
    assert "locked" in monitor.status.last_error
    assert all(monitor.jobs[j].error is None for j in ids if not monitor.jobs[j].not_found)

    holder.execute("ROLLBACK")  # the other program lets go: saving resumes by itself
    clock.t += 30
    monitor.refresh_now()
    assert await monitor.run_pass() == len(ids)
    assert monitor.status.last_error == ""
    after = {j: t for j, (_, t) in store.load_snapshots().items()}
    assert all(after[j] > saved_at[j] for j in ids)
    statuses = {j: p["JobStatus"] for j, (p, _) in store.load_snapshots().items()}
    assert statuses == {j: monitor.jobs[j].status.value for j in ids}
    store.close()
