"""What the engine knows about one watched job (``JobState``), and how it is counted.

A job known only from the state db is its summary row until something looks at its
``job``: the stored answer is parsed then, not at start-up. Every way to say what a job
is (status, title, whether it is loading) is a property here, one home for each.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from yike_tui.api.errors import ApiError
from yike_tui.core.models import TERMINAL_STATUSES, Job, JobStatus, parse_job
from yike_tui.engine.status import Tally
from yike_tui.store import JobRow

log = logging.getLogger(__name__)

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
TALLY_CODES = _LOADING + 1


def tally_code(state: JobState) -> int:
    """What ``state`` adds to the tally (an index into a list of ``TALLY_CODES`` counts)."""
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


def status_and_end(raw: str) -> tuple[JobStatus, bool]:
    status = status_of(raw)
    return status, status in TERMINAL_STATUSES


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

    def keep_unparsed(self, payload: dict[str, Any], fetched_at: float) -> None:
        """The answer the store holds, again (``diff.same_answer``), for a job known by its
        row: kept raw, its row's time moved on; parsed only if something looks at it."""
        assert self.summary is not None, "a job known by its row"
        self.payload, self.last_checked = payload, fetched_at
        self.summary = self.summary._replace(fetched_at=fetched_at)
        self._job, self._unparsed, self._row = None, True, None

    def drop_answer(
        self, load: Callable[[str], tuple[dict[str, Any], float] | None] | None
    ) -> bool:
        """Keep only the row of the answer in hand, as a job started from the store is: the
        answer is read from the store (``load``) and parsed again when something looks at
        it or a new answer is compared with it. Only an answer the store holds (``stored``)
        is dropped, unless there is no store to read it back from (``load`` None): then it
        is let go for good (``job`` is None after, the row stays). Returns whether it was."""
        if not self.stored and load is not None:
            return False
        row: JobRow | None = self.summary
        if self._job is not None:
            row = self._row or JobRow.of_job(self._job, self.last_checked, self.job_id)
        elif row is None and self._unparsed and self.payload is not None:
            job = self.job  # an answer in hand, not parsed yet: its row before it goes
            row = None if job is None else JobRow.of_job(job, self.last_checked, self.job_id)
        if row is None:
            return False
        self.summary, self._load, self._status = row, load, status_of(row.status_raw)
        self.payload, self._job, self._unparsed, self._row = None, None, True, None
        return True

    def look(self) -> Job | None:
        """``job`` for one look: a stored answer is read and parsed for it but not kept (a
        final report over 100,000 jobs holds one at a time)."""
        if self._unparsed and self.payload is None and self._load is not None:
            try:
                stored = self._load(self.job_id)
            except Exception as exc:  # as in ``job``: the store closed or broken
                log.warning(
                    "reading the stored answer of %s failed: %s", ascii(self.job_id)[:40], exc
                )
                return None
            if stored is None:
                return None
            return parse_job(stored[0], job_id=self.job_id, fetched_at=self.last_checked)
        return self.job

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
    def display_title(self) -> str:
        """How a person names the job: its label, else its title, else its short id."""
        return self.label or self.title or self.job_id[:12]

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
        return self.status in TERMINAL_STATUSES


def start_from_row(
    state: JobState,
    row: JobRow,
    load: Callable[[str], tuple[dict[str, Any], float] | None],
    known: dict[str, tuple[JobStatus, bool]],
) -> None:
    """``state`` starts from its stored row, a finished job never fetched again; ``known``:
    raw status -> (status, terminal), remembered across the rows of one load."""
    raw = row.status_raw
    found = known.get(raw)
    if found is None:
        found = known[raw] = status_and_end(raw)
    status, terminal = found
    state.set_summary(row, load, status)
    if terminal:  # final: shown as it is, never fetched again
        state.confirmed, state.due, state.stale = True, float("inf"), False


def tally_of(per_code: list[int], total: int) -> Tally:
    """The ``Tally`` that counts per tally code add up to."""
    counts = {}
    for n, status in enumerate(_STATUSES, start=1):
        count = per_code[n] + per_code[n + _ERROR]
        if count:
            counts[status] = count
    errors = sum(per_code[_ERROR : TALLY_CODES - 1])
    return Tally(counts, per_code[_LOADING], errors, total)


class RunningTally:
    """The ``Tally`` of a dict of jobs, kept up to date a job at a time: what each job adds
    (``tally_code``), the jobs per code, and the jobs whose code may have moved since (all
    of them after ``recount``). The jobs the engine changed, and those in any ``Update``
    told to subscribers, are ``touch``ed."""

    def __init__(self, jobs: dict[str, JobState]) -> None:
        self._jobs = jobs
        self._codes: dict[str, int] = {}
        self._per_code = [0] * TALLY_CODES
        self._dirty: set[str] | None = None  # None: count them all

    def recount(self) -> None:
        self._dirty = None

    def touch(self, *job_ids: str) -> None:
        if self._dirty is not None:
            self._dirty.update(job_ids)

    def tally(self) -> Tally:
        if self._dirty is None:
            self._count_all()
        elif self._dirty:
            for job_id in self._dirty:
                self._count_one(job_id)
            self._dirty.clear()
        return tally_of(self._per_code, len(self._jobs))

    def _count_all(self) -> None:
        per_code = [0] * TALLY_CODES
        self._codes = codes = {job_id: tally_code(s) for job_id, s in self._jobs.items()}
        for code in codes.values():
            per_code[code] += 1
        self._per_code, self._dirty = per_code, set()

    def _count_one(self, job_id: str) -> None:
        old = self._codes.pop(job_id, None)
        if old is not None:
            self._per_code[old] -= 1
        state = self._jobs.get(job_id)
        if state is not None:
            code = self._codes[job_id] = tally_code(state)
            self._per_code[code] += 1
