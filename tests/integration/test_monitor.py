"""The refresh engine against the simulator: scheduling, events, errors, history."""

from __future__ import annotations

from pathlib import Path

from tests.integration.engine_rig import DEMO, FakeClock
from yike_tui.api.client import ApiClient
from yike_tui.api.credentials import Credentials
from yike_tui.core.events import EventKind
from yike_tui.core.models import JobStatus
from yike_tui.engine.monitor import CONFIRM_DELAY, SUSPENDED_FACTOR, Monitor
from yike_tui.engine.ratelimit import RateLimiter
from yike_tui.engine.status import Update
from yike_tui.sim import DEMO_ACCESS_KEY_ID, SimServer, running_simulator
from yike_tui.sim.faults import FaultSpec
from yike_tui.store import Store


def make_monitor(client: ApiClient, clock: FakeClock, **kw: object) -> tuple[Monitor, list[Update]]:
    kw.setdefault("rate_limit", 0)
    monitor = Monitor(client, clock=clock, **kw)  # type: ignore[arg-type]
    updates: list[Update] = []
    monitor.subscribe(updates.append)
    return monitor, updates


def events_of(updates: list[Update]) -> list[tuple[str, EventKind]]:
    return [(e.job_id, e.kind) for u in updates for e in u.events]


def title_id(sim: SimServer, start: str) -> str:
    return next(j.id for j in sim.sim.book if j.params["Title"].startswith(start))


async def test_first_pass_shows_every_job_once(sim: SimServer, client: ApiClient) -> None:
    monitor, updates = make_monitor(client, FakeClock())
    monitor.add(sim.sim.book.ids)
    assert await monitor.run_pass() == len(sim.sim.book.ids)
    kinds = events_of(updates)
    added = [job_id for job_id, k in kinds if k is EventKind.JOB_ADDED]
    assert sorted(added) == sorted(sim.sim.book.ids)  # each job announced once...
    courier = title_id(sim, "Midnight Courier")
    reasons = [k for job_id, k in kinds if job_id == courier and k is not EventKind.JOB_ADDED]
    # ...a failed one with why (1 storyboard, 3 shots), a running one with nothing more.
    assert reasons == [EventKind.STORYBOARD_FAILED] + [EventKind.SHOT_FAILED] * 3
    assert not [
        k for job_id, k in kinds if job_id == sim.sim.book.ids[0] and k != EventKind.JOB_ADDED
    ]
    assert all(s.job is not None and not s.stale for s in monitor.jobs.values())
    assert await monitor.run_pass() == 0  # nothing is due yet


async def test_terminal_jobs_are_confirmed_once_then_never_polled(
    sim: SimServer, client: ApiClient
) -> None:
    clock = FakeClock()
    monitor, _ = make_monitor(client, clock, interval=30)
    monitor.add(sim.sim.book.ids)
    await monitor.run_pass()
    terminal = {j for j, s in monitor.jobs.items() if s.status.is_terminal}
    clock.t += CONFIRM_DELAY
    await monitor.run_pass()
    assert all(monitor.jobs[j].confirmed for j in terminal)
    for _ in range(10):
        clock.t += 30
        await monitor.run_pass()
    stats = sim.sim.stats.to_json(detail=True)
    # Exactly one confirming fetch per terminal job, then nothing.
    assert stats["after_terminal_by_job"] == {j: 1 for j in terminal}
    running = [j for j, s in monitor.jobs.items() if s.status is JobStatus.RUNNING]
    assert all(stats["by_job"][j] >= 10 for j in running)
    suspended = [j for j, s in monitor.jobs.items() if s.status is JobStatus.SUSPENDED]
    assert suspended and all(
        stats["by_job"][j] <= 1 + 300 // (30 * SUSPENDED_FACTOR) for j in suspended
    )


