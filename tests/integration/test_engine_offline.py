"""The engine's view of the endpoint: one OFFLINE state while it cannot be reached, gone at
the first answer; per-job API errors stay per job; jobs not answered yet are loading.

Real HTTP throughout: the demo simulator is stopped (connections refused) and started again
on the same port, on a clock that moves only when told."""

from __future__ import annotations

import asyncio

from tests.integration.engine_rig import DEMO, FakeClock
from tests.loopback import json_answer, listening, read_request
from tests.wait import wait_async
from yike_tui.api.client import ApiClient
from yike_tui.core.models import JobStatus
from yike_tui.engine.monitor import Monitor
from yike_tui.engine.status import Update
from yike_tui.sim import SimServer

INTERVAL = 30.0
WALL = 1_790_000_000.0  # the engine's wall clock starts here and moves with its clock
BAD_ID = "0" * 32  # a well-formed JobId the simulator does not know


def engine(client: ApiClient, clock: FakeClock) -> Monitor:
    return Monitor(
        client, interval=INTERVAL, rate_limit=0, clock=clock, wall=lambda: WALL + clock.t
    )


async def test_an_outage_is_one_state_cleared_by_the_first_answer(
    sim: SimServer, client: ApiClient
) -> None:
    clock = FakeClock()
    monitor = engine(client, clock)
    updates: list[Update] = []
    monitor.subscribe(updates.append)
    ids = sim.sim.book.ids
    monitor.add(ids)
    assert await monitor.run_pass() == len(ids)
    assert monitor.status.offline_since is None

    port = sim.port
    await sim.stop()  # the endpoint goes away: every connection is refused
    clock.t += INTERVAL
    monitor.refresh_now()
    assert await monitor.run_pass() == len(ids)

    status = monitor.status
    # One state for the outage: since when, and how many jobs it could not reach...
    assert status.offline_since == WALL + INTERVAL
    assert status.offline_jobs == len(ids)
    assert status.offline_reason.startswith("ConnectionFailed: ")
    # ...not one job's error after another, and not N jobs "with errors".
    assert status.last_error == ""
    assert monitor.tally().errors == 0
    assert all(s.unreachable and s.error is not None for s in monitor.jobs.values())
    # Each job still shows what it last was.
    assert sum(monitor.counts().values()) == len(ids)

    clock.t += 5  # the outage goes on: its start stays, the count stays
    monitor.refresh_now(ids[0])
    await monitor.run_pass()
    assert status.offline_since == WALL + INTERVAL and status.offline_jobs == len(ids)

    await sim.start("127.0.0.1", port)  # the endpoint is back
    first = await monitor.fetch_now(ids[0])
    assert first.error is None
    # The first answer clears the outage at once, not when a timer runs out...
    assert status.offline_since is None and status.offline_jobs == 0
    assert status.offline_reason == "" and status.last_error == ""
    assert monitor.tally().errors == 0
    # ...and the others are tried again within one interval, not after their backoff.
    assert all(s.due <= clock.t + INTERVAL for s in monitor.jobs.values() if s.unreachable)
    clock.t += INTERVAL
    assert await monitor.run_pass() >= len(ids) - 1  # the others, each once
    assert not any(s.error or s.unreachable for s in monitor.jobs.values())
    assert status.offline_since is None and status.last_error == ""


async def test_an_unknown_job_id_is_its_own_error_not_an_outage(
    sim: SimServer, client: ApiClient
) -> None:
    clock = FakeClock()
    monitor = engine(client, clock)
    ids = sim.sim.book.ids
    monitor.add([*ids, BAD_ID])
    # Not answered yet: loading, and not counted as a status (not as "unknown" either).
    assert all(s.loading for s in monitor.jobs.values())
    tally = monitor.tally()
    assert (tally.loading, tally.total, tally.errors, tally.counts) == (len(ids) + 1,) * 2 + (
        0,
        {},
    )

    await monitor.run_pass()
    bad = monitor.jobs[BAD_ID]
    assert bad.not_found and not bad.loading and not bad.unreachable
    assert monitor.status.offline_since is None  # the endpoint answered, if unhappily
    tally = monitor.tally()
    assert tally.loading == 0 and tally.errors == 1
    assert sum(tally.counts.values()) == len(ids)  # the bad JobId is an error, not a "?"
    assert JobStatus.UNKNOWN not in tally.counts


