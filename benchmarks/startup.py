"""Startup: the last known state of 5,000 jobs loaded from disk, before any request.

Two rows: the engine as it starts (open the state db, read every snapshot, build every
job's state; a cached answer is parsed when something first looks at it), and what a screen
that needs every job's row at once reads: the summaries kept beside the snapshots
(parsing all 5,000 answers instead is shown beside it).

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
from yike_tui.engine.monitor import Monitor
from yike_tui.store import SnapshotItem, Store

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
        rows.append(SnapshotItem(job_id, payload, time.time(), str(payload.get("JobStatus")), ""))
    with Store.open(path) as store:
        store.save_snapshots(rows)
    return ids


class _NoFetch:
    async def get_job_payload(self, job_id: str) -> dict[str, Any]:
        raise AssertionError("startup must not fetch")


def load_once(path: Path, ids: list[str], parse_all: bool) -> float:
    gc.collect()
    t0 = time.perf_counter()
    store = Store.open(path)
    monitor = Monitor(_NoFetch(), store=store)
    monitor.add(ids)
    loaded = monitor.load_cached()
    if parse_all:
        parsed = sum(state.job is not None for state in monitor.jobs.values())
        if parsed != len(ids):
            raise RuntimeError(f"parsed {parsed} of {len(ids)} jobs")
    elapsed = time.perf_counter() - t0
    store.close()
    if loaded != len(ids):
        raise RuntimeError(f"loaded {loaded} of {len(ids)} jobs")
    return elapsed * 1000


def load_summaries_once(path: Path, ids: list[str]) -> float:
    """What a screen showing every job at once reads: each job's summary, no payload."""
    gc.collect()
    t0 = time.perf_counter()
    with Store.open(path) as store:
        rows = {summary.job_id: summary for summary in store.load_summaries()}
    elapsed = time.perf_counter() - t0
    if len(rows) != len(ids):
        raise RuntimeError(f"{len(rows)} summaries for {len(ids)} jobs")
    return elapsed * 1000


def run(ctx: Context, results: Results) -> None:
    with sim_process(jobs=DISTINCT) as sim:
        payloads = asyncio.run(fetch_payloads(sim.endpoint, sim.ids))
    runs = ctx.pick(7, 2)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "state.db"
        ids = write_db(path, payloads, JOBS)
        size = sum(p.stat().st_size for p in Path(tmp).iterdir())
        lazy = [load_once(path, ids, parse_all=False) for _ in range(runs)]
        full = [load_once(path, ids, parse_all=True) for _ in range(runs)]
        rows = [load_summaries_once(path, ids) for _ in range(runs)]
    results.add(
        Figure(
            f"startup: engine state of {JOBS:,} cached jobs loaded from disk",
            lazy,
            "ms",
            target="< 200 ms",
            reference=f"Store.open + load_cached (parse on first use); db {size / 1e6:.1f} MB",
            passed=statistics.median(lazy) < 200,
        )
    )
    results.add(
        Figure(
            f"startup: every one of {JOBS:,} jobs' row (status, title, counts) at once",
            rows,
            "ms",
            target="< 200 ms",
            reference=(
                "Store.open + load_summaries: the summary kept beside each snapshot, no "
                f"payload parsed (parsing every payload instead: {statistics.median(full):.0f} ms)"
            ),
            passed=statistics.median(rows) < 200,
        )
    )
