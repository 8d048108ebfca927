"""The credit watcher over real HTTP: never two reads in flight, a read bounded by
its deadline, a passing failure asked again later but a refusal never, both APIs read, and
ICE without a Yike user id never asked."""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from collections.abc import Iterator
from decimal import Decimal
from http.server import BaseHTTPRequestHandler
from typing import ClassVar

import pytest

from tests.loopback import reply_json, threaded
from tests.wait import wait_async
from yike_tui.api.client import ApiClient
from yike_tui.api.credentials import Credentials
from yike_tui.api.credits import YIKE_API_VERSION
from yike_tui.engine.credit_watch import NO_USER_ID_NOTE, CreditWatch
from yike_tui.sim import (
    DEMO_ACCESS_KEY_ID,
    DEMO_ACCESS_KEY_SECRET,
    DEMO_YIKE_USER_ID,
    SimulatorThread,
)


class Gated(BaseHTTPRequestHandler):
    """Answers GetYikeUserCredit with ``balance`` once ``gate`` opens; ``answers`` scripts
    the status and Code of the next answers (then 200)."""

    asks = 0
    gate = threading.Event()
    answers: ClassVar[list[tuple[int, str]]] = []
    balance = "4321.00"

    def do_POST(self) -> None:
        with contextlib.suppress(BrokenPipeError):  # a read given up on (its deadline passed)
            self._answer()

    def _answer(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        type(self).asks += 1
        if not self.gate.wait(10):
            return  # the test gave up on this answer: say nothing
        if self.answers:
            status, code = self.answers.pop(0)
            body = {"Code": code, "Message": f"{code} said", "RequestId": "r"}
            reply_json(self, status, json.dumps(body).encode())
            return
        body = {"RequestId": "r", "CreditTotal": "50000", "CreditUsage": self.balance}
        reply_json(self, 200, json.dumps(body).encode())

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def endpoint() -> Iterator[str]:
    Gated.asks, Gated.answers = 0, []
    Gated.gate = threading.Event()
    try:
        with threaded(Gated) as url:
            yield url
    finally:
        Gated.gate.set()


def client(
    endpoint: str, version: str | None = None, user_id: str = DEMO_YIKE_USER_ID
) -> ApiClient:
    creds = Credentials(DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET)
    options = {"version": version} if version else {}
    return ApiClient(
        creds,
        endpoint=endpoint,
        yike_user_id=user_id,
        **options,  # type: ignore[arg-type]
    )


async def test_never_two_reads_in_flight(endpoint: str) -> None:
    async with client(endpoint) as api:
        changes: list[Decimal | None] = []

        def on_change() -> None:
            changes.append(watch.shown.remaining if watch.shown is not None else None)

        watch = CreditWatch.of_client(api, on_change=on_change)
        first = asyncio.create_task(watch.check())
        await wait_async(lambda: Gated.asks == 1, "the first read at the server")
        await watch.check()  # a submit's nudge while the first read is out: nothing sent
        Gated.gate.set()
        await first
        assert Gated.asks == 1
        assert watch.shown is not None and watch.shown.remaining == 4321.0 and watch.shown.low
        assert changes == [4321.0]  # the screen told once
        assert watch.read_at is not None and watch.error == ""


async def test_a_silent_server_costs_one_deadline_and_is_asked_again(endpoint: str) -> None:
    async with client(endpoint) as api:
        watch = CreditWatch.of_client(api)
        watch.deadline = 0.2
        await watch.check()  # the gate stays shut: no answer
        assert watch.shown is None and watch.error == "no answer in 0.2 s"
        assert not watch.not_offered
        Gated.gate.set()
        await watch.check()
        assert watch.shown is not None and watch.shown.remaining == 4321.0
        assert watch.error == ""


@pytest.mark.parametrize(
    ("status", "code", "refused"),
    [
        (503, "ServiceUnavailable", False),
        (400, "Throttling.User", False),
        (403, "Forbidden.RAM", True),
        (404, "InvalidAction.NotFound", True),
    ],
)
async def test_a_refusal_ends_the_asking_a_passing_failure_does_not(
    endpoint: str, status: int, code: str, refused: bool
) -> None:
    Gated.gate.set()
    Gated.answers = [(status, code)]
    async with client(endpoint) as api:
        watch = CreditWatch.of_client(api)
        watch.every = 3600.0
        runner = asyncio.create_task(watch.run())
        await wait_async(lambda: watch.error, "the first read's failure")
        assert code in watch.error and watch.not_offered is refused
        watch.soon()  # as after a submit
        if refused:
            await asyncio.wait_for(runner, 5)  # the loop is over: nothing more is asked
            assert Gated.asks == 1 and watch.shown is None
        else:
            await wait_async(lambda: watch.shown is not None, "the balance on the next read")
            assert Gated.asks == 2 and watch.error == ""
            runner.cancel()


async def test_reads_the_balance_of_either_api_from_the_simulator() -> None:
    with SimulatorThread(scenario="demo", clock=lambda: 0.0) as sim:
        assert sim.server is not None
        sim.server.sim.credits.start = 777.0
        for version in (None, YIKE_API_VERSION):
            async with client(sim.endpoint, version) as api:
                watch = CreditWatch.of_client(api)
                await watch.check()
                assert watch.shown is not None and watch.shown.remaining == 777.0, version


async def test_ice_without_a_yike_user_id_is_never_asked_and_says_how(endpoint: str) -> None:
    """GetYikeUserCredit requires YikeUserId: with none set nothing is sent, the loop ends,
    and the note (the status bar's) names the setting."""
    Gated.gate.set()
    told: list[str] = []
    async with client(endpoint, user_id="") as api:
        watch = CreditWatch.of_client(api, on_change=lambda: told.append(watch.note))
        await asyncio.wait_for(watch.run(), 5)  # over at once: nothing to ask
    assert Gated.asks == 0
    assert watch.shown is None and watch.not_offered
    assert watch.note == NO_USER_ID_NOTE and "yike_user_id" in NO_USER_ID_NOTE
    assert told == [NO_USER_ID_NOTE]  # the screen told once


async def test_the_yike_api_needs_no_user_id() -> None:
    with SimulatorThread(scenario="demo", clock=lambda: 0.0) as sim:
        async with client(sim.endpoint, YIKE_API_VERSION, user_id="") as api:
            watch = CreditWatch.of_client(api)
            await watch.check()
    assert watch.shown is not None and watch.note == ""