async def test_a_watch_waiting_for_a_resume_asks_after_suspended_jobs_every_interval(
    sim: SimServer, client: ApiClient
) -> None:
    """`watch --until-done --suspended wait`: a resume is seen within an interval, not ten."""
    clock = FakeClock()
    cranes = title_id(sim, "Paper Cranes")
    for factor, due in ((SUSPENDED_FACTOR, 30 * SUSPENDED_FACTOR), (1, 30)):
        monitor, _ = make_monitor(client, clock, interval=30, suspended_factor=factor)
        monitor.add([cranes])
        await monitor.run_pass()
        assert monitor.jobs[cranes].status is JobStatus.SUSPENDED
        assert monitor.jobs[cranes].due == clock.t + due


async def test_changes_become_events(sim: SimServer, client: ApiClient) -> None:
    teaser = title_id(sim, "Quick Teaser")
    winter = title_id(sim, "Winter Market")
    clock = FakeClock()
    monitor, updates = make_monitor(client, clock, interval=30)
    monitor.add([teaser, winter])
    await monitor.run_pass()
    updates.clear()
    sim.sim.clock.t = 10_000  # type: ignore[attr-defined]
    clock.t += 30
    await monitor.run_pass()
    got = {(job, e.kind, tuple(sorted(e.data.items()))) for u in updates for e in u.events
           for job in [e.job_id]}  # fmt: skip
    kinds = {(job, kind) for job, kind, _ in got}
    assert (teaser, EventKind.STATUS_CHANGED) in kinds
    assert (teaser, EventKind.OUTPUT_READY) in kinds
    assert (winter, EventKind.STORYBOARD_FAILED) in kinds
    assert (winter, EventKind.SHOT_FAILED) in kinds
    change = next(e for u in updates for e in u.events
                  if e.job_id == teaser and e.kind is EventKind.STATUS_CHANGED)  # fmt: skip
    assert (change.data["old"], change.data["new"]) == ("Running", "Succeeded")
    assert monitor.jobs[teaser].last_change > 0


async def test_unknown_job_is_marked_and_left_alone(sim: SimServer, client: ApiClient) -> None:
    clock = FakeClock()
    monitor, updates = make_monitor(client, clock)
    monitor.add(["f" * 32])
    for _ in range(5):
        await monitor.run_pass()
        clock.t += 60
    assert events_of(updates) == [("f" * 32, EventKind.JOB_NOT_FOUND)]
    assert monitor.jobs["f" * 32].not_found
    assert sim.sim.stats.requests == 1


async def test_credential_error_pauses_polling(sim: SimServer) -> None:
    wrong = Credentials(DEMO_ACCESS_KEY_ID, "not-the-secret")
    async with ApiClient(wrong, endpoint=sim.endpoint, retries=0) as bad:
        monitor, _ = make_monitor(bad, FakeClock(), concurrency=1)
        monitor.add(sim.sim.book.ids)
        await monitor.run_pass()
    assert monitor.status.paused
    assert monitor.status.pause_reason.startswith("SignatureDoesNotMatch")
    assert sim.sim.stats.requests == 1  # stopped at the first refusal, not 13 of them
    assert monitor.due_jobs()  # still due once the user retries
    monitor.retry()
    assert not monitor.status.paused


async def test_failing_job_backs_off_and_recovers(sim: SimServer, client: ApiClient) -> None:
    clock = FakeClock()
    monitor, updates = make_monitor(client, clock, interval=10)
    job = sim.sim.book.ids[0]
    monitor.add([job])
    sim.sim.faults = FaultSpec.parse("error503=1")
    gaps = []
    for _ in range(4):
        before = clock.t
        clock.t = monitor.jobs[job].due
        await monitor.run_pass()
        gaps.append(monitor.jobs[job].due - before)
    assert monitor.jobs[job].failures == 4
    assert gaps[-1] > gaps[1]  # exponential, with jitter
    assert [k for _, k in events_of(updates)] == [EventKind.FETCH_FAILED]  # once, not 4 times
    sim.sim.faults = FaultSpec()
    clock.t = monitor.jobs[job].due
    await monitor.run_pass()
    kinds = [k for _, k in events_of(updates)]
    assert kinds[1:3] == [EventKind.FETCH_RECOVERED, EventKind.JOB_ADDED]
    assert monitor.jobs[job].error is None


