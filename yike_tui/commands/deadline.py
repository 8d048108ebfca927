"""The deadline of a one-shot command (``get``, ``watch --once``, ``report``).

A server can hold a command in many ways at once (a slow drip, a huge Retry-After, an
answer that never comes); a per-call bound does not stop retries adding up. So a one-shot
command has ``--timeout``: when the server has answered nothing for that long it has
stalled, and what has not answered is reported as such, beside what has, with exit code 1.

It counts from the last answer, not from the start: the deadline guards against a stalled
server, not against work in progress. 100,000 jobs at 10 requests a second take close to
three hours, and a deadline from the start failed half of them while every one was being
answered. No retry or asked-for wait reaches past it: a throttled job whose wait is longer
than the deadline fails at once and does not hold up the others.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
from collections.abc import AsyncIterator, Awaitable
from typing import TYPE_CHECKING, Any, TypeVar

from yike_tui.api.errors import ApiError

if TYPE_CHECKING:
    from yike_tui.api.client import ApiClient
    from yike_tui.core.models import Job

T = TypeVar("T")

DEFAULT_TIMEOUT = 60.0  # seconds without an answer before a one-shot command gives up
MAX_TIMEOUT = 3600.0
_EARLY = 0.001  # seconds: a timer the loop runs this early has come due


def timeout_seconds(text: str) -> float:
    """``--timeout``: a number of seconds, above 0 and at most an hour."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text[:40]!r}") from None
    if not (math.isfinite(value) and 0 < value <= MAX_TIMEOUT):
        raise argparse.ArgumentTypeError(f"--timeout must be above 0 and at most {MAX_TIMEOUT:g}")
    return value


def add_timeout_argument(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument(
        "--timeout",
        type=timeout_seconds,
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help=(
            f"give up {what} when the API has answered nothing for this long"
            f" (default {DEFAULT_TIMEOUT:g})"
        ),
    )


def deadline_error(seconds: float) -> ApiError:
    return ApiError(
        "Deadline",
        f"the API answered nothing for {seconds:g} s (--timeout)",
        advice="the API is stalled or asks to wait; try again later or give a longer --timeout",
    )


class Stall:
    """``seconds`` without an answer from ``client``'s server, on the running event loop.

    What goes through ``ask`` counts as an answer when the server sent one (an error it
    sent counts; a timeout or a refused connection does not). Work inside ``guard()`` ends
    with ``TimeoutError`` once the server has been silent for ``seconds`` (the start counts
    as an answer), and so does a ``guard()`` entered after. The client is told the same
    deadline after every answer, so none of its retries or asked-for waits reaches past it.
    """

    def __init__(self, client: ApiClient, seconds: float) -> None:
        self.client, self.seconds = client, seconds
        self.stalled = False
        self._loop = asyncio.get_running_loop()
        self._scopes: set[asyncio.Timeout] = set()
        self._timer: asyncio.TimerHandle | None = None
        self._answered()

    def _answered(self) -> None:
        self._last = self._loop.time()
        self.client.give_up_at = self._last + self.seconds

    def _check(self) -> None:
        # One timer for every guard, moved on when answers came meanwhile: an answer costs
        # an assignment, not a timer of its own.
        due, now = self._last + self.seconds, self._loop.time()
        if due - now > _EARLY:
            self._timer = self._loop.call_at(due, self._check)
            return
        self._timer, self.stalled = None, True
        for scope in self._scopes:
            scope.reschedule(now)  # each ends with TimeoutError where it waits

    async def ask(self, call: Awaitable[T]) -> T:
        """``call``'s result, its answer (or the server's error) counted."""
        try:
            result = await call
        except ApiError as err:
            if err.http_status:
                self._answered()
            raise
        self._answered()
        return result

    @contextlib.asynccontextmanager
    async def guard(self) -> AsyncIterator[None]:
        if self.stalled:
            raise TimeoutError
        async with asyncio.timeout(None) as scope:
            self._scopes.add(scope)
            if self._timer is None:
                self._timer = self._loop.call_at(self._last + self.seconds, self._check)
            try:
                yield
            finally:
                self._scopes.discard(scope)
                if not self._scopes and self._timer is not None:
                    self._timer.cancel()
                    self._timer = None

    async def get_job_payload(self, job_id: str) -> dict[str, Any]:
        """The engine's fetcher (``watch --once``): ``client``'s, its answers counted."""
        return await self.ask(self.client.get_job_payload(job_id))

    async def get_job(self, job_id: str) -> Job:
        """``client.get_job``, or a ``Deadline`` error once the server has stalled."""
        try:
            async with self.guard():
                return await self.ask(self.client.get_job(job_id))
        except TimeoutError:
            raise deadline_error(self.seconds) from None


def pass_length(jobs: int, rate: float) -> str:
    """How long ``jobs`` requests take at ``rate`` a second, said when it is over a minute
    ("" otherwise): a long pass is then expected, not taken for a stalled one."""
    if rate <= 0 or jobs / rate <= 60:
        return ""
    pace = f"{rate:g} request{'' if rate == 1 else 's'} a second"
    return f"{jobs:,} jobs at {pace} take about {_duration(jobs / rate)}"


def _duration(seconds: float) -> str:
    minutes = math.ceil(seconds / 60)
    hours, minutes = divmod(minutes, 60)
    if not hours:
        return f"{minutes} min"
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"
