"""The engine at 100,000 jobs, checked on the demo simulator's few: it starts
from the summaries kept beside the snapshots (no stored answer read or parsed until a job
is looked at), and its tally follows the jobs that change instead of counting them all.

Real HTTP to the simulator, a real state db in tmp_path, clocks that move only when told."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.engine_rig import DEMO, FakeClock
from yike_tui.api.client import ApiClient
from yike_tui.core.models import Job, JobStatus, parse_job
from yike_tui.engine import job_state
from yike_tui.engine import monitor as monitor_module
from yike_tui.engine.job_state import JobState
from yike_tui.engine.monitor import Monitor
from yike_tui.engine.status import Tally, Update
from yike_tui.sim import SimServer, running_simulator
from yike_tui.store import JobRow, Store

INTERVAL = 30.0
WALL = 1_790_000_000.0


@pytest.fixture
def sim_clock() -> FakeClock:
    return FakeClock(600.0)  # ten minutes into the demo: some jobs finished, some running


@pytest.fixture
async def sim(sim_clock: FakeClock) -> AsyncIterator[SimServer]:
    async with running_simulator(scenario="demo", clock=sim_clock) as server:
        yield server


@pytest.fixture
async def client(sim: SimServer) -> AsyncIterator[ApiClient]:
    async with ApiClient(DEMO, endpoint=sim.endpoint, retries=0) as c:
        yield c


def engine(client: ApiClient, clock: FakeClock, store: Store | None = None) -> Monitor:
    return Monitor(
        client,
        store=store,
        interval=INTERVAL,
        rate_limit=0,
        clock=clock,
        wall=lambda: WALL + clock.t,
    )


def recounted(monitor: Monitor) -> Tally:
    """The tally counted from scratch, the way it always was."""
    counts: dict[JobStatus, int] = {}
    loading = errors = 0
    for state in monitor.jobs.values():
        if state.loading:
            loading += 1
            continue
        errors += (state.error is not None and not state.unreachable) or state.not_found
        if state.not_found or not state.has_answer:
            continue
        counts[state.status] = counts.get(state.status, 0) + 1
    return Tally(counts, loading, errors, len(monitor.jobs))


async def test_start_up_reads_summaries_and_a_job_is_parsed_when_first_looked_at(
    sim: SimServer, client: ApiClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = sim.sim.book.ids
    with Store.open(tmp_path / "state.db") as store:
        first = engine(client, FakeClock(), store)
        first.add(ids)
        await first.run_pass()  # every answer saved, each with its summary
        answered = {job_id: s.job for job_id, s in first.jobs.items()}
        checked = {job_id: s.last_checked for job_id, s in first.jobs.items()}

    parsed: list[str] = []
    read: list[str] = []

    def counting_parse(payload: Any, *, job_id: str = "", fetched_at: float = 0.0) -> Job:
        parsed.append(job_id)
        return parse_job(payload, job_id=job_id, fetched_at=fetched_at)

    for module in (monitor_module, job_state):  # a fresh answer, and a stored one looked at
        monkeypatch.setattr(module, "parse_job", counting_parse)
    with Store.open(tmp_path / "state.db") as store:
        load_one = store.load_snapshot

        def counting_load(job_id: str) -> tuple[dict[str, Any], float] | None:
            read.append(job_id)
            return load_one(job_id)

        def no_bulk_read() -> None:
            raise AssertionError("start-up read every stored answer")

        monkeypatch.setattr(store, "load_snapshot", counting_load)
        monkeypatch.setattr(store, "load_snapshots", no_bulk_read)
        again = engine(client, FakeClock(), store)
        again.add(ids)
        assert again.load_cached() == len(ids)
        assert parsed == [] and read == []  # nothing read or parsed to start

        # What the list shows comes from the summaries, the same as parsing would say.
        for job_id, job in answered.items():
            state = again.jobs[job_id]
            assert job is not None
            assert state.row == JobRow.of_job(job, checked[job_id], job_id)
            assert state.status is job.status and state.title == job.title
            assert not state.loading
            if job.status.is_terminal:  # finished: final from disk, never asked again
                assert state.confirmed and state.due == float("inf") and not state.stale
            else:
                assert state.stale and state.due != float("inf")
        assert again.tally() == recounted(again)
        assert sum(again.tally().counts.values()) == len(ids)
        assert parsed == [] and read == []

        # The first look at a job reads and parses that one job, once.
        one = ids[0]
        job = again.jobs[one].job
        answer = answered[one]
        assert job is not None and answer is not None
        assert job.to_json() == answer.to_json()
        assert again.jobs[one].job is job
        assert parsed == [one] and read == [one]

    # The store closed under it (the app quitting): a look at a job is no crash, its row
    # still shows, and nothing is remembered as "no answer".
    other = again.jobs[ids[1]]
    assert other.job is None
    assert other.row is not None and other.row.job_id == ids[1]
    other_answer = answered[ids[1]]
    assert other_answer is not None
    assert other.status is other_answer.status


async def test_the_tally_follows_the_jobs_that_change(
    sim: SimServer, sim_clock: FakeClock, client: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FakeClock()
    monitor = engine(client, clock)
    ids = sim.sim.book.ids
    monitor.add(ids)
    assert monitor.tally() == recounted(monitor) == Tally({}, len(ids), 0, len(ids))
    await monitor.run_pass()
    assert monitor.tally() == recounted(monitor)
    assert monitor.tally().loading == 0

    looked_at: list[str] = []
    code_of = job_state.tally_code

    def counting(state: JobState) -> int:
        looked_at.append(state.job_id)
        return code_of(state)

    monkeypatch.setattr(job_state, "tally_code", counting)
    running = [s.job_id for s in monitor.jobs.values() if not s.status.is_terminal]
    assert running, "the demo has running jobs ten minutes in"
    sim_clock.t += 3600  # an hour later for the service: the job has moved on
    monitor.refresh_now(running[0])  # the only one due: the others wait their interval
    assert await monitor.run_pass() == 1
    assert monitor.tally() == recounted(monitor)
    assert looked_at == [running[0]]  # one job changed: one job counted again
    assert monitor.tally() == recounted(monitor) and looked_at == [running[0]]  # asked twice

    # A job changed from outside the engine and told to subscribers is counted again too.
    looked_at.clear()
    other = ids[-1]
    monitor.jobs[other].not_found = True
    monitor._emit(Update([], {other}))
    assert monitor.tally() == recounted(monitor) and looked_at == [other]
    assert monitor.tally().errors == 1

    # Removed and added jobs leave and join the count.
    looked_at.clear()
    monitor.remove([other])
    monitor.add(["f" * 32])
    tally = monitor.tally()
    assert tally == recounted(monitor)
    assert tally.total == len(ids) and tally.loading == 1 and tally.errors == 0
    assert sorted(looked_at) == ["f" * 32]  # the removed one is only taken away


async def test_pass_under_way_says_what_looking_at_every_job_says(
    sim: SimServer, client: ApiClient
) -> None:
    clock = FakeClock()
    monitor = Monitor(client, interval=INTERVAL, rate_limit=0, concurrency=2, clock=clock)
    seen: list[tuple[bool, bool]] = []
    monitor.subscribe(
        lambda _: seen.append(
            (monitor.pass_under_way, any(s.in_flight for s in monitor.jobs.values()))
        )
    )
    monitor.add(sim.sim.book.ids)
    monitor.flush_every = 0.0  # news after every answer
    await monitor.run_pass()
    assert len(seen) > 2
    assert all(cheap == looked for cheap, looked in seen), seen
    assert seen[0] == (True, True)  # news during the pass
    assert not monitor.pass_under_way  # and over with it
    monitor.pause()  # news outside any pass
    assert seen[-1] == (False, False)
