"""One engine per state db, in one process: two ``SharedMonitor``s on one db (each with its
own connection, as two processes have) against the simulator on loopback. The one that
starts first polls; the other sends no request, tells the same events, asks the engine to
refresh or pause, and takes over when the engine stops without a word (its process killed:
here its task cancelled without giving the lease up)."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import time
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.engine_rig import DEMO, FakeClock
from tests.integration.shared_rig import Key, changes, confirmed, event_key, truth
from tests.wait import wait_async
from yike_tui.api.client import ApiClient
from yike_tui.core import paths
from yike_tui.core.events import EventKind
from yike_tui.engine import monitor as monitor_module
from yike_tui.engine.monitor import Monitor
from yike_tui.engine.shared import SharedMonitor
from yike_tui.engine.status import Update
from yike_tui.sim import SimulatorThread
from yike_tui.store import Store
from yike_tui.store.lease import forget_claim

INTERVAL = 0.5


class Counting:
    """A fetcher that counts what it asks, per job."""

    def __init__(self, client: ApiClient) -> None:
        self.client = client
        self.asked: Counter[str] = Counter()

    async def get_job_payload(self, job_id: str) -> dict[str, Any]:
        self.asked[job_id] += 1
        return await self.client.get_job_payload(job_id)


class Rig:
    def __init__(self, sim: SimulatorThread, clock: FakeClock) -> None:
        self.sim, self.clock = sim, clock
        self.ids = list(sim.job_ids)
        self.tasks: list[asyncio.Task[None]] = []
        self.stores: list[Store] = []

    async def start(
        self, client: ApiClient, ids: list[str] | None = None, interval: float = INTERVAL
    ) -> tuple[SharedMonitor, Counting, list[Update]]:
        store = Store.open()
        self.stores.append(store)
        fetcher = Counting(client)
        monitor = SharedMonitor(
            fetcher,
            store=store,
            settings={"interval": interval, "rate_limit": 0.0},
            interval=interval,
            rate_limit=0,
        )
        updates: list[Update] = []
        monitor.subscribe(updates.append)
        monitor.add(self.ids if ids is None else ids)
        monitor.load_cached()
        self.tasks.append(asyncio.create_task(monitor.run()))
        return monitor, fetcher, updates

    def truth(self) -> dict[str, dict[str, Any]]:
        return truth(self.sim.endpoint, self.ids)

    async def step(self, seconds: float, *told: list[Update]) -> list[Key]:
        """Move the simulator's time on; wait until every list of updates holds the events
        the move made; those events."""
        before = self.truth()
        await wait_async(lambda: confirmed(self.sim, before), "finished jobs confirmed")
        self.clock.t += seconds
        after = self.truth()
        expected = changes(before, after)
        for updates in told:
            await wait_async(
                lambda u=updates: not (Counter(expected) - Counter(keys(u))),  # type: ignore[misc]
                f"the events of the step to {self.clock.t:g}",
            )
        await wait_async(lambda: confirmed(self.sim, after), "finished jobs confirmed")
        return expected

    async def close(self) -> None:
        for task in self.tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for store in self.stores:
            store.close()


def keys(updates: list[Update]) -> list[Key]:
    return [event_key(e) for u in updates for e in u.events]


@pytest.fixture(autouse=True)
def quick_confirmation(monkeypatch: pytest.MonkeyPatch) -> None:
    """A finished job is confirmed soon (the tests wait for it before time moves on)."""
    monkeypatch.setattr(monitor_module, "CONFIRM_DELAY", 0.2)


@pytest.fixture
async def client(demo_sim: SimulatorThread) -> AsyncIterator[ApiClient]:
    async with ApiClient(DEMO, endpoint=demo_sim.endpoint, retries=0) as made:
        yield made


@pytest.fixture
async def rig(demo_sim: SimulatorThread, sim_clock: FakeClock) -> AsyncIterator[Rig]:
    with Store.open() as store:
        store.watch(demo_sim.job_ids)
    made = Rig(demo_sim, sim_clock)
    try:
        yield made
    finally:
        await made.close()


async def first_pass(monitor: SharedMonitor, updates: list[Update], ids: list[str]) -> None:
    await wait_async(lambda: monitor.role == "engine", "the first to start is the engine")

    def added() -> set[str]:
        return {e.job_id for u in updates for e in u.events if e.kind is EventKind.JOB_ADDED}

    await wait_async(lambda: added() >= set(ids), "every job seen once")


async def test_a_follower_tells_the_engines_events_and_asks_nothing(
    rig: Rig, client: ApiClient
) -> None:
    engine, engine_asked, engine_told = await rig.start(client)
    await first_pass(engine, engine_told, rig.ids)
    follower, follower_asked, follower_told = await rig.start(client)
    await wait_async(lambda: follower.role == "follower", "the second to start follows")
    assert follower.status.following.startswith("pid ")
    seen_by_engine = len(keys(engine_told))
    expected: list[Key] = []
    for _ in range(2):
        expected += await rig.step(30, engine_told, follower_told)
    # Every event once, in the engine's order, and nothing else (no job_added replayed).
    assert keys(follower_told) == keys(engine_told)[seen_by_engine:]
    assert Counter(keys(follower_told)) == Counter(expected)
    assert sum(follower_asked.asked.values()) == 0
    assert sum(engine_asked.asked.values()) > 0
    for job_id, state in follower.jobs.items():  # the same jobs, the same states
        assert state.status is engine.jobs[job_id].status, job_id
        assert (state.job and state.job.storyboards_done) == (
            engine.jobs[job_id].job and engine.jobs[job_id].job.storyboards_done  # type: ignore[union-attr]
        )
    assert any("following the engine of pid" in note for note in follower.notes)


async def test_a_killed_engine_is_taken_over_with_no_event_lost_or_told_twice(
    rig: Rig, client: ApiClient
) -> None:
    engine, _, engine_told = await rig.start(client)
    await first_pass(engine, engine_told, rig.ids)
    follower, follower_asked, follower_told = await rig.start(client)
    await wait_async(lambda: follower.role == "follower", "the second to start follows")
    expected = await rig.step(20, engine_told, follower_told)
    # Killed: nothing given up, its token no one's (as its process's would be: gone).
    engine._release = lambda: None  # type: ignore[method-assign]
    rig.tasks[0].cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await rig.tasks[0]
    forget_claim(engine._claim)
    killed = time.monotonic()
    await wait_async(lambda: follower.role == "engine", "the follower takes over")
    handover = time.monotonic() - killed
    assert handover < 5, handover
    before = sum(follower_asked.asked.values())
    for _ in range(2):
        expected += await rig.step(30, follower_told)
    assert Counter(keys(follower_told)) == Counter(expected)
    assert len(keys(follower_told)) == len(expected)  # none twice
    assert sum(follower_asked.asked.values()) > before  # it polls now
    assert any("polls the API now" in note for note in follower.notes)
    holder = rig.stores[1].lease_holder()
    assert holder is not None and holder.token == follower._claim.token


async def test_a_followers_refresh_and_pause_reach_the_engine(rig: Rig, client: ApiClient) -> None:
    engine, engine_asked, engine_told = await rig.start(client, interval=600)
    await first_pass(engine, engine_told, rig.ids)
    follower, _, _ = await rig.start(client, interval=600)
    await wait_async(lambda: follower.role == "follower", "the second to start follows")
    running = next(j for j, s in engine.jobs.items() if not s.is_terminal)
    asked = engine_asked.asked[running]  # not due again for ten minutes...
    follower.refresh_now(running)
    await wait_async(lambda: engine_asked.asked[running] > asked, "...but fetched at once")
    follower.pause()
    await wait_async(lambda: engine.status.paused, "the engine paused")
    await wait_async(lambda: follower.status.paused, "the follower shows it paused")
    follower.resume()
    await wait_async(lambda: not engine.status.paused, "the engine resumed")


async def test_watch_list_changes_made_elsewhere_reach_the_engine_and_its_followers(
    demo_sim: SimulatorThread, sim_clock: FakeClock, client: ApiClient
) -> None:
    ids = list(demo_sim.job_ids)
    with Store.open() as store:
        store.watch(ids[:4])
    rig = Rig(demo_sim, sim_clock)
    try:
        engine, engine_asked, engine_told = await rig.start(client, ids[:4])
        await first_pass(engine, engine_told, ids[:4])
        follower, _, follower_told = await rig.start(client, ids[:4])
        await wait_async(lambda: follower.role == "follower", "the second to start follows")
        with Store.open() as elsewhere:  # `yike-tui add` and `remove` in another shell
            elsewhere.watch([ids[5]], label="late")
            elsewhere.unwatch([ids[0]])
        await wait_async(lambda: engine_asked.asked[ids[5]] > 0, "the engine fetches the new job")
        await wait_async(
            lambda: (
                follower.jobs.get(ids[5]) is not None and follower.jobs[ids[5]].summary is not None
            ),
            "the follower shows it",
        )
        assert follower.jobs[ids[5]].label == "late"
        assert ids[0] not in engine.jobs and ids[0] not in follower.jobs
        added = [e for u in follower_told for e in u.events if e.kind is EventKind.JOB_ADDED]
        assert [e.job_id for e in added] == [ids[5]]
    finally:
        await rig.close()


async def test_a_followers_own_jobs_are_polled_by_the_engine_and_told_only_there(
    demo_sim: SimulatorThread, sim_clock: FakeClock, client: ApiClient
) -> None:
    ids = list(demo_sim.job_ids)
    with Store.open() as store:
        store.watch(ids[:3])
    rig = Rig(demo_sim, sim_clock)
    try:
        engine, engine_asked, engine_told = await rig.start(client, ids[:3])
        await first_pass(engine, engine_told, ids[:3])
        extra = ids[7]  # given on the follower's command line, not on the watch list
        follower, follower_asked, follower_told = await rig.start(client, [*ids[:3], extra])
        await wait_async(lambda: engine_asked.asked[extra] > 0, "the engine polls it for them")
        await wait_async(
            lambda: any(e.job_id == extra for u in follower_told for e in u.events),
            "the follower is told of it",
        )
        assert extra not in engine.jobs  # the engine's own screen does not show it...
        assert not any(e.job_id == extra for u in engine_told for e in u.events)  # ...or tell
        assert follower.jobs[extra].summary is not None
        assert sum(follower_asked.asked.values()) == 0
    finally:
        await rig.close()
    with Store.open() as store:
        assert store.live_guests() == set()  # given up on the way out


async def test_an_engine_that_lost_the_lease_stops_writing_and_follows(
    rig: Rig, client: ApiClient
) -> None:
    engine, engine_asked, engine_told = await rig.start(client)
    await first_pass(engine, engine_told, rig.ids)
    conn = sqlite3.connect(paths.state_db())
    job_id = rig.ids[0]
    with conn:  # another host's engine took the lease while this one slept, and found news
        conn.execute(
            "UPDATE engine_lease SET token = 'elsewhere', pid = 4242, host = 'far', heartbeat = ?",
            (time.time() + 3600,),
        )
        conn.execute(
            "INSERT INTO events (ts, job_id, kind, data) VALUES (?, ?, 'status_changed', ?)",
            (time.time(), job_id, '{"old": "Running", "new": "Succeeded"}'),
        )
    conn.close()
    await wait_async(lambda: engine.role == "follower", "it follows the new engine")

    def news() -> list[str]:
        told = [e for u in engine_told for e in u.events if e.kind is EventKind.STATUS_CHANGED]
        return [e.job_id for e in told if e.data == {"old": "Running", "new": "Succeeded"}]

    await wait_async(lambda: news() == [job_id], "the new engine's news, told here once")
    assert engine.status.following == "pid 4242 on far"
    assert engine.lease is None
    asked = sum(engine_asked.asked.values())  # its polling ended before it followed
    rig.clock.t += 60
    engine.refresh_now()  # asked of the engine elsewhere (a row that never answers)...

    def asks() -> int:
        with sqlite3.connect(paths.state_db()) as conn:
            return int(conn.execute("SELECT count(*) FROM engine_asks").fetchone()[0])

    await wait_async(lambda: asks() == 1, "the ask stored for the engine")
    assert sum(engine_asked.asked.values()) == asked  # ...never fetched here


async def test_a_lease_table_that_cannot_be_used_leaves_the_engine_alone(
    demo_sim: SimulatorThread, client: ApiClient
) -> None:
    Store.open().close()
    conn = sqlite3.connect(paths.state_db())
    with conn:
        conn.execute("DROP TABLE engine_lease")
        conn.execute("CREATE TABLE engine_lease (id INTEGER PRIMARY KEY, nonsense TEXT)")
    conn.close()
    with Store.open() as store:
        monitor = SharedMonitor(
            Counting(client), store=store, settings={}, interval=INTERVAL, rate_limit=0
        )
        monitor.add(demo_sim.job_ids)
        monitor.load_cached()
        task = asyncio.create_task(monitor.run())
        try:
            await wait_async(lambda: monitor.role == "alone", "on its own")
            await wait_async(lambda: all(s.job for s in monitor.jobs.values()), "it polls")
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    assert any("polls alone" in note for note in monitor.notes)


def test_a_monitor_is_not_shared_unless_the_session_says_so() -> None:
    from yike_tui.session import session_for

    with Store.open() as store:
        session = session_for("http://127.0.0.1:9", DEMO, store=store)
        assert type(session.make_monitor(Counting.__new__(Counting))) is Monitor
        session.shared = True
        assert isinstance(session.make_monitor(Counting.__new__(Counting)), SharedMonitor)
        assert type(session.make_monitor(Counting.__new__(Counting), share=False)) is Monitor


def test_a_session_without_working_locks_or_a_db_on_disk_polls_alone_and_says_so(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from yike_tui.engine import sharing
    from yike_tui.session import RunOptions, open_session
    from yike_tui.store import lease as lease_module

    db = paths.state_db()
    assert db.is_relative_to(tmp_path)  # the test's own HOME, never the user's
    with open_session(RunOptions(), [], without_credentials=True) as session:
        assert session.shared and not session.notices
    monkeypatch.setattr(sharing, "locks_work", lambda path: False)
    with open_session(RunOptions(), [], without_credentials=True) as session:
        assert not session.shared
        assert [n for n in session.notices if "keeps no locks" in n], session.notices
    monkeypatch.setattr(sharing, "locks_work", lease_module.locks_work)
    db.unlink()
    db.mkdir()  # a db that cannot be opened: history in memory
    with open_session(RunOptions(), [], without_credentials=True) as session:
        assert not session.shared
        said = [n for n in session.notices if "history will not be saved" in n]
        assert len(said) == 1 and said[0].endswith("this window polls the API on its own.")
    with open_session(RunOptions(demo=True), []) as session:
        assert not session.shared and session.store is None


async def test_a_followers_own_fetch_and_working_links_are_its_own_and_not_stored(
    rig: Rig, client: ApiClient
) -> None:
    engine, _, engine_told = await rig.start(client)
    await first_pass(engine, engine_told, rig.ids)
    follower, follower_asked, follower_told = await rig.start(client)
    follower.signed_urls = True  # as `watch --json` asks
    await wait_async(lambda: follower.role == "follower", "the second to start follows")
    job_id = rig.ids[0]
    fresh = await follower.fetch_now(job_id)  # for a link to copy: fetched here, not stored
    assert fresh is not follower.jobs[job_id] and fresh.job is not None
    assert follower_asked.asked[job_id] == 1
    expected: list[Key] = []
    for _ in range(2):
        expected += await rig.step(30, follower_told)
    ready = [e for u in follower_told for e in u.events if e.kind is EventKind.OUTPUT_READY]
    assert ready and all("Signature=" in str(e.data["url"]) for e in ready)
    # One fetch for each working link, and nothing else.
    assert sum(follower_asked.asked.values()) == 1 + len(ready)


async def test_a_follower_reads_on_when_the_history_starts_again_from_one(
    rig: Rig, client: ApiClient
) -> None:
    engine, _, engine_told = await rig.start(client)
    await first_pass(engine, engine_told, rig.ids)
    follower, _, follower_told = await rig.start(client)
    await wait_async(lambda: follower.role == "follower", "the second to start follows")
    conn = sqlite3.connect(paths.state_db())
    with conn:  # every event aged out, and the next one numbered 1
        conn.execute("DELETE FROM events")
        conn.execute(
            "INSERT INTO events (ts, job_id, kind, data) VALUES (?, ?, 'fetch_failed', ?)",
            (time.time(), rig.ids[1], '{"code": "Timeout", "message": "no answer"}'),
        )
    conn.close()
    await wait_async(
        lambda: any(e.kind is EventKind.FETCH_FAILED for u in follower_told for e in u.events),
        "the new event told",
    )
    state = follower.jobs[rig.ids[1]]
    assert state.error is not None and state.error.code == "Timeout" and state.unreachable


def test_watch_once_beside_an_engine_writes_nothing_to_the_state_db(
    demo_sim: SimulatorThread, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Only the engine writes: a one-off look stored beside it would be told twice by its
    followers (once from the look, once when the engine finds the same change)."""
    from tests.hardening.cli_run import run
    from yike_tui.sim import DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET

    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", DEMO_ACCESS_KEY_ID)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", DEMO_ACCESS_KEY_SECRET)
    monkeypatch.setenv("YIKE_TUI_ENDPOINT", demo_sim.endpoint)
    ids = list(demo_sim.job_ids)[:3]
    with Store.open() as store:
        store.watch(ids)
    conn = sqlite3.connect(paths.state_db())
    with conn:  # an engine elsewhere, alive (its heartbeat fresh)
        conn.execute(
            "INSERT INTO engine_lease (id, token, pid, host, started_at, heartbeat, settings, "
            "state) VALUES (1, 'elsewhere', 4242, 'far', ?, ?, '{}', '{}')",
            (time.time(), time.time()),
        )
    conn.close()
    code, out, _ = run(["watch", "--once", "--json"], capsys)
    assert code == 0 and len(out.splitlines()) == len(ids)
    with Store.open() as store:
        assert store.change_marks()[:2] == (0, 0)  # no event, no snapshot written
        store._conn.execute("DELETE FROM engine_lease")
        store._conn.commit()
    code, out, _ = run(["watch", "--once", "--json"], capsys)
    assert code == 0
    with Store.open() as store:
        assert len(store.last_status()) == len(ids)  # alone, it keeps what it found
