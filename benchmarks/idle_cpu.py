"""Idle CPU: the engine watching running jobs at the default interval (30 s).

100 running jobs: the engine runs for real (real clock, real timers, the default rate
limit and concurrency) against the simulator. The first pass is startup, not idling: this
process's CPU is read over the 60 s after it, which hold the next refreshes. ``--quick``
watches for 5 s (too short for a refresh) and adds the first pass's CPU amortised over
the interval (5/30 of it) instead.

A studio's year (``run_year``): the 100,000-job state (``big_state``; 10,000
with ``--quick``) whose 5,000 running jobs take ids the simulator plans as running for the
next hour, so the simulator (its own process) answers them. Their first answers are stored
first (rate limit lifted: the stored ones were the state's, not the simulator's); then
``watch``'s engine (``Session.make_monitor``, default settings: 30 s, 8 at once, 10
requests/s) starts from the state as ``watch`` does. 5,000 running jobs at 10 requests/s
keep it sending all the time (a pass takes ~500 s), so the figure is CPU per answer × 10/s
plus the rest: this process's CPU over 60 s after 60 s of watching (5 s after 2 s with
``--quick``). The note counts the answers and those that changed something. Then the TUI's
own idle CPU over the same state, engine paused (its 1 s tick, the status bar), in a child.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.harness import (
    Context,
    Figure,
    Results,
    demo_credentials,
    ice_client,
    sim_process,
)
from benchmarks.tui_pty import tui_on_pty
from yike_tui.core.models import JobStatus
from yike_tui.engine.monitor import Monitor
from yike_tui.engine.status import Update
from yike_tui.store import MAX_EVENTS, Store

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
    run_year(ctx, results)


# --- a studio's year: 100,000 watched jobs, 5,000 of them running -----------------

SEED = 0  # the simulator's default --seed
LEFT = 3600.0  # a job the simulator plans with at least this long to run is running throughout


def running_sim_ids(count: int) -> tuple[int, list[str]]:
    """(jobs for ``--jobs``, the first ``count`` of them that run for the next hour): the
    simulator's own plan (``load_recipe``), read without asking it."""
    from yike_tui.sim.jobs import Fate
    from yike_tui.sim.scenarios import job_id_for, load_recipe

    ids: list[str] = []
    index = 0
    while len(ids) < count:
        recipe = load_recipe(random.Random(f"{SEED}:load:{index}"))
        if recipe.fate is Fate.SUCCEED and recipe.span - recipe.age > LEFT:
            ids.append(job_id_for(SEED, "load", index))
        index += 1
    return index, ids


def adopt(db: Path, sim_ids: list[str]) -> list[str]:
    """Give the state's running jobs the simulator's ids (watch list, snapshot, summary and
    events), so the simulator answers for them; returns the 100,000 watched ids."""
    conn = sqlite3.connect(db)
    try:
        with conn:
            old = [row[0] for row in conn.execute(
                "SELECT job_id FROM summaries WHERE saved_status = 'Running' ORDER BY job_id"
            )]  # fmt: skip
            if len(old) != len(sim_ids):
                raise RuntimeError(f"{len(old)} running jobs in the state, {len(sim_ids)} asked")
            for was, now in zip(old, sim_ids, strict=True):
                conn.execute("UPDATE watchlist SET job_id = ? WHERE job_id = ?", (now, was))
                conn.execute(
                    "UPDATE snapshots SET job_id = ?, payload = replace(payload, ?, ?) "
                    "WHERE job_id = ?",
                    (now, was, now, was),
                )
                conn.execute("UPDATE summaries SET job_id = ? WHERE job_id = ?", (now, was))
                conn.execute("UPDATE events SET job_id = ? WHERE job_id = ?", (now, was))
        return [row[0] for row in conn.execute("SELECT job_id FROM watchlist ORDER BY position")]
    finally:
        conn.close()


async def first_answers(endpoint: str, db: Path, ids: list[str]) -> None:
    """The running jobs' first answers stored, the rate limit lifted: what the first minutes
    of watching do (each stored answer was the state's, not the simulator's)."""
    store = Store.open(db, prune=False)
    try:
        async with ice_client(endpoint) as client:
            monitor = Monitor(client, store=store, concurrency=16, rate_limit=0)
            monitor.add(ids)
            await monitor.run_pass()
            failed = [s for s in monitor.jobs.values() if s.error is not None]
            if failed:
                raise RuntimeError(f"{len(failed)} first answers failed: {failed[0].error}")
    finally:
        store.close()


@dataclass
class Steady:
    percent: float  # of one core, over the window
    answers: int  # in the window
    changed: int  # of those, answers with an event


