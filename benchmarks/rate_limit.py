"""The highest request rate the server saw against the configured client-side limit.

The engine fetches ``limit × seconds`` jobs with 16 workers at 0 ms latency (so only the
limiter holds them back); the simulator reports the most requests it received within
any sliding one-second window. The limiter sends a second's requests together, so the
run's wall time is one window short of ``jobs / limit``: its last burst starts the last
window rather than filling it.
"""

from __future__ import annotations

import asyncio
import time

from benchmarks.harness import Context, Figure, Results, ice_client, sim_process
from yike_tui.engine.monitor import Monitor

NAME = "rate_limit"
LIMIT = 20.0


async def limited_pass(endpoint: str, ids: list[str], limit: float) -> float:
    async with ice_client(endpoint) as client:
        monitor = Monitor(client, concurrency=16, rate_limit=limit)
        monitor.add(ids)
        t0 = time.perf_counter()
        await monitor.run_pass()
        return time.perf_counter() - t0


def run(ctx: Context, results: Results) -> None:
    runs = ctx.pick(3, 1)
    seconds = ctx.pick(5, 2)
    jobs = int(LIMIT * seconds)
    peaks: list[float] = []
    walls: list[float] = []
    with sim_process(jobs=jobs) as sim:
        # Unlimited, uncounted: the simulator plans its jobs and warms its code paths, so its
        # own first-request delays do not bunch up the arrivals it timestamps.
        asyncio.run(limited_pass(sim.endpoint, sim.ids, 0))
        for _ in range(runs):
            sim.reset_stats()
            wall = asyncio.run(limited_pass(sim.endpoint, sim.ids, LIMIT))
            peaks.append(sim.stats()["max_requests_in_any_1s_window"])
            walls.append(wall)
    results.add(
        Figure(
            f"highest request rate seen by the server (limit {LIMIT:g}/s, {jobs} requests)",
            peaks,
            "in any 1 s",
            target=f"≤ {LIMIT:g} (never above)",
            reference=(
                f"{jobs} requests in {min(walls):.2f}–{max(walls):.2f} s: {LIMIT:g} together, "
                "then the next ones 1.02 s later"
            ),
            passed=max(peaks) <= LIMIT,
        )
    )
