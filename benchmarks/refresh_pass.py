"""One refresh pass of 1,000 jobs at 50 ms server latency, concurrency 16, no rate limit.

The floor is what perfect overlap would give: jobs fetched × latency / concurrency. The
load scenario mixes statuses; a forced refresh fetches every job, and the floor is computed
from the number actually fetched.
"""

from __future__ import annotations

import statistics

from benchmarks.harness import (
    CONCURRENCY,
    LATENCY_MS,
    Context,
    Figure,
    Results,
    run_passes,
    sim_process,
)

NAME = "refresh_pass"
JOBS = 1000


def run(ctx: Context, results: Results) -> None:
    runs = ctx.pick(5, 1)
    with sim_process(jobs=ctx.pick(JOBS, 500), latency_ms=LATENCY_MS) as sim:
        timings = run_passes(sim.endpoint, sim.ids, runs)
    fetched = timings[0].fetched
    floor = fetched * LATENCY_MS / 1000 / CONCURRENCY
    ratios = [t.wall / floor for t in timings]
    median_wall = statistics.median(t.wall for t in timings)
    results.add(
        Figure(
            f"refresh pass: {fetched:,} jobs, {LATENCY_MS} ms latency, concurrency {CONCURRENCY}",
            ratios,
            "× floor",
            target="≤ 1.25× floor",
            reference=f"floor {fetched:,}×{LATENCY_MS} ms/{CONCURRENCY} = {floor:.2f} s",
            passed=statistics.median(ratios) <= 1.25,
            note=f"median {median_wall:.2f} s",
        )
    )
