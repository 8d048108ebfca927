"""What the engine wrote since a follower last looked, read in one transaction.

A follower (``engine/follower.py``) keeps three marks: the last event id it saw, the last
number of the summaries' change sequence (``seq``: each batch the engine writes takes the
next), and the watch list's version (moved by every ``watch`` and ``unwatch``). What lies
beyond them is read in one read transaction, so the lease, the rows and the events agree
with each other; a page at a time, so 100,000 rows cost a few reads, never one huge one.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import dataclass, field
from typing import Any

from yike_tui.core.config import WatchedJob
from yike_tui.core.events import Event, EventKind
from yike_tui.store.lease import _READ_LEASE, Holder, parse_holder
from yike_tui.store.summary import ROW_COLUMNS, JobRow

WATCHLIST_VERSION = "watchlist_changes"  # meta key: moved by every change of the watch list
PAGE = 5000  # events, and rows, read at once
_ROWS = f"SELECT seq, job_id, {', '.join(ROW_COLUMNS)} FROM summaries WHERE seq > ? "
_EVENTS = "SELECT id, ts, job_id, kind, data FROM events WHERE id > ? ORDER BY id LIMIT ?"


@dataclass
class Changes:
    holder: Holder | None
    watchlist_version: int
    watchlist: list[WatchedJob] | None  # None: unchanged since the version given
    rows: list[tuple[int, JobRow]] = field(default_factory=list)  # (seq, row), in seq order
    events: list[tuple[int, Event]] = field(default_factory=list)  # (id, event), in id order
    last_event: int = 0  # the newest event id read (unreadable rows included)
    newest_event: int = 0  # the newest event id in the db
    newest_seq: int = 0  # the newest summary change number in the db
    more: bool = False  # a page was full: read again


def bump_watchlist(conn: sqlite3.Connection) -> None:
    """In the caller's transaction: the watch list changed (followers and the engine look)."""
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?, '1') ON CONFLICT(key) DO UPDATE SET "
        "value = CAST(value AS INTEGER) + 1",
        (WATCHLIST_VERSION,),
    )


def _version(conn: sqlite3.Connection) -> int:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (WATCHLIST_VERSION,)).fetchone()
    try:
        return int(row[0]) if row else 0
    except (TypeError, ValueError):
        return -1  # unreadable: some number that never equals a real one twice in a row


def _event(row: tuple[Any, ...]) -> Event | None:
    _, ts, job_id, kind, data = row
    try:
        decoded = json.loads(data) if data else {}
        if not isinstance(job_id, str) or not isinstance(ts, int | float):
            return None
        return Event(
            EventKind(kind), job_id, float(ts), decoded if isinstance(decoded, dict) else {}
        )
    except (ValueError, TypeError, RecursionError):
        return None


class ChangeFeed:
    """The follower's reads of ``Store`` (which brings the connection and its lock)."""

    _conn: sqlite3.Connection
    _lock: threading.Lock

    def change_marks(self) -> tuple[int, int, int]:
        """(newest event id, newest summary seq, watch list version): where to read from."""
        with self._lock:
            conn = self._conn
            event, seq = conn.execute(
                "SELECT (SELECT coalesce(max(id), 0) FROM events), "
                "(SELECT coalesce(max(seq), 0) FROM summaries)"
            ).fetchone()
            return int(event), int(seq), _version(conn)

    def watchlist_version(self) -> int:
        with self._lock:
            return _version(self._conn)

    def changes_since(
        self, event_id: int, seq: int, version: int | None, page: int = PAGE
    ) -> Changes:
        """Everything after the marks; ``version`` None: the watch list is not wanted."""
        with self._lock:
            conn = self._conn
            conn.execute("BEGIN")  # one snapshot of the db for every read below
            try:
                holder = parse_holder(conn.execute(_READ_LEASE).fetchone())
                now = _version(conn)
                watchlist = None
                if version is not None and now != version:
                    watchlist = [
                        WatchedJob(*row)
                        for row in conn.execute(
                            "SELECT job_id, label, added_at FROM watchlist ORDER BY position"
                        )
                    ]
                rows = conn.execute(_ROWS + "ORDER BY seq LIMIT ?", (seq, page)).fetchall()
                events = conn.execute(_EVENTS, (event_id, page)).fetchall()
                newest = conn.execute(
                    "SELECT (SELECT coalesce(max(id), 0) FROM events), "
                    "(SELECT coalesce(max(seq), 0) FROM summaries)"
                ).fetchone()
            finally:
                conn.commit()
        changes = Changes(holder, now, watchlist)
        changes.newest_event, changes.newest_seq = int(newest[0]), int(newest[1])
        changes.rows = [(int(row[0]), JobRow._make(row[1:])) for row in rows]
        changes.last_event = int(events[-1][0]) if events else event_id
        for row in events:
            event = _event(row)
            if event is not None:
                changes.events.append((int(row[0]), event))
        changes.more = len(rows) >= page or len(events) >= page
        return changes
