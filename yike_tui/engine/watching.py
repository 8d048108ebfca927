"""Which jobs the engine watches: added by id, added a page of the watch list at a time
with what the store knows of each, filled in from the store's summaries, or removed. The
watch-list part of ``Monitor`` (monitor.py decides when each is fetched)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable

from yike_tui.core.models import JobStatus
from yike_tui.engine.held import HeldAnswers
from yike_tui.engine.job_state import JobState, RunningTally, start_from_row
from yike_tui.engine.status import EngineStatus, Update
from yike_tui.store import JobRow, Store
from yike_tui.store.bulk import quiet_gc


class Watching:
    """The watch-list part of ``Monitor`` (which brings what is declared)."""

    jobs: dict[str, JobState]
    status: EngineStatus
    store: Store | None
    held: HeldAnswers
    clock: Callable[[], float]
    _tally: RunningTally
    _offline_ids: set[str]
    _wake: asyncio.Event
    _emit: Callable[[Update], None]
    _touch: Callable[..., None]

    def load_cached(self, job_ids: Iterable[str] | None = None) -> int:
        """Fill in the last known state of watched jobs (or of ``job_ids`` only) from the
        store's summaries (no stored answer is read: each is parsed when its job is first
        looked at); returns how many."""
        if self.store is None:
            return 0
        # 100,000 states and rows, built once and kept: not walked by the collector.
        with quiet_gc(freeze=True):
            loaded = self._load_summaries(self.store, job_ids)
        self._tally.recount()
        return loaded

    def _load_summaries(self, store: Store, job_ids: Iterable[str] | None) -> int:
        loaded = 0
        load, get = store.load_snapshot, self.jobs.get
        known: dict[str, tuple[JobStatus, bool]] = {}
        for summary in store.job_rows(job_ids):
            state = get(summary.job_id)
            if state is None:
                continue
            start_from_row(state, summary, load, known)
            loaded += 1
        return loaded

    def add_known(self, entries: Iterable[tuple[str, str, JobRow | None]]) -> list[str]:
        """Watch these jobs, each (job_id, label, its stored row or None), each starting
        from its row as ``add`` and ``load_cached`` would: the watch list read a page at a
        time (``Store.watched_rows``). A job already watched is skipped."""
        added: list[str] = []
        jobs, now = self.jobs, self.clock()
        load = self.store.load_snapshot if self.store is not None else None
        known: dict[str, tuple[JobStatus, bool]] = {}
        with quiet_gc(freeze=True):  # long-lived states, as in ``load_cached``
            for job_id, label, row in entries:
                if job_id in jobs:
                    continue
                state = jobs[job_id] = JobState(job_id, label, due=now)
                if row is not None and load is not None:
                    start_from_row(state, row, load, known)
                added.append(job_id)
        if added:
            self._touch(*added)
            self._wake.set()
        return added

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
        self.held.forget(removed)
        self._offline_ids.difference_update(removed)
        self.status.offline_jobs = len(self._offline_ids)
        if not self._offline_ids:  # no watched job is left waiting for the endpoint
            self.status.offline_since, self.status.offline_reason = None, ""
        if removed:
            self._emit(Update([], set(removed)))
        return removed