async def steady(endpoint: str, db: Path, warm: float, seconds: float) -> Steady:
    """``watch``'s engine (Session.make_monitor, default settings) over the state: this
    process's CPU over ``seconds`` after ``warm`` seconds of watching."""
    from yike_tui.session import session_for

    store = Store.open(db, prune=False)
    changed: set[str] = set()
    counting = False

    def listen(update: Update) -> None:
        if counting:
            changed.update(e.job_id for e in update.events)

    try:
        session = session_for(
            endpoint,
            demo_credentials(),
            [job.id for job in store.watchlist()],
            store=store,
        )
        async with session.make_client() as client:
            monitor = session.make_monitor(client)
            monitor.subscribe(listen)
            task = asyncio.create_task(monitor.run())
            await asyncio.sleep(warm)
            counting = True
            requests, cpu0 = monitor.status.requests, time.process_time()
            await asyncio.sleep(seconds)
            used = time.process_time() - cpu0
            answers = monitor.status.requests - requests
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    finally:
        store.close()
    return Steady(used / seconds * 100, answers, len(changed))


def run_year(ctx: Context, results: Results) -> None:
    from benchmarks import big_state

    jobs = ctx.pick(big_state.JOBS, 10_000)
    events = ctx.pick(big_state.EVENTS, 100_000)
    warm, seconds = ctx.pick(60, 2), ctx.pick(60, 5)
    running = int(jobs * big_state.RUNNING_SHARE)
    sim_jobs, sim_ids = running_sim_ids(running)
    cached = big_state.cached(jobs, events)
    with tempfile.TemporaryDirectory() as tmp, sim_process(jobs=sim_jobs) as sim:
        db = big_state.fresh_copy(cached, Path(tmp))
        adopt(db, sim_ids)
        asyncio.run(first_answers(sim.endpoint, db, sim_ids))
        found = asyncio.run(steady(sim.endpoint, db, warm, seconds))
        live = tui_on_pty(db, sim.endpoint, warm, seconds)
    per_answer = found.percent * 10 * seconds / max(1, found.answers)  # ms per answer
    results.add(
        Figure(
            f"idle CPU: {jobs:,} watched, {running:,} running, default interval and rate limit",
            [found.percent],
            "% of a core",
            target="≤ 1%",
            reference=f"`watch`'s engine, {seconds} s after {warm} s of watching",
            note=(
                f"{found.answers} answers, {found.changed} with an event; "
                f"{per_answer:.2f} ms CPU an answer"
            ),
            passed=found.percent <= 1.0,
        )
    )
    results.add(
        Figure(
            f"TUI idle CPU: {jobs:,} watched, {running:,} running, defaults",
            [live.cpu_percent],
            "% of a core",
            target="≤ 1%",
            reference=(
                f"the real `yike-tui` on a 160×48 pseudo-terminal, every thread, "
                f"{seconds} s after {warm} s"
            ),
            passed=live.cpu_percent <= 1.0,
        )
    )
    results.add(
        Figure(
            f"`yike-tui` started to its first frame on a pseudo-terminal, {jobs:,} jobs",
            [live.first_frame * 1000],
            "ms",
            reference=(
                f"the whole process: interpreter, imports, the state db opened (its "
                f"{events:,} events pruned to {MAX_EVENTS:,}), the first frame drawn"
            ),
        )
    )
    with tempfile.TemporaryDirectory() as tmp:
        db = big_state.fresh_copy(cached, Path(tmp))
        paused = tui_idle(db, 2.0, ctx.pick(30, 3))
    if paused is not None:
        results.add(
            Figure(
                f"TUI idle CPU: {jobs:,} jobs, engine paused",
                [paused],
                "% of a core",
                target="≤ 1%",
                reference=f"headless 160×48, {ctx.pick(30, 3)} s after the first frame",
                passed=paused <= 1.0,
            )
        )


def tui_idle(db: Path, warm: float, seconds: float) -> float | None:
    """The TUI's own idle CPU over the state db, engine paused (its 1 s tick, the status
    bar), headless in a fresh child. None: no TUI installed."""
    try:
        from yike_tui.ui.app import YikeApp  # noqa: F401
    except ImportError:
        return None
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.idle_cpu", "--tui", str(db), str(warm), str(seconds)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if done.returncode != 0:
        last = done.stderr.strip().splitlines()[-1:] or ["no output"]
        raise RuntimeError(f"TUI child failed: {last[0][:200]}")
    return float(done.stdout.strip().splitlines()[-1])


async def _tui_child(db: Path, warm: float, seconds: float) -> float:
    from yike_tui.core.config import Settings
    from yike_tui.session import session_for
    from yike_tui.ui.app import YikeApp

    store = Store.open(db, prune=False)
    session = session_for(
        "http://127.0.0.1:9",  # refused: no polling
        demo_credentials(),
        [job.id for job in store.watchlist()],
        settings=Settings(clipboard="off"),
        store=store,
    )
    app = YikeApp(session)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        if app.monitor is not None:
            app.monitor.pause()
        await asyncio.sleep(warm)  # the table's rows past the first screenful come in chunks
        cpu0 = time.process_time()
        await asyncio.sleep(seconds)
        used = time.process_time() - cpu0
    store.close()
    return used / seconds * 100


if __name__ == "__main__" and sys.argv[1:2] == ["--tui"]:
    where, warm, seconds = sys.argv[2:5]
    print(asyncio.run(_tui_child(Path(where), float(warm), float(seconds))))
