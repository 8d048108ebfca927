"""What the engine knows of the endpoint and the account as a whole, rather than of one job:
the endpoint unreachable (OFFLINE, one state for the outage, not one job's error after
another) and the account refused (one job asked every ``account_every`` seconds until it is
served again). The part of ``Monitor`` that keeps them (monitor.py has the loop)."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable

from yike_tui.api.errors import ApiError
from yike_tui.engine.job_state import JobState
from yike_tui.engine.status import EngineStatus, Update

log = logging.getLogger("yike_tui.engine.monitor")

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


class Reach:
    """The account and reachability part of ``Monitor`` (which brings what is declared)."""

    jobs: dict[str, JobState]
    status: EngineStatus
    interval: float
    account_every: float
    _account_due: float
    _account_refusals: int
    _answers: int
    _offline_ids: set[str]
    _rng: random.Random
    _wake: asyncio.Event
    _emit: Callable[[Update], None]

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
