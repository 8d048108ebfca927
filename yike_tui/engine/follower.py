"""A follower's eyes: what the engine of another process wrote, read into this process's
job states and told to its subscribers as the engine's own news (``Update``).

``poll`` looks at the state db's ``data_version`` (a number that moves when another process
commits: a look costs one pragma when nothing changed); when it moved, it reads the lease
(the engine's state and settings), the watch list if its version moved, the summaries
written since the last change number seen, and the events since the last event id seen
(``store/changes.py``, one read transaction). Each summary becomes the job's row (its stored
answer parsed only when something looks: ``JobState.set_summary``), each event is told once,
in the order stored, and only for jobs this process watches. Marks are taken when the
monitor loads the stored state, so nothing written after that is missed.

Stored events have their signed URL queries cut (a signature is never kept on disk): when
``signed_urls`` is asked for (``watch --json`` and ``--exec`` print them), an ``output_ready``
event gets its link from a fetch of its job, as any action that needs a working link does.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import replace
from typing import TYPE_CHECKING

from yike_tui.api.errors import ApiError, ErrorKind
from yike_tui.core.events import Event, EventKind
from yike_tui.core.models import parse_job
from yike_tui.engine.reach import UNREACHABLE_CODES
from yike_tui.engine.status import Update
from yike_tui.safety.redaction import is_redacted
from yike_tui.store import JobRow, Store, Summary

if TYPE_CHECKING:
    from yike_tui.engine.shared import SharedMonitor

log = logging.getLogger(__name__)


def row_of(summary: Summary) -> JobRow:
    return JobRow(
        summary.job_id,
        summary.status_raw,
        summary.title,
        summary.storyboards_total,
        summary.storyboards_done,
        summary.storyboards_failed,
        summary.shots_failed,
        summary.fetched_at,
    )


class Follower:
    def __init__(self, monitor: SharedMonitor, store: Store) -> None:
        self.monitor, self.store = monitor, store
        self.event_id = 0  # the newest event id seen
        self.seq = 0  # the newest summary change number seen
        self.watch_version = 0
        self._data_version: int | None = None
        self.since = 0.0  # wall time: rows fetched before this are stale (the engine's start)

    def mark(self) -> None:
        """Start from what the db holds now (the monitor loads it next)."""
        self.event_id, self.seq, self.watch_version = self.store.change_marks()
        self._data_version = None

    async def poll(self, *, force: bool = False) -> bool:
        """Read what changed since the last look and tell it; False when nothing did."""
        version = self.store.data_version()
        if version == self._data_version and not force:
            return False
        self._data_version = version
        monitor = self.monitor
        while True:
            changes = self.store.changes_since(self.event_id, self.seq, self.watch_version)
            if changes.newest_event < self.event_id or changes.newest_seq < self.seq:
                # Emptied meanwhile (every event aged out, every snapshot dropped) and
                # numbered from 1 again: what is there now came after the last look.
                if changes.newest_event < self.event_id:
                    self.event_id = 0
                if changes.newest_seq < self.seq:
                    self.seq = 0
                continue
            monitor.holder_seen(changes.holder)
            if changes.watchlist is not None:
                self.watch_version = changes.watchlist_version
                monitor.watchlist_now(changes.watchlist)
            changed = self._apply_rows(changes.rows)
            events = self._apply_events(changes.events)
            self.event_id = max(self.event_id, changes.last_event)
            if monitor.signed_urls:
                events = [await self._signed(event) for event in events]
            monitor.tell(Update(events, changed | {e.job_id for e in events}))
            if not changes.more:
                return True

    def resync(self) -> None:
        """Every job as the db has it now (a process that was the engine held answers it may
        not have stored): rows and error flags anew. The events after the last this process
        wrote are the new engine's: told at the next poll."""
        told = max(self.event_id, self.store.events_written)
        self.mark()
        self.event_id = min(self.event_id, told)
        jobs = self.monitor.jobs
        for row in self.store.job_rows():
            state = jobs.get(row.job_id)
            if state is not None:
                self.monitor.set_row(state, row, fresh=True)

    def load_rows(self, job_ids: Iterable[str]) -> None:
        """Jobs this process started to watch: what the db knows of them already."""
        jobs = self.monitor.jobs
        for summary in self.store.summaries_of(list(job_ids)):
            if summary is not None and summary.job_id in jobs:
                self.monitor.set_row(jobs[summary.job_id], row_of(summary), fresh=False)

    def _apply_rows(self, rows: list[tuple[int, JobRow]]) -> set[str]:
        changed = set()
        jobs = self.monitor.jobs
        for seq, row in rows:
            self.seq = max(self.seq, seq)
            state = jobs.get(row.job_id)
            if state is None or state.summary == row:
                continue
            self.monitor.set_row(state, row, fresh=row.fetched_at >= self.since)
            changed.add(row.job_id)
        return changed

    def _apply_events(self, events: list[tuple[int, Event]]) -> list[Event]:
        """The events of jobs watched here, each job's state moved as the engine's was."""
        told = []
        jobs = self.monitor.jobs
        for _, event in events:
            state = jobs.get(event.job_id)
            if state is None:
                continue
            kind, data = event.kind, event.data
            if kind is EventKind.FETCH_FAILED:
                code, message = str(data.get("code") or ""), str(data.get("message") or "")
                state.error = ApiError(code, message)
                state.failures += 1
                state.unreachable = code in UNREACHABLE_CODES
                state.loading = False
            elif kind is EventKind.FETCH_RECOVERED:
                state.error, state.failures, state.unreachable = None, 0, False
            elif kind is EventKind.JOB_NOT_FOUND:
                message = str(data.get("message") or "")
                state.error = ApiError("NotFound", message, kind=ErrorKind.NOT_FOUND)
                state.not_found, state.loading = True, False
            told.append(event)
        return told

    async def _signed(self, event: Event) -> Event:
        """``event`` with a working output link, when it is one whose link was cut."""
        url = event.data.get("url")
        if event.kind is not EventKind.OUTPUT_READY or not isinstance(url, str):
            return event
        if not is_redacted(url):
            return event
        monitor = self.monitor
        try:
            await monitor.limiter.acquire()
            payload = await monitor.fetcher.get_job_payload(event.job_id)
            fresh = parse_job(payload, job_id=event.job_id).output_url
        except Exception as exc:  # told with the link as stored: better than not at all
            log.warning("no fresh output link for %s: %s", ascii(event.job_id)[:40], exc)
            return event
        return replace(event, data={**event.data, "url": fresh}) if fresh else event
