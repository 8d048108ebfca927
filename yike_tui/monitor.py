"""The refresh engine: what to ask the API and when, and what changed. No UI in here.

One async loop runs passes. A pass fetches the jobs that are due, at most ``concurrency``
at once and no faster than the rate limit, diffs each answer against the last snapshot
into events, saves snapshots and events, tells subscribers, then re-arms itself. Passes
never overlap and a job is never fetched twice at once.

What is due when:
- running (or unknown-status) jobs every ``interval``; one that just changed sooner;
- ``Suspended`` jobs every ``SUSPENDED_FACTOR`` intervals;
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
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from yike_tui.api.errors import ApiError, ErrorKind, account_problem
from yike_tui.diff import diff, same_answer
from yike_tui.events import (
    FIRST_SIGHT,
    Event,
    EventKind,
    fetch_failed,
    fetch_recovered,
    job_not_found,
)
from yike_tui.models import Job, JobStatus, parse_job
from yike_tui.ratelimit import RateLimiter
from yike_tui.safe_text import valid_text
from yike_tui.store import JobRow, SnapshotItem, Store
from yike_tui.store.bulk import quiet_gc

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
ACCOUNT_EVERY = 120.0  # seconds between asks while the account is refused: enabling it is
# a visit to the console, and every ask of the whole list would be refused alike
# The client's codes for a request that got no answer from the endpoint (api/client.py).
UNREACHABLE_CODES = frozenset(
    {"ConnectionFailed", "NameResolutionFailed", "Timeout", "TLSError", "ConnectionReset"}
    | {"NetworkError"}
)


def is_unreachable(err: ApiError) -> bool:
    """The request never got an answer: the endpoint's problem, not this job's."""
    return err.http_status == 0 and err.code in UNREACHABLE_CODES


class JobFetcher(Protocol):
    async def get_job_payload(self, job_id: str) -> dict[str, Any]: ...


_TERMINAL = frozenset({JobStatus.SUCCEEDED, JobStatus.FAILED})
_STATUS_OF: dict[str, JobStatus] = {}  # raw status text -> JobStatus: 100,000 rows, few values
_STATUS_MEMO = 256  # distinct raw values remembered (a hostile API could send any number)


def status_of(raw: str) -> JobStatus:
    """``JobStatus.from_raw``, remembered: start-up reads it for every stored job."""
    status = _STATUS_OF.get(raw)
    if status is None:
        status = JobStatus.from_raw(raw) if raw else JobStatus.UNKNOWN
        if len(_STATUS_OF) < _STATUS_MEMO:
            _STATUS_OF[raw] = status
    return status


# What one job adds to the tally, as a small int: a status (1..5, 0 for none) plus
# _ERROR when it holds an error of its own; _LOADING while it has nothing to show.
_STATUSES = tuple(JobStatus)
_STATUS_CODE = {id(status): n for n, status in enumerate(_STATUSES, start=1)}
_ERROR = len(_STATUSES) + 1
_LOADING = 2 * _ERROR
_CODES = _LOADING + 1


def _tally_code(state: JobState) -> int:
    if state.loading:
        return _LOADING
    code = 0
    if state.error is not None or state.not_found:
        if not state.unreachable or state.not_found:
            code = _ERROR
        if state.not_found or not state.has_answer:
            return code  # no answer to count a status from (an error, or an unknown JobId)
    elif not state.has_answer:
        return 0
    # By the member's id: hashing an Enum member runs Python code, 100,000 times.
    return code + _STATUS_CODE[id(state.status)]


def _status_and_end(raw: str) -> tuple[JobStatus, bool]:
    status = status_of(raw)
    return status, status in _TERMINAL


@dataclass(slots=True, eq=False)
class JobState:
    """Everything the engine knows about one watched job.

    A job known only from the state db starts from its ``summary`` (what its row shows):
    its stored answer is read and parsed only when something first looks at ``job``, so
    100,000 cached jobs cost 100,000 small rows, not 100,000 parsed answers. Slots, and a
    lock made on first use, keep each state small.
    """

    job_id: str
    label: str = ""
    payload: dict[str, Any] | None = None  # the raw answer behind ``job`` (None: from disk)
    stale: bool = True  # shown from disk, not yet fetched in this run
    last_checked: float = 0.0  # wall time of the last answer (or failure)
    last_change: float = 0.0  # wall time of the last event that was not a fetch problem
    error: ApiError | None = None
    failures: int = 0  # consecutive failed fetches
    due: float = 0.0  # engine clock time of the next fetch; inf = never
    confirmed: bool = False  # terminal status seen twice: never fetched again
    not_found: bool = False
    in_flight: bool = False  # queued or fetched by the pass under way
    # Nothing to show yet: True until the first answer or error in this run (or a snapshot
    # from disk). The job list draws such a row as loading; counts() leaves it out.
    loading: bool = True
    # The last fetch got no answer while the endpoint was unreachable: ``error`` is the
    # outage's, not this job's; False again after this job's next answer or API error.
    unreachable: bool = False
    # What the state db says of the job (its row), until an answer in this run replaces it.
    summary: JobRow | None = None
    # The store holds ``payload`` as it is: the same answer again needs only its time saved.
    stored: bool = False
    _job: Job | None = field(default=None, init=False, repr=False)
    _unparsed: bool = field(default=False, init=False, repr=False)  # parse on first use
    _row: JobRow | None = field(default=None, init=False, repr=False)  # of ``_job``
    _status: JobStatus | None = field(default=None, init=False, repr=False)  # the summary's
    _load: Callable[[str], tuple[dict[str, Any], float] | None] | None = field(
        default=None, init=False, repr=False
    )
    _lock: asyncio.Lock | None = field(default=None, init=False, repr=False)

    @property
    def lock(self) -> asyncio.Lock:
        """Held while a request for this job is out: never two at once for one job."""
        if self._lock is None:
            self._lock = asyncio.Lock()
        return self._lock

    @property
    def job(self) -> Job | None:
        # Parsing thousands of cached answers at start-up would delay the first frame; a
        # cached job is parsed when something first looks at it.
        if self._unparsed:
            self._unparsed = False
            payload = self.payload
            if payload is None and self._load is not None:
                try:
                    stored = self._load(self.job_id)  # None: gone, or over the size cap
                except Exception as exc:  # the store closed or broken: the row still shows
                    who = ascii(self.job_id)[:40]
                    log.warning("reading the stored answer of %s failed: %s", who, exc)
                    self._unparsed = True  # tried again at the next look
                    return None
                payload = None if stored is None else stored[0]
            if payload is not None:
                self._job = parse_job(payload, job_id=self.job_id, fetched_at=self.last_checked)
                self._row = self.summary  # what was stored of this very answer
        return self._job

    @job.setter
    def job(self, job: Job | None) -> None:
        self._job, self._unparsed, self._row = job, False, None
        if job is not None:
            self.summary = None  # the answer in hand says more than the stored row

    @property
    def parsed(self) -> Job | None:
        """``job`` if it is parsed already (None: not yet, or nothing known)."""
        return None if self._unparsed else self._job

    def previous_answer(self) -> dict[str, Any] | None:
        """The raw answer behind ``job``, without parsing it: a job known from its summary
        reads its stored answer once (kept, so ``job`` parses it without reading again)."""
        if self.payload is None and self._unparsed and self._load is not None:
            try:
                stored = self._load(self.job_id)
            except Exception as exc:  # as in ``job``: the store closed or broken
                log.warning(
                    "reading the stored answer of %s failed: %s", ascii(self.job_id)[:40], exc
                )
                return None
            if stored is not None:
                self.payload, self.stored = stored[0], True
        return self.payload

    def set_cached(self, payload: dict[str, Any], fetched_at: float) -> None:
        """Start from a stored answer in hand (parsed on first use)."""
        self.payload, self.last_checked, self.last_change = payload, fetched_at, fetched_at
        self.loading = False
        self._job, self._unparsed, self._row, self.summary = None, True, None, None

    def set_summary(
        self,
        summary: JobRow,
        load: Callable[[str], tuple[dict[str, Any], float] | None],
        status: JobStatus | None = None,
    ) -> None:
        """Start from the stored summary; ``load`` reads the stored answer when ``job`` is
        first looked at (``Store.load_snapshot``). ``status``: the summary's, when known."""
        self.summary, self._load = summary, load
        self._status = status_of(summary.status_raw) if status is None else status
        self.last_checked = self.last_change = summary.fetched_at
        self.loading = False
        self.payload, self._job, self._unparsed, self._row = None, None, True, None

    @property
    def has_answer(self) -> bool:
        """An answer (in this run or stored) says what the job is."""
        return self._job is not None or self.summary is not None or self.payload is not None

    @property
    def row(self) -> JobRow | None:
        """What the job's row shows, without parsing a stored answer: the stored summary
        until an answer in this run replaces it; None while nothing is known."""
        if self._job is None:
            if self.summary is not None:
                return self.summary
            if not self._unparsed:
                return None
        if self._row is None:
            job = self.job
            if job is None:
                return self.summary
            self._row = JobRow.of_job(job, self.last_checked, self.job_id)
        return self._row

    @property
    def title(self) -> str:
        """The job's title ("" while unknown), without parsing a stored answer."""
        if self._job is None and self.summary is not None:
            return self.summary.title
        job = self.job
        return job.title if job is not None else ""

    @property
    def status(self) -> JobStatus:
        if self._job is not None:
            return self._job.status
        if self._status is not None and self.summary is not None:
            return self._status
        if self._unparsed and self.payload is not None:
            raw = self.payload.get("JobStatus")
            return status_of(raw) if isinstance(raw, str) else JobStatus.UNKNOWN
        return JobStatus.UNKNOWN

    @property
    def is_terminal(self) -> bool:
        return self.status in _TERMINAL


