"""What session builds: a client whose retries wait for the engine's rate limiter, and an
engine whose fetch-now waits only for that job's request in flight, not the whole pass."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

from tests.wait import wait_async
from yike_tui.api.client import ApiClient
from yike_tui.api.credentials import Credentials
from yike_tui.core.config import Settings
from yike_tui.engine.monitor import Monitor
from yike_tui.engine.ratelimit import RateLimiter
from yike_tui.session import Session, session_for
from yike_tui.sim import DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, running_simulator
from yike_tui.sim.faults import FaultSpec

DEMO = Credentials(DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, source="test")
LIMIT = 30.0  # seconds: far beyond a healthy wait; a stuck call fails the test loudly


class CountingLimiter(RateLimiter):
    """A real rate limiter that also counts the starts it grants."""

    granted = 0

    async def acquire(self) -> None:
        await super().acquire()
        self.granted += 1


def _session(endpoint: str, ids: list[str], limiter: RateLimiter) -> Session:
    settings = Settings(rate_limit=limiter.rate, concurrency=8, clipboard="osc52")  # type: ignore[call-arg]
    return session_for(
        endpoint,
        DEMO,
        ids,
        settings=settings,
        limiter=limiter,
    )


async def test_every_request_of_the_session_client_is_granted_by_the_engines_limiter() -> None:
    async with running_simulator(
        scenario="load", jobs=30, faults=FaultSpec.parse("error503=0.5")
    ) as sim:
        limiter = CountingLimiter(200)
        session = _session(sim.endpoint, list(sim.sim.book.ids), limiter)
        async with session.make_client() as client:
            monitor = session.make_monitor(client)
            assert monitor.limiter is limiter  # one limiter for first tries and retries
            await asyncio.wait_for(monitor.run_pass(), LIMIT)
    assert sim.sim.stats.requests > 30  # retries happened...
    assert limiter.granted == sim.sim.stats.requests  # ...and each waited for the limiter


class HeldFetcher:
    """The real client; a request for ``held`` waits until the test lets it go. Records how
    many requests for each job are out at once."""

    def __init__(self, client: ApiClient, held: str) -> None:
        self.client, self.held = client, held
        self.release = asyncio.Event()
        self.out: Counter[str] = Counter()
        self.most_at_once: Counter[str] = Counter()
        self.started: Counter[str] = Counter()

    async def get_job_payload(self, job_id: str) -> dict[str, Any]:
        self.out[job_id] += 1
        self.started[job_id] += 1
        self.most_at_once[job_id] = max(self.most_at_once[job_id], self.out[job_id])
        try:
            if job_id == self.held:
                await self.release.wait()
            return await self.client.get_job_payload(job_id)
        finally:
            self.out[job_id] -= 1


async def test_fetch_now_waits_for_its_own_job_only() -> None:
    async with running_simulator(scenario="demo") as sim:
        quick, slow = list(sim.sim.book.ids)[:2]
        async with ApiClient(DEMO, endpoint=sim.endpoint, retries=0) as client:
            fetcher = HeldFetcher(client, held=slow)
            monitor = Monitor(fetcher, concurrency=2, rate_limit=0)
            monitor.add([quick, slow])
            a_pass = asyncio.create_task(monitor.run_pass())
            await wait_async(lambda: monitor.jobs[quick].job is not None, "the quick job's answer")
            # The pass is still out on the slow job; fetching the quick one does not wait for it.
            state = await asyncio.wait_for(monitor.fetch_now(quick), LIMIT)
            assert state.job is not None and fetcher.started[quick] == 2
            assert not a_pass.done()
            # Fetching the held job waits for its request in flight: never two at once.
            again = asyncio.create_task(monitor.fetch_now(slow))
            await asyncio.sleep(0)
            assert fetcher.started[slow] == 1
            fetcher.release.set()
            await asyncio.wait_for(asyncio.gather(a_pass, again), LIMIT)
    assert fetcher.started[slow] == 2 and fetcher.most_at_once[slow] == 1
