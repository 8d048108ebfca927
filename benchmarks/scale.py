"""A studio's year: 100,000 watched jobs and 1,000,000 events in the state db.

Commands run as a user runs them, each in its own process (wall from spawn to exit, peak
RSS from ``wait4``): ``add`` and ``remove`` of 100,000 ids (from stdin, into an empty
state), ``list --json`` and ``report --cached`` over the whole watch list. In-process: the
engine's start-up from the summaries (watch list, ``Monitor.add``, ``load_cached``) beside
the old way (every snapshot read and decoded), and opening the event log (the newest 200
of 1,000,000 events). ``--quick``: 10,000 jobs and 100,000 events.
"""

from __future__ import annotations

import gc
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks import big_state
from benchmarks.harness import Context, Figure, Results, rss_bytes
from benchmarks.whole_run import Child, run_child, user_env
from yike_tui.engine.monitor import Monitor
from yike_tui.store import Store


class _NoFetch:
    async def get_job_payload(self, job_id: str) -> dict[str, Any]:
        raise AssertionError("start-up must not fetch")


NAME = "scale"


def _cli(env: dict[str, str], *args: str, stdin: Path | None = None) -> Child:
    return run_child([sys.executable, "-m", "yike_tui", *args], env, stdin)


def _figure(
    results: Results, name: str, runs: list[Child], limit_s: float, limit_mb: float, note: str
) -> None:
    walls = [c.wall for c in runs]
    rss = statistics.median(c.rss_mb for c in runs)
    results.add(
        Figure(
            name,
            walls,
            "s",
            target=f"≤ {limit_s:g} s, ≤ {limit_mb:g} MB RSS",
            reference=f"peak RSS {rss:.0f} MB; {note}",
            passed=statistics.median(walls) <= limit_s and rss <= limit_mb,
        )
    )


def run(ctx: Context, results: Results) -> None:
    jobs = ctx.pick(big_state.JOBS, 10_000)
    events = ctx.pick(big_state.EVENTS, 100_000)
    runs = ctx.pick(3, 1)
    t0 = time.perf_counter()
    cached = big_state.cached(jobs, events)
    print(f"   state db {cached.stat().st_size / 1e6:.0f} MB ({time.perf_counter() - t0:.1f} s)")
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        _watch_list(results, home / "empty", jobs, runs)
        env = user_env(home / "big", "http://127.0.0.1:9")  # no request is made
        state = home / "big" / "state" / "yike-tui"
        state.mkdir(parents=True, mode=0o700)
        db = big_state.fresh_copy(cached, state)
        db.rename(state / "state.sqlite3")
        db = state / "state.sqlite3"
        note = f"{jobs:,} jobs, {events:,} events"
        listed = [_cli(env, "list", "--json") for _ in range(runs)]
        _figure(results, f"`list --json` at {jobs:,} jobs", listed, 3, 100, note)
        for fmt in ("json", "md"):
            reported = [_cli(env, "report", "--cached", "--format", fmt) for _ in range(runs)]
            _figure(results, f"`report --cached --format {fmt}` at {jobs:,} jobs", reported, 3,
                    100, note)  # fmt: skip
        _startup(results, db, jobs, runs, full=not ctx.quick)
        _event_log(results, db, events, runs)


def _watch_list(results: Results, home: Path, jobs: int, runs: int) -> None:
    ids = home / "ids.txt"
    home.mkdir()
    ids.write_text("".join(f"{big_state.job_id(n)}\n" for n in range(jobs)), encoding="utf-8")
    added, removed = [], []
    for n in range(runs):
        env = user_env(home / f"run{n}", "http://127.0.0.1:9")
        added.append(_cli(env, "add", "-", stdin=ids))
        removed.append(_cli(env, "remove", "-", stdin=ids))
    _figure(results, f"`add` of {jobs:,} ids (stdin)", added, 2, 100, "into an empty watch list")
    _figure(results, f"`remove` of {jobs:,} ids (stdin)", removed, 2, 100, "the whole list")


def _startup(results: Results, db: Path, jobs: int, runs: int, *, full: bool) -> None:
    def summaries() -> tuple[float, float]:
        """The engine's start-up as the TUI does it: the watch list read, a state a job
        added, then every job's summary put in its state (no payload read or parsed)."""
        gc.collect()
        before = rss_bytes()
        t0 = time.perf_counter()
        with Store.open(db, prune=False) as store:
            engine = Monitor(_NoFetch(), store=store)
            for watched in store.watchlist():
                engine.add([watched.id], label=watched.label)
            loaded = engine.load_cached()
            elapsed = time.perf_counter() - t0
            grown = (rss_bytes() - before) / 1e6
            parsed = sum(state._job is not None for state in engine.jobs.values())
        if loaded != jobs or parsed:
            raise RuntimeError(f"{loaded} summaries for {jobs} jobs, {parsed} parsed")
        del engine
        return elapsed * 1000, grown

    samples = [summaries() for _ in range(runs)]
    results.add(
        Figure(
            f"startup: engine state of {jobs:,} jobs from their summaries",
            [ms for ms, _ in samples],
            "ms",
            target="≤ 500 ms (the TUI's first frame)",
            reference=(
                f"Store.open + watch list + Monitor.add + load_cached, nothing parsed; "
                f"{statistics.median(mb for _, mb in samples):.0f} MB held"
            ),
            passed=statistics.median(ms for ms, _ in samples) <= 500,
        )
    )
    if not full:
        return
    gc.collect()
    t0 = time.perf_counter()
    with Store.open(db, prune=False) as store:
        count = len(store.load_snapshots())
    before = (time.perf_counter() - t0) * 1000
    results.add(
        Figure(
            f"startup: the same from every snapshot (the way before summaries), {count:,} jobs",
            [before],
            "ms",
            reference="Store.open + load_snapshots (payloads read and decoded, not yet parsed)",
        )
    )


def _event_log(results: Results, db: Path, events: int, runs: int) -> None:
    def open_log() -> float:
        with Store.open(db, prune=False) as store:
            t0 = time.perf_counter()
            page = store.recent_events(200)
            elapsed = time.perf_counter() - t0
        if len(page) != 200:
            raise RuntimeError(f"{len(page)} events")
        return elapsed * 1000

    samples = [open_log() for _ in range(runs)]
    results.add(
        Figure(
            f"event log: newest 200 of {events:,} events",
            samples,
            "ms",
            target="≤ 200 ms",
            reference="Store.recent_events (the ts index, newest first; older pages by offset)",
            passed=statistics.median(samples) <= 200,
        )
    )
