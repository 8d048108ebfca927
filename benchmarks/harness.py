"""Shared pieces of the benchmarks: repeated runs, a results table, a simulator process.

Every figure is the median of several runs with min and max shown. The simulator runs in
its own process so its CPU is never counted as ours.
"""

from __future__ import annotations

import asyncio
import cProfile
import gc
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from yike_tui.api.client import ApiClient
from yike_tui.api.credentials import Credentials
from yike_tui.engine.monitor import Monitor
from yike_tui.sim import DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET
from yike_tui.store import Store

SDK_MISSING = "skipped (pip install -e '.[bench]')"
LATENCY_MS = 50  # the server latency of the headline pass
CONCURRENCY = 16


# --- results -------------------------------------------------------------------------------


def machine() -> str:
    """The machine a run measured: its CPU's model name and the cores this process may use
    (a figure in ms is a fact about one machine; a ratio measured beside its floor in the
    same run is not)."""
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as info:
            for line in info:
                if line.startswith("model name"):
                    model = line.partition(":")[2].strip()
                    break
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return f"{model}, {cores or 0} cores"


def ratio_figure(
    name: str,
    ours: list[float],
    floor: list[float],
    unit: str,
    *,
    floor_name: str,
    target: float,
    note: str = "",
) -> Figure:
    """``ours`` as ratios to ``floor``, measured side by side in the same run (run i of
    each paired; the floor's median where they are not the same number), the absolute
    values beside them; passes at or under ``target``×."""
    if len(ours) == len(floor):
        ratios = [a / b for a, b in zip(ours, floor, strict=True)]
    else:
        ratios = [a / statistics.median(floor) for a in ours]
    extra = f"; {note}" if note else ""
    return Figure(
        name,
        ratios,
        "×",
        target=f"≤ {target:g}× {floor_name}",
        reference=(
            f"ours {fmt(statistics.median(ours))} {unit} ({fmt(min(ours))}–{fmt(max(ours))}); "
            f"{floor_name} {fmt(statistics.median(floor))} {unit} "
            f"({fmt(min(floor))}–{fmt(max(floor))}){extra}"
        ),
        passed=statistics.median(ratios) <= target,
    )


@dataclass
class Figure:
    name: str
    samples: list[float]
    unit: str
    target: str = ""
    reference: str = ""
    passed: bool | None = None  # None: informative, no pass/fail
    note: str = ""
    text: str = ""  # shown instead of the samples (e.g. "skipped ...")

    @property
    def median(self) -> float:
        return statistics.median(self.samples) if self.samples else float("nan")

    def value_text(self) -> str:
        if self.text:
            return self.text
        if not self.samples:
            return "n/a"
        med = fmt(self.median)
        unit = f" {self.unit}" if self.unit else ""
        if len(self.samples) == 1:
            return f"{med}{unit}"
        return f"{med}{unit} ({fmt(min(self.samples))}–{fmt(max(self.samples))})"


def fmt(x: float) -> str:
    if abs(x) >= 100:
        return f"{x:,.0f}"
    if abs(x) >= 10:
        return f"{x:.1f}"
    return f"{x:.3g}"


@dataclass
class Results:
    figures: list[Figure] = field(default_factory=list)
    crashed: list[str] = field(default_factory=list)

    def add(self, figure: Figure) -> Figure:
        self.figures.append(figure)
        verdict = {True: "pass", False: "MISS", None: ""}[figure.passed]
        print(f"  {figure.name}: {figure.value_text()}  {verdict}".rstrip(), flush=True)
        return figure

    def markdown(self) -> str:
        rows = [
            "| figure | value (median, min–max) | target | compared with | result |",
            "|---|---|---|---|---|",
        ]
        for f in self.figures:
            verdict = {True: "pass", False: "**MISS**", None: "—"}[f.passed]
            note = f" ({f.note})" if f.note else ""
            rows.append(
                f"| {f.name} | {f.value_text()} | {f.target} | {f.reference}{note} | {verdict} |"
            )
        return "\n".join(rows)


@dataclass(frozen=True)
class Context:
    quick: bool

    def pick(self, full: int, quick: int) -> int:
        """How many runs (or jobs, or seconds): ``full`` normally, ``quick`` with --quick."""
        return quick if self.quick else full


def repeat(fn: Callable[[], float], runs: int) -> list[float]:
    return [fn() for _ in range(runs)]


def sdk_available() -> bool:
    try:
        import alibabacloud_ice20201109.client  # noqa: F401
    except ImportError:
        return False
    return True


# --- the simulator in its own process -------------------------------------------------------


