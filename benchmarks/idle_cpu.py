"""Idle CPU: the engine watching 100 running jobs at the default interval (30 s).

The engine runs for real (real clock, real timers, the default rate limit and
concurrency) against the simulator. The first pass is startup, not idling: this
process's CPU is read over the 60 s after it, which hold the next refreshes. ``--quick``
watches for 5 s (too short for a refresh) and adds the first pass's CPU amortised over
the interval (5/30 of it) instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import time

from benchmarks.harness import Context, Figure, Results, ice_client, sim_process
from yike_tui.models import JobStatus
from yike_tui.monitor import Monitor

NAME = "idle_cpu"
JOBS = 100
INTERVAL = 30.0  # the default


async def running_ids(endpoint: str, ids: list[str], count: int) -> list[str]:
    async with ice_client(endpoint) as client:
        jobs = await asyncio.gather(*(client.get_job(job_id) for job_id in ids))
    running = [job.id for job in jobs if job.status is JobStatus.RUNNING]
    if len(running) < count:
        raise RuntimeError(f"only {len(running)} running jobs in the simulator")
    return running[:count]


async def watch(endpoint: str, ids: list[str], seconds: float, quick: bool) -> float:
    """Percent of one core used over ``seconds`` of watching."""
    async with ice_client(endpoint) as client:
        monitor = Monitor(client, interval=INTERVAL, concurrency=8)  # the defaults
        if quick:  # no 10 s wait for the first pass (pacing sleeps; it costs no CPU)
            monitor.limiter.rate = 0
        monitor.add(ids)
        cpu0 = time.process_time()
        await monitor.run_pass()
        pass_cpu = time.process_time() - cpu0
        cpu0 = time.process_time()
        task = asyncio.create_task(monitor.run())
        await asyncio.sleep(seconds)
        used = time.process_time() - cpu0
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    if quick:
        used += pass_cpu * seconds / INTERVAL
    return used / seconds * 100


def run(ctx: Context, results: Results) -> None:
    seconds = ctx.pick(60, 5)
    with sim_process(jobs=JOBS * 2) as sim:
        ids = asyncio.run(running_ids(sim.endpoint, sim.ids, JOBS))
        percent = asyncio.run(watch(sim.endpoint, ids, seconds, quick=ctx.quick))
    how = "60 s after the first pass"
    if ctx.quick:
        how = "5 s after the first pass + that pass × 5/30"
    results.add(
        Figure(
            f"idle CPU: {JOBS} running jobs at the default {INTERVAL:g} s interval",
            [percent],
            "% of a core",
            target="< 1%",
            reference=how,
            passed=percent < 1.0,
        )
    )
