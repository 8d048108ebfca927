"""TUI figures, headless through ``App.run_test()``:

- first frame with 5,000 cached jobs: from building the app (its engine loads the state
  db) to the first frame the screen paints (the table adds rows past the first screenful
  in chunks after it; the time until all 5,000 are in is shown too);
- applying 50 changes to the 5,000-job table: an engine update carrying 50 changed jobs
  (new snapshots with storyboard changes, and their events) until the next frame: the
  first 50 rows, the screenful and a few below it (a changed row off screen is only drawn
  when scrolled to), a minute more of progress each round;
- RSS of the process with 5,000 jobs × 20 storyboards on screen and in the engine.

Each run is a fresh child process (clean RSS) watching jobs that a simulator process
serves at 50 ms latency, so the engine starts polling as it would for a user (at the
default 10 requests/s). The cached snapshots are simulator answers with 20 storyboards.

A studio's year (``run_big``): 100,000 watched jobs and 1,000,000 events
(``big_state``), one fresh child: first frame from opening the state db (watch list
included, as the CLI reads it) to the first paint; then, engine paused, ``j`` five times,
``s`` three times (status, last change, title), the filter's last key, ``e`` to open the
event log, each to the next frame; RSS last. The endpoint refuses connections, so the
5,000 running jobs' first pass fails fast instead of polling.
"""

from __future__ import annotations

import asyncio
import gc
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.harness import Context, Figure, Results, demo_credentials, rss_bytes, sim_process

NAME = "tui"
JOBS = 5000
STORYBOARDS = 20
CHANGES = 50
AGE = 900.0  # seconds into a job: all 20 storyboards exist, some still in production
LATER = 60.0  # the changed snapshots: one minute of progress later
UNAVAILABLE = "not measured (TUI not available)"
NAMES = (
    f"TUI first frame with {JOBS:,} cached jobs",
    f"TUI: applying {CHANGES} changes to a {JOBS:,}-job table",
    f"TUI RSS with {JOBS:,} jobs × {STORYBOARDS} storyboards",
    f"TUI: a key press answered with {JOBS:,} jobs",
)


def tui_available() -> bool:
    try:
        from yike_tui.ui.app import YikeApp  # noqa: F401
    except ImportError:
        return False
    return True


def payload(job_id: str, index: int, later: float = 0.0) -> dict[str, Any]:
    """A Running job with 20 storyboards as the simulator answers it (``later`` s on)."""
    from yike_tui.sim.jobs import Fate
    from yike_tui.sim.payload import get_job_body
    from yike_tui.sim.scenarios import Recipe, build_job

    shots = ((3, "7", "NoMediaData"),) if index % 4 == 0 else ()
    recipe = Recipe(f"Novel #{index}", Fate.FOREVER, STORYBOARDS, AGE, 3600, None, shots)
    job = build_job(job_id, recipe, random.Random(index), 10_000.0)
    url = "https://yike-demo.oss-cn-shanghai.aliyuncs.com/out.mp4?Signature=x"
    return get_job_body(job, 10_000.0 + later, f"req-{index}", lambda _: url, "2020-11-09")


def write_db(path: Path, ids: list[str]) -> None:
    from yike_tui.store import SnapshotItem, Store

    with Store.open(path) as store:
        rows = []
        for index, job_id in enumerate(ids):
            body = payload(job_id, index)
            rows.append(
                SnapshotItem(job_id, body, time.time(), body["JobStatus"], f"Novel #{index}")
            )
        store.save_snapshots(rows)


# --- the child: one app, measured -----------------------------------------------------------


