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

Every CPU figure is a ratio to a floor measured over the same window, the percentages
beside it. The engine's: ÷ the simulator's own CPU (its process, from /proc) serving the
answers the engine asked for, what those answers cost on this machine. The real TUI's on a
pty: ÷ the sum of a bare Textual app ticking once a second (``bare_app.TickingApp``) idling
on a pty of its own and the simulator's CPU for the TUI's answers. Headless, engine
paused: ÷ the same ticking bare app, headless, run at the same time. Each target is the
old 1% of a core divided by the floor on the machine 1% was set on, taken as a third of the
floor measured here (that machine ran about 3× as fast: the simulator's request 0.19
against 0.4–0.68 ms), rounded down: 1 ÷ (0.217% ÷ 3) → 12× (100 jobs); 1 ÷ (0.567% ÷ 3)
→ 5× (5,000 running); 1 ÷ (1.35% ÷ 3) → 2× (the real TUI on a pty); 1 ÷ (0.216% ÷ 3) → 12×
(headless).
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
    SimProcess,
    demo_credentials,
    ice_client,
    ratio_figure,
    sim_process,
)
from benchmarks.tui_pty import PtyRun, tui_on_pty
from yike_tui.core.models import JobStatus
from yike_tui.engine.monitor import Monitor
from yike_tui.engine.status import Update
from yike_tui.store import MAX_EVENTS, Store

NAME = "idle_cpu"
JOBS = 100
INTERVAL = 30.0  # the default
# Targets as ratios (the module's docstring says how each was set).
IDLE_100 = 12.0  # ours ÷ the simulator's CPU, 100 running jobs
IDLE_YEAR = 5.0  # ours ÷ the simulator's CPU, 5,000 running of 100,000
TUI_PTY = 2.0  # the real TUI ÷ (the ticking bare app on a pty + the simulator's CPU)
TUI_PAUSED = 12.0  # headless, engine paused ÷ the ticking bare app headless


async def running_ids(endpoint: str, ids: list[str], count: int) -> list[str]:
    async with ice_client(endpoint) as client:
        jobs = await asyncio.gather(*(client.get_job(job_id) for job_id in ids))
    running = [job.id for job in jobs if job.status is JobStatus.RUNNING]
    if len(running) < count:
        raise RuntimeError(f"only {len(running)} running jobs in the simulator")
    return running[:count]


@dataclass
class Idle:
    ours: float  # percent of one core over the window
    sim: float  # the simulator's, over the same window: the answers' own cost


async def watch(
    endpoint: str, ids: list[str], seconds: float, quick: bool, sim: SimProcess
) -> Idle:
    """Percent of one core used over ``seconds`` of watching, ours and the simulator's."""
    async with ice_client(endpoint) as client:
        monitor = Monitor(client, interval=INTERVAL, concurrency=8)  # the defaults
        if quick:  # no 10 s wait for the first pass (pacing sleeps; it costs no CPU)
            monitor.limiter.rate = 0
        monitor.add(ids)
        cpu0, sim0 = time.process_time(), sim.cpu_seconds()
        await monitor.run_pass()
        pass_cpu, pass_sim = time.process_time() - cpu0, sim.cpu_seconds() - sim0
        cpu0, sim0 = time.process_time(), sim.cpu_seconds()
        task = asyncio.create_task(monitor.run())
        await asyncio.sleep(seconds)
        used, served = time.process_time() - cpu0, sim.cpu_seconds() - sim0
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    if quick:
        used += pass_cpu * seconds / INTERVAL
        served += pass_sim * seconds / INTERVAL
    return Idle(used / seconds * 100, served / seconds * 100)


