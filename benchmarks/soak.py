"""``python -m benchmarks.soak [--minutes M] [--jobs N]``: the engine under faults, then the truth.

N jobs (scenario ``load``) on an in-process simulator that injects throttling, 500s, 503s,
timeouts, connection resets, truncated bodies and slow answers, while its clock runs
``--speed`` times faster than real (jobs advance, finish, fail). The Monitor runs its own
loop with a short interval and a high rate limit. Then the faults stop, the simulator's
clock is frozen, and the engine runs two more intervals (jobs still backing off from a
fault are refreshed by hand, as a user pressing ``r`` would). Checked and printed:

- crashes (the engine task must still be alive) and jobs lost (every job has an answer);
- every job the engine shows equals the simulator's truth (status, storyboards, shots);
- the most requests the client sent in any sliding one-second window (vs the rate limit),
  counted where they leave the client (retries included) and where the server sees them;
- fetches of a job after its terminal status was confirmed (must be 0);
- RSS after warm-up and at the end (growth must stay under 10%).

The simulator runs in this process (its clock must be frozen for the comparison); its
nonce cache is bounded so its own growth does not count against the engine. The test
suite runs a 30-second version: ``tests/hardening/test_soak.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import os
import sys
import tempfile
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from yike_tui.api.client import ApiClient
from yike_tui.api.credentials import Credentials
from yike_tui.core.models import Job, parse_job
from yike_tui.engine.monitor import Monitor
from yike_tui.engine.ratelimit import RateLimiter
from yike_tui.engine.status import Update
from yike_tui.sim import DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, SimulatorThread
from yike_tui.sim.faults import FaultSpec
from yike_tui.sim.verify import NonceCache
from yike_tui.store import Store

FAULTS = (
    "throttle=0.05,error500=0.02,error503=0.01,timeout=0.01,reset=0.01,malformed=0.01,slow=0.05"
)


@dataclass
class SoakConfig:
    jobs: int = 1000
    fault_seconds: float = 20.0  # how long faults are injected
    faults: str = FAULTS
    interval: float = 3.0
    rate_limit: float = 250.0
    concurrency: int = 16
    speed: float = 300.0  # simulator seconds per real second
    slow_ms: float = 40.0
    hang_s: float = 0.6  # a "timeout" fault closes the connection after this...
    client_timeout: float = 0.3  # ...but the client gives up first
    client_retries: int = 1  # as in a real session
    seed: int = 7
    warmup_s: float = 6.0  # RSS is compared from here on
    store_dir: Path | None = None


@dataclass
class SoakResult:
    jobs: int = 0
    elapsed_s: float = 0.0
    fault_phase_s: float = 0.0
    passes: int = 0
    engine_requests: int = 0
    sent_requests: int = 0  # leaving the client, retries included
    server_requests: int = 0
    faults_injected: dict[str, int] = field(default_factory=dict)
    events: int = 0
    engine_crashed: str = ""
    jobs_without_answer: list[str] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)
    refreshed_by_hand: int = 0
    max_sent_in_1s: int = 0
    max_server_in_1s: int = 0
    repolled_after_confirmation: list[str] = field(default_factory=list)
    confirmed_terminal: int = 0
    rss_warm_kib: int = 0
    rss_end_kib: int = 0
    rss_peak_kib: int = 0
    history_rows: int = 0

    @property
    def rss_growth(self) -> float:
        return (self.rss_end_kib - self.rss_warm_kib) / max(1, self.rss_warm_kib)


class SimClock:
    """The simulator's clock: runs ``speed`` times real time until frozen."""

    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