async def _child(endpoint: str, db: Path, ids: list[str]) -> dict[str, Any]:
    from yike_tui.core.config import Settings
    from yike_tui.core.models import parse_job
    from yike_tui.engine.diff import diff
    from yike_tui.engine.status import Update
    from yike_tui.session import session_for
    from yike_tui.store import Store
    from yike_tui.ui.app import YikeApp
    from yike_tui.ui.widgets.job_table import JobTable

    store = Store.open(db)
    session = session_for(
        endpoint,
        demo_credentials(),
        ids,
        settings=Settings(clipboard="off"),
        store=store,
    )
    frames: list[float] = []
    started = time.perf_counter()
    app = YikeApp(session)
    display = app._display

    def timed_display(screen: Any, renderable: Any) -> None:
        display(screen, renderable)
        frames.append(time.perf_counter())

    app._display = timed_display  # type: ignore[method-assign]
    out: dict[str, Any] = {}
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        out["first_frame_ms"] = ((frames[0] if frames else time.perf_counter()) - started) * 1000
        table = app.query_one(JobTable)
        deadline = time.perf_counter() + 60
        while table.row_count < len(ids):  # rows past the first screenful come in chunks
            if time.perf_counter() > deadline:
                raise RuntimeError(f"table has {table.row_count} rows, expected {len(ids)}")
            await pilot.pause(0.01)
        out["all_rows_ms"] = (time.perf_counter() - started) * 1000
        monitor = app.monitor
        assert monitor is not None
        monitor.pause()  # from here on, only our updates change the table
        await pilot.pause(0.3)

        applied = []
        for round_ in range(5):
            # The first rows, on screen (a row off screen is not drawn until scrolled to),
            # one more minute of progress each round.
            batch = ids[:CHANGES]
            events, wall = [], time.time()
            for job_id in batch:
                state = monitor.jobs[job_id]
                body = payload(job_id, ids.index(job_id), later=LATER * (round_ + 1))
                new = parse_job(body, job_id=job_id, fetched_at=wall)
                events += diff(state.job, new, ts=wall)
                state.job, state.payload, state.last_checked = new, body, wall
            frames.clear()
            t0 = time.perf_counter()
            monitor._emit(Update(events, set(batch)))  # what the engine does after a fetch
            app.flush_updates()  # the app draws bursts once a second; measure the drawing itself
            await pilot.pause(0.2)
            if not frames:
                raise RuntimeError("no frame after the update")
            applied.append((frames[0] - t0) * 1000)
            out["events_per_update"] = len(events)
        out["apply_ms"] = applied
        keys = []
        for _ in range(5):
            frames.clear()
            t0 = time.perf_counter()
            await pilot.press("j")
            await pilot.pause(0.1)
            if frames:
                keys.append((frames[0] - t0) * 1000)
        out["key_ms"] = keys
        gc.collect()
        out["rss_mb"] = rss_bytes() / 1e6
    store.close()
    return out


async def _child_big(db: Path) -> dict[str, Any]:
    """The TUI over a studio's year: 100,000 jobs, 1,000,000 events."""
    from yike_tui.core.config import Settings
    from yike_tui.session import session_for
    from yike_tui.store import Store
    from yike_tui.ui.app import YikeApp

    started = time.perf_counter()
    store = Store.open(db, prune=False)
    ids = [job.id for job in store.watchlist()]
    session = session_for(
        "http://127.0.0.1:9",  # refused: no polling
        demo_credentials(),
        ids,
        settings=Settings(clipboard="off"),
        store=store,
    )
    frames: list[float] = []
    app = YikeApp(session)
    display = app._display

    def timed_display(screen: Any, renderable: Any) -> None:
        display(screen, renderable)
        frames.append(time.perf_counter())

    app._display = timed_display  # type: ignore[method-assign]
    out: dict[str, Any] = {}

    async def answered(*keys: str) -> float:
        """Keys pressed -> the next frame, in ms (NaN when no frame came)."""
        frames.clear()
        t0 = time.perf_counter()
        await pilot.press(*keys)
        await pilot.pause(0.2)
        return (frames[0] - t0) * 1000 if frames else float("nan")

    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        out["first_frame_ms"] = ((frames[0] if frames else time.perf_counter()) - started) * 1000
        if app.monitor is not None:
            app.monitor.pause()
        await pilot.pause(0.5)
        out["key_ms"] = [await answered("j") for _ in range(5)]
        out["sort_ms"] = [await answered("s") for _ in range(3)]
        await answered("slash", *"Episode 424")  # the filter box open, the text typed
        out["filter_ms"] = [await answered("2")]  # the last key: the list filtered
        await answered("enter")
        await answered("escape")
        out["events_ms"] = [await answered("e")]
        gc.collect()
        out["rss_mb"] = rss_bytes() / 1e6
    store.close()
    return out


