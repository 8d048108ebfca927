"""The overall deadline of a one-shot command (``get``, ``watch --once``, ``report``).

A server can hold a command in many ways at once (a slow drip, a huge Retry-After, an
answer that never comes); a per-call bound does not stop retries adding up. So a one-shot
command has ``--timeout``: no retry or asked-for wait reaches past it, and at it what has
not answered is reported as such, beside what has, with exit code 1.
"""

from __future__ import annotations

import argparse
import asyncio
import math
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from yike_tui.api.errors import ApiError

if TYPE_CHECKING:
    from yike_tui.api.client import ApiClient
    from yike_tui.core.models import Job

DEFAULT_TIMEOUT = 60.0  # seconds a one-shot command may take in all
MAX_TIMEOUT = 3600.0


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
        help=f"give up {what} after this long in all (default {DEFAULT_TIMEOUT:g})",
    )


def deadline_error(seconds: float) -> ApiError:
    return ApiError(
        "Deadline",
        f"no answer within the {seconds:g} s --timeout",
        advice="the API is slow or asks to wait; try again later or give a longer --timeout",
    )


def fetcher_within(client: ApiClient, seconds: float) -> Callable[[str], Awaitable[Job]]:
    """``client.get_job`` under a deadline ``seconds`` from now: no retry or asked-for wait
    past it, and a ``Deadline`` error for a job still waiting at it."""
    client.give_up_in(seconds)
    deadline = asyncio.get_running_loop().time() + seconds

    async def fetch(job_id: str) -> Job:
        try:
            async with asyncio.timeout_at(deadline):
                return await client.get_job(job_id)
        except TimeoutError:
            raise deadline_error(seconds) from None

    return fetch
