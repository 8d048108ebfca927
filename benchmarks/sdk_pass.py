"""The same refresh pass with the vendor SDK: in a loop (as users script it today) and in a
pool of 16 threads. Ours runs on the same simulator in the same run, so the ratio is fair.

A sequential loop costs the same per call whatever the count, so it runs on a sample of
the jobs and is scaled to the pass (1,000 × 50 ms would take a minute a run).
"""

from __future__ import annotations

import statistics
import time
from concurrent.futures import ThreadPoolExecutor

from benchmarks.harness import (
    CONCURRENCY,
    LATENCY_MS,
    SDK_MISSING,
    Context,
    Figure,
    Results,
    run_passes,
    sdk_available,
    sdk_client,
    sdk_get,
    sim_process,
)

NAME = "sdk_pass"
JOBS = 1000
LOOP_NAME = "same pass: vendor SDK in a loop ÷ ours"
POOL_NAME = f"same pass: vendor SDK in {CONCURRENCY} threads ÷ ours"


def run(ctx: Context, results: Results) -> None:
    if not sdk_available():
        for name in (LOOP_NAME, POOL_NAME):
            results.add(Figure(name, [], "", text=SDK_MISSING))
        return
    jobs = ctx.pick(JOBS, 300)
    runs = ctx.pick(3, 1)
    sample = ctx.pick(100, 20)
    with sim_process(jobs=jobs, latency_ms=LATENCY_MS) as sim:
        ours = run_passes(sim.endpoint, sim.ids, runs)
        ours_wall = statistics.median(t.wall for t in ours)
        client = sdk_client(sim.endpoint)
        sdk_get(client, sim.ids[0])  # connect once, outside the timing

        loop_per_call = []
        for _ in range(runs):
            t0 = time.perf_counter()
            for job_id in sim.ids[:sample]:
                sdk_get(client, job_id)
            loop_per_call.append((time.perf_counter() - t0) / sample)

        pool_walls, pool_cpu = [], []
        with ThreadPoolExecutor(CONCURRENCY) as pool:
            list(pool.map(lambda j: sdk_get(client, j), sim.ids[: CONCURRENCY * 2]))  # warm
            for _ in range(runs):
                cpu0, t0 = time.process_time(), time.perf_counter()
                statuses = list(pool.map(lambda j: sdk_get(client, j), sim.ids))
                pool_walls.append(time.perf_counter() - t0)
                pool_cpu.append(time.process_time() - cpu0)
        assert len(statuses) == len(sim.ids)

    fetched = ours[0].fetched
    loop_ratios = [per_call * fetched / ours_wall for per_call in loop_per_call]
    target = 0.8 * CONCURRENCY
    results.add(
        Figure(
            LOOP_NAME,
            loop_ratios,
            "×",
            target=f"≥ {target:.1f}× (0.8 × concurrency)",
            reference=(
                f"SDK {statistics.median(loop_per_call) * 1000:.1f} ms/call × {fetched:,} "
                f"= {statistics.median(loop_per_call) * fetched:.1f} s (loop of {sample}, "
                f"scaled); ours {ours_wall:.2f} s"
            ),
            passed=statistics.median(loop_ratios) >= target,
        )
    )
    pool_ratios = [wall / ours_wall for wall in pool_walls]
    results.add(
        Figure(
            POOL_NAME,
            pool_ratios,
            "×",
            target="> 1× (ours faster), by how much",
            reference=(
                f"SDK pool {statistics.median(pool_walls):.2f} s, "
                f"{statistics.median(pool_cpu):.2f} s CPU; ours {ours_wall:.2f} s, "
                f"{statistics.median(t.cpu for t in ours):.2f} s CPU"
            ),
            passed=statistics.median(pool_ratios) > 1.0,
            note=f"{len(sim.ids):,} jobs; both are bound by the latency floor",
        )
    )