def run_big(ctx: Context, results: Results) -> None:
    """The TUI at 100,000 jobs (10,000 with --quick), each figure from a fresh child."""
    from benchmarks import big_state

    jobs = ctx.pick(big_state.JOBS, 10_000)
    events = ctx.pick(big_state.EVENTS, 100_000)
    cached = big_state.cached(jobs, events)
    names = {
        "first_frame_ms": (f"TUI first frame with {jobs:,} jobs", "≤ 500 ms", 500.0),
        "key_ms": (f"TUI: a key press answered with {jobs:,} jobs", "≤ 16 ms", 16.0),
        "filter_ms": (f"TUI: filter over {jobs:,} jobs", "≤ 100 ms", 100.0),
        "sort_ms": (f"TUI: sort over {jobs:,} jobs", "≤ 100 ms", 100.0),
        "events_ms": (f"TUI: opening the event log, {events:,} events", "≤ 200 ms", 200.0),
        "rss_mb": (f"TUI RSS with {jobs:,} jobs", "≤ 300 MB", 300.0),
    }
    with tempfile.TemporaryDirectory() as tmp:
        db = big_state.fresh_copy(cached, Path(tmp))
        done = subprocess.run(
            [sys.executable, "-m", "benchmarks.tui", "--big", str(db)],
            capture_output=True,
            text=True,
            timeout=900,
        )
    if done.returncode != 0:
        last = done.stderr.strip().splitlines()[-1:] or ["no output"]
        for name, _, _ in names.values():
            results.add(Figure(name, [], "", text=f"crashed: {last[0][:160]}"))
        return
    sample: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    for key, (name, target, limit) in names.items():
        values = sample[key] if isinstance(sample[key], list) else [sample[key]]
        values = [v for v in values if v == v]  # NaN: no frame came
        unit = "MB" if key == "rss_mb" else "ms"
        results.add(
            Figure(
                name,
                values,
                unit,
                target=target,
                reference="headless 160×48, engine paused after the first frame",
                passed=bool(values) and statistics.median(values) <= limit,
                text="" if values else "no frame came",
            )
        )


def measure(endpoint: str, db: Path, ids_file: Path) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.tui", endpoint, str(db), str(ids_file)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        last = done.stderr.strip().splitlines()[-1:] or ["no output"]
        raise RuntimeError(f"TUI child failed: {last[0][:200]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def run(ctx: Context, results: Results) -> None:
    if not tui_available():
        for name in NAMES:
            results.add(Figure(name, [], "", text=UNAVAILABLE))
        return
    run_5000(ctx, results)
    run_big(ctx, results)


def run_5000(ctx: Context, results: Results) -> None:
    runs = ctx.pick(3, 1)
    with sim_process(jobs=JOBS, latency_ms=50) as sim, tempfile.TemporaryDirectory() as tmp:
        db, ids_file = Path(tmp) / "state.db", Path(tmp) / "ids.txt"
        write_db(db, sim.ids)
        ids_file.write_text("\n".join(sim.ids))
        samples = [measure(sim.endpoint, db, ids_file) for _ in range(runs)]
    first = [s["first_frame_ms"] for s in samples]
    all_rows = statistics.median(s["all_rows_ms"] for s in samples)
    apply = [statistics.median(s["apply_ms"]) for s in samples]
    rss = [s["rss_mb"] for s in samples]
    keys = [statistics.median(s["key_ms"]) for s in samples if s["key_ms"]]
    results.add(
        Figure(
            NAMES[0],
            first,
            "ms",
            target="≤ 1 s",
            reference="app built (engine loads the db) → first frame painted, 160×48",
            note=f"all {JOBS:,} rows in the table after {all_rows:,.0f} ms",
            passed=statistics.median(first) <= 1000,
        )
    )
    results.add(
        Figure(
            NAMES[1],
            apply,
            "ms",
            target="≤ 50 ms",
            reference=(
                f"engine update with {CHANGES} changed jobs (the rows on screen and a few "
                f"below) and {samples[-1]['events_per_update']} events → next frame"
            ),
            passed=statistics.median(apply) <= 50,
        )
    )
    results.add(
        Figure(
            NAMES[3],
            keys,
            "ms",
            target="< 50 ms",
            reference=f"`j` pressed → next frame, {JOBS:,} jobs in the table",
            passed=bool(keys) and statistics.median(keys) < 50,
        )
    )
    results.add(
        Figure(
            NAMES[2],
            rss,
            "MB",
            target="≤ 200 MB",
            reference="whole process RSS, engine paused after the first frame",
            passed=statistics.median(rss) <= 200,
        )
    )


if __name__ == "__main__" and sys.argv[1] == "--big":
    print(json.dumps(asyncio.run(_child_big(Path(sys.argv[2])))))
elif __name__ == "__main__":
    ids = Path(sys.argv[3]).read_text().split()
    print(json.dumps(asyncio.run(_child(sys.argv[1], Path(sys.argv[2]), ids))))
