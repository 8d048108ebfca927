"""The state db: the watch list, the last snapshot of every job and the event history
(sqlite3, WAL).

Snapshots and history are a cache and a log, so the store degrades instead of failing: a
corrupt file is moved aside (never deleted) and replaced, and an unwritable or locked one
gives way to an in-memory db. ``notice`` says which happened; the watch list is then kept in
memory only, and the commands that change it refuse (``session``).
The watch list keeps the order jobs were added in; ``import_watchlist`` takes config.toml's
old ``[[jobs]]`` once, and ``meta`` records that it did (removing every job later does not
bring them back).

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
import re
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from yike_tui import paths
from yike_tui.config import WatchedJob, now_iso
from yike_tui.events import Event, EventKind
from yike_tui.job_ids import check_job_id
from yike_tui.redaction import has_signed_query, unsign

SCHEMA_VERSION = 2  # 2: the watch list (was [[jobs]] in config.toml)
LOCK_TIMEOUT = 2.0  # seconds to wait for another process's write before going in-memory
MAX_AGE_DAYS = 30.0
MAX_EVENTS = 50_000
MAX_SNAPSHOT_BYTES = 1 << 20  # a 200 MB answer must not be read back at every start
MAX_EVENT_BYTES = 64 << 10
_MAX_EVENT_TEXT = 1000  # characters a text field of an oversized event keeps
_MAX_TITLE = 1000  # characters of the title column (``list`` shows 40)

# Statement by statement: they run inside one transaction (``executescript`` would commit).
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE IF NOT EXISTS snapshots (
        job_id TEXT PRIMARY KEY,
        payload TEXT NOT NULL,
        fetched_at REAL NOT NULL,
        status TEXT,
        title TEXT
    )""",
    """CREATE TABLE IF NOT EXISTS events (
        id INTEGER PRIMARY KEY,
        ts REAL,
        job_id TEXT,
        kind TEXT,
        data TEXT
    )""",
    "CREATE INDEX IF NOT EXISTS events_ts ON events (ts)",
    "CREATE INDEX IF NOT EXISTS events_job_ts ON events (job_id, ts)",
    # position: the rowid, so jobs come back in the order they were added.
    """CREATE TABLE IF NOT EXISTS watchlist (
        position INTEGER PRIMARY KEY,
        job_id TEXT NOT NULL UNIQUE,
        label TEXT NOT NULL DEFAULT '',
        added_at TEXT NOT NULL DEFAULT ''
    )""",
)
_SCHEMA_NAMES = frozenset(
    {"meta", "snapshots", "events", "events_ts", "events_job_ts", "watchlist"}
)
_IMPORTED = "watchlist_imported"  # meta key: when config.toml's [[jobs]] were imported
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
    on_disk = target != ":memory:"
    if on_disk:
        # Created 0600 here, not by SQLite (0644 less the umask); its -wal and -shm get
        # the db's mode from SQLite. Files an older version left open to others are tightened.
        db = Path(target)
        paths.make_private_file(db)
        for side in _side_files(db):
            # Another process closing the db removes these at any moment: gone is fine.
            with contextlib.suppress(FileNotFoundError):
                paths.make_private_file(side, create=False)
    conn = sqlite3.connect(target, timeout=LOCK_TIMEOUT, check_same_thread=False)
    try:
        if on_disk:
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


def _side_files(db: Path) -> tuple[Path, Path]:
    return db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")


def _ensure_schema(conn: sqlite3.Connection) -> None:
    """Check the schema, creating it in ONE transaction when the db is new.

    Two processes may open a new db at the same moment: the schema (tables and version)
    appears whole or not at all (an older schema is brought up to date the same way: a
    version 1 db gains the watch list table), and it is checked under the write lock, so
    the other one never sees a half-made db (and moves it aside). Taking that lock at every
    open also finds a db another process keeps locked now, not at the first save.
    """
    conn.execute("BEGIN IMMEDIATE")  # waits (busy timeout) for the other writer
    try:
        if not _schema_ready(conn):
            for statement in _SCHEMA:
                conn.execute(statement)
            conn.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)",
                (str(SCHEMA_VERSION),),
            )
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    # Read every table once: a damaged page in the schema shows up here, not mid-session.
    # Only the rowid: ``SELECT *`` pulled a whole payload (200 MB once) into every command.
    for table in ("snapshots", "events", "watchlist"):
        conn.execute(f"SELECT rowid FROM {table} LIMIT 1").fetchall()


def _schema_ready(conn: sqlite3.Connection) -> bool:
    """True when the whole schema is there; False when it must be (partly) created.

    Raises _Unreadable for someone else's db, _TooNew for a newer yike-tui's.
    """
    names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    if not names:
        return False
    if "meta" not in names:
        raise _Unreadable("not a yike-tui state db")
    row = conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
    try:
        version = int(row[0]) if row else 0
    except ValueError:
        version = 0
    if version > SCHEMA_VERSION:
        raise _TooNew(f"written by a newer yike-tui (schema {version})")
    if version < 1:
        raise _Unreadable("schema version missing")
    return version == SCHEMA_VERSION and names >= _SCHEMA_NAMES


