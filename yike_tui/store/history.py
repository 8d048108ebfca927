"""The event history of the state db: appended in batches, read a page at a time newest
first, pruned by age and count (a long session's million events in one statement, not one
by one)."""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
import time
from collections.abc import Iterable
from typing import Any

from yike_tui.core.events import Event, EventKind
from yike_tui.store.rows import event_row, insert_each, log_skipped

MAX_AGE_DAYS = 30.0
MAX_EVENTS = 50_000
PRUNE_IN_BULK = 10_000  # events beyond twice the cap: set the kept aside rather than delete
MAX_EVENT_PAGE = 5_000  # events one read returns: the log pages through the rest


class EventHistory:
    """The events half of ``Store``: it brings the connection, its lock and ``_write``."""

    _conn: sqlite3.Connection
    _lock: threading.Lock
    # The newest event id this store wrote: a process that was the engine, and follows now,
    # tells the events after it (another engine's, from the moment it took over).
    events_written = 0

    def _write(self) -> contextlib.AbstractContextManager[sqlite3.Connection]:
        raise NotImplementedError

    def append_events(self, events: Iterable[Event]) -> None:
        """Insert in one transaction; an event that cannot be stored is logged and left out."""
        rows = self._event_rows(events)
        if rows:
            with self._write() as conn:
                newest = self._insert_events(conn, rows)
            self.events_written = max(self.events_written, newest)

    @staticmethod
    def _event_rows(events: Iterable[Event]) -> list[tuple[Any, ...]]:
        rows = []
        for event in events:
            try:
                rows.append(event_row(event))
            except Exception as exc:  # one bad event costs only its row
                log_skipped("event", getattr(event, "job_id", "?"), exc)
        return rows

    @staticmethod
    def _insert_events(conn: sqlite3.Connection, rows: list[tuple[Any, ...]]) -> int:
        """Insert in the caller's transaction; the newest event id then (0: none)."""
        if not rows:
            return 0
        sql = "INSERT INTO events (ts, job_id, kind, data) VALUES (?, ?, ?, ?)"
        insert_each(conn, sql, rows, "an event")
        return int(conn.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()[0])

    def recent_events(
        self,
        limit: int = 500,
        job_id: str | None = None,
        offset: int = 0,
        *,
        upto: int | None = None,
    ) -> list[Event]:
        """Newest first, a page of at most ``MAX_EVENT_PAGE``: ``offset`` skips that many
        newer ones (the next page of an event log); ``upto``: none stored after the event of
        that id (a follower is told those). Rows of a kind this version does not know are
        skipped. Read through the (job_id, ts) / ts index: never the whole history."""
        limit = max(0, min(limit, MAX_EVENT_PAGE))
        query = "SELECT ts, job_id, kind, data FROM events"
        where: list[str] = []
        params: tuple[Any, ...] = ()
        if job_id is not None:
            where.append("job_id = ?")
            params = (job_id,)
        if upto is not None:
            where.append("id <= ?")
            params = (*params, upto)
        if where:
            query += " WHERE " + " AND ".join(where)
        query += " ORDER BY ts DESC, id DESC LIMIT ? OFFSET ?"
        with self._lock:
            rows = self._conn.execute(query, (*params, limit, max(0, offset))).fetchall()
        events = []
        for ts, jid, kind, data in rows:
            try:
                decoded = json.loads(data) if data else {}
                events.append(Event(EventKind(kind), jid, ts, decoded))
            except ValueError:
                continue
        return events

    def prune(
        self,
        max_age_days: float = MAX_AGE_DAYS,
        max_events: int = MAX_EVENTS,
        now: float | None = None,
    ) -> int:
        """Delete events older than ``max_age_days`` and all but the newest ``max_events``.

        When most of the history goes (a long session's 1,000,000 events down to 50,000),
        what stays is set aside, the table emptied at once and refilled: deleting 950,000
        rows one by one, through both indexes, held the start of the TUI for 9 s."""
        cutoff = (time.time() if now is None else now) - max_age_days * 86400
        with self._write() as conn:
            total = conn.execute("SELECT count(*) FROM events").fetchone()[0]
            if total > 2 * max_events + PRUNE_IN_BULK:
                return self._prune_by_refilling(conn, cutoff, max_events, total)
            old = conn.execute("DELETE FROM events WHERE ts < ?", (cutoff,)).rowcount
            extra = conn.execute(
                "DELETE FROM events WHERE id IN "
                "(SELECT id FROM events ORDER BY ts DESC, id DESC LIMIT -1 OFFSET ?)",
                (max_events,),
            ).rowcount
        return old + extra

    @staticmethod
    def _prune_by_refilling(
        conn: sqlite3.Connection, cutoff: float, max_events: int, total: int
    ) -> int:
        conn.execute("DROP TABLE IF EXISTS temp.kept_events")
        conn.execute(
            "CREATE TEMP TABLE kept_events AS SELECT * FROM events WHERE ts >= ? "
            "ORDER BY ts DESC, id DESC LIMIT ?",
            (cutoff, max_events),
        )
        conn.execute("DELETE FROM events")  # no WHERE: SQLite frees the pages, no row by row
        conn.execute("INSERT INTO events SELECT * FROM kept_events ORDER BY id")
        kept = conn.execute("SELECT count(*) FROM kept_events").fetchone()[0]
        conn.execute("DROP TABLE temp.kept_events")
        return int(total - kept)
