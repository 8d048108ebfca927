"""The state db: the watch list, the last snapshot of every job and the event history
(sqlite3, WAL).

Snapshots and history are a cache and a log, so the store degrades instead of failing: a
corrupt file is moved aside (never deleted) and replaced, and an unwritable one gives way to
an in-memory db. ``notice`` says which happened; the watch list is then kept in memory only,
and the commands that change it refuse (``session``). A db another process keeps locked is
not unusable, only busy: it is waited for, and then refused (``StateDbBusy``), never
replaced by an empty in-memory one (which would show an empty watch list as the truth).
The watch list keeps the order jobs were added in (``store/watchlist.py``: it takes
config.toml's old ``[[jobs]]`` once).

Each snapshot has a summary beside it (``store/summary.py``: what the job's row shows),
written in the same transaction and deleted with it: ``list``, ``report --cached`` and a
start-up read summaries, streamed a page at a time, and never parse a payload to show a row
(``store/summary_reads.py``).

Retention: events older than 30 days, and all but the newest 50,000, are deleted when the
store opens (``prune``); so are the snapshots of jobs no longer watched when the watch list is
known then (``keep``), and both when a job is removed (``forget``).

What is stored is hostile-proof: every signed query is cut from every http(s) URL, at any depth
and inside JSON text (``unsign``); a snapshot over ``MAX_SNAPSHOT_BYTES`` keeps only the job's
id and title (it is fetched afresh); a row that cannot be stored costs that row, not the batch.
The files are 0600 in a 0700 directory (``paths``).
"""

from __future__ import annotations

import contextlib
import json
import logging
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from yike_tui.core import paths
from yike_tui.store.changes import ChangeFeed
from yike_tui.store.db import (
    LOCK_TIMEOUT,
    SCHEMA_VERSION,
    TooNew,
    Unreadable,
    connect,
    is_corruption,
    move_aside,
)
from yike_tui.store.lease import EngineLease
from yike_tui.store.rows import MAX_SNAPSHOT_BYTES
from yike_tui.store.snapshots import SnapshotItem, SnapshotWriter, summary_of
from yike_tui.store.summary import JobRow, Summary
from yike_tui.store.summary_reads import SummaryReads
from yike_tui.store.watchlist import WatchList

__all__ = [
    "LOCK_TIMEOUT",
    "MAX_SNAPSHOT_BYTES",
    "SCHEMA_VERSION",
    "JobRow",
    "SnapshotItem",
    "Store",
    "Summary",
    "summary_of",
]


log = logging.getLogger(__name__)