async def test_throttling_slows_the_engine_down(sim: SimServer, client: ApiClient) -> None:
    clock = FakeClock()
    monitor, _ = make_monitor(client, clock, rate_limit=10)
    monitor.limiter = RateLimiter(10, clock=clock, sleep=_advance(clock))
    sim.sim.faults = FaultSpec.parse("throttle=1")
    monitor.add(sim.sim.book.ids[:3])
    await monitor.run_pass()
    assert monitor.limiter.factor < 0.2
    assert monitor.status.throttled


def _advance(clock: FakeClock):  # type: ignore[no-untyped-def]
    async def sleep(seconds: float) -> None:
        clock.t += seconds

    return sleep


async def test_rate_limiter_never_exceeds_the_rate_in_any_second() -> None:
    clock = FakeClock()
    limiter = RateLimiter(10, clock=clock, sleep=_advance(clock))
    starts = []
    for _ in range(55):
        await limiter.acquire()
        starts.append(clock.t)
    for i, t in enumerate(starts):
        assert sum(1 for u in starts[i:] if u < t + 1.0) <= 10
    assert starts[-1] < 5.7  # and it is not needlessly slow
    limiter.slow_down(retry_after=2.0)
    assert limiter.factor == 0.5
    for _ in range(20):
        limiter.recover()
    assert 0.5 < limiter.factor <= 1.0


async def test_concurrency_is_bounded_and_passes_do_not_overlap() -> None:
    import asyncio

    async with running_simulator(scenario="load", jobs=24, latency_ms=50) as sim:
        async with ApiClient(DEMO, endpoint=sim.endpoint, retries=0) as c:
            monitor, _ = make_monitor(c, FakeClock(), concurrency=4)
            monitor.add(sim.sim.book.ids)
            first, second = await asyncio.gather(monitor.run_pass(), monitor.run_pass())
    assert (first, second) == (24, 0)
    assert monitor.status.peak_in_flight == 4
    assert sim.sim.stats.requests == 24


async def test_history_survives_a_restart(
    sim: SimServer, client: ApiClient, tmp_path: Path
) -> None:
    db = tmp_path / "state.sqlite3"
    teaser = title_id(sim, "Quick Teaser")
    store = Store.open(db)
    monitor, _ = make_monitor(client, FakeClock(), store=store)
    monitor.add(sim.sim.book.ids)
    await monitor.run_pass()
    store.close()

    sim.sim.clock.t = 10_000  # type: ignore[attr-defined]  # time passes while closed
    store = Store.open(db)
    monitor, updates = make_monitor(client, FakeClock(), store=store)
    monitor.add(sim.sim.book.ids)
    assert monitor.load_cached() == len(sim.sim.book.ids)
    assert monitor.jobs[teaser].stale and monitor.jobs[teaser].status is JobStatus.RUNNING
    done = [j for j, s in monitor.jobs.items() if s.status.is_terminal]
    await monitor.run_pass()
    fetched = sim.sim.stats.by_job
    assert all(fetched[j] == 1 for j in done)  # terminal from disk: not fetched again
    kinds = {(e.job_id, e.kind) for u in updates for e in u.events}
    assert (teaser, EventKind.STATUS_CHANGED) in kinds  # what changed while it was closed
    assert (teaser, EventKind.JOB_ADDED) not in kinds
    assert any(e.kind is EventKind.STATUS_CHANGED for e in store.recent_events())
    store.close()


async def test_refresh_now_fetches_a_terminal_job_again(sim: SimServer, client: ApiClient) -> None:
    clock = FakeClock()
    monitor, _ = make_monitor(client, clock)
    done = title_id(sim, "Harbour Lights")
    monitor.add([done])
    await monitor.run_pass()
    clock.t += CONFIRM_DELAY
    await monitor.run_pass()
    assert monitor.jobs[done].confirmed and await monitor.run_pass() == 0
    monitor.refresh_now(done)
    assert await monitor.run_pass() == 1
    assert monitor.jobs[done].confirmed  # still terminal: final again, no extra confirm
