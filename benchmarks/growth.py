"""How a refresh pass and memory grow with the watch list: 100 / 1,000 / 10,000 / 100,000
jobs (a studio's year; --quick stops at 1,000).

Each size runs in a fresh child process (so memory is not shared between sizes) against
one simulator at 0 ms latency, so the pass time is the client's own cost, concurrency 16,
rate limit lifted. Memory is the growth of this process's RSS from before the jobs were
added to after a steady-state pass (every job holds its parsed Job and its raw answer).
"""

from __future__ import annotations

import asyncio
import gc
import json
import statistics
import subprocess
import sys

from benchmarks.harness import Context, Figure, Results, rss_bytes, sim_process, timed_passes
from yike_tui.engine.monitor import Monitor

NAME = "growth"
SIZES = (100, 1000, 10_000, 100_000)


async def _child(endpoint: str, count: int) -> dict[str, float]:
    import httpx

    ids = httpx.get(f"{endpoint}/_sim/ids", timeout=30).json()[:count]
    gc.collect()
    before = rss_bytes()
    holder: list[Monitor] = []
    timing = (await timed_passes(endpoint, ids, 1, keep=holder))[0]
    gc.collect()
    after = rss_bytes()
    return {"jobs": timing.fetched, "wall": timing.wall, "rss_mb": (after - before) / 1e6}


def measure(endpoint: str, count: int) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.growth", endpoint, str(count)],
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def run(ctx: Context, results: Results) -> None:
    sizes = SIZES[:2] if ctx.quick else SIZES
    per_job: dict[int, float] = {}
    memory: dict[int, float] = {}
    with sim_process(jobs=max(sizes)) as sim:
        for size in sizes:
            runs = 1 if ctx.quick or size >= 10_000 else 3
            samples = [measure(sim.endpoint, size) for _ in range(runs)]
            walls = [s["wall"] for s in samples]
            mem = [s["rss_mb"] for s in samples]
            per_job[size] = statistics.median(walls) / size
            memory[size] = statistics.median(mem)
            results.add(
                Figure(
                    f"growth: refresh pass, {size:,} jobs (0 ms latency)",
                    walls,
                    "s",
                    reference=f"{per_job[size] * 1000:.2f} ms/job",
                )
            )
            results.add(
                Figure(
                    f"growth: memory held, {size:,} jobs",
                    mem,
                    "MB",
                    reference=f"{statistics.median(mem) * 1000 / size:.0f} KB/job (RSS growth)",
                )
            )
    small, large = min(per_job), max(per_job)
    ratio = per_job[large] / per_job[small]
    results.add(
        Figure(
            f"growth: pass time per job at {large:,} ÷ at {small:,}",
            [ratio],
            "×",
            target="roughly linear (≤ 1.5×)",
            reference=(
                "per-job cost of the pass; memory per added job "
                f"{(memory[large] - memory[small]) * 1000 / (large - small):.1f} KB"
            ),
            passed=ratio <= 1.5,
        )
    )


if __name__ == "__main__":
    print(json.dumps(asyncio.run(_child(sys.argv[1], int(sys.argv[2])))))
