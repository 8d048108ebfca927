"""A request pacer that never lets more than ``rate`` requests start in any one second.

A plain token bucket allows a burst of its capacity on top of the rate, so a server that
counts per second can see nearly twice the limit. Here the starts of the last second
(a little over: ``_WINDOW``) are counted, and a start waits while that count is at the
limit, so every sliding one-second window, and so every second a server counts, holds at
most ``rate`` starts. That holds however late the event loop runs a waiting start.

The starts of a second go out together, not spaced evenly: a watching engine that is never
idle otherwise (5,000 running jobs at 10 requests a second) then wakes about once a second
instead of ten times, and each wake-up of a process that slept costs several times the CPU
of the request it sends (cold caches): 0.24 ms a request in tens, 0.73 ms one at a time.
Under 1 request a second the window stretches to one start per ``1/rate`` seconds.
``slow_down`` and ``recover`` let throttling answers lower the rate and let it heal
gradually.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable

_MARGIN = 1.02  # 2% slack for scheduling jitter between our clock and the server's
_WINDOW = 1.0 * _MARGIN  # the counted window, a little over a second for the same reason
_SLACK = 1e-9  # float rounding: a start exactly one window later is outside it


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
        self._hold_until = 0.0
        self._starts: deque[float] = deque()  # the starts granted within the last window
        self.last_start = 0.0  # when the latest start was granted, on ``clock``

    @property
    def effective_rate(self) -> float:
        return self.rate * self.factor if self.rate > 0 else 0.0

    def _window(self) -> tuple[int, float]:
        """(the starts allowed, in how many seconds) at the current rate."""
        rate = self.effective_rate
        if rate >= 1.0:
            return math.floor(rate), _WINDOW
        return 1, _MARGIN / rate  # under 1 a second: one start, then a longer wait

    async def acquire(self) -> None:
        starts = self._starts
        while True:
            now = self.clock()
            if now < self._hold_until:  # the server asked for a pause (Retry-After)
                await self._sleep(self._hold_until - now)
                continue
            if self.rate <= 0:
                return
            cap, window = self._window()
            while starts and now - starts[0] >= window - _SLACK:
                starts.popleft()
            if len(starts) < cap:
                starts.append(now)
                self.last_start = now
                return
            # Wait until enough of the counted starts leave the window (more than one when
            # throttling lowered the cap below the starts already counted).
            await self._sleep(starts[len(starts) - cap] + window - now)

    def slow_down(self, retry_after: float | None = None) -> None:
        """The server throttled us: halve the pace and honour its retry-after."""
        self.factor = max(0.05, self.factor / 2)
        if retry_after:
            self._hold_until = max(self._hold_until, self.clock() + retry_after)

    def recover(self) -> None:
        """A success: creep back towards the configured rate."""
        if self.factor < 1.0:
            self.factor = min(1.0, self.factor * 1.05)
