"""What a download reports as it goes: bytes done, the total, a smoothed speed, time left.

The TUI shows it as it is; the CLI hands the byte counts to ``rich.progress``, which draws
the bar and works out speed and time left itself.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Progress:
    done: int  # bytes on disk, including what a resumed .part already held
    total: int | None  # None when the server did not say
    speed: float  # bytes per second, smoothed
    eta: float | None  # seconds left, None when unknown

    @property
    def fraction(self) -> float | None:
        return None if not self.total else min(1.0, self.done / self.total)


class SpeedMeter:
    """Smoothed transfer speed (exponential moving average over ~2 s windows)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, window: float = 2.0) -> None:
        self._clock = clock
        self._window = window
        self._last_t = clock()
        self._pending = 0
        self.speed = 0.0

    def add(self, n: int) -> float:
        self._pending += n
        now = self._clock()
        elapsed = now - self._last_t
        if elapsed >= 0.05:  # tiny intervals give wild rates
            rate = self._pending / elapsed
            weight = min(1.0, elapsed / self._window)
            self.speed = rate if self.speed == 0 else self.speed + weight * (rate - self.speed)
            self._pending = 0
            self._last_t = now
        return self.speed

    def progress(self, done: int, total: int | None) -> Progress:
        eta = None
        if total is not None and self.speed > 0:
            eta = max(0.0, (total - done) / self.speed)
        return Progress(done, total, self.speed, eta)
