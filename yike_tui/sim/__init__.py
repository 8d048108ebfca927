"""A faithful ICE server on loopback, for the demo, the tests and the benchmarks.

In-process: ``async with running_simulator(scenario="demo") as sim: sim.endpoint``;
from synchronous code: ``with SimulatorThread(scenario="demo") as sim: ...``;
as a process: ``yike-tui sim`` / ``python -m yike_tui.sim``.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from yike_tui.sim.app import SimClock, Simulator
from yike_tui.sim.credits import DEMO_YIKE_USER_ID
from yike_tui.sim.faults import FaultSpec
from yike_tui.sim.http import SimServer
from yike_tui.sim.scenarios import JobBook
from yike_tui.sim.verify import KeyPair

# The documented demo key pair: it signs requests to the simulator and nothing else.
DEMO_ACCESS_KEY_ID = "LTAI5tDemoYikeTuiKey01"
DEMO_ACCESS_KEY_SECRET = "yike-tui-demo-secret-not-real"
# An STS pair, and keys that play a disabled key and a RAM user without permission.
DEMO_STS_KEY_ID = "STS.DemoYikeTuiTemp01"
DEMO_STS_SECRET = "yike-tui-demo-sts-secret"
DEMO_STS_TOKEN = "yike-tui-demo-sts-token"
DEMO_INACTIVE_KEY_ID = "LTAI5tDemoYikeTuiOff01"
DEMO_NO_PERMISSION_KEY_ID = "LTAI5tDemoYikeTuiNoRam"

SCENARIOS = ("demo", "load", "empty")

__all__ = [
    "DEMO_ACCESS_KEY_ID",
    "DEMO_ACCESS_KEY_SECRET",
    "DEMO_YIKE_USER_ID",
    "FaultSpec",
    "SimConfig",
    "SimServer",
    "Simulator",
    "SimulatorThread",
    "build_simulator",
    "running_simulator",
]


def default_keys(
    key_id: str = DEMO_ACCESS_KEY_ID, secret: str = DEMO_ACCESS_KEY_SECRET
) -> dict[str, KeyPair]:
    return {
        key_id: KeyPair(secret),
        DEMO_STS_KEY_ID: KeyPair(DEMO_STS_SECRET, security_token=DEMO_STS_TOKEN),
        DEMO_INACTIVE_KEY_ID: KeyPair(DEMO_ACCESS_KEY_SECRET, active=False),
        DEMO_NO_PERMISSION_KEY_ID: KeyPair(DEMO_ACCESS_KEY_SECRET, can_read=False),
    }


@dataclass
class SimConfig:
    scenario: str = "demo"
    jobs: int = 1000  # for the load scenario
    seed: int = 0
    speed: float = 1.0
    latency_ms: float = 0.0
    faults: FaultSpec = field(default_factory=FaultSpec)
    slow_ms: float = 1500.0
    hang_s: float = 30.0
    url_ttl: float = 3600.0
    sample_job: bool = False  # a job submitted from the bundled sample text (the demo TUI)
    account_enabled: bool = True  # False: every call refused, as for an account without Yike
    key_id: str = DEMO_ACCESS_KEY_ID
    secret: str = DEMO_ACCESS_KEY_SECRET
    clock: Callable[[], float] | None = None  # simulator time; defaults to SimClock(speed)
    wall: Callable[[], float] = time.time  # for signature dates and URL expiry


def build_simulator(config: SimConfig) -> Simulator:
    clock = config.clock or SimClock(config.speed)
    now = clock()
    if config.scenario == "demo":
        book = JobBook.demo(config.seed, now)
    elif config.scenario == "load":
        book = JobBook.load(config.seed, now, config.jobs)
    elif config.scenario == "empty":
        book = JobBook(config.seed, now)
    else:
        raise ValueError(f"unknown scenario {config.scenario!r}; known: {', '.join(SCENARIOS)}")
    return Simulator(
        book=book,
        keys=default_keys(config.key_id, config.secret),
        clock=clock,
        wall=config.wall,
        latency_ms=config.latency_ms,
        faults=config.faults,
        seed=config.seed,
        slow_ms=config.slow_ms,
        hang_s=config.hang_s,
        url_ttl=config.url_ttl,
        sample_job=config.sample_job,
        account_enabled=config.account_enabled,
    )


@asynccontextmanager
async def running_simulator(
    config: SimConfig | None = None, *, host: str = "127.0.0.1", port: int = 0, **overrides: Any
) -> AsyncIterator[SimServer]:
    """Start a simulator on this event loop (a free port by default); stop it on exit."""
    cfg = config or SimConfig(**overrides)
    server = SimServer(build_simulator(cfg))
    await server.start(host, port)
    try:
        yield server
    finally:
        await server.stop()


class SimulatorThread:
    """A simulator on its own event loop in a daemon thread, for synchronous callers."""

    def __init__(
        self,
        config: SimConfig | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        **overrides: Any,
    ) -> None:
        self.config = config or SimConfig(**overrides)
        self.host, self.port = host, port
        self.server: SimServer | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="yike-sim", daemon=True)

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            self.server = SimServer(build_simulator(self.config))
            loop.run_until_complete(self.server.start(self.host, self.port))
        except BaseException as exc:  # reported to the caller of __enter__
            self._error = exc
            self._ready.set()
            loop.close()
            return
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(self.server.stop())
            loop.close()

    def __enter__(self) -> SimulatorThread:
        self._thread.start()
        self._ready.wait(timeout=30)
        if self._error is not None:
            raise self._error
        return self

    def __exit__(self, *exc: object) -> None:
        if self._loop is not None and self._loop.is_running():
            self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    @property
    def endpoint(self) -> str:
        assert self.server is not None
        return self.server.endpoint

    @property
    def job_ids(self) -> list[str]:
        assert self.server is not None
        return list(self.server.sim.book.ids)
