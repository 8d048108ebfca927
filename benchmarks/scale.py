"""A studio's year: 100,000 watched jobs and 1,000,000 events in the state db.

Commands run as a user runs them, each in its own process (wall from spawn to exit, peak
RSS from ``wait4``): ``add`` and ``remove`` of 100,000 ids (from stdin, into an empty
state), ``list --json`` and ``report --cached`` over the whole watch list. In-process: the
engine's start-up from the summaries (watch list, ``Monitor.add``, ``load_cached``) beside
the old way (every snapshot read and decoded), and opening the event log (the newest 200
of 1,000,000 events). ``--quick``: 10,000 jobs and 100,000 events.

Each timed figure is a ratio to a floor measured in the same run, alternating with ours, its
absolute value beside it: the commands to a minimal program doing the same I/O
(``benchmarks/plain_io.py``: plain ``sqlite3`` and ``json``, started the same way, so
interpreter start-up is on both sides), the engine's start to a plain ``sqlite3`` select of
the same rows into tuples. The commands' peak RSS limit stays absolute (100 MB): memory is
not machine speed. Each target is the old absolute target divided by the floor on the
machine that target was set on, taken as a third of the floor measured here (that machine
ran about 3× as fast as this Intel Xeon @ 2.80 GHz with 2 cores: the simulator's request
0.19 against 0.4–0.68 ms, ``--version`` 30 against 75 ms), rounded down, from floors
measured here on a quiet machine: ``add``/``remove`` 2 s ÷ (0.39 ÷ 3) → 15×; ``list --json``
3 s ÷ (0.98 ÷ 3) → 9×; ``report --cached`` 3 s ÷ (1.0 ÷ 3) → 9× (json), ÷ (0.86 ÷ 3) → 10×
(md); the engine's start 500 ms (the TUI's first frame) ÷ (356 ÷ 3) → 4×; the event
log's newest 200 events 200 ms ÷ (1.6 ÷ 3) ≈ 375×, held at 100× (a page of events is a
few ms however it is read: the old 200 ms was far above it).
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
from benchmarks.harness import Context, Figure, Results, ratio_figure, rss_bytes
from benchmarks.plain_io import newest_events, summary_rows
from benchmarks.whole_run import Child, run_child, user_env
from yike_tui.engine.monitor import Monitor
from yike_tui.store import Store
from yike_tui.store.summary import ROW_COLUMNS


class _NoFetch:
    async def get_job_payload(self, job_id: str) -> dict[str, Any]:
        raise AssertionError("start-up must not fetch")


NAME = "scale"
# Targets as ratios to the plain program (the module's docstring says how each was set).
ADD = 15.0  # `add` and `remove` ÷ plain executemany
LIST = 9.0  # `list --json` ÷ plain sqlite3 + json.dumps
REPORT = {"json": 9.0, "md": 10.0}  # `report --cached` ÷ plain sqlite3 + json.dumps / md line
ENGINE_START = 4.0  # engine start ÷ a plain select of the same rows
EVENT_LOG = 100.0  # the newest 200 events ÷ a plain select of them
RSS_MB = 100.0  # the commands' peak RSS: absolute (memory is not machine speed)
PLAIN_REPORT = {"json": "json.dumps", "md": "a Markdown line"}


def _cli(env: dict[str, str], *args: str, stdin: Path | None = None) -> Child:
    return run_child([sys.executable, "-m", "yike_tui", *args], env, stdin)


def _plain(env: dict[str, str], *args: str, stdin: Path | None = None) -> Child:
    return run_child([sys.executable, "-m", "benchmarks.plain_io", *args], env, stdin)


def _figure(
    results: Results,
    name: str,
    pair: tuple[list[Child], list[Child]],
    target: float,
    floor_name: str,
    note: str,
) -> None:
    """Ours ÷ the plain program's wall, run by run; passes when the ratio and our peak RSS
    (memory is not machine speed: its limit stays absolute) are within their targets."""
    ours, plain = pair
    rss = statistics.median(c.rss_mb for c in ours)
    plain_rss = statistics.median(c.rss_mb for c in plain)
    figure = ratio_figure(
        name,
        [c.wall for c in ours],
        [c.wall for c in plain],
        "s",
        floor_name=floor_name,
        target=target,
        note=f"peak RSS {rss:.0f} MB (plain {plain_rss:.0f} MB); {note}",
    )
    figure.target += f", ≤ {RSS_MB:g} MB RSS"
    figure.passed = bool(figure.passed) and rss <= RSS_MB
    results.add(figure)


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
        _reads(results, env, db, runs, note)
        _startup(results, db, jobs, runs, full=not ctx.quick)
        _event_log(results, db, events, runs)


def _side_by_side(
    env: dict[str, str], runs: int, ours: list[str], plain: list[str]
) -> tuple[list[Child], list[Child]]:
    """Alternating runs of ``yike-tui OURS...`` and ``plain_io PLAIN...`` (ours, plain,
    ours...): a busy moment of the machine hits both."""
    pairs = [(_cli(env, *ours), _plain(env, *plain)) for _ in range(runs)]
    return [o for o, _ in pairs], [p for _, p in pairs]


def _reads(results: Results, env: dict[str, str], db: Path, runs: int, note: str) -> None:
    """``list --json`` and ``report --cached`` over the whole state db."""
    jobs = f"{note.split()[0]} jobs"
    listed = _side_by_side(env, runs, ["list", "--json"], ["list", str(db)])
    plain = "sqlite3 + json.dumps of the same rows"
    _figure(results, f"`list --json` at {jobs} ÷ a plain program", listed, LIST, plain, note)
    for fmt in ("json", "md"):
        ours = ["report", "--cached", "--format", fmt]
        reported = _side_by_side(env, runs, ours, [f"report-{fmt}", str(db)])
        plain = f"sqlite3 + {PLAIN_REPORT[fmt]} of the same rows"
        name = f"`report --cached --format {fmt}` at {jobs} ÷ a plain program"
        _figure(results, name, reported, REPORT[fmt], plain, note)


def _watch_list(results: Results, home: Path, jobs: int, runs: int) -> None:
    ids = home / "ids.txt"
    home.mkdir()
    ids.write_text("".join(f"{big_state.job_id(n)}\n" for n in range(jobs)), encoding="utf-8")
    added: tuple[list[Child], list[Child]] = ([], [])
    removed: tuple[list[Child], list[Child]] = ([], [])
    for n in range(runs):  # alternating, as _side_by_side
        env = user_env(home / f"run{n}", "http://127.0.0.1:9")
        plain_db = home / f"plain{n}.sqlite3"
        added[0].append(_cli(env, "add", "-", stdin=ids))
        added[1].append(_plain(env, "add", str(plain_db), stdin=ids))
        removed[0].append(_cli(env, "remove", "-", stdin=ids))
        removed[1].append(_plain(env, "remove", str(plain_db), stdin=ids))
    plain = "sqlite3 executemany of the same ids from stdin"
    _figure(results, f"`add` of {jobs:,} ids (stdin) ÷ a plain program", added, ADD, plain,
            "into an empty watch list")  # fmt: skip
    _figure(results, f"`remove` of {jobs:,} ids (stdin) ÷ a plain program", removed, ADD, plain,
            "the whole list")  # fmt: skip


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

    samples, floor = [], []
    for _ in range(runs):  # alternating: a busy moment of the machine hits both
        samples.append(summaries())
        floor.append(_plain_rows(db, jobs))
    results.add(
        ratio_figure(
            f"startup: engine state of {jobs:,} jobs from their summaries ÷ a plain select",
            [ms for ms, _ in samples],
            floor,
            "ms",
            floor_name="sqlite3 select of the same rows into tuples",
            target=ENGINE_START,
            note=(
                f"ours: Store.open + watch list + Monitor.add + load_cached, nothing parsed, "
                f"{statistics.median(mb for _, mb in samples):.0f} MB held; plain: the watch "
                "list joined to the summaries' row columns"
            ),
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


def _plain_rows(db: Path, jobs: int) -> float:
    ms, rows = summary_rows(db, ROW_COLUMNS, watched=True)
    if rows != jobs:
        raise RuntimeError(f"{rows} rows for {jobs} jobs")
    return ms


def _event_log(results: Results, db: Path, events: int, runs: int) -> None:
    def open_log() -> float:
        with Store.open(db, prune=False) as store:
            t0 = time.perf_counter()
            page = store.recent_events(200)
            elapsed = time.perf_counter() - t0
        if len(page) != 200:
            raise RuntimeError(f"{len(page)} events")
        return elapsed * 1000

    ours: list[float] = []
    plain: list[float] = []
    for _ in range(runs):  # alternating
        ours.append(open_log())
        plain.append(newest_events(db, 200))
    results.add(
        ratio_figure(
            f"event log: newest 200 of {events:,} events ÷ a plain select",
            ours,
            plain,
            "ms",
            floor_name="sqlite3 select of the newest 200 (ts index), each one's JSON decoded",
            target=EVENT_LOG,
            note="Store.recent_events (the ts index, newest first; older pages by offset)",
        )
    )