def _move_aside(path: Path) -> Path:
    """Rename the db (and its -wal/-shm, which belong to it) to ``<name>.corrupt-<stamp>``."""
    stamp = time.strftime("%Y%m%d%H%M%S")
    dest = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while dest.exists():
        dest = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
        n += 1
    path.rename(dest)
    for side in _side_files(path):
        if side.exists():
            side.rename(dest.with_name(dest.name + side.name[len(path.name) :]))
    return dest


# --- rows: made safe to store one by one, so one bad job costs only its own row ----------

_Row = tuple[Any, ...]
_SURROGATE = re.compile("[\ud800-\udfff]")


def _valid(text: str) -> str:
    """``text`` as valid UTF-8: a lone surrogate (valid JSON, not valid text) becomes U+FFFD."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return _SURROGATE.sub("\ufffd", text)
    return text


def _dumps(value: Any) -> str:
    """Compact JSON; escaped to ASCII only when it holds text UTF-8 cannot carry (lossless)."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(value, separators=(",", ":"))
    return text


def _job_id(job_id: object) -> str:
    if not isinstance(job_id, str):
        raise TypeError("JobId is not text")
    return check_job_id(job_id)  # the one JobId rule: an id it refuses costs its row


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _minimal(job_id: str, title: str) -> dict[str, Any]:
    """What is kept of an answer that cannot be kept whole: no status, so it is fetched afresh."""
    return {"JobId": job_id, "JobParams": {"Title": title}}


def _snapshot_row(job_id: str, payload: dict[str, Any], ts: float, status: str, title: str) -> _Row:
    job_id = _job_id(job_id)
    title = _short(_valid(unsign(str(title or ""))), _MAX_TITLE)
    text = _dumps(unsign(payload))
    if has_signed_query(text):  # a signed query in a shape unsign did not see: keep none
        log.warning("snapshot of %s held a signed query: only its id and title kept", ascii(job_id))
        text = _dumps(_minimal(job_id, title))
    size = len(text.encode("utf-8"))
    if size > MAX_SNAPSHOT_BYTES:
        log.warning(
            "snapshot of %s is %d bytes (the most is %d): only its id and title kept",
            ascii(job_id),
            size,
            MAX_SNAPSHOT_BYTES,
        )
        text = _dumps(_minimal(job_id, title))
    return (job_id, text, float(ts), _short(_valid(str(status or "")), 100), title)


def _event_row(event: Event) -> _Row:
    job_id = _job_id(event.job_id)
    data = unsign(dict(event.data))
    text = _dumps(data)
    if len(text.encode("utf-8")) > MAX_EVENT_BYTES or has_signed_query(text):
        kept = {
            key: _short(value, _MAX_EVENT_TEXT) if isinstance(value, str) else value
            for key, value in data.items()
            if isinstance(value, str | int | float | bool) or value is None
        }
        text = _dumps(kept)
        if len(text.encode("utf-8")) > MAX_EVENT_BYTES or has_signed_query(text):
            text = "{}"
    return (float(event.ts), job_id, EventKind(event.kind).value, text)


def _skipped(kind: str, job_id: object, exc: Exception) -> None:
    # The id escaped and cut, the error's type only: its text could hold the value.
    log.warning("%s of %s not saved: %s", kind, ascii(job_id)[:140], type(exc).__name__)


