"""The state db: the last snapshot of every job and the event history (sqlite3, WAL).

State is a cache and a log, never the user's only copy of anything, so the store degrades
instead of failing: a corrupt file is moved aside (never deleted) and replaced, and an
unwritable or locked one gives way to an in-memory db. ``notice`` says which happened.

Retention: events older than 30 days, and all but the newest 50,000, are deleted when the
store opens (``prune``). Snapshots stay until ``forget`` (a job removed from the watch list).
"""

from __future__ import annotations

import contextlib
import json
import logging
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from yike_tui import paths
from yike_tui.events import Event, EventKind
from yike_tui.presentation import redact_url

SCHEMA_VERSION = 1
LOCK_TIMEOUT = 2.0  # seconds to wait for another process's write before going in-memory
MAX_AGE_DAYS = 30.0
MAX_EVENTS = 50_000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS snapshots (
    job_id TEXT PRIMARY KEY,
    payload TEXT NOT NULL,
    fetched_at REAL NOT NULL,
    status TEXT,
    title TEXT
);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY,
    ts REAL,
    job_id TEXT,
    kind TEXT,
    data TEXT
);
CREATE INDEX IF NOT EXISTS events_ts ON events (ts);
CREATE INDEX IF NOT EXISTS events_job_ts ON events (job_id, ts);
"""
_CORRUPT_CODES = {11, 26}  # SQLITE_CORRUPT, SQLITE_NOTADB

log = logging.getLogger(__name__)


class _Unreadable(Exception):
    """The file is a db but not one of ours: moved aside like a corrupt one."""


class _TooNew(Exception):
    """Written by a newer yike-tui: left alone (it is not broken), and memory used instead."""


def _is_corruption(exc: sqlite3.Error) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in _CORRUPT_CODES
    return isinstance(exc, sqlite3.DatabaseError) and not isinstance(exc, sqlite3.OperationalError)


def _connect(target: str) -> sqlite3.Connection:
    """Open ``target``, waiting out another process that is opening or writing it.

    Two yike-tui processes started together race to create the db and switch it to WAL;
    SQLite answers such a race with an immediate "locked" (its busy timeout does not cover
    a journal-mode switch), so the open is simply tried again for a little while.
    """
    deadline = time.monotonic() + 3 * LOCK_TIMEOUT
    while True:
        try:
            return _connect_once(target)
        except sqlite3.OperationalError as exc:
            busy = "locked" in str(exc) or "busy" in str(exc)
            if not busy or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _connect_once(target: str) -> sqlite3.Connection:
    conn = sqlite3.connect(target, timeout=LOCK_TIMEOUT, check_same_thread=False)
    try:
        if target != ":memory:":
            current = conn.execute("PRAGMA journal_mode").fetchone()
            if current is not None and str(current[0]).lower() == "wal":
                mode = current  # already WAL (the usual case): no lock needed to switch
            else:
                mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()
            if mode is None or str(mode[0]).lower() != "wal":
                raise sqlite3.OperationalError("cannot switch to WAL mode")
            conn.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: safe, no fsync per write
        _ensure_schema(conn)
    except BaseException:
        conn.close()
        raise
    return conn


def _ensure_schema(conn: sqlite3.Connection) -> None:
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if tables and "meta" not in tables:
        raise _Unreadable("not a yike-tui state db")
    if "meta" in tables:
        row = conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        try:
            version = int(row[0]) if row else 0
        except ValueError:
            version = 0
        if version > SCHEMA_VERSION:
            raise _TooNew(f"written by a newer yike-tui (schema {version})")
        if version < 1:
            raise _Unreadable("schema version missing")
    with conn:
        conn.executescript(_SCHEMA)
        conn.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)",
            (str(SCHEMA_VERSION),),
        )
    # Read every table once: a damaged page in the schema shows up here, not mid-session.
    for table in ("snapshots", "events"):
        conn.execute(f"SELECT * FROM {table} LIMIT 1").fetchall()


def _move_aside(path: Path) -> Path:
    """Rename the db (and its -wal/-shm, which belong to it) to ``<name>.corrupt-<stamp>``."""
    stamp = time.strftime("%Y%m%d%H%M%S")
    dest = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while dest.exists():
        dest = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
        n += 1
    path.rename(dest)
    for suffix in ("-wal", "-shm"):
        side = path.with_name(path.name + suffix)
        if side.exists():
            side.rename(dest.with_name(dest.name + suffix))
    return dest


_SIGNED_FIELDS = ("OutputUrl", "SrtFileUrl")


def _unsigned(payload: dict[str, Any]) -> dict[str, Any]:
    """The answer with the query of every signed URL in ``JobResult`` cut off."""
    result = payload.get("JobResult")
    if not isinstance(result, dict):
        return payload
    signed = {
        key: redact_url(value)
        for key, value in result.items()
        if key in _SIGNED_FIELDS and isinstance(value, str) and "?" in value
    }
    if not signed:
        return payload
    return {**payload, "JobResult": {**result, **signed}}


def _unsigned_data(data: Mapping[str, Any]) -> dict[str, Any]:
    """An event's fields with signed URLs (``output_ready``'s ``url``) cut like snapshots."""
    return {k: redact_url(v) if k == "url" and isinstance(v, str) else v for k, v in data.items()}


class Store:
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
    def open(cls, path: Path | None = None, *, prune: bool = True) -> Store:
        path = path or paths.state_db()
        store = cls._open_file(path)
        if prune:
            try:
                store.prune()
            except sqlite3.Error as exc:  # retention is housekeeping; never a reason to stop
                log.warning("pruning %s failed: %s", path, exc)
        return store

    @classmethod
    def _open_file(cls, path: Path) -> Store:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            return cls(_connect(str(path)), path)
        except _Unreadable as exc:
            why = str(exc)
        except _TooNew as exc:
            return cls._in_memory(path, str(exc))
        except sqlite3.Error as exc:
            if not _is_corruption(exc):
                return cls._in_memory(path, str(exc))
            why = str(exc)
        except OSError as exc:
            return cls._in_memory(path, exc.strerror or str(exc))
        try:
            moved = _move_aside(path)
            store = cls(_connect(str(path)), path)
        except (OSError, sqlite3.Error, _Unreadable, _TooNew) as exc:
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
        return cls(_connect(":memory:"), None, notice)

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._lock, self._conn:  # one transaction, committed on success
            yield self._conn

    # --- snapshots ------------------------------------------------------------------------

    def save_snapshots(self, items: Iterable[tuple[str, dict[str, Any], float, str, str]]) -> None:
        """Upsert (job_id, raw response payload, fetched_at, status, title) in one transaction.

        Signed output URLs are kept without their query (the signature is a secret, and it
        expires anyway): a cached job shows that output exists; using it fetches a fresh URL.
        """
        rows = [
            (
                job_id,
                json.dumps(_unsigned(payload), separators=(",", ":"), ensure_ascii=False),
                ts,
                st,
                title,
            )
            for job_id, payload, ts, st, title in items
        ]
        if not rows:
            return
        with self._write() as conn:
            conn.executemany(
                "INSERT INTO snapshots (job_id, payload, fetched_at, status, title) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT(job_id) DO UPDATE SET "
                "payload=excluded.payload, fetched_at=excluded.fetched_at, "
                "status=excluded.status, title=excluded.title",
                rows,
            )

    def load_snapshots(self) -> dict[str, tuple[dict[str, Any], float]]:
        """job_id -> (payload, fetched_at); a row that no longer decodes is skipped."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT job_id, payload, fetched_at FROM snapshots"
            ).fetchall()
        out: dict[str, tuple[dict[str, Any], float]] = {}
        loads = json.loads
        for job_id, payload, fetched_at in rows:
            try:
                decoded = loads(payload)
            except ValueError:
                continue
            if isinstance(decoded, dict):
                out[job_id] = (decoded, fetched_at)
        return out

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

    # --- events ---------------------------------------------------------------------------

    def append_events(self, events: Iterable[Event]) -> None:
        rows = [
            (e.ts, e.job_id, e.kind.value, json.dumps(_unsigned_data(e.data), ensure_ascii=False))
            for e in events
        ]
        if rows:
            with self._write() as conn:
                conn.executemany(
                    "INSERT INTO events (ts, job_id, kind, data) VALUES (?, ?, ?, ?)", rows
                )

    def recent_events(self, limit: int = 500, job_id: str | None = None) -> list[Event]:
        """Newest first. Rows of a kind this version does not know are skipped."""
        query = "SELECT ts, job_id, kind, data FROM events"
        params: tuple[Any, ...] = ()
        if job_id is not None:
            query += " WHERE job_id = ?"
            params = (job_id,)
        query += " ORDER BY ts DESC, id DESC LIMIT ?"
        with self._lock:
            rows = self._conn.execute(query, (*params, limit)).fetchall()
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
        """Delete events older than ``max_age_days`` and all but the newest ``max_events``."""
        cutoff = (time.time() if now is None else now) - max_age_days * 86400
        with self._write() as conn:
            old = conn.execute("DELETE FROM events WHERE ts < ?", (cutoff,)).rowcount
            extra = conn.execute(
                "DELETE FROM events WHERE id IN "
                "(SELECT id FROM events ORDER BY ts DESC, id DESC LIMIT -1 OFFSET ?)",
                (max_events,),
            ).rowcount
        return old + extra

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