@dataclass(frozen=True)
class Update:
    """What one batch of work changed: the events and the ids whose state moved."""

    events: list[Event]
    changed: set[str]


@dataclass
class EngineStatus:
    paused: bool = False
    pause_reason: str = ""  # set when an error paused polling; "" when the user paused
    pause_kind: ErrorKind | None = None  # the kind of that error
    in_flight: int = 0
    last_success: float | None = None  # wall time
    next_pass: float | None = None  # wall time; None when manual or paused
    # The newest per-job API error or failure to save ("" once none is current). The
    # status bar counts per-job errors instead (Tally.errors) and shows ``history_error``.
    last_error: str = ""
    history_error: str = ""  # saving history failed; "" again after the next good save
    offline_since: float | None = None  # wall time the endpoint stopped answering; None: online
    offline_jobs: int = 0  # jobs that could not be reached since then
    offline_reason: str = ""  # the newest transport error, "Code: message"
    # The API refuses the account (not enabled for Yike): what it means and what to do, one
    # line; "" when not. Since when (wall time); ``next_pass`` says when it is asked again.
    account_problem: str = ""
    account_since: float | None = None
    throttled: bool = False
    requests: int = 0
    passes: int = 0
    peak_in_flight: int = 0


@dataclass(frozen=True)
class Tally:
    """The watch list at a glance, counted in one pass over it."""

    counts: dict[JobStatus, int]  # jobs with an answer (or a snapshot), by status
    loading: int  # jobs with nothing to show yet (JobState.loading)
    errors: int  # jobs whose last fetch got an API error, an unknown JobId included
    total: int


