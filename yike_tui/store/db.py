"""Opening the state db file: private, WAL, its schema made whole in one transaction.

Two processes may open a new db at the same moment; another may be closing it (its -wal
and -shm come and go). A db that is not ours, or is corrupt, is for the store to move aside
(``Unreadable``, ``is_corruption``); one a newer yike-tui wrote is left alone (``TooNew``).
One another process keeps locked is waited for, up to ``BUSY_WAIT``, and then refused
(``StateDbBusy``): a session on an empty in-memory db would show the watch list as empty.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

from yike_tui.core import paths
from yike_tui.core.exits import StateDbBusy
from yike_tui.store.holders import holders

SCHEMA_VERSION = 5  # 2: the watch list (was [[jobs]] in config.toml); 3: job summaries;
# 4: a summary keeps the job's credit cost; 5: kept exact, as the API's decimal text
SUMMARISED = "summaries_filled"  # meta key: every snapshot has its summary (schema 3)
LOCK_TIMEOUT = 2.0  # seconds a statement waits for another process's write, once open
BUSY_WAIT = 10.0  # seconds an open waits for a db another process keeps locked
QUIET_WAIT = 0.5  # seconds of waiting that are someone's ordinary write: not worth a word
_BUSY_CODES = {5, 6}  # SQLITE_BUSY, SQLITE_LOCKED

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
    # A summary beside each snapshot (store/summary.py): start-up reads these, not payloads.
    # saved_status/saved_title: the snapshot's own status and title columns (what ``list``
    # prints, as the saver gave them). A v2 db gains the table empty; the summaries of its
    # snapshots are made on first read.
    """CREATE TABLE IF NOT EXISTS summaries (
        job_id TEXT PRIMARY KEY,
        status_raw TEXT NOT NULL DEFAULT '',
        title TEXT NOT NULL DEFAULT '',
        storyboards_total INTEGER NOT NULL DEFAULT 0,
        storyboards_done INTEGER NOT NULL DEFAULT 0,
        storyboards_failed INTEGER NOT NULL DEFAULT 0,
        shots_failed INTEGER NOT NULL DEFAULT 0,
        failed_codes TEXT NOT NULL DEFAULT '[]',
        output_url TEXT NOT NULL DEFAULT '',
        fetched_at REAL NOT NULL DEFAULT 0,
        credit_total TEXT,
        saved_status TEXT NOT NULL DEFAULT '',
        saved_title TEXT NOT NULL DEFAULT '',
        seq INTEGER
    )""",
    # A snapshot's summary goes with it, whoever deletes it (forget, keep_only, an older version).
    """CREATE TRIGGER IF NOT EXISTS snapshots_gone AFTER DELETE ON snapshots BEGIN
        DELETE FROM summaries WHERE job_id = old.job_id;
    END""",
    # One engine per state db (store/lease.py). Added without a new schema version: an older
    # yike-tui opens the db as before (it polls on its own) and never reads these tables.
    # No constraint beyond the keys: what is in them is checked when read (a row is data).
    """CREATE TABLE IF NOT EXISTS engine_lease (
        id INTEGER PRIMARY KEY,
        token TEXT,
        pid INTEGER,
        host TEXT,
        started_at REAL,
        heartbeat REAL,
        settings TEXT,
        state TEXT
    )""",
    # What other processes ask the engine to do (refresh now, pause, resume).
    """CREATE TABLE IF NOT EXISTS engine_asks (
        id INTEGER PRIMARY KEY,
        ts REAL,
        kind TEXT,
        job_id TEXT
    )""",
    # Jobs a follower watches beyond the watch list (JobIds on its command line).
    """CREATE TABLE IF NOT EXISTS engine_guests (
        token TEXT,
        job_id TEXT,
        pid INTEGER,
        host TEXT,
        seen REAL,
        PRIMARY KEY (token, job_id)
    )""",
)
_SCHEMA_NAMES = frozenset(
    {
        "meta",
        "snapshots",
        "events",
        "events_ts",
        "events_job_ts",
        "watchlist",
        "summaries",
        "snapshots_gone",
        "engine_lease",
        "engine_asks",
        "engine_guests",
        "summaries_seq",
    }
)
_CORRUPT_CODES = {11, 26}  # SQLITE_CORRUPT, SQLITE_NOTADB


class Unreadable(Exception):
    """The file is a db but not one of ours: moved aside like a corrupt one."""


class TooNew(Exception):
    """Written by a newer yike-tui: left alone (it is not broken), and memory used instead."""


def is_corruption(exc: sqlite3.Error) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in _CORRUPT_CODES
    return isinstance(exc, sqlite3.DatabaseError) and not isinstance(exc, sqlite3.OperationalError)


def is_busy(exc: sqlite3.Error) -> bool:
    """Another connection holds the lock this one needs (not a broken or unwritable db)."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in _BUSY_CODES
    return isinstance(exc, sqlite3.OperationalError) and (
        "locked" in str(exc) or "busy" in str(exc)
    )


