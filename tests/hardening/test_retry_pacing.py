"""Retries inside the client wait for the engine's rate limiter like first tries do."""

from __future__ import annotations

from benchmarks.soak import Watchdog
from yike_tui.api.client import ApiClient
from yike_tui.api.credentials import Credentials
from yike_tui.engine.monitor import Monitor
from yike_tui.engine.ratelimit import RateLimiter
from yike_tui.sim import DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, running_simulator
from yike_tui.sim.faults import FaultSpec

DEMO = Credentials(DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, source="test")


async def test_retries_count_against_the_rate_limit() -> None:
    limit = 40
    async with running_simulator(
        scenario="load", jobs=60, faults=FaultSpec.parse("error503=0.5")
    ) as sim:
        limiter = RateLimiter(limit)
        async with ApiClient(DEMO, endpoint=sim.endpoint, retries=2, backoff_base=0.01) as client:
            fetcher = Watchdog(client)  # counts first tries and the retries it paces
            client.pacer = fetcher.counted(limiter.acquire)  # as session.make_client gives it
            monitor = Monitor(fetcher, interval=30, concurrency=8, limiter=limiter)
            monitor.add(sim.sim.book.ids)
            await monitor.run_pass()
    assert fetcher.sent.total > 60  # retries happened...
    assert sim.sim.stats.requests == fetcher.sent.total  # ...and every request was counted
    assert fetcher.sent.max <= limit


class _Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


async def test_a_stalled_loop_does_not_burst_over_the_limit() -> None:
    """Overdue starts after a stall go out no faster than the limit allows."""
    import asyncio

    from yike_tui.engine.ratelimit import RateLimiter

    clock = _Clock()

    async def sleep(seconds: float) -> None:
        target = clock.t + seconds
        while clock.t < target:
            await asyncio.sleep(0)

    limiter = RateLimiter(10, clock=clock, sleep=sleep)
    starts: list[float] = []

    async def one() -> None:
        await limiter.acquire()
        starts.append(clock.t)

    async def drive() -> None:
        while len(starts) < 30:
            # Half a second in, the loop stalls for 0.3 s: overdue starts pile up.
            clock.t += 0.3 if abs(clock.t - 0.5) < 0.005 else 0.01
            await asyncio.sleep(0)

    await asyncio.gather(drive(), *(one() for _ in range(30)))
    worst = max(sum(1 for u in starts if t <= u < t + 1.0) for t in starts)
    assert worst <= 10
