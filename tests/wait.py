"""Waiting for a condition, never for a while: the one way tests synchronise.

A busy 2-core CI machine can make anything slow, so every wait is for something a user
would see (a row, a line, a file) with a generous deadline, and a missed deadline fails
loudly with what was awaited.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

DEADLINE = 30.0  # seconds: far beyond any healthy wait, short enough to fail a stuck run


class NeverHappened(AssertionError):
    """The awaited condition did not hold before the deadline."""


async def wait_for(
    pilot: Any, condition: Callable[[], object], what: str = "", timeout: float = DEADLINE
) -> None:
    """Let the app run (messages, timers, workers) until ``condition()`` is true."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise NeverHappened(f"waited {timeout:g} s for {what or condition}")
        await pilot.pause()
        await asyncio.sleep(0.01)  # let other tasks (the engine, the simulator) run
    await pilot.pause()  # ...and the screen catch up with what made it true


async def wait_async(condition: Callable[[], object], what: str, timeout: float = DEADLINE) -> None:
    """The same, for code under test that runs on this event loop without an app."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise NeverHappened(f"waited {timeout:g} s for {what}")
        await asyncio.sleep(0.01)


def wait_until(condition: Callable[[], object], what: str, timeout: float = DEADLINE) -> None:
    """The same, for threads and other processes."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise NeverHappened(f"waited {timeout:g} s for {what}")
        time.sleep(0.01)