def connect(target: str, on_wait: Callable[[str], None] | None = None) -> sqlite3.Connection:
    """Open ``target``, waiting out another process that is opening or writing it.

    Two yike-tui processes started together race to create the db and switch it to WAL;
    SQLite answers such a race with an immediate "locked" (its busy timeout does not cover
    a journal-mode switch), so the open is simply tried again. A lock that outlasts
    ``QUIET_WAIT`` is said to ``on_wait`` (one line); one that outlasts ``BUSY_WAIT`` is
    StateDbBusy, naming the processes that have the file open when they can be found.
    """
    start = time.monotonic()
    deadline = start + BUSY_WAIT
    told = False
    while True:
        try:
            # Short tries: the wait is said as soon as it is more than an ordinary write.
            wait = max(0.0, min(QUIET_WAIT, deadline - time.monotonic()))
            return _connect_once(target, wait)
        except sqlite3.OperationalError as exc:
            if not is_busy(exc):
                raise
            now = time.monotonic()
            if now >= deadline:
                raise StateDbBusy(busy_message(Path(target), BUSY_WAIT)) from None
            if not told and now - start >= QUIET_WAIT and on_wait is not None:
                told = True
                on_wait(f"the state db is busy (another yike-tui?); waiting up to {BUSY_WAIT:g} s")
            time.sleep(0.05)


def busy_message(db: Path, waited: float) -> str:
    """One line: the db, how long it was waited for, who has it open, what to do."""
    found = holders(db)
    who = f"; it is open in {', '.join(found)}" if found else " by another process"
    return (
        f"the state db {db} is still locked after {waited:g} s{who}. Nothing was read: "
        "let that process finish (or quit it) and try again"
    )


def _connect_once(target: str, busy_wait: float = LOCK_TIMEOUT) -> sqlite3.Connection:
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
    conn = sqlite3.connect(target, timeout=busy_wait, check_same_thread=False)
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
        ensure_schema(conn)
        # Open now: each statement of the session waits this long for another's write.
        conn.execute(f"PRAGMA busy_timeout = {int(LOCK_TIMEOUT * 1000)}")
    except BaseException:
        conn.close()
        raise
    return conn


def _side_files(db: Path) -> tuple[Path, Path]:
    return db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")


def ensure_schema(conn: sqlite3.Connection) -> None:
    """Check the schema, creating it in ONE transaction when the db is new.

    Two processes may open a new db at the same moment: the schema (tables and version)
    appears whole or not at all (an older schema is brought up to date the same way: a
    version 1 db gains the watch list table, a version 2 one the summaries), and it is
    checked under the write lock, so the other one never sees a half-made db (and moves it
    aside). Taking that lock at every open also finds a db another process keeps locked
    now, not at the first save.
    """
    conn.execute("BEGIN IMMEDIATE")  # waits (busy timeout) for the other writer
    try:
        if not _schema_ready(conn):
            for statement in _SCHEMA:
                conn.execute(statement)
            _exact_credit_costs(conn)
            _change_sequence(conn)
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
    for table in ("snapshots", "events", "watchlist", "summaries"):
        conn.execute(f"SELECT rowid FROM {table} LIMIT 1").fetchall()


def _exact_credit_costs(conn: sqlite3.Connection) -> None:
    """A summary keeps a job's credit cost as text (REAL affinity would round a long
    decimal): an older table gains the column. Schema 4 kept the cost as REAL: the
    summaries that had one are remade from their stored answers, which hold the text."""
    columns = {row[1] for row in conn.execute("PRAGMA table_info(summaries)")}
    if "credit_total" not in columns:
        conn.execute("ALTER TABLE summaries ADD COLUMN credit_total TEXT")
    if "credit_cost" in columns:
        rounded = conn.execute("DELETE FROM summaries WHERE credit_cost IS NOT NULL").rowcount
        if rounded:  # store.fill_summaries makes what a snapshot lacks, once this is gone
            conn.execute("DELETE FROM meta WHERE key = ?", (SUMMARISED,))


def _change_sequence(conn: sqlite3.Connection) -> None:
    """Each write of a summary takes the next number of one sequence (``seq``, the same for
    a batch): a follower reads the rows written since the last number it saw, whatever
    their fetch times (store/changes.py). An older table gains the column and its index."""
    columns = {row[1] for row in conn.execute("PRAGMA table_info(summaries)")}
    if "seq" not in columns:
        conn.execute("ALTER TABLE summaries ADD COLUMN seq INTEGER")
    conn.execute("CREATE INDEX IF NOT EXISTS summaries_seq ON summaries (seq)")


def _schema_ready(conn: sqlite3.Connection) -> bool:
    """True when the whole schema is there; False when it must be (partly) created.

    Raises Unreadable for someone else's db, TooNew for a newer yike-tui's.
    """
    names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    if not names:
        return False
    if "meta" not in names:
        raise Unreadable("not a yike-tui state db")
    row = conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
    try:
        version = int(row[0]) if row else 0
    except ValueError:
        version = 0
    if version > SCHEMA_VERSION:
        raise TooNew(f"written by a newer yike-tui (schema {version})")
    if version < 1:
        raise Unreadable("schema version missing")
    return version == SCHEMA_VERSION and names >= _SCHEMA_NAMES


def move_aside(path: Path) -> Path:
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
