"""The demo simulator on a stopped clock and a client for it, for the engine tests (a
module with fixtures of the same names uses its own)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from tests.integration.engine_rig import DEMO, FakeClock
from yike_tui.api.client import ApiClient
from yike_tui.sim import (
    DEMO_ACCESS_KEY_ID,
    DEMO_ACCESS_KEY_SECRET,
    SimServer,
    SimulatorThread,
    running_simulator,
)


@pytest.fixture
async def sim() -> AsyncIterator[SimServer]:
    async with running_simulator(scenario="demo", clock=FakeClock()) as server:
        yield server


@pytest.fixture
async def client(sim: SimServer) -> AsyncIterator[ApiClient]:
    async with ApiClient(DEMO, endpoint=sim.endpoint, retries=0) as c:
        yield c


@pytest.fixture
def fast_sim(monkeypatch: pytest.MonkeyPatch) -> Iterator[SimulatorThread]:
    """The demo at 300× speed, the environment's credentials pointing at it."""
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", DEMO_ACCESS_KEY_ID)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", DEMO_ACCESS_KEY_SECRET)
    with SimulatorThread(scenario="demo", speed=300) as sim:
        yield sim


@pytest.fixture
def sim_clock() -> FakeClock:
    """The clock of ``demo_sim``: it moves when a test moves it."""
    return FakeClock()


@pytest.fixture
def demo_sim(sim_clock: FakeClock) -> Iterator[SimulatorThread]:
    """The demo simulator in a thread, on ``sim_clock``."""
    with SimulatorThread(scenario="demo", clock=sim_clock) as server:
        yield server