def run(ctx: Context, results: Results) -> None:
    seconds = ctx.pick(60, 5)
    with sim_process(jobs=JOBS * 2) as sim:
        ids = asyncio.run(running_ids(sim.endpoint, sim.ids, JOBS))
        idle = asyncio.run(watch(sim.endpoint, ids, seconds, ctx.quick, sim))
    how = "60 s after the first pass"
    if ctx.quick:
        how = "5 s after the first pass + that pass × 5/30"
    results.add(
        ratio_figure(
            f"idle CPU: {JOBS} running jobs at the default {INTERVAL:g} s interval ÷ the "
            "simulator's",
            [idle.ours],
            [idle.sim],
            "% of a core",
            floor_name="the simulator serving the same answers",
            target=IDLE_100,
            note=f"{how}; both processes' CPU over the same window",
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
    sim: float  # the simulator's percent of one core over the same window


async def steady(sim: SimProcess, db: Path, warm: float, seconds: float) -> Steady:
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
            sim.endpoint,
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
            requests, cpu0, sim0 = monitor.status.requests, time.process_time(), sim.cpu_seconds()
            await asyncio.sleep(seconds)
            used, served = time.process_time() - cpu0, sim.cpu_seconds() - sim0
            answers = monitor.status.requests - requests
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    finally:
        store.close()
    return Steady(used / seconds * 100, answers, len(changed), served / seconds * 100)


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
        found = asyncio.run(steady(sim, db, warm, seconds))
        live = tui_on_pty(db, sim.endpoint, warm, seconds, bare=True, beside=[sim.pid])
    watching = f"{jobs:,} watched, {running:,} running"
    per_answer = found.percent * 10 * seconds / max(1, found.answers)  # ms per answer
    results.add(
        ratio_figure(
            f"idle CPU: {watching}, default interval and rate limit ÷ the simulator's",
            [found.percent],
            [found.sim],
            "% of a core",
            floor_name="the simulator serving the same answers",
            target=IDLE_YEAR,
            note=(
                f"`watch`'s engine and the simulator, {seconds} s after {warm} s of watching; "
                f"{found.answers} answers, {found.changed} with an event; "
                f"{per_answer:.2f} ms CPU an answer"
            ),
        )
    )
    tui_pty_figure(results, watching, live, f"{seconds} s after {warm} s")
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
            ratio_figure(
                f"TUI idle CPU: {jobs:,} jobs, engine paused ÷ a bare Textual app",
                [paused[0]],
                [paused[1]],
                "% of a core",
                floor_name="the bare app ticking",
                target=TUI_PAUSED,
                note=(
                    f"both headless 160×48 at once, {ctx.pick(30, 3)} s after the first frame; "
                    "the bare app (bare_app.TickingApp) redraws a status line each second"
                ),
            )
        )


def tui_pty_figure(results: Results, watching: str, live: PtyRun, when: str) -> None:
    """The real TUI on a pty ÷ what its work needs at least: Textual at rest on a pty and
    the simulator's CPU for the answers the TUI's engine asked for, the same window."""
    bare, server = live.bare_percent, live.beside[0]
    results.add(
        ratio_figure(
            f"TUI idle CPU: {watching}, defaults ÷ a bare Textual app + the simulator",
            [live.cpu_percent],
            [bare + server],
            "% of a core",
            floor_name="bare app + simulator",
            target=TUI_PTY,
            note=(
                f"the real `yike-tui` on a 160×48 pseudo-terminal, every thread, {when}; "
                f"the bare app ticking once a second on its own pty {bare:.2f}%, the "
                f"simulator serving ours {server:.2f}%, the same window"
            ),
        )
    )


def tui_idle(db: Path, warm: float, seconds: float) -> tuple[float, float] | None:
    """The TUI's own idle CPU over the state db, engine paused (its 1 s tick, the status
    bar), and the bare Textual app's, each headless in a fresh child, both at once (their
    windows overlap but for ours' longer start). None: no TUI installed."""
    try:
        from yike_tui.ui.app import YikeApp  # noqa: F401
    except ImportError:
        return None
    child = [sys.executable, "-m", "benchmarks.idle_cpu"]
    procs = [
        subprocess.Popen(
            [*child, side, str(db), str(warm), str(seconds)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for side in ("--tui", "--bare")
    ]
    percents = []
    for proc in procs:
        out, err = proc.communicate(timeout=600)
        if proc.returncode != 0:
            last = err.strip().splitlines()[-1:] or ["no output"]
            raise RuntimeError(f"TUI child failed: {last[0][:200]}")
        percents.append(float(out.strip().splitlines()[-1]))
    return percents[0], percents[1]


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
        used = await _idle(warm, seconds)
    store.close()
    return used


async def _bare_child(warm: float, seconds: float) -> float:
    from benchmarks.bare_app import TickingApp

    async with TickingApp().run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        return await _idle(warm, seconds)


async def _idle(warm: float, seconds: float) -> float:
    """Percent of one core this process uses over ``seconds`` after ``warm``."""
    await asyncio.sleep(warm)  # the table's rows past the first screenful come in chunks
    cpu0 = time.process_time()
    await asyncio.sleep(seconds)
    return (time.process_time() - cpu0) / seconds * 100


if __name__ == "__main__" and sys.argv[1:2] == ["--tui"]:
    where, warm, seconds = sys.argv[2:5]
    print(asyncio.run(_tui_child(Path(where), float(warm), float(seconds))))
elif __name__ == "__main__" and sys.argv[1:2] == ["--bare"]:
    warm, seconds = sys.argv[3:5]
    print(asyncio.run(_bare_child(float(warm), float(seconds))))