@dataclass
class SimProcess:
    endpoint: str
    ids: list[str]
    pid: int

    @property
    def host(self) -> str:
        return self.endpoint.split("//", 1)[1]

    def stats(self, detail: bool = False) -> dict[str, Any]:
        import httpx

        url = f"{self.endpoint}/_sim/stats" + ("?detail=1" if detail else "")
        data: dict[str, Any] = httpx.get(url, timeout=10).json()
        return data

    def reset_stats(self) -> None:
        import httpx

        httpx.post(f"{self.endpoint}/_sim/reset-stats", timeout=10).raise_for_status()

    def cpu_seconds(self) -> float:
        return process_cpu_seconds(self.pid)


@contextmanager
def sim_process(
    *,
    jobs: int = 0,
    latency_ms: float = 0,
    scenario: str = "load",
    extra: list[str] | None = None,
) -> Iterator[SimProcess]:
    """Start ``python -m yike_tui.sim`` in its own process and wait for its first line."""
    with tempfile.TemporaryDirectory() as tmp:
        ids_file = Path(tmp) / "ids.txt"
        cmd = [
            sys.executable,
            "-m",
            "yike_tui.sim",
            "--port",
            "0",
            "--scenario",
            scenario,
            "--latency-ms",
            str(latency_ms),
            "--ids-file",
            str(ids_file),
        ]
        if scenario == "load":
            cmd += ["--jobs", str(jobs)]
        cmd += extra or []
        env = {
            **os.environ,
            "ALIBABA_CLOUD_ACCESS_KEY_ID": DEMO_ACCESS_KEY_ID,
            "ALIBABA_CLOUD_ACCESS_KEY_SECRET": DEMO_ACCESS_KEY_SECRET,
        }
        proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env
        )
        try:
            assert proc.stdout is not None
            first = proc.stdout.readline().strip()
            if not first.startswith("listening on "):
                raise RuntimeError(f"simulator did not start: {first!r}")
            endpoint = first.removeprefix("listening on ").strip()
            ids = ids_file.read_text().split() if ids_file.exists() else []
            yield SimProcess(endpoint, ids, proc.pid)
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


# --- our client and engine ------------------------------------------------------------------


def demo_credentials() -> Credentials:
    return Credentials(DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, source="benchmark")


def ice_client(endpoint: str) -> ApiClient:
    return ApiClient(demo_credentials(), endpoint=endpoint, retries=0)


@dataclass
class PassTiming:
    wall: float  # seconds
    cpu: float  # seconds of this process's CPU (all threads)
    fetched: int


async def timed_passes(
    endpoint: str,
    ids: list[str],
    runs: int,
    *,
    concurrency: int = CONCURRENCY,
    store: Store | None = None,
    warmup: bool = True,
    profiler: cProfile.Profile | None = None,
    keep: list[Monitor] | None = None,
) -> list[PassTiming]:
    """Full refresh passes over ``ids`` with the rate limit lifted, on one warm client.

    A first pass (discarded when ``warmup``) opens the connections and lets the simulator
    plan its jobs; each measured pass is a steady-state refresh of every job, diffs included.
    ``keep`` receives the engine, to outlive the client (for memory figures).
    """
    out: list[PassTiming] = []
    async with ice_client(endpoint) as client:
        monitor = Monitor(client, store=store, concurrency=concurrency, rate_limit=0)
        monitor.add(ids)
        if warmup:
            await monitor.run_pass()
        for _ in range(runs):
            monitor.refresh_now()
            gc.collect()
            cpu0, t0 = time.process_time(), time.perf_counter()
            if profiler is not None:
                profiler.enable()
            try:
                fetched = await monitor.run_pass()
            finally:
                if profiler is not None:
                    profiler.disable()
            out.append(PassTiming(time.perf_counter() - t0, time.process_time() - cpu0, fetched))
            errors = [s.error for s in monitor.jobs.values() if s.error is not None]
            if errors:
                raise RuntimeError(f"{len(errors)} fetches failed, first: {errors[0]}")
        if keep is not None:
            keep.append(monitor)  # the caller measures what the engine holds
    return out


def run_passes(endpoint: str, ids: list[str], runs: int, **kwargs: Any) -> list[PassTiming]:
    return asyncio.run(timed_passes(endpoint, ids, runs, **kwargs))


# --- the vendor SDK -------------------------------------------------------------------------


def sdk_client(endpoint: str, secret: str = DEMO_ACCESS_KEY_SECRET) -> Any:
    """The vendor's client, configured the way its docs show, pointed at the simulator."""
    from benchmarks import sdk_pool

    return sdk_pool.sdk_client(endpoint, DEMO_ACCESS_KEY_ID, secret)


def sdk_get(client: Any, job_id: str) -> str:
    from benchmarks import sdk_pool

    return sdk_pool.sdk_get(client, job_id)


# --- processes ------------------------------------------------------------------------------


def process_cpu_seconds(pid: int) -> float:
    """utime + stime of another process, from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def rss_bytes() -> int:
    """Resident set size of this process now, from /proc/self/status (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0