async def test_an_answer_about_a_bad_job_ends_an_outage_too(
    sim: SimServer, client: ApiClient
) -> None:
    clock = FakeClock()
    monitor = engine(client, clock)
    ids = sim.sim.book.ids
    monitor.add([ids[0], BAD_ID])
    port = sim.port
    await sim.stop()
    await monitor.run_pass()
    assert monitor.status.offline_jobs == 2
    # Nothing answered yet: not loading any more (it failed), not counted, not an "error".
    tally = monitor.tally()
    assert (tally.loading, tally.errors, tally.counts) == (0, 0, {})

    await sim.start("127.0.0.1", port)
    await monitor.fetch_now(BAD_ID)  # an API error is an answer: the endpoint is there
    assert monitor.status.offline_since is None and monitor.status.offline_jobs == 0
    assert monitor.tally().errors == 1


class OneBrokenJob:
    """A raw HTTP/1.1 API on 127.0.0.1: FAST is answered at once; the request for BROKEN
    is held until the engine has FAST's answer, then its connection is reset."""

    FAST, BROKEN = "a" * 32, "b" * 32

    def __init__(self) -> None:
        self.monitor: Monitor | None = None  # the engine under test, whose state is awaited

    def fast_answered(self) -> bool:
        return self.monitor is not None and self.monitor.jobs[self.FAST].job is not None

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            job_id = (await read_request(reader)).params.get("JobId", "")
            if job_id == self.BROKEN:
                await wait_async(self.fast_answered, "the other job's answer")
                writer.transport.abort()  # a reset: a transport error, for this job only
                return
            answer = {"RequestId": "r", "JobId": job_id, "JobStatus": "Running"}
            writer.write(json_answer(200, {**answer, "JobParams": {"Title": "fine"}}))
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


async def test_one_job_whose_request_breaks_while_others_answer_is_not_an_outage() -> None:
    api = OneBrokenJob()
    async with listening(api.serve) as port:
        async with ApiClient(DEMO, endpoint=f"http://127.0.0.1:{port}", retries=0) as client:
            monitor = api.monitor = Monitor(client, interval=INTERVAL, rate_limit=0, concurrency=2)
            monitor.add([OneBrokenJob.FAST, OneBrokenJob.BROKEN])
            await asyncio.wait_for(monitor.run_pass(), 30)
            broken = monitor.jobs[OneBrokenJob.BROKEN]
            assert broken.error is not None and broken.error.code == "ConnectionReset"
            # The endpoint answered meanwhile: this is the job's own error, not OFFLINE.
            assert monitor.status.offline_since is None and not broken.unreachable
            assert monitor.tally().errors == 1
            assert "ConnectionReset" in monitor.status.last_error


async def test_the_count_follows_the_watch_list_while_offline(
    sim: SimServer, client: ApiClient
) -> None:
    monitor = engine(client, FakeClock())
    ids = sim.sim.book.ids[:2]
    monitor.add(ids)
    await sim.stop()
    await monitor.run_pass()
    assert monitor.status.offline_jobs == 2
    monitor.remove(ids[:1])  # the user stops watching one: it is no longer "not reached"
    assert monitor.status.offline_jobs == 1 and monitor.status.offline_since is not None
    monitor.remove(ids[1:])  # none left waiting for the endpoint: no "(0 jobs)" outage
    assert monitor.status.offline_since is None and monitor.status.offline_reason == ""
