"""A request pacer that never lets more than ``rate`` requests start in any one second.

A plain token bucket allows a burst of its capacity on top of the rate, so a server that
counts per second can see nearly twice the limit. Spacing starts evenly, with a small
margin, keeps every sliding one-second window at or under the limit. ``slow_down`` and
``recover`` let throttling answers stretch the spacing and let it heal gradually.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

_MARGIN = 1.02  # 2% slack for scheduling jitter between our clock and the server's


class RateLimiter:
    def __init__(
        self,
        rate: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.rate = rate  # requests per second; 0 or less means no limit
        self.factor = 1.0  # 1 = full rate; throttling halves it, successes restore it
        self._clock = clock
        self._sleep = sleep
        self._next = 0.0
        self._hold_until = 0.0

    @property
    def effective_rate(self) -> float:
        return self.rate * self.factor if self.rate > 0 else 0.0

    async def acquire(self) -> None:
        now = self._clock()
        start = max(now, self._hold_until)
        if self.rate > 0:
            start = max(start, self._next)
            self._next = start + _MARGIN / (self.rate * self.factor)
        if start > now:
            await self._sleep(start - now)

    def slow_down(self, retry_after: float | None = None) -> None:
        """The server throttled us: halve the pace and honour its retry-after."""
        self.factor = max(0.05, self.factor / 2)
        if retry_after:
            self._hold_until = max(self._hold_until, self._clock() + retry_after)

    def recover(self) -> None:
        """A success: creep back towards the configured rate."""
        if self.factor < 1.0:
            self.factor = min(1.0, self.factor * 1.05)
