"""Requests for terminal jobs after their confirming fetch, over a soak of 10 passes.

The engine runs on a fake clock advanced by one interval before each pass, so ten passes
take seconds; the simulator runs 100× fast so jobs finish during the soak. The server
counts every Get of a job it had already answered as Succeeded/Failed: the one fetch that
confirms a terminal status is expected, any more is a wasted request.
"""

from __future__ import annotations

import asyncio

from benchmarks.harness import Context, Figure, Results, ice_client, sim_process
from yike_tui.engine.monitor import Monitor

NAME = "terminal_soak"
PASSES = 10
INTERVAL = 30.0


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def soak(endpoint: str, ids: list[str]) -> int:
    clock = FakeClock()
    async with ice_client(endpoint) as client:
        monitor = Monitor(client, interval=INTERVAL, concurrency=16, rate_limit=0, clock=clock)
        monitor.add(ids)
        requests = 0
        for _ in range(PASSES):
            requests += await monitor.run_pass()
            clock.now += INTERVAL
    return requests


def run(ctx: Context, results: Results) -> None:
    runs = ctx.pick(3, 1)
    extra: list[float] = []
    notes = ""
    for _ in range(runs):
        with sim_process(jobs=ctx.pick(300, 60), extra=["--speed", "100"]) as sim:
            requests = asyncio.run(soak(sim.endpoint, sim.ids))
            stats = sim.stats(detail=True)
        after = stats["after_terminal_by_job"]
        extra.append(sum(max(0, n - 1) for n in after.values()))
        notes = (
            f"{requests:,} requests over {PASSES} passes; {len(after)} jobs seen terminal "
            f"and confirmed once each"
        )
    results.add(
        Figure(
            f"requests for terminal jobs after their confirming fetch ({PASSES}-pass soak)",
            extra,
            "",
            target="0",
            reference="server's after_terminal_by_job (1 = the confirmation)",
            passed=max(extra) == 0,
            note=notes,
        )
    )
