"""``yike-tui watch --once --json`` over a studio's year, 100,000 watched jobs (10,000 with
``--quick``): the child process's peak memory, as a user runs it.

The simulator (its own process) serves the jobs at 0 ms latency; config.toml sets
concurrency 16 and lifts the rate limit, as for the whole-run figure. The ids are added
with ``add -``; a first ``watch --once`` sees every job for the first time (and stores
it), the measured ones start from the state db as any later day does: every job's answer
compared with the one stored. Peak RSS is the child's own (VmHWM at exit); the note gives
it per job and the first run's beside it.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
from pathlib import Path

from benchmarks.harness import Context, Figure, Results, sim_process
from benchmarks.whole_run import Child, compiled, prepare, run_child

NAME = "big_watch"
JOBS = 100_000
TARGET_MB = 200.0


def watch_once(env: dict[str, str]) -> Child:
    return run_child([sys.executable, "-m", "yike_tui", "watch", "--once", "--json"], env)


def run(ctx: Context, results: Results) -> None:
    jobs = ctx.pick(JOBS, 10_000)
    runs = ctx.pick(2, 1)
    compiled()
    with sim_process(jobs=jobs) as sim, tempfile.TemporaryDirectory() as tmp:
        env = prepare(Path(tmp), sim.ids, sim.endpoint)
        first = watch_once(env)  # every job seen for the first time, and stored
        later = [watch_once(env) for _ in range(runs)]
    rss = [c.rss_mb for c in later]
    per_job = statistics.median(rss) * 1024 / jobs
    wall = statistics.median(c.wall for c in later)
    cpu = statistics.median(c.cpu for c in later)
    results.add(
        Figure(
            f"`watch --once --json` over {jobs:,} watched jobs: peak RSS",
            rss,
            "MB",
            target=f"≤ {TARGET_MB:g} MB",
            reference=(
                f"the child's VmHWM, {per_job:.2f} KB a job; {wall:.1f} s wall, {cpu:.1f} s CPU "
                f"({cpu / jobs * 1000:.2f} ms a job) at 0 ms latency, concurrency 16; the first "
                f"run (every job new): {first.rss_mb:.0f} MB, {first.wall:.1f} s"
            ),
            passed=statistics.median(rss) <= TARGET_MB,
        )
    )