def _insert_each(conn: sqlite3.Connection, sql: str, rows: list[_Row], kind: str) -> int:
    """Insert row by row in the caller's transaction: a failed statement undoes only itself
    (a db-wide failure, OperationalError, still ends the whole batch)."""
    saved = 0
    for row in rows:
        try:
            conn.execute(sql, row)
        except sqlite3.OperationalError:
            raise
        except Exception as exc:  # one bad row, not the batch
            log.warning("%s not saved: %s", kind, type(exc).__name__)
        else:
            saved += 1
    return saved


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
    def open(
        cls,
        path: Path | None = None,
        *,
        prune: bool = True,
        keep: Iterable[str] | None = None,
    ) -> Store:
        """Open (or create) the db. ``keep``: the whole watch list, when it is known; the
        snapshots of other jobs are dropped (they would be read at every start)."""
        path = path or paths.state_db()
        store = cls._open_file(path)
        try:  # retention is housekeeping; never a reason to stop
            if prune:
                store.prune()
            if keep is not None:
                store.keep_only(keep)
        except sqlite3.Error as exc:
            log.warning("pruning %s failed: %s", path, exc)
        return store

    @classmethod
    def _open_file(cls, path: Path) -> Store:
        try:
            paths.make_private_dir(path.parent)
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

    # --- the watch list -------------------------------------------------------------------

    def watchlist(self) -> list[WatchedJob]:
        """The watched jobs, in the order they were added."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT job_id, label, added_at FROM watchlist ORDER BY position"
            ).fetchall()
        return [WatchedJob(job_id, label, added_at) for job_id, label, added_at in rows]

    def watch(self, job_ids: Iterable[str], label: str = "") -> tuple[list[str], list[str]]:
        """Add ``job_ids`` (checked by the one JobId rule: InvalidJobId, nothing written);
        returns (added, skipped because already watched), in the order given."""
        wanted = [_job_id(job_id) for job_id in job_ids]
        label, stamp = _valid(label), now_iso()
        with self._write_now() as conn:
            present = {row[0] for row in conn.execute("SELECT job_id FROM watchlist")}
            added: list[str] = []
            skipped: list[str] = []
            for job_id in wanted:
                (skipped if job_id in present else added).append(job_id)
                present.add(job_id)
            conn.executemany(
                "INSERT INTO watchlist (job_id, label, added_at) VALUES (?, ?, ?)",
                [(job_id, label, stamp) for job_id in added],
            )
        return added, skipped

    def unwatch(self, job_ids: Iterable[str]) -> tuple[list[str], list[str]]:
        """Stop watching ``job_ids``; returns (removed, not watched). Snapshots and history
        stay (``forget`` drops them)."""
        unwanted = list(dict.fromkeys(job_ids))
        with self._write_now() as conn:
            present = {row[0] for row in conn.execute("SELECT job_id FROM watchlist")}
            removed = [job_id for job_id in unwanted if job_id in present]
            missing = [job_id for job_id in unwanted if job_id not in present]
            conn.executemany(
                "DELETE FROM watchlist WHERE job_id = ?", [(job_id,) for job_id in removed]
            )
        return removed, missing

    def watchlist_imported(self) -> bool:
        """True once config.toml's ``[[jobs]]`` have been imported."""
        with self._lock:
            row = self._conn.execute("SELECT 1 FROM meta WHERE key = ?", (_IMPORTED,)).fetchone()
        return row is not None

    def import_watchlist(self, jobs: Iterable[WatchedJob]) -> int:
        """Add config.toml's ``[[jobs]]`` after the jobs already watched, the first time
        there are any, and record that it happened; later calls do nothing. Returns how
        many jobs were added. A job the JobId rule refuses costs only itself."""
        entries = list(jobs)
        if not entries:
            return 0  # nothing to import yet: a [[jobs]] list written later still is
        with self._write_now() as conn:
            if conn.execute("SELECT 1 FROM meta WHERE key = ?", (_IMPORTED,)).fetchone():
                return 0
            present = {row[0] for row in conn.execute("SELECT job_id FROM watchlist")}
            rows = []
            for job in entries:
                try:
                    job_id = _job_id(job.id)
                except Exception as exc:
                    _skipped("watched job", job.id, exc)
                    continue
                if job_id not in present:
                    present.add(job_id)
                    rows.append((job_id, _valid(job.label), _valid(job.added_at)))
            conn.executemany(
                "INSERT INTO watchlist (job_id, label, added_at) VALUES (?, ?, ?)", rows
            )
            conn.execute("INSERT INTO meta (key, value) VALUES (?, ?)", (_IMPORTED, now_iso()))
        if rows:
            log.info("imported %d job(s) from config.toml's [[jobs]]", len(rows))
        return len(rows)

    # --- snapshots ------------------------------------------------------------------------

    def save_snapshots(self, items: Iterable[tuple[str, dict[str, Any], float, str, str]]) -> None:
        """Upsert (job_id, raw response payload, fetched_at, status, title) in one transaction.

        Signed URLs are kept without their query (the signature is a secret, and it expires
        anyway): a cached job shows that output exists; using it fetches a fresh URL. A job
        whose row cannot be made (or stored) is logged and left out; the others are saved.
        """
        rows = []
        for item in items:
            try:
                rows.append(_snapshot_row(*item))
            except Exception as exc:  # one bad job costs only its row
                _skipped("snapshot", item[0] if item else "?", exc)
        if not rows:
            return
        with self._write() as conn:
            _insert_each(
                conn,
                "INSERT INTO snapshots (job_id, payload, fetched_at, status, title) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT(job_id) DO UPDATE SET "
                "payload=excluded.payload, fetched_at=excluded.fetched_at, "
                "status=excluded.status, title=excluded.title",
                rows,
                "a snapshot",
            )

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

    # --- events ---------------------------------------------------------------------------

    def append_events(self, events: Iterable[Event]) -> None:
        """Insert in one transaction; an event that cannot be stored is logged and left out."""
        rows = []
        for event in events:
            try:
                rows.append(_event_row(event))
            except Exception as exc:  # one bad event costs only its row
                _skipped("event", getattr(event, "job_id", "?"), exc)
        if rows:
            with self._write() as conn:
                _insert_each(
                    conn,
                    "INSERT INTO events (ts, job_id, kind, data) VALUES (?, ?, ?, ?)",
                    rows,
                    "an event",
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
