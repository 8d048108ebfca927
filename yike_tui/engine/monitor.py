"""The refresh engine: what to ask the API and when, and what changed. No UI in here.

One async loop runs passes. A pass fetches the jobs that are due, at most ``concurrency``
at once and no faster than the rate limit, diffs each answer against the last snapshot
into events, saves snapshots and events, tells subscribers, then re-arms itself. Passes
never overlap and a job is never fetched twice at once.

What is due when:
- running (or unknown-status) jobs every ``interval``; one that just changed sooner;
- ``Suspended`` jobs every ``SUSPENDED_FACTOR`` intervals (``suspended_factor``);
- ``Succeeded``/``Failed`` jobs once more to confirm, then never again (a terminal job
  costs zero requests) unless refreshed by hand; a terminal snapshot from disk counts as
  confirmed;
- a job that failed to fetch backs off exponentially (capped); throttling slows the whole
  engine and recovers gradually; credential, permission and clock errors pause polling
  until ``retry()``; a job the API does not know is marked and left alone.

When requests cannot reach the endpoint at all (refused, DNS, TLS, timeouts, resets) the
engine is OFFLINE: one state, "unreachable since <time>" and how many jobs it could not
reach, instead of one job's error after another. The first answer from the endpoint (a job,
or an API error about one) clears it at once, and the jobs that failed only because of the
outage are tried again within one interval instead of waiting out their backoff.

When the API refuses the account itself (not enabled for Yike) the engine is in one
account-level state (``EngineStatus.account_problem``): the pass stops, no job is marked
failed or unknown, and one job is asked again every ``account_every`` seconds (or at once
on ``refresh_now``); the first answer about a job ends the state and every job is due again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any, Protocol

from yike_tui.api.errors import ApiError, ErrorKind, account_problem
from yike_tui.core.events import (
    FIRST_SIGHT,
    Event,
    EventKind,
    fetch_failed,
    fetch_recovered,
    job_not_found,
)
from yike_tui.core.models import Job, JobStatus, parse_job
from yike_tui.engine.diff import diff, same_answer
from yike_tui.engine.held import HeldAnswers
from yike_tui.engine.job_state import JobState, RunningTally, status_of
from yike_tui.engine.output import Batch, Output
from yike_tui.engine.ratelimit import RateLimiter
from yike_tui.engine.reach import ACCOUNT_EVERY, Reach, is_unreachable
from yike_tui.engine.status import EngineStatus, Tally, Update
from yike_tui.engine.watching import Watching
from yike_tui.safety.redaction import unsign
from yike_tui.safety.safe_text import valid_text
from yike_tui.store import SnapshotItem, Store

log = logging.getLogger(__name__)

SUSPENDED_FACTOR = 10  # suspended jobs change only when someone resumes them
CHANGED_FACTOR = 0.5  # a job that just changed is likely to change again soon
BACKOFF_CAP = 600.0  # seconds: the longest a failing job waits between tries
CONFIRM_DELAY = 5.0  # seconds before the fetch that confirms a terminal status
DUE_SLACK = 2.0  # seconds: jobs due this soon are fetched with the pass that is starting
FLUSH_EVERY = 0.5  # seconds: how often a long pass hands results to subscribers and the store
# (a paced pass answers 10 a second: a save after every answer was a tenth of its CPU; the UI draws
# once a second anyway, and a pass, a stop and a refresh by hand flush at once)
_PAUSING_KINDS = frozenset(
    {ErrorKind.CREDENTIALS, ErrorKind.PERMISSION, ErrorKind.CLOCK, ErrorKind.TLS}
)


class JobFetcher(Protocol):
    async def get_job_payload(self, job_id: str) -> dict[str, Any]: ...


class Monitor(Watching, Output, Reach):
    """The engine: the loop and the outcomes of each fetch are here; which jobs it watches
    (``Watching``), what it saves and tells (``Output``) and what it knows of the endpoint
    and the account (``Reach``) are its other halves."""

    def __init__(
        self,
        fetcher: JobFetcher,
        *,
        store: Store | None = None,
        interval: float = 30.0,
        concurrency: int = 8,
        rate_limit: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
        limiter: RateLimiter | None = None,
        account_every: float | None = None,
        suspended_factor: float = SUSPENDED_FACTOR,
        hot_answers: int | None = None,
    ) -> None:
        """``suspended_factor``: Suspended jobs are asked every this many intervals (1 for a
        watch that waits for someone to resume them); ``hot_answers``: answers kept in
        memory (``held.HOT_ANSWERS``), beyond which stored ones keep only their row."""
        self.fetcher = fetcher
        self.store = store
        self.interval = interval
        self.suspended_factor = suspended_factor
        self.concurrency = max(1, concurrency)
        self.clock = clock
        self.wall = wall
        self.limiter = limiter or RateLimiter(rate_limit, clock=clock)
        self.jobs: dict[str, JobState] = {}
        self.status = EngineStatus()
        self._subscribers: list[Callable[[Update], None]] = []
        self._wake = asyncio.Event()
        self._batch = Batch()
        self._last_flush = 0.0
        self.flush_every = FLUSH_EVERY
        self._flush_timer: asyncio.TimerHandle | None = None  # a pass's next hand-on
        self._rng = random.Random()
        self._answers = 0  # answers from the endpoint so far: did one come while we waited?
        self._offline_ids: set[str] = set()  # jobs not reached in the outage under way
        self._tally = RunningTally(self.jobs)
        self._passing = 0  # passes under way (one at most, but a test may start two)
        self.account_every = ACCOUNT_EVERY if account_every is None else account_every
        self._account_due = 0.0  # engine clock: when to ask again while the account is refused
        self._account_refusals = 0  # how many answers refused the account, ever
        self.held = HeldAnswers(hot_answers)  # the answers in memory (engine/held.py)
        # One engine per state db (engine/shared.py): the lease token every write must hold,
        # and who to tell when a write finds another process holds it now.
        self.lease: str | None = None
        self.on_lease_lost: Callable[[], None] | None = None

    # --- control -------------------------------------------------------------------------

    def refresh_now(self, job_id: str | None = None) -> None:
        """Fetch one job (or every job, terminal ones included) at the next chance."""
        now = self.clock()
        targets = [self.jobs[job_id]] if job_id in self.jobs else []
        if job_id is None:
            targets = list(self.jobs.values())
        for state in targets:
            state.due = now
            state.confirmed = False
            state.not_found = False
            self._touch(state.job_id)
        self._account_due = now  # the user may just have enabled the account: ask now
        self._wake.set()

    async def fetch_now(self, job_id: str) -> JobState:
        """Fetch one job right away (paced like any request) and report it; for actions
        that need the newest answer, e.g. a fresh signed output URL."""
        state = self.jobs[job_id]
        # Waits for this job's request in flight, if any (not for the rest of a pass).
        async with state.lock:
            try:
                await self.limiter.acquire()
                await self._fetch(state)
            finally:
                self._flush()
        return state

    def pause(self) -> None:
        self.status.paused, self.status.pause_reason = True, ""
        self._emit(Update([], set()))

    def resume(self) -> None:
        """Unpause (also after a credentials pause: the user says they fixed it)."""
        self.status.paused, self.status.pause_reason = False, ""
        self._wake.set()
        self._emit(Update([], set()))

    retry = resume

    # --- the loop ------------------------------------------------------------------------

    @property
    def pass_under_way(self) -> bool:
        """A pass is fetching: ``any(s.in_flight for s in jobs)`` without looking at each of
        100,000 jobs."""
        return self._passing > 0

    def due_jobs(self) -> list[JobState]:
        # Jobs due within the next moment join this pass: one wake-up for a burst instead
        # of one per job (a paced first pass leaves them due a tenth of a second apart).
        now = self.clock()
        horizon = now + min(DUE_SLACK, self.interval / 10)
        if self.status.account_problem:
            return self._account_probe(now)
        return [
            s
            for s in self.jobs.values()
            if s.due <= horizon and not (s.in_flight or s.lock.locked())
        ]

    async def run(self) -> None:
        """Run passes until cancelled."""
        while True:
            if not self.status.paused:
                await self.run_pass()
            self._wake.clear()
            delay = self._sleep_time()
            self.status.next_pass = None if delay is None else self.wall() + delay
            self._emit(Update([], set()))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=delay)

    def _sleep_time(self) -> float | None:
        if self.status.paused:
            return None
        if self.status.account_problem:
            return max(0.05, self._account_due - self.clock())
        upcoming = [s.due for s in self.jobs.values() if s.due != float("inf")]
        if not upcoming:
            return None
        return max(0.05, min(upcoming) - self.clock())

    async def run_pass(self, *, as_listed: bool = False) -> int:
        """Fetch every due job once; returns how many were fetched. ``as_listed``: in the
        watch list's order (``watch --once`` prints in it as answers come)."""
        due = self.due_jobs()
        if not as_listed:
            # Running jobs first: confirmations and retries of failing jobs can wait a moment.
            due.sort(key=lambda s: (s.is_terminal, s.failures))
        if not due:
            return 0
        queue: asyncio.Queue[JobState] = asyncio.Queue()
        for state in due:
            state.in_flight = True
            queue.put_nowait(state)
        self._passing += 1
        refusals = self._account_refusals
        workers = [
            asyncio.create_task(self._worker(queue, refusals))
            for _ in range(min(self.concurrency, len(due)))
        ]
        try:
            await asyncio.gather(*workers)
        finally:
            for task in workers:
                task.cancel()
            for state in due:
                state.in_flight = False
            self._passing -= 1
            self.status.passes += 1
            if not any(
                s.error is not None and not (s.not_found or s.unreachable)
                for s in self.jobs.values()
            ):
                # No job holds an error of its own: what this pass learned clears the old one.
                self.status.last_error = ""
            self._flush()
        return len(due)

    async def _worker(self, queue: asyncio.Queue[JobState], refusals: int) -> None:
        while not queue.empty() and not self._halted(refusals):
            state = queue.get_nowait()
            if state.job_id not in self.jobs:
                continue
            await self.limiter.acquire()
            if self._halted(refusals):
                break
            async with state.lock:
                await self._fetch(state)
            self._hand_on_soon()

    def _halted(self, refusals: int) -> bool:
        """Paused, or the account was refused since the pass began: the rest of the pass
        would be refused alike (the jobs left stay due for when the account works)."""
        return self.status.paused or self._account_refusals != refusals

    async def _fetch(self, state: JobState) -> None:
        self.status.in_flight += 1
        self.status.requests += 1
        self.status.peak_in_flight = max(self.status.peak_in_flight, self.status.in_flight)
        answers_before = self._answers
        try:
            payload = await self.fetcher.get_job_payload(state.job_id)
        except ApiError as err:
            # A transport error while other requests got answers is this job's own trouble
            # (one answer that hangs), not the endpoint being down.
            self._failed(state, err, alone=self._answers != answers_before)
            return
        except Exception as exc:  # a bug below us must cost one fetch, not the whole engine
            log.exception("fetching %s failed unexpectedly", state.job_id)
            self._failed(state, ApiError("ClientError", f"{type(exc).__name__}: {exc}"))
            return
        finally:
            self.status.in_flight -= 1
        self._answered(state, payload)

    def _hand_on_soon(self) -> None:
        """Flush a pass's results every ``flush_every``, and at the latest that long after
        an answer, even when no other answer follows (one request that hangs must not hold
        back what the others brought)."""
        if self.wall() - self._last_flush >= self.flush_every:
            self._flush()
        elif self._flush_timer is None:
            due = max(0.0, self._last_flush + self.flush_every - self.wall())
            self._flush_timer = asyncio.get_running_loop().call_later(due, self._flush)

    # --- outcomes ------------------------------------------------------------------------

    def _answered(self, state: JobState, payload: dict[str, Any]) -> None:
        now, wall = self.clock(), self.wall()
        previous = None if state.not_found else state.previous_answer()
        unchanged = previous is not None and same_answer(previous, payload)
        # The answer the store holds, but for the signed link queries it cut (a finished
        # job's every answer signs its links anew): what would be stored is what is.
        resigned = (
            not unchanged
            and previous is not None
            and state.stored
            and same_answer(previous, unsign(payload))
        )
        job: Job | None
        if unchanged or resigned:
            # The last answer again (most answers of a running job): no diff, no events,
            # and the job is the one in hand with this answer's RequestId and time.
            old = state.parsed if unchanged else None  # resigned: its links are the new ones
            if old is not None:
                rid = payload.get("RequestId", "")
                job = replace(old, request_id=valid_text(rid), fetched_at=wall)
            elif state.stored and state.summary is not None:
                job = None  # known by the row the store holds: parsed if looked at
            else:  # known from the store until now: parsed once, from this answer
                job = parse_job(payload, job_id=state.job_id, fetched_at=wall)
            events: list[Event] = []
            was_terminal = state.is_terminal
        else:
            job = parse_job(payload, job_id=state.job_id, fetched_at=wall)
            events = diff(state.job if not state.not_found else None, job, ts=wall)
            was_terminal = state.is_terminal and (state.job is not None)
        if state.error is not None:
            events.insert(0, fetch_recovered(state.job_id, ts=wall))
        self._reached(now)
        self._account_works()
        state.error, state.failures, state.not_found = None, 0, False
        state.loading = state.unreachable = False
        state.stale = False
        if job is None:
            state.keep_unparsed(payload, wall)
        else:
            state.job, state.payload, state.last_checked = job, payload, wall
        self.held.answered(state.job_id)
        if events:
            state.last_change = wall
        self.limiter.recover()
        self.status.last_success = wall
        self.status.throttled = self.limiter.factor < 1.0
        # First sight is not a change worth an early look; a real change is.
        moved = any(
            e.kind is not EventKind.JOB_ADDED and not e.data.get(FIRST_SIGHT) for e in events
        )
        state.due = self._next_due(state, now, changed=moved, was_terminal=was_terminal)
        batch = self._batch
        batch.events.extend(events)
        batch.changed.add(state.job_id)
        # The parsed job goes along: the store makes the row's summary from it. The same
        # answer again needs only its time stored (Store.save_checked).
        if job is None:
            item = SnapshotItem(state.job_id, payload, wall, "", "")
        else:
            item = SnapshotItem(state.job_id, payload, wall, job.status_raw, job.title, job)
        same = unchanged or resigned
        (batch.checked if same and state.stored else batch.snapshots).append(item)
        state.stored = False  # until the store says it saved this answer (_flush)
        self._touch(state.job_id)

    def _next_due(self, state: JobState, now: float, *, changed: bool, was_terminal: bool) -> float:
        status = state.status
        if status.is_terminal:
            # Terminal twice in a row (or after a refresh by hand): final, never fetched again.
            state.confirmed = was_terminal
            return float("inf") if was_terminal else now + CONFIRM_DELAY
        state.confirmed = False
        if self.interval <= 0:
            return float("inf")  # manual only
        if status is JobStatus.SUSPENDED:
            return now + self.interval * self.suspended_factor
        return now + self.interval * (CHANGED_FACTOR if changed else 1.0)

    def _failed(self, state: JobState, err: ApiError, *, alone: bool = False) -> None:
        now, wall = self.clock(), self.wall()
        problem = account_problem(err)
        if problem:
            # The account's, not this job's: the job keeps what it showed.
            self._account_refused(problem, now, wall)
            return
        if err.http_status and not err.retryable:
            self._account_works()  # an answer about the job itself: the account is served
        first = state.error is None
        state.error, state.last_checked = err, wall
        state.failures += 1
        state.loading = False
        state.unreachable = is_unreachable(err) and not alone
        if state.unreachable:
            self._unreached(state, err, wall)
        else:
            if err.http_status:  # an answer, if an unhappy one: the endpoint is there
                self._reached(now)
            self._offline_ids.discard(state.job_id)
            self.status.offline_jobs = len(self._offline_ids)
            self.status.last_error = f"{state.job_id[:8]}…: {err.code}: {err.message}"
        batch = self._batch
        batch.changed.add(state.job_id)
        self._touch(state.job_id)
        if err.kind is ErrorKind.NOT_FOUND:
            if not state.not_found:
                batch.events.append(job_not_found(state.job_id, ts=wall, message=err.message))
            state.not_found, state.due = True, float("inf")
            return
        if first:
            batch.events.append(
                fetch_failed(state.job_id, ts=wall, code=err.code, message=err.message)
            )
        if err.kind in _PAUSING_KINDS:
            # Every other request would fail the same way: stop and say why.
            self.status.paused = True
            self.status.pause_reason = f"{err.code}: {err.hint}"
            self.status.pause_kind = err.kind
            state.due = now
            return
        if err.kind is ErrorKind.THROTTLED:
            self.limiter.slow_down(err.retry_after)
            self.status.throttled = True
        base = self.interval or 30.0
        backoff = min(BACKOFF_CAP, base * 2 ** (state.failures - 1))
        state.due = now + self._rng.uniform(0.5, 1.0) * backoff

    # --- summaries -----------------------------------------------------------------------

    def counts(self) -> dict[JobStatus, int]:
        """Jobs by status, for those with something to show: a job still loading or whose
        JobId is unknown has no status to count (``tally()`` counts those)."""
        return self.tally().counts

    def tally(self) -> Tally:
        """The watch list at a glance (``RunningTally``: the status bar asks at every
        update and every second; recounting 100,000 jobs each time took tens of ms)."""
        return self._tally.tally()

    def _touch(self, *job_ids: str) -> None:
        self._tally.touch(*job_ids)

    def all_terminal(self) -> bool:
        return bool(self.jobs) and all(s.is_terminal or s.not_found for s in self.jobs.values())


__all__ = [
    "ACCOUNT_EVERY",
    "EngineStatus",
    "EventKind",
    "JobState",
    "Monitor",
    "Tally",
    "Update",
    "is_unreachable",
    "status_of",
]
