"""Simulated Yike jobs: a plan fixed at creation, a state computed from the clock.

A job never "ticks". Its storyboards and fate are decided when it is created (from a
seeded RNG), and what the API shows at a given moment is a pure function of the job's
own elapsed time. That keeps 100,000 jobs cheap, makes runs deterministic for a seed and
a clock, and lets a speed factor play an hour-long job in a minute.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import Enum


class Fate(Enum):
    SUCCEED = "succeed"
    FAIL = "fail"  # a storyboard fails to create; the job ends Failed
    SUSPEND = "suspend"  # stops Suspended once storyboards are parsed, until resumed
    FOREVER = "forever"  # keeps running for as long as anyone watches


class Encoding(Enum):
    PLAIN = "plain"  # lists as JSON inside strings, escaped once
    DOUBLE = "double"  # the vendor example's form: JSON escaped twice inside the string
    SPARSE = "sparse"  # empty optional fields left out altogether


@dataclass(frozen=True, slots=True)
class StoryboardPlan:
    id: str
    title: str
    appear: float  # job-time (seconds) at which it shows up in StoryboardInfoList
    parse_done: float
    create_start: float
    create_done: float
    produce_done: float
    create_fails: bool = False
    failed_shots: tuple[tuple[str, str], ...] = ()  # (shot id, error code), seen at create_done

    def state(self, t: float, storyboard_only: bool) -> tuple[str, str] | None:
        """``(status, subStatus)`` at job-time ``t``, or None before it appears."""
        if t < self.appear:
            return None
        if t < self.parse_done:
            return "Configuring", "Parsing"
        if t < self.create_start:
            return "Configuring", "ParseSucc"
        if t < self.create_done:
            return "Editing", "Creating"
        if self.create_fails:
            return "Editing", "CreateFailed"
        if storyboard_only or t < self.produce_done:
            return "Editing", "CreateSucc"
        return "Produced", "ProduceSucc"


@dataclass(slots=True)
class SimJob:
    id: str
    params: dict[str, str]
    created: float  # simulator clock time of submission
    storyboards: list[StoryboardPlan]
    fate: Fate
    end: float  # job-time at which it becomes terminal (inf for FOREVER / SUSPEND)
    suspend_at: float | None = None
    encoding: Encoding = Encoding.PLAIN
    status_override: str | None = None  # a raw status the real service might show one day
    paused_total: float = 0.0
    resumed: bool = False
    media_size: int = 0
    exec_mode: str = "FullPipeline"  # or StoryboardOnly: stops once storyboards are created
    history: list[str] = field(default_factory=list)  # resumes etc., for /_sim/truth

    @property
    def storyboard_only(self) -> bool:
        return self.exec_mode == "StoryboardOnly"

    def job_time(self, now: float) -> tuple[float, str]:
        """The job's own elapsed time and its JobStatus at simulator time ``now``."""
        t = max(0.0, now - self.created - self.paused_total)
        if self.suspend_at is not None and not self.resumed and t >= self.suspend_at:
            return self.suspend_at, "Suspended"
        if t >= self.end:
            return t, "Failed" if self.fate is Fate.FAIL else "Succeeded"
        return t, self.status_override or "Running"

    def resume(self, now: float) -> bool:
        """Continue a suspended job; its remaining plan is shifted by the pause."""
        t, status = self.job_time(now)
        if status != "Suspended" or self.suspend_at is None:
            return False
        elapsed = max(0.0, now - self.created - self.paused_total)
        self.paused_total += elapsed - self.suspend_at
        self.resumed = True
        # Once resumed, the job finishes like a successful one.
        last = max((sb.produce_done for sb in self.storyboards), default=t)
        self.end = last + 20.0
        self.history.append(f"resumed at job-time {t:.0f}s")
        return True


def plan_storyboards(
    rng_values: list[float],
    count: int,
    prefix: int,
    *,
    start: float,
    span: float,
    fail_index: int | None,
    shot_failures: dict[int, tuple[tuple[str, str], ...]],
    titles: list[str],
) -> list[StoryboardPlan]:
    """Lay out ``count`` storyboards over ``span`` seconds of job-time from ``start``.

    ``rng_values`` holds at least ``4 * count`` uniform numbers in [0, 1): the caller's RNG
    decides, so the same seed always gives the same plan.
    """
    plans: list[StoryboardPlan] = []
    step = span / max(count, 1)
    for i in range(count):
        r = rng_values[4 * i : 4 * i + 4]
        appear = start + i * step * 0.25 + r[0] * step * 0.1
        parse_done = appear + step * (0.4 + r[1] * 0.4)
        create_start = parse_done + step * 0.1
        create_done = create_start + step * (0.6 + r[2] * 0.6)
        produce_done = create_done + step * (0.5 + r[3] * 0.8)
        plans.append(
            StoryboardPlan(
                id=f"st_{prefix + i}",
                title=titles[i % len(titles)] if titles else f"Storyboard {i + 1}",
                appear=appear,
                parse_done=parse_done,
                create_start=create_start,
                create_done=create_done,
                produce_done=produce_done,
                create_fails=i == fail_index,
                failed_shots=shot_failures.get(i, ()),
            )
        )
    return plans


def end_time(plans: list[StoryboardPlan], fate: Fate) -> float:
    if fate is Fate.FOREVER or fate is Fate.SUSPEND or not plans:
        return math.inf if plans or fate is not Fate.SUCCEED else 0.0
    if fate is Fate.FAIL:
        failing = [p.create_done for p in plans if p.create_fails]
        return (min(failing) if failing else plans[-1].create_done) + 5.0
    return max(p.produce_done for p in plans) + 15.0  # the final composition
