"""A request pacer that never lets more than ``rate`` requests start in any one second.

A plain token bucket allows a burst of its capacity on top of the rate, so a server that
counts per second can see nearly twice the limit. Spacing starts evenly, with a small
margin, keeps every sliding one-second window at or under the limit. Spacing alone is a
schedule, though: when the event loop stalls, overdue starts go out together and a window
can hold more than the limit, so the starts of the last second are also counted and a
start waits while that count is at the limit. ``slow_down`` and ``recover`` let throttling
answers stretch the spacing and let it heal gradually.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable

_MARGIN = 1.02  # 2% slack for scheduling jitter between our clock and the server's
_WINDOW = 1.0 * _MARGIN  # the counted window, a little over a second for the same reason


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
        self.clock = clock
        self._sleep = sleep
        self._next = 0.0
        self._hold_until = 0.0
        self._starts: deque[float] = deque()  # starts within the last _WINDOW seconds
        self.last_start = 0.0  # when the latest start was granted, on ``clock``

    @property
    def effective_rate(self) -> float:
        return self.rate * self.factor if self.rate > 0 else 0.0

    async def acquire(self) -> None:
        now = self.clock()
        start = max(now, self._hold_until)
        if self.rate > 0:
            start = max(start, self._next)
            self._next = start + _MARGIN / (self.rate * self.factor)
        if start > now:
            await self._sleep(start - now)
        if self.rate <= 0:
            return
        cap = max(1, math.floor(self.rate))
        starts = self._starts
        while True:
            now = self.clock()
            while starts and now - starts[0] >= _WINDOW - 1e-9:  # float slack
                starts.popleft()
            if len(starts) < cap:
                starts.append(now)
                self.last_start = now
                return
            await self._sleep(starts[0] + _WINDOW - now)

    def slow_down(self, retry_after: float | None = None) -> None:
        """The server throttled us: halve the pace and honour its retry-after."""
        self.factor = max(0.05, self.factor / 2)
        if retry_after:
            self._hold_until = max(self._hold_until, self.clock() + retry_after)

    def recover(self) -> None:
        """A success: creep back towards the configured rate."""
        if self.factor < 1.0:
            self.factor = min(1.0, self.factor * 1.05)
