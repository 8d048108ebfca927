"""Startup: the last known state of 5,000 jobs loaded from disk (open the state db, read
every snapshot, parse every job), the way the engine does it before its first request.

The snapshots are real simulator answers (3 to 20 storyboards each), written once under
5,000 ids; each run opens the db afresh.
"""

from __future__ import annotations

import asyncio
import gc
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.harness import Context, Figure, Results, ice_client, sim_process
from yike_tui.monitor import Monitor
from yike_tui.store import Store

NAME = "startup"
JOBS = 5000
DISTINCT = 200  # distinct answers fetched from the simulator, repeated under new ids


async def fetch_payloads(endpoint: str, ids: list[str]) -> list[dict[str, Any]]:
    async with ice_client(endpoint) as client:
        return list(await asyncio.gather(*(client.get_job_payload(i) for i in ids)))


def write_db(path: Path, payloads: list[dict[str, Any]], count: int) -> list[str]:
    ids = [f"{n:032x}" for n in range(count)]
    rows = []
    for n, job_id in enumerate(ids):
        payload = {**payloads[n % len(payloads)], "JobId": job_id}
        rows.append((job_id, payload, time.time(), str(payload.get("JobStatus")), ""))
    with Store.open(path) as store:
        store.save_snapshots(rows)
    return ids


class _NoFetch:
    async def get_job_payload(self, job_id: str) -> dict[str, Any]:
        raise AssertionError("startup must not fetch")


def load_once(path: Path, ids: list[str]) -> float:
    gc.collect()
    t0 = time.perf_counter()
    store = Store.open(path)
    monitor = Monitor(_NoFetch(), store=store)
    monitor.add(ids)
    loaded = monitor.load_cached()
    elapsed = time.perf_counter() - t0
    store.close()
    if loaded != len(ids):
        raise RuntimeError(f"loaded {loaded} of {len(ids)} jobs")
    return elapsed * 1000


def run(ctx: Context, results: Results) -> None:
    with sim_process(jobs=DISTINCT) as sim:
        payloads = asyncio.run(fetch_payloads(sim.endpoint, sim.ids))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "state.db"
        ids = write_db(path, payloads, JOBS)
        size = sum(p.stat().st_size for p in Path(tmp).iterdir())
        samples = [load_once(path, ids) for _ in range(ctx.pick(7, 2))]
    results.add(
        Figure(
            f"startup: state of {JOBS:,} jobs loaded from disk",
            samples,
            "ms",
            target="< 200 ms",
            reference=f"Store.open + load_snapshots + parse_job; db {size / 1e6:.1f} MB",
            passed=statistics.median(samples) < 200,
        )
    )