class Store(SnapshotWriter, EngineLease, ChangeFeed, WatchList, SummaryReads):
    """Open with ``Store.open()``. Methods are safe to call from several threads."""

    def __init__(self, conn: sqlite3.Connection, path: Path | None, notice: str = "") -> None:
        self._conn = conn
        self._lock = threading.Lock()
        self.path = path  # None when in memory
        self.notice = notice

    @property
    def in_memory(self) -> bool:
        return self.path is None

    @classmethod
    def open(
        cls,
        path: Path | None = None,
        *,
        prune: bool = True,
        keep: Iterable[str] | None = None,
        on_wait: Callable[[str], None] | None = None,
    ) -> Store:
        """Open (or create) the db. ``keep``: the whole watch list, when it is known; the
        snapshots of other jobs are dropped (they would be read at every start).
        ``on_wait``: told (one line) when another process keeps the db locked and the open
        waits for it; StateDbBusy when it is still locked at the end of the wait."""
        path = path or paths.state_db()
        store = cls._open_file(path, on_wait)
        try:  # retention is housekeeping; never a reason to stop
            if prune:
                store.prune()
            if keep is not None:
                store.keep_only(keep)
        except sqlite3.Error as exc:
            log.warning("pruning %s failed: %s", path, exc)
        return store

    @classmethod
    def _open_file(cls, path: Path, on_wait: Callable[[str], None] | None) -> Store:
        try:
            paths.make_private_dir(path.parent)
            return cls(connect(str(path), on_wait), path)
        except Unreadable as exc:
            why = str(exc)
        except TooNew as exc:
            return cls._in_memory(path, str(exc))
        except sqlite3.Error as exc:
            if not is_corruption(exc):
                return cls._in_memory(path, str(exc))
            why = str(exc)
        except OSError as exc:
            return cls._in_memory(path, exc.strerror or str(exc))
        try:
            moved = move_aside(path)
            store = cls(connect(str(path), on_wait), path)
        except (OSError, sqlite3.Error, Unreadable, TooNew) as exc:
            return cls._in_memory(path, str(exc))
        log.warning("state db %s unreadable (%s); moved to %s", path, why, moved)
        store.notice = (
            f"The state db could not be read ({why}); it was moved to {moved.name} "
            "and a new one started. Earlier history is in that file."
        )
        return store

    @classmethod
    def _in_memory(cls, path: Path, why: str) -> Store:
        log.warning("state db %s unusable (%s); using memory", path, why)
        notice = f"State db {path} cannot be used ({why}): history will not be saved this session."
        return cls(connect(":memory:"), None, notice)

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._lock, self._conn:  # one transaction, committed on success
            yield self._conn

    @contextlib.contextmanager
    def _write_now(self) -> Iterator[sqlite3.Connection]:
        """One transaction holding the write lock from its start: what it reads stays true
        until it commits (two processes adding jobs at once both win)."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
                self._conn.commit()
            except BaseException:
                self._conn.rollback()
                raise

    # --- small remembered values (e.g. the submit form's last choices) ----------------------

    def get_meta(self, key: str) -> str | None:
        """A value the program remembered under ``key``, or None."""
        with self._lock:
            row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        """Remember ``value`` under ``key`` (bounded: keys 64, values 64 KiB)."""
        if len(key) > 64 or len(value) > 65536:
            raise ValueError("meta key or value too long")
        with self._write() as conn:
            conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    # --- snapshots ------------------------------------------------------------------------

    def _payload_text(self, rowid: int, job_id: str) -> bytes | None:
        """A snapshot's payload, or None when it is over the cap (its size read, not its
        text) or gone. Called with the lock held."""
        try:
            with self._conn.blobopen("snapshots", "payload", rowid, readonly=True) as blob:
                if len(blob) > MAX_SNAPSHOT_BYTES:
                    log.warning("snapshot of %s is too big to read", ascii(job_id)[:140])
                    return None
                return blob.read()
        except sqlite3.Error:
            return None

    def load_snapshots(self) -> dict[str, tuple[dict[str, Any], float]]:
        """job_id -> (payload, fetched_at); a row that no longer decodes is skipped, and so
        is one over the size cap (an older version stored answers whole): its size is read
        from the row, its text never loaded."""
        raw: list[tuple[str, bytes, float]] = []
        with self._lock:
            rows = self._conn.execute("SELECT rowid, job_id, fetched_at FROM snapshots")
            for rowid, job_id, fetched_at in rows.fetchall():
                try:
                    with self._conn.blobopen("snapshots", "payload", rowid, readonly=True) as blob:
                        if len(blob) > MAX_SNAPSHOT_BYTES:
                            log.warning("snapshot of %s is too big to read", ascii(job_id)[:140])
                            continue
                        raw.append((job_id, blob.read(), fetched_at))
                except sqlite3.Error:  # gone meanwhile, or not text: nothing to show
                    continue
        out: dict[str, tuple[dict[str, Any], float]] = {}
        loads = json.loads
        for job_id, payload, fetched_at in raw:
            try:
                decoded = loads(payload)
            except ValueError:
                continue
            if isinstance(decoded, dict):
                out[job_id] = (decoded, fetched_at)
        return out

    def load_snapshot(self, job_id: str) -> tuple[dict[str, Any], float] | None:
        """One job's (payload, fetched_at): what the engine parses when a job started from
        its summary is first looked at. None when nothing (readable) is stored."""
        with self._lock:
            row = self._conn.execute(
                "SELECT rowid, fetched_at FROM snapshots WHERE job_id = ?", (job_id,)
            ).fetchone()
            text = None if row is None else self._payload_text(row[0], job_id)
        if row is None or text is None:
            return None
        try:
            decoded = json.loads(text)
        except ValueError:
            return None
        return (decoded, row[1]) if isinstance(decoded, dict) else None

    def last_status(self) -> dict[str, tuple[str, str, float]]:
        """job_id -> (status, title, fetched_at), without decoding any payload."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT job_id, status, title, fetched_at FROM snapshots"
            ).fetchall()
        return {job_id: (status or "", title or "", ts) for job_id, status, title, ts in rows}

    def forget(self, job_ids: Iterable[str]) -> None:
        """Drop the snapshots and events of jobs no longer watched."""
        ids = [(job_id,) for job_id in job_ids]
        with self._write() as conn:
            conn.executemany("DELETE FROM snapshots WHERE job_id = ?", ids)
            conn.executemany("DELETE FROM events WHERE job_id = ?", ids)

    def keep_only(self, job_ids: Iterable[str]) -> int:
        """Drop the snapshots of every job not in ``job_ids`` (the watch list); their
        events stay until they age out. Returns how many snapshots went."""
        keep = set(job_ids)
        with self._lock:
            stored = [row[0] for row in self._conn.execute("SELECT job_id FROM snapshots")]
        gone = [(job_id,) for job_id in stored if job_id not in keep]
        if gone:
            with self._write() as conn:
                conn.executemany("DELETE FROM snapshots WHERE job_id = ?", gone)
        return len(gone)

    def keep_watched(self, also: Iterable[str] = ()) -> int:
        """Drop the snapshots of every job neither watched nor in ``also`` (``keep_only``
        with the watch list read by SQLite: no 100,000 ids in Python). Returns how many went."""
        with self._lock:
            gone = self._conn.execute(
                "SELECT s.job_id FROM snapshots s WHERE NOT EXISTS "
                "(SELECT 1 FROM watchlist w WHERE w.job_id = s.job_id)"
            ).fetchall()
        extra = set(also)
        drop = [row for row in gone if row[0] not in extra]
        if drop:
            with self._write() as conn:
                conn.executemany("DELETE FROM snapshots WHERE job_id = ?", drop)
        return len(drop)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