class EngineClock:
    """``time.monotonic`` plus an offset the soak can push forward (``skip``)."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.monotonic() + self.offset

    def skip(self, seconds: float) -> None:
        self.offset += seconds


class WindowCounter:
    """The most events within any sliding one-second window."""

    def __init__(self) -> None:
        self._window: deque[float] = deque()
        self.total = 0
        self.max = 0

    def hit(self, now: float) -> None:
        self.total += 1
        window = self._window
        window.append(now)
        while now - window[0] >= 1.0:
            window.popleft()
        self.max = max(self.max, len(window))


class Watchdog:
    """The engine's fetcher: the real client, plus what the soak checks on the way.

    Counts every request where it leaves the engine (first tries here, retries in the
    client's pacer, ``counted``: the engine's limiter, given to the client before it runs),
    each at the moment the rate limiter granted it (a send
    follows its grant with no wait between): the window is then counted on the limiter's
    own clock, which the soak skips forward, and a send that bypassed the limiter would
    reuse an old grant's moment and overfill a window. Also flags any fetch of a job
    already confirmed terminal.
    """

    def __init__(self, client: ApiClient) -> None:
        self.client = client
        self.monitor: Monitor | None = None
        self.repolled: list[str] = []
        self.sent = WindowCounter()

    async def get_job_payload(self, job_id: str) -> dict[str, Any]:
        state = self.monitor.jobs.get(job_id) if self.monitor else None
        if state is not None and state.confirmed:
            self.repolled.append(job_id)
        self.sent.hit(self._granted())
        return await self.client.get_job_payload(job_id)

    def _granted(self) -> float:
        return self.monitor.limiter.last_start if self.monitor else time.monotonic()

    def counted(self, pace: Callable[[], Awaitable[None]]) -> Callable[[], Awaitable[None]]:
        """``pace`` (the engine's limiter) with each grant counted: the client's pacer."""

        async def counted() -> None:  # a retry goes out right after this
            await pace()
            self.sent.hit(self._granted())

        return counted


def rss_kib() -> int:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * (os.sysconf("SC_PAGE_SIZE") // 1024)
    except OSError:  # not Linux: the peak is the best there is
        import resource

        return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def shape(job: Job) -> tuple[Any, ...]:
    """What must match the truth: status, storyboards with their states, failed shots."""
    return (
        job.status_raw,
        tuple(
            (sb.id, sb.status, sb.sub_status, sb.succeeded, sb.exception) for sb in job.storyboards
        ),
        tuple((s.storyboard_id, s.shot_id, s.error_code) for s in job.failed_shots),
    )


async def soak(cfg: SoakConfig) -> SoakResult:
    result = SoakResult(jobs=cfg.jobs)
    started = time.monotonic()
    sim_clock = SimClock()
    sim_thread = SimulatorThread(
        scenario="load",
        jobs=cfg.jobs,
        seed=cfg.seed,
        clock=sim_clock,
        faults=FaultSpec.parse(cfg.faults),
        slow_ms=cfg.slow_ms,
        hang_s=cfg.hang_s,
    )
    with contextlib.ExitStack() as stack:
        sim = stack.enter_context(sim_thread)
        assert sim.server is not None
        sim.server.sim.nonces = NonceCache(max_entries=2_000)  # the simulator's own memory
        store_dir = cfg.store_dir or Path(stack.enter_context(tempfile.TemporaryDirectory()))
        store = Store.open(store_dir / "soak.sqlite3")
        stack.callback(store.close)
        control = httpx.AsyncClient(base_url=sim.endpoint, trust_env=False, timeout=30)
        creds = Credentials(DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, source="soak")
        timeout = httpx.Timeout(cfg.client_timeout, connect=cfg.client_timeout)
        async with (
            control,
            ApiClient(
                creds,
                endpoint=sim.endpoint,
                retries=cfg.client_retries,
                timeout=timeout,
                max_connections=max(8, cfg.concurrency),
            ) as client,
        ):
            clock = EngineClock()
            fetcher = Watchdog(client)
            limiter = RateLimiter(cfg.rate_limit, clock=clock)
            client.pacer = fetcher.counted(limiter.acquire)  # retries paced, and counted
            monitor = Monitor(
                fetcher,
                store=store,
                interval=cfg.interval,
                concurrency=cfg.concurrency,
                limiter=limiter,
                clock=clock,
            )
            fetcher.monitor = monitor

            def on_update(update: Update) -> None:
                result.events += len(update.events)

            monitor.subscribe(on_update)
            monitor.add(sim.job_ids)
            engine = asyncio.create_task(monitor.run())

            # Phase 1: faults on, the simulator's clock racing ahead.
            rss_samples: list[int] = []
            phase_start = time.monotonic()
            last = phase_start
            warm = False
            while (now := time.monotonic()) - phase_start < cfg.fault_seconds:
                sim_clock.t += (now - last) * cfg.speed
                last = now
                answered = all(s.job or s.error for s in monitor.jobs.values())
                if not warm and answered and now - phase_start >= cfg.warmup_s:
                    gc.collect()
                    result.rss_warm_kib, warm = rss_kib(), True
                if warm:
                    rss_samples.append(rss_kib())
                if engine.done():
                    break
                await asyncio.sleep(0.1)
            result.fault_phase_s = time.monotonic() - phase_start
            if not warm:  # never warm: the whole run is warm-up, growth is not judged
                result.rss_warm_kib = rss_kib()

            # Phase 2: faults off, clock frozen; let the pass in flight end, then two intervals.
            reply = await control.post("/_sim/faults", params={"spec": ""})
            reply.raise_for_status()
            monitor.pause()
            while any(s.in_flight for s in monitor.jobs.values()) and not engine.done():
                await asyncio.sleep(0.05)
            if engine.done():
                exc = engine.exception()
                result.engine_crashed = repr(exc) if exc else "the engine loop returned"
            engine.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await engine
            monitor.resume()
            horizon = clock() + 2 * cfg.interval
            for state in monitor.jobs.values():
                if state.error is not None and state.due > horizon:
                    monitor.refresh_now(state.job_id)  # what pressing `r` on it does
                    result.refreshed_by_hand += 1
            for _ in range(2):
                clock.skip(cfg.interval)
                await monitor.run_pass()

            # The verdict, at the frozen simulator clock (RSS first: the truth is big).
            gc.collect()
            result.rss_end_kib = rss_kib()
            truth = (await control.get("/_sim/truth")).json()
            stats = (await control.get("/_sim/stats")).json()
            for job_id in sim.job_ids:
                seen = monitor.jobs.get(job_id)
                if seen is None or seen.job is None:
                    result.jobs_without_answer.append(job_id)
                    continue
                want = shape(parse_job(truth[job_id], job_id=job_id))
                got = shape(seen.job)
                if want != got:
                    result.mismatches.append(f"{job_id}: engine {got[0]}, truth {want[0]}")
            result.rss_peak_kib = max([*rss_samples, result.rss_end_kib])
            result.passes = monitor.status.passes
            result.engine_requests = monitor.status.requests
            result.sent_requests = fetcher.sent.total
            result.max_sent_in_1s = fetcher.sent.max
            result.server_requests = stats["requests"]
            result.max_server_in_1s = stats["max_requests_in_any_1s_window"]
            result.faults_injected = stats["faults_injected"]
            result.repolled_after_confirmation = fetcher.repolled
            result.confirmed_terminal = sum(1 for s in monitor.jobs.values() if s.confirmed)
            result.history_rows = len(store.recent_events(limit=10_000_000))
    result.elapsed_s = time.monotonic() - started
    return result


def report(cfg: SoakConfig, r: SoakResult) -> str:
    faults = ", ".join(f"{k} {v}" for k, v in sorted(r.faults_injected.items()))
    lines = [
        f"jobs                          {r.jobs}",
        f"fault phase                   {r.fault_phase_s:.0f} s ({cfg.faults})",
        f"simulator clock               {cfg.speed:g}x real time",
        f"interval / rate limit         {cfg.interval:g} s / {cfg.rate_limit:g} req/s "
        f"(concurrency {cfg.concurrency}, client retries {cfg.client_retries})",
        f"passes                        {r.passes}",
        f"engine fetches                {r.engine_requests}",
        f"requests sent (with retries)  {r.sent_requests}",
        f"requests the server saw       {r.server_requests}",
        f"faults injected               {sum(r.faults_injected.values())} ({faults})",
        f"events                        {r.events} (history rows {r.history_rows})",
        f"engine crashed                {r.engine_crashed or 'no'}",
        f"jobs without an answer        {len(r.jobs_without_answer)}",
        f"jobs differing from truth     {len(r.mismatches)} "
        f"(after 2 intervals; {r.refreshed_by_hand} backing-off jobs refreshed by hand)",
        f"max requests in any 1 s       {r.max_sent_in_1s} sent, {r.max_server_in_1s} at the "
        f"server (limit {cfg.rate_limit:g})",
        f"re-polled after confirmation  {len(r.repolled_after_confirmation)} "
        f"({r.confirmed_terminal} terminal jobs confirmed)",
        f"RSS after warm-up / end       {r.rss_warm_kib / 1024:.1f} MiB / "
        f"{r.rss_end_kib / 1024:.1f} MiB (growth {r.rss_growth:+.1%}, "
        f"peak {r.rss_peak_kib / 1024:.1f} MiB)",
        f"wall time                     {r.elapsed_s:.0f} s",
    ]
    return "\n".join(lines)


def verdict(cfg: SoakConfig, r: SoakResult, *, judge_memory: bool = True) -> list[str]:
    """What failed; empty when the soak held. Memory growth depends on the machine and the
    allocator, so the test leaves it to the benchmark (``judge_memory=False``)."""
    problems = []
    if r.engine_crashed:
        problems.append(f"engine crashed: {r.engine_crashed}")
    if r.jobs_without_answer:
        problems.append(f"{len(r.jobs_without_answer)} jobs never answered")
    if r.mismatches:
        problems.append(f"{len(r.mismatches)} jobs differ from truth: {r.mismatches[:3]}")
    if r.max_sent_in_1s > cfg.rate_limit:
        problems.append(f"{r.max_sent_in_1s} requests in one second > {cfg.rate_limit:g}")
    if r.repolled_after_confirmation:
        problems.append(f"confirmed jobs re-polled: {r.repolled_after_confirmation[:3]}")
    if judge_memory and r.rss_growth >= 0.10:
        problems.append(f"RSS grew {r.rss_growth:.1%} after warm-up")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.soak", description=__doc__)
    parser.add_argument("--minutes", type=float, default=3.0, help="fault phase (default 3)")
    parser.add_argument("--jobs", type=int, default=1000, help="jobs to watch (default 1000)")
    parser.add_argument("--rate-limit", type=float, default=SoakConfig.rate_limit)
    parser.add_argument("--interval", type=float, default=SoakConfig.interval)
    parser.add_argument("--speed", type=float, default=SoakConfig.speed)
    args = parser.parse_args(argv)
    cfg = SoakConfig(
        jobs=args.jobs,
        fault_seconds=args.minutes * 60,
        rate_limit=args.rate_limit,
        interval=args.interval,
        speed=args.speed,
        warmup_s=min(60.0, args.minutes * 60 / 3),
    )
    print(f"soak: {cfg.jobs} jobs, {args.minutes:g} min of faults...", file=sys.stderr, flush=True)
    result = asyncio.run(soak(cfg))
    print(report(cfg, result))
    problems = verdict(cfg, result)
    for problem in problems:
        print(f"FAIL: {problem}")
    print("soak held" if not problems else "soak FAILED")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
