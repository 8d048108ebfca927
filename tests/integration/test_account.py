"""An account not enabled for Yike (``MainAccountUserNotFound``) is the account's problem,
not any job's: the client says so with what to do, and the engine holds one account-level
state, stops fetching the list, marks no job, and asks again slowly until it is served.

Real HTTP throughout: the demo simulator plays the account (``account_enabled``)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.integration.engine_rig import DEMO, FakeClock
from tests.wait import wait_async
from yike_tui.api.client import ApiClient
from yike_tui.api.credits import get_credits
from yike_tui.api.endpoints import APIS
from yike_tui.api.errors import ApiError, ErrorKind, account_problem
from yike_tui.engine.monitor import ACCOUNT_EVERY, Monitor
from yike_tui.engine.status import Update
from yike_tui.sim import SimServer, running_simulator
from yike_tui.sim.credits import DEMO_YIKE_USER_ID

WALL = 1_790_000_000.0
INTERVAL = 30.0


@pytest.fixture
async def sim() -> AsyncIterator[SimServer]:
    async with running_simulator(
        scenario="demo", clock=FakeClock(), account_enabled=False
    ) as server:
        yield server


def engine(client: ApiClient, clock: FakeClock, **options: float) -> Monitor:
    return Monitor(
        client,
        interval=INTERVAL,
        rate_limit=0,
        concurrency=4,
        clock=clock,
        wall=lambda: WALL + clock.t,
        **options,  # type: ignore[arg-type]
    )


def api_requests(sim: SimServer) -> int:
    return sim.sim.stats.requests


async def test_the_client_says_what_it_means_and_what_to_do_once_not_retried(
    sim: SimServer,
) -> None:
    job_id = sim.sim.book.ids[0]
    async with ApiClient(DEMO, endpoint=sim.endpoint, retries=3, backoff_base=0.01) as client:
        with pytest.raises(ApiError) as caught:
            await client.get_job(job_id)
    err = caught.value
    assert (err.code, err.kind) == ("MainAccountUserNotFound", ErrorKind.ACCOUNT)
    assert not err.retryable and api_requests(sim) == 1  # one ask: a retry changes nothing
    problem = account_problem(err)
    assert "not enabled for Yike" in problem and "console" in problem
    assert "--api yike" in problem and problem.endswith("(MainAccountUserNotFound)")
    # Not an unknown job: no word of the JobId or of the job being unknown to ICE.
    for said in (err.message, err.hint, problem):
        assert "not known to" not in said and "JobId" not in said


async def test_through_the_yike_product_api_the_other_api_to_try_is_ice(sim: SimServer) -> None:
    yike = APIS["yike"]
    async with ApiClient(DEMO, endpoint=sim.endpoint, version=yike.version, retries=0) as c:
        with pytest.raises(ApiError) as caught:
            await get_credits(c)
    problem = account_problem(caught.value)
    assert problem.startswith("the Yike product says this Alibaba Cloud account is not enabled")
    assert "--api ice" in problem and "--api yike" not in problem


async def test_every_action_of_the_account_is_refused_alike(sim: SimServer) -> None:
    async with ApiClient(
        DEMO, endpoint=sim.endpoint, retries=0, yike_user_id=DEMO_YIKE_USER_ID
    ) as client:
        calls = {
            "resume": client.resume_job(sim.sim.book.ids[0]),
            "submit": client.submit_job({"Title": "t"}, {"FileURL": "https://e/x.txt"}),
            "upload": client.call("CreateYikeAssetUpload", {"FileExt": "txt"}),
            "credits": get_credits(client),
        }
        for what, call in calls.items():
            with pytest.raises(ApiError) as caught:
                await call
            assert caught.value.kind is ErrorKind.ACCOUNT, what


async def test_the_simulator_switch_turns_the_account_on_and_off_over_http(
    sim: SimServer,
) -> None:
    job_id = sim.sim.book.ids[0]
    async with (
        httpx.AsyncClient(base_url=sim.endpoint) as http,
        ApiClient(DEMO, endpoint=sim.endpoint, retries=0, yike_user_id=DEMO_YIKE_USER_ID) as client,
    ):
        assert (await http.post("/_sim/account?enabled=1")).json() == {"account_enabled": True}
        assert (await client.get_job(job_id)).id == job_id
        assert (await http.post("/_sim/account?enabled=0")).status_code == 200
        with pytest.raises(ApiError, match="MainAccountUserNotFound"):
            await client.get_job(job_id)
        assert (await http.post("/_sim/account?enabled=yes")).status_code == 400


async def test_the_engine_holds_one_account_state_and_marks_no_job(sim: SimServer) -> None:
    clock = FakeClock()
    async with ApiClient(DEMO, endpoint=sim.endpoint, retries=1) as client:
        monitor = engine(client, clock)
        updates: list[Update] = []
        monitor.subscribe(updates.append)
        ids = sim.sim.book.ids
        monitor.add(ids)
        await monitor.run_pass()

        status = monitor.status
        assert "not enabled for Yike" in status.account_problem
        assert status.account_since == WALL
        # The pass stopped at the refusals of its first requests (4 at once), not 14 asks.
        assert api_requests(sim) <= monitor.concurrency < len(ids)
        # No job is failed, unknown or "with errors": each shows what it showed before.
        assert not any(s.error or s.not_found for s in monitor.jobs.values())
        assert monitor.tally().errors == 0 and status.last_error == ""
        assert not any(u.events for u in updates)  # no job's event either
        assert not status.paused  # not a pause: it comes back by itself

        # Asked again slowly: nothing before ACCOUNT_EVERY, then one job, not the list.
        clock.t += INTERVAL
        assert await monitor.run_pass() == 0
        clock.t = ACCOUNT_EVERY
        before = api_requests(sim)
        assert await monitor.run_pass() == 1
        assert api_requests(sim) == before + 1 and status.account_problem

        # Enabled in the console: R (refresh_now) asks now, and one answer ends the state.
        sim.sim.account_enabled = True
        monitor.refresh_now()
        assert await monitor.run_pass() == 1
        assert status.account_problem == "" and status.account_since is None
        assert await monitor.run_pass() == len(ids) - 1  # every other job, at once
        assert all(s.job is not None for s in monitor.jobs.values())
        assert monitor.tally().errors == 0


async def test_the_running_engine_recovers_by_itself_when_the_account_is_enabled(
    sim: SimServer,
) -> None:
    async with ApiClient(
        DEMO, endpoint=sim.endpoint, retries=0, yike_user_id=DEMO_YIKE_USER_ID
    ) as client:
        monitor = Monitor(client, interval=INTERVAL, rate_limit=0, account_every=0.2)
        ids = sim.sim.book.ids[:3]
        monitor.add(ids)
        told: list[str] = []
        monitor.subscribe(lambda _: told.append(monitor.status.account_problem))
        task = asyncio.create_task(monitor.run())
        try:
            await wait_async(lambda: monitor.status.account_problem, "the account state")
            assert told and told[0]  # subscribers hear of it when it starts
            sim.sim.account_enabled = True
            await wait_async(
                lambda: all(s.job is not None for s in monitor.jobs.values()),
                "every job answered after the account was enabled",
            )
            assert monitor.status.account_problem == ""
        finally:
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
