"""Retries inside the client wait for the engine's rate limiter like first tries do."""

from __future__ import annotations

import time

import httpx

from benchmarks.soak import WindowCounter
from yike_tui.api.client import IceClient
from yike_tui.api.credentials import Credentials
from yike_tui.monitor import Monitor
from yike_tui.sim import DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, running_simulator
from yike_tui.sim.faults import FaultSpec

DEMO = Credentials(DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, source="test")


async def test_retries_count_against_the_rate_limit() -> None:
    limit = 40
    async with running_simulator(
        scenario="load", jobs=60, faults=FaultSpec.parse("error503=0.5")
    ) as sim:
        async with IceClient(DEMO, endpoint=sim.endpoint, retries=2, backoff_base=0.01) as client:
            sent = WindowCounter()

            async def on_request(request: httpx.Request) -> None:
                sent.hit(time.monotonic())

            client.http.event_hooks["request"] = [on_request]
            monitor = Monitor(client, interval=30, concurrency=8, rate_limit=limit)
            assert client.pacer is not None  # the engine hooked its limiter in
            monitor.add(sim.sim.book.ids)
            await monitor.run_pass()
    assert sent.total > 60  # retries happened
    assert sent.max <= limit