@dataclass
class _Batch:
    events: list[Event] = field(default_factory=list)
    changed: set[str] = field(default_factory=set)
    snapshots: list[SnapshotItem] = field(default_factory=list)
    checked: list[SnapshotItem] = field(default_factory=list)  # the stored answer again


class Monitor:
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
    ) -> None:
        self.fetcher = fetcher
        self.store = store
        self.interval = interval
        self.concurrency = max(1, concurrency)
        self.clock = clock
        self.wall = wall
        self.limiter = limiter or RateLimiter(rate_limit, clock=clock)
        self.jobs: dict[str, JobState] = {}
        self.status = EngineStatus()
        self._subscribers: list[Callable[[Update], None]] = []
        self._wake = asyncio.Event()
        self._batch = _Batch()
        self._last_flush = 0.0
        self._rng = random.Random()
        self._answers = 0  # answers from the endpoint so far: did one come while we waited?
        self._offline_ids: set[str] = set()  # jobs not reached in the outage under way
        # tally(), kept up to date a job at a time: what each job adds (``_tally_code``),
        # jobs per code, and the jobs whose code may have moved (None: count them all).
        self._codes: dict[str, int] = {}
        self._per_code = [0] * _CODES
        self._dirty: set[str] | None = None
        self._passing = 0  # passes under way (one at most, but a test may start two)
        self.account_every = ACCOUNT_EVERY if account_every is None else account_every
        self._account_due = 0.0  # engine clock: when to ask again while the account is refused
        self._account_refusals = 0  # how many answers refused the account, ever

    # --- watch list ----------------------------------------------------------------------

    def subscribe(self, callback: Callable[[Update], None]) -> None:
        self._subscribers.append(callback)

    def load_cached(self) -> int:
        """Fill in the last known state of watched jobs from the store's summaries (no
        stored answer is read: each is parsed when its job is first looked at); returns how
        many."""
        if self.store is None:
            return 0
        # 100,000 states and rows, built once and kept: not walked by the collector.
        with quiet_gc(freeze=True):
            loaded = self._load_summaries(self.store)
        self._dirty = None
        return loaded

    def _load_summaries(self, store: Store) -> int:
        loaded = 0
        jobs, load, never = self.jobs, store.load_snapshot, float("inf")
        known: dict[str, tuple[JobStatus, bool]] = {}  # raw status -> (status, terminal)
        get = jobs.get
        for summary in store.job_rows():
            state = get(summary.job_id)
            if state is None:
                continue
            raw = summary.status_raw
            found = known.get(raw)
            if found is None:
                found = known[raw] = _status_and_end(raw)
            status, terminal = found
            state.set_summary(summary, load, status)
            if terminal:  # final: shown as it is, never fetched again
                state.confirmed, state.due, state.stale = True, never, False
            loaded += 1
        return loaded

    def add(self, job_ids: Iterable[str], label: str = "") -> list[str]:
        """Watch these jobs (those already watched are skipped); they are due at once."""
        added = []
        jobs, now = self.jobs, self.clock()  # one call a job for 100,000 at start-up: lean
        for job_id in job_ids:
            if job_id in jobs:
                continue
            jobs[job_id] = JobState(job_id, label, due=now)
            added.append(job_id)
        if added:
            self._touch(*added)
            self._wake.set()
        return added

    def remove(self, job_ids: Iterable[str]) -> list[str]:
        removed = [job_id for job_id in job_ids if self.jobs.pop(job_id, None) is not None]
        self._touch(*removed)
        self._offline_ids.difference_update(removed)
        self.status.offline_jobs = len(self._offline_ids)
        if not self._offline_ids:  # no watched job is left waiting for the endpoint
            self.status.offline_since, self.status.offline_reason = None, ""
        if removed:
            self._emit(Update([], set(removed)))
        return removed

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

    def _account_probe(self, now: float) -> list[JobState]:
        """While the account is refused: one job (the soonest due, running ones first) when
        it is time to ask again, else none. Its answer says whether the account works now."""
        if now < self._account_due:
            return []
        free = [
            s
            for s in self.jobs.values()
            if s.due != float("inf") and not (s.in_flight or s.lock.locked())
        ]
        if not free:
            return []
        self._account_due = now + self.account_every
        return [min(free, key=lambda s: (s.is_terminal, s.due))]

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

    async def run_pass(self) -> int:
        """Fetch every due job once; returns how many were fetched."""
        due = self.due_jobs()
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
            if self.wall() - self._last_flush >= FLUSH_EVERY:
                self._flush()

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

    # --- outcomes ------------------------------------------------------------------------

    def _answered(self, state: JobState, payload: dict[str, Any]) -> None:
        now, wall = self.clock(), self.wall()
        previous = None if state.not_found else state.previous_answer()
        unchanged = previous is not None and same_answer(previous, payload)
        if unchanged:
            # The last answer again (most answers of a running job): no diff, no events,
            # and the job is the one in hand with this answer's RequestId and time.
            old = state.parsed
            if old is not None:
                rid = payload.get("RequestId", "")
                job = replace(old, request_id=valid_text(rid), fetched_at=wall)
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
        state.job, state.payload, state.stale, state.last_checked = job, payload, False, wall
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
        item = (state.job_id, payload, wall, job.status_raw, job.title, job)
        (batch.checked if unchanged and state.stored else batch.snapshots).append(item)
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
            return now + self.interval * SUSPENDED_FACTOR
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

    # --- the account -----------------------------------------------------------------------

    def _account_refused(self, problem: str, now: float, wall: float) -> None:
        self._reached(now)  # an answer, if a refusal: the endpoint is there
        self._account_refusals += 1
        status = self.status
        self._account_due = now + self.account_every
        started = status.account_since is None
        status.account_problem = problem
        if started:
            status.account_since = wall
            every = self.account_every
            log.warning("the API refuses the account; asked again every %gs: %s", every, problem)
            self._emit(Update([], set()))  # told now, not when the pass ends

    def _account_works(self) -> None:
        status = self.status
        if status.account_since is None:
            return
        log.info("the API serves the account again")
        status.account_problem, status.account_since = "", None
        self._wake.set()  # the jobs the refusal held are due: fetch them now

    # --- reachability --------------------------------------------------------------------

    def _unreached(self, state: JobState, err: ApiError, wall: float) -> None:
        status = self.status
        if status.offline_since is None:
            status.offline_since = wall
        self._offline_ids.add(state.job_id)
        status.offline_jobs = len(self._offline_ids)
        status.offline_reason = f"{err.code}: {err.message}"

    def _reached(self, now: float) -> None:
        """The endpoint answered: the outage, if any, is over."""
        self._answers += 1
        status = self.status
        if status.offline_since is None:
            return
        status.offline_since, status.offline_jobs, status.offline_reason = None, 0, ""
        # Their backoff was the outage's, not theirs: each is tried again within one
        # interval (spread out, so a long watch list does not come back all at once).
        spread = self.interval or 30.0
        for job_id in self._offline_ids:
            other = self.jobs.get(job_id)
            if other is not None and other.unreachable and other.due != float("inf"):
                other.due = min(other.due, now + self._rng.uniform(0.0, 1.0) * spread)
        self._offline_ids.clear()
        self._wake.set()

    # --- output --------------------------------------------------------------------------

    def _flush(self) -> None:
        batch, self._batch = self._batch, _Batch()
        self._last_flush = self.wall()
        if self.store is not None and (batch.snapshots or batch.checked or batch.events):
            try:
                unsaved = self.store.save_snapshots(batch.snapshots)
                unsaved |= self.store.save_checked(batch.checked)
                self.store.append_events(batch.events)
            except Exception as exc:  # history is worth a warning, never a crash
                log.warning("saving state failed: %s", exc)
                self.status.last_error = f"saving history failed: {exc}"
                self.status.history_error = self.status.last_error
            else:
                self.status.history_error = ""
                self._saved(batch.snapshots, unsaved)
                self._saved(batch.checked, unsaved)
        if batch.events or batch.changed:
            self._emit(Update(batch.events, batch.changed))

    def _saved(self, items: list[SnapshotItem], unsaved: set[str]) -> None:
        """The store holds these answers now (unless their job has a newer one meanwhile)."""
        for item in items:
            state = self.jobs.get(item[0])
            if state is not None and state.payload is item[1] and item[0] not in unsaved:
                state.stored = True

    def _emit(self, update: Update) -> None:
        self._touch(*update.changed)  # whatever told the subscribers may have changed them
        for callback in list(self._subscribers):
            try:
                callback(update)
            except Exception:  # one broken subscriber must not stop the engine
                log.exception("subscriber failed")

    # --- summaries -----------------------------------------------------------------------

    def counts(self) -> dict[JobStatus, int]:
        """Jobs by status, for those with something to show: a job still loading or whose
        JobId is unknown has no status to count (``tally()`` counts those)."""
        return self.tally().counts

    def tally(self) -> Tally:
        """Kept up to date a job at a time: the status bar asks at every update and every
        second, and at 100,000 jobs counting them all takes tens of ms. The jobs the engine
        changed, and those in any ``Update`` told to subscribers, are counted again."""
        if self._dirty is None:
            self._recount()
        elif self._dirty:
            for job_id in self._dirty:
                self._recode(job_id)
            self._dirty.clear()
        per_code = self._per_code
        counts = {}
        for n, status in enumerate(_STATUSES, start=1):
            count = per_code[n] + per_code[n + _ERROR]
            if count:
                counts[status] = count
        errors = sum(per_code[_ERROR : _CODES - 1])
        return Tally(counts, per_code[_LOADING], errors, len(self.jobs))

    def _touch(self, *job_ids: str) -> None:
        if self._dirty is not None:
            self._dirty.update(job_ids)

    def _recount(self) -> None:
        per_code = [0] * _CODES
        self._codes = codes = {job_id: _tally_code(s) for job_id, s in self.jobs.items()}
        for code in codes.values():
            per_code[code] += 1
        self._per_code, self._dirty = per_code, set()

    def _recode(self, job_id: str) -> None:
        old = self._codes.pop(job_id, None)
        if old is not None:
            self._per_code[old] -= 1
        state = self.jobs.get(job_id)
        if state is not None:
            code = self._codes[job_id] = _tally_code(state)
            self._per_code[code] += 1

    def all_terminal(self) -> bool:
        return bool(self.jobs) and all(s.is_terminal or s.not_found for s in self.jobs.values())


__all__ = [
    "EngineStatus",
    "EventKind",
    "JobState",
    "Monitor",
    "Tally",
    "Update",
    "is_unreachable",
    "status_of",
]
