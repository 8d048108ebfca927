"""The one-shot deadline (``get``, ``report``, ``watch --once``) counts from the last answer:
a run that keeps getting answers outlasts it, silence does not."""

from __future__ import annotations

import asyncio
from typing import Any, cast

import pytest

from yike_tui.api.client import ApiClient
from yike_tui.api.errors import ApiError
from yike_tui.commands.deadline import Stall, pass_length

PACE = 0.05  # seconds between the fake server's answers: a tenth of the deadline
SECONDS = 0.5


class Server:
    """Answers one request at a time, every ``PACE`` seconds; never answers ``mute``."""

    def __init__(self) -> None:
        self.give_up_at: float | None = None
        self._one = asyncio.Lock()

    async def get_job(self, job_id: str) -> Any:
        if job_id == "mute":
            await asyncio.Event().wait()
        async with self._one:
            await asyncio.sleep(PACE)
        if job_id == "throttled":
            raise ApiError("Throttling.User", "slow down", http_status=400)
        return job_id


def stall_on(server: Server) -> Stall:
    return Stall(cast(ApiClient, server), SECONDS)


async def test_answers_that_keep_coming_outlast_the_deadline() -> None:
    server = Server()
    stall = stall_on(server)
    loop = asyncio.get_running_loop()
    started = loop.time()
    ids = [f"job-{n}" for n in range(20)]  # 20 answers a PACE apart: twice the deadline
    answered: list[Any] = await asyncio.gather(*(stall.get_job(job_id) for job_id in ids))
    assert answered == ids
    assert loop.time() - started > SECONDS
    assert not stall.stalled
    # The client is told the deadline from the last answer: its waits stay inside it.
    assert server.give_up_at is not None and server.give_up_at > started + SECONDS


async def test_silence_ends_what_waits_and_what_comes_after() -> None:
    stall = stall_on(Server())
    results: tuple[Any, ...] = await asyncio.gather(
        stall.get_job("ok"), stall.get_job("mute"), stall.get_job("throttled"),
        return_exceptions=True,
    )  # fmt: skip
    assert results[0] == "ok"
    mute, throttled = cast(ApiError, results[1]), cast(ApiError, results[2])
    assert mute.code == "Deadline" and "answered nothing for 0.5 s" in mute.message
    assert throttled.code == "Throttling.User"  # an answer, if an unhappy one
    assert stall.stalled
    with pytest.raises(ApiError, match="Deadline"):  # no new wait once stalled
        await stall.get_job("late")


@pytest.mark.parametrize(
    ("jobs", "rate", "said"),
    [
        (600, 10.0, ""),
        (601, 10.0, "601 jobs at 10 requests a second take about 2 min"),
        (100_000, 10.0, "100,000 jobs at 10 requests a second take about 2 h 47 min"),
        (7_200, 1.0, "7,200 jobs at 1 request a second take about 2 h"),
        (100, 0.0, ""),  # no limit: nothing to say
    ],
)
def test_pass_length(jobs: int, rate: float, said: str) -> None:
    assert pass_length(jobs, rate) == said
