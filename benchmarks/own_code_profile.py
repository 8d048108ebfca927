"""CPU per request spent in our own code, from a cProfile of a steady-state refresh pass.

"Ours" is everything but the HTTP stack and the event loop: yike_tui itself (signing,
parsing, diffing, the engine, the store) and the standard library it calls (hmac, json,
sqlite3...). Functions in httpx, httpcore, h11, anyio, sniffio, idna, asyncio, selectors,
socket and ssl are "theirs". A standard-library function called from both sides is
charged to its callers in proportion to the time each caller spent in it, so json.loads
from our parser counts as ours and urllib.parse from httpx's URL handling does not.
"""

from __future__ import annotations

import cProfile
import pstats
import statistics
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

from benchmarks.harness import Context, Results, ratio_figure, run_passes, sim_process
from benchmarks.sim_speed import sequential_ms
from yike_tui.store import Store

NAME = "own_code_profile"
# × the simulator's own sequential request: 0.2 ms on a machine where it takes 0.19 ms
TARGET = 1.0
_THEIRS = ("httpx", "httpcore", "h11", "anyio", "sniffio", "idna", "certifi")
_THEIRS_STDLIB = ("asyncio", "selectors.py", "socket.py", "ssl.py", "selector_events")

Func = tuple[str, int, str]


def _owner(func: Func) -> str | None:
    """'ours', 'theirs', or None when it depends on who called it."""
    path = func[0].replace("\\", "/")
    if "/yike_tui/" in path:
        return "ours"
    parts = path.split("/")
    if any(p in _THEIRS for p in parts) or any(s in path for s in _THEIRS_STDLIB):
        return "theirs"
    if path == "~" and func[2].startswith("<method 'run' of '_contextvars"):
        return "theirs"  # the event loop running a callback
    return None


def _group(func: Func) -> str:
    path = func[0].replace("\\", "/")
    for name in (*_THEIRS, "asyncio", "importlib", "sqlite3", "json", "hmac", "hashlib"):
        if f"/{name}/" in path or f"/{name}." in path or f" {name}." in f" {path}":
            return name
    return "yike_tui" if "/yike_tui/" in path else "other"


def split_profile(
    stats: pstats.Stats,
) -> tuple[float, float, list[tuple[float, Func]], dict[str, float]]:
    """(our seconds, their seconds, our top functions by own time, own time by package)."""
    table: dict[Func, Any] = stats.stats  # type: ignore[attr-defined]
    share: dict[Func, float] = {}  # fraction of a function's own time that is ours
    for func in table:
        owner = _owner(func)
        share[func] = 1.0 if owner == "ours" else 0.0
    undecided = [f for f in table if _owner(f) is None]
    for _ in range(30):  # propagate shares down call chains (a fixpoint; cycles converge)
        for func in undecided:
            callers = table[func][4]
            total = sum(c[3] for c in callers.values())  # cumulative time via each caller
            if total <= 0:
                share[func] = 0.0
                continue
            share[func] = sum(c[3] * share.get(caller, 0.0) for caller, c in callers.items())
            share[func] /= total
    ours = theirs = 0.0
    by_func: dict[Func, float] = defaultdict(float)
    groups: dict[str, float] = defaultdict(float)
    for func, (_cc, _nc, tt, _ct, _callers) in table.items():
        groups[_group(func)] += tt
        ours += tt * share[func]
        theirs += tt * (1 - share[func])
        if share[func] > 0:
            by_func[func] += tt * share[func]
    top = sorted(((t, f) for f, t in by_func.items()), reverse=True)[:12]
    return ours, theirs, top, dict(groups)


def run(ctx: Context, results: Results) -> None:
    jobs = ctx.pick(1000, 300)
    runs = ctx.pick(3, 1)
    estimate: list[float] = []  # our share of the profile × unprofiled CPU per request
    profiled: list[float] = []  # our own time per request under the profiler
    top: list[tuple[float, Func]] = []
    groups: dict[str, float] = {}
    floor: list[float] = []  # the simulator's own sequential request, the same run
    with sim_process(jobs=jobs) as sim, tempfile.TemporaryDirectory() as tmp:
        store = Store.open(Path(tmp) / "state.db")
        for _ in range(runs):
            profile = cProfile.Profile()
            fetched = run_passes(sim.endpoint, sim.ids, 1, store=store, profiler=profile)[0].fetched
            ours, theirs, top, groups = split_profile(pstats.Stats(profile))
            plain = run_passes(sim.endpoint, sim.ids, 1, store=store)[0]
            profiled.append(ours / fetched * 1000)
            estimate.append(ours / (ours + theirs) * plain.cpu / plain.fetched * 1000)
            floor.append(sequential_ms(sim.host, sim.ids, len(sim.ids)))
        store.close()
    if not ctx.quick:
        print("    profiled own time per request by package (last run):")
        for group, seconds in sorted(groups.items(), key=lambda kv: -kv[1]):
            print(f"      {seconds / jobs * 1000:7.4f} ms  {group}")
        print("    our top functions (own time per request under the profiler, last run):")
        for seconds, func in top:
            where = f"{Path(func[0]).name}:{func[1]}" if func[0] != "~" else ""
            print(f"      {seconds / jobs * 1000:7.4f} ms  {func[2]} {where}")
    results.add(
        ratio_figure(
            "CPU per request in our own code (sign, parse, diff, store, engine) ÷ the "
            "simulator's own request",
            estimate,
            floor,
            "ms",
            floor_name="the simulator's sequential request",
            target=TARGET,
            note=(
                "ours: our share of a cProfile of a pass × its unprofiled CPU (under the "
                f"profiler {statistics.median(profiled):.2f} ms); the simulator's: a raw "
                "keep-alive socket, pre-signed requests, 0 ms latency"
            ),
        )
    )
