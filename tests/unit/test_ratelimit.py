"""The pacer: at most ``rate`` starts in any second, sent together rather than spread out."""

from __future__ import annotations

import itertools

from yike_tui.engine.ratelimit import RateLimiter


class Clock:
    """A clock the limiter's own sleep moves forward: no real waiting."""

    def __init__(self) -> None:
        self.t = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.t += seconds


def _limiter(rate: float) -> tuple[RateLimiter, Clock]:
    clock = Clock()
    return RateLimiter(rate, clock=clock, sleep=clock.sleep), clock


async def _starts(limiter: RateLimiter, clock: Clock, count: int) -> list[float]:
    starts = []
    for _ in range(count):
        await limiter.acquire()
        starts.append(clock.t)
    return starts


def _most_in_one_second(starts: list[float]) -> int:
    return max(sum(1 for u in starts if t <= u < t + 1.0) for t in starts)


async def test_a_seconds_starts_go_out_together_then_one_wait() -> None:
    limiter, clock = _limiter(10)
    starts = await _starts(limiter, clock, 25)
    # Ten at once, one sleep, ten more: the engine wakes once a second, not ten times.
    assert starts[:10] == [0.0] * 10
    assert set(starts[10:20]) == {starts[10]} and 1.0 < starts[10] <= 1.05
    assert len(clock.sleeps) == 2
    assert _most_in_one_second(starts) == 10


async def test_under_one_a_second_each_start_waits_its_share() -> None:
    limiter, clock = _limiter(0.5)
    starts = await _starts(limiter, clock, 4)
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert all(2.0 <= gap <= 2.1 for gap in gaps)


async def test_throttling_lowers_the_cap_below_the_starts_already_counted() -> None:
    limiter, clock = _limiter(10)
    first = await _starts(limiter, clock, 10)
    limiter.slow_down()  # half the rate: 5 a second, with 10 counted already
    after = await _starts(limiter, clock, 10)
    assert min(after) > first[-1] + 1.0  # none until the ten counted have left the window
    assert _most_in_one_second(after) == 5


async def test_retry_after_holds_every_start() -> None:
    limiter, clock = _limiter(10)
    limiter.slow_down(retry_after=3.0)
    await limiter.acquire()
    assert clock.t >= 3.0


async def test_no_limit_never_waits() -> None:
    limiter, clock = _limiter(0)
    await _starts(limiter, clock, 1000)
    assert clock.sleeps == []
