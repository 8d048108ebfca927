"""Client CPU per request (sign + send + parse + diff) against the vendor SDK's CPU per call.

Both run at 0 ms server latency against the same simulator process, so nothing but the
client's own work is on this process's CPU clock (``time.process_time``). Ours is a
steady-state refresh pass of the Monitor (diffs against the previous snapshot, no store);
the SDK's is a sequential loop of ``get_yike_storyboard_job``.
"""

from __future__ import annotations

import statistics
import time

from benchmarks.harness import (
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

NAME = "cpu_per_request"


def run(ctx: Context, results: Results) -> None:
    jobs = ctx.pick(1000, 300)
    runs = ctx.pick(5, 1)
    with sim_process(jobs=jobs) as sim:
        ours = [t.cpu / t.fetched * 1000 for t in run_passes(sim.endpoint, sim.ids, runs)]
        sdk: list[float] = []
        if sdk_available():
            client = sdk_client(sim.endpoint)
            sdk_get(client, sim.ids[0])
            calls = ctx.pick(500, 150)
            for _ in range(runs):
                cpu0 = time.process_time()
                for job_id in sim.ids[:calls]:
                    sdk_get(client, job_id)
                sdk.append((time.process_time() - cpu0) / calls * 1000)

    name = "client CPU per request (sign + send + parse + diff)"
    if not sdk:
        results.add(Figure(name, ours, "ms", target="≤ 1.0× the SDK's", reference=SDK_MISSING))
        return
    sdk_median = statistics.median(sdk)
    ratios = [x / sdk_median for x in ours]
    results.add(
        Figure(
            name,
            ratios,
            "× SDK",
            target="≤ 1.0× the SDK's",
            reference=(
                f"ours {statistics.median(ours):.2f} ms ({min(ours):.2f}–{max(ours):.2f}); "
                f"SDK {sdk_median:.2f} ms ({min(sdk):.2f}–{max(sdk):.2f}) CPU per call"
            ),
            passed=statistics.median(ratios) <= 1.0,
        )
    )
