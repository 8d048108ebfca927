"""The state db: the watch list, the last snapshot of every job and the event history
(sqlite3, WAL).

Snapshots and history are a cache and a log, so the store degrades instead of failing: a
corrupt file is moved aside (never deleted) and replaced, and an unwritable one gives way to
an in-memory db. ``notice`` says which happened; the watch list is then kept in memory only,
and the commands that change it refuse (``session``). A db another process keeps locked is
not unusable, only busy: it is waited for, and then refused (``StateDbBusy``), never
replaced by an empty in-memory one (which would show an empty watch list as the truth).
The watch list keeps the order jobs were added in; ``import_watchlist`` takes config.toml's
old ``[[jobs]]`` once, and ``meta`` records that it did (removing every job later does not
bring them back).

Each snapshot has a summary beside it (``store/summary.py``: what the job's row shows),
written in the same transaction and deleted with it: ``list``, ``report --cached`` and a
start-up read summaries, streamed a page at a time, and never parse a payload to show a row.

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
import itertools
import json
import logging
import sqlite3
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from yike_tui.core import paths
from yike_tui.core.config import WatchedJob, now_iso
from yike_tui.store.bulk import quiet_gc
from yike_tui.store.changes import ChangeFeed, bump_watchlist
from yike_tui.store.db import (
    LOCK_TIMEOUT,
    SCHEMA_VERSION,
    SUMMARISED,
    TooNew,
    Unreadable,
    connect,
    is_corruption,
    move_aside,
)
from yike_tui.store.lease import EngineLease
from yike_tui.store.rows import (
    MAX_SNAPSHOT_BYTES,
    insert_each,
    log_skipped,
    minimal_snapshot,
    stored_job_id,
    valid_text,
)
from yike_tui.store.snapshots import SAVE_SUMMARY, SnapshotItem, SnapshotWriter, summary_of
from yike_tui.store.summary import COLUMNS as SUMMARY_COLUMNS
from yike_tui.store.summary import ROW_COLUMNS, JobRow, Summary

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


_SUMMARY_COLUMNS = ", ".join(SUMMARY_COLUMNS)
_ROW_COLUMNS = ", ".join(ROW_COLUMNS)


_WATCHED_ROWS = (
    "SELECT w.position, w.job_id, w.label, s.job_id, "
    + ", ".join(f"s.{c}" for c in ROW_COLUMNS)
    + " FROM watchlist w LEFT JOIN summaries s ON s.job_id = w.job_id "
    "WHERE w.position > ? ORDER BY w.position LIMIT ?"
)
_IMPORTED = "watchlist_imported"  # meta key: when config.toml's [[jobs]] were imported
_SUMMARISED = SUMMARISED

log = logging.getLogger(__name__)


class Store(SnapshotWriter, EngineLease, ChangeFeed):
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

    # --- the watch list -------------------------------------------------------------------

    def watchlist(self) -> list[WatchedJob]:
        """The watched jobs, in the order they were added."""
        # 100,000 rows and jobs, kept for the whole run (the engine adds one state per job
        # next): no cycle to look for now, and none for later full collections to walk.
        with self._lock, quiet_gc(freeze=True):
            rows = self._conn.execute(
                "SELECT job_id, label, added_at FROM watchlist ORDER BY position"
            ).fetchall()
            return [WatchedJob(job_id, label, added_at) for job_id, label, added_at in rows]

    def watched(self, job_ids: Iterable[str], page: int = 500) -> list[WatchedJob]:
        """Those of ``job_ids`` that are on the watch list (in no particular order)."""
        out: list[WatchedJob] = []
        ids = iter(job_ids)
        while chunk := list(itertools.islice(ids, page)):
            marks = ",".join("?" * len(chunk))
            with self._lock:
                rows = self._conn.execute(
                    f"SELECT job_id, label, added_at FROM watchlist WHERE job_id IN ({marks})",
                    chunk,
                ).fetchall()
            out += [WatchedJob(job_id, label, added_at) for job_id, label, added_at in rows]
        return out

    def watch(self, job_ids: Iterable[str], label: str = "") -> tuple[list[str], list[str]]:
        """Add ``job_ids`` (checked by the one JobId rule: InvalidJobId, nothing written);
        returns (added, skipped because already watched), in the order given."""
        wanted = [stored_job_id(job_id) for job_id in job_ids]
        label, stamp = valid_text(label), now_iso()
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
            if added:
                bump_watchlist(conn)
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
            if removed:
                bump_watchlist(conn)
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
                    job_id = stored_job_id(job.id)
                except Exception as exc:
                    log_skipped("watched job", job.id, exc)
                    continue
                if job_id not in present:
                    present.add(job_id)
                    rows.append((job_id, valid_text(job.label), valid_text(job.added_at)))
            conn.executemany(
                "INSERT INTO watchlist (job_id, label, added_at) VALUES (?, ?, ?)", rows
            )
            conn.execute("INSERT INTO meta (key, value) VALUES (?, ?)", (_IMPORTED, now_iso()))
            if rows:
                bump_watchlist(conn)
        if rows:
            log.info("imported %d job(s) from config.toml's [[jobs]]", len(rows))
        return len(rows)

    # --- snapshots ------------------------------------------------------------------------

    def load_summaries(self, page: int = 1000) -> Iterator[Summary]:
        """Every stored job's summary, streamed a page at a time (no payload is read or
        parsed; the store is not locked between pages). Snapshots an older version stored
        without one get theirs first, once (the v2 -> v3 migration, done on first read)."""
        self.fill_summaries()
        sql = (
            f"SELECT rowid, job_id, {_SUMMARY_COLUMNS} FROM summaries "
            "WHERE rowid > ? ORDER BY rowid LIMIT ?"
        )
        for row in self._keyset_rows(sql, page, start=0):
            yield Summary.from_row(row[1:])

    def job_rows(self, job_ids: Iterable[str] | None = None, page: int = 500) -> list[JobRow]:
        """Every stored job's row (its summary but the failure codes and output link), in
        one read: for an engine that keeps them all anyway (``load_summaries`` streams
        whole summaries). 100,000 in ~85 ms. ``job_ids``: the rows of those jobs only."""
        self.fill_summaries()
        if job_ids is None:
            with self._lock:
                cursor = self._conn.execute(f"SELECT job_id, {_ROW_COLUMNS} FROM summaries")
                return list(map(JobRow._make, cursor))
        out: list[JobRow] = []
        ids = iter(job_ids)
        while chunk := list(itertools.islice(ids, page)):
            marks = ",".join("?" * len(chunk))
            with self._lock:
                cursor = self._conn.execute(
                    f"SELECT job_id, {_ROW_COLUMNS} FROM summaries WHERE job_id IN ({marks})",
                    chunk,
                )
                out.extend(map(JobRow._make, cursor))
        return out

    def summaries_of(self, job_ids: Iterable[str], page: int = 500) -> Iterator[Summary | None]:
        """The summary of each of ``job_ids``, in their order (None: nothing stored)."""
        self.fill_summaries()
        ids = iter(job_ids)
        while chunk := list(itertools.islice(ids, page)):
            marks = ",".join("?" * len(chunk))
            with self._lock:
                rows = self._conn.execute(
                    f"SELECT job_id, {_SUMMARY_COLUMNS} FROM summaries WHERE job_id IN ({marks})",
                    chunk,
                ).fetchall()
            found = {row[0]: row for row in rows}
            for job_id in chunk:
                row = found.get(job_id)
                yield None if row is None else Summary.from_row(row)

    def has_credit_costs(self, job_ids: Iterable[str], page: int = 500) -> bool:
        """Whether any of ``job_ids`` has a credit cost in its summary (a cached report's
        credit column is shown only then: its header comes before the rows stream)."""
        self.fill_summaries()
        ids = iter(job_ids)
        while chunk := list(itertools.islice(ids, page)):
            marks = ",".join("?" * len(chunk))
            with self._lock:
                found = self._conn.execute(
                    "SELECT 1 FROM summaries WHERE credit_total IS NOT NULL "
                    f"AND job_id IN ({marks}) LIMIT 1",
                    chunk,
                ).fetchone()
            if found:
                return True
        return False

    def watched_summaries(self, page: int = 1000) -> Iterator[tuple[WatchedJob, Summary | None]]:
        """The watch list in its order, each job with its summary: streamed, page by page."""
        self.fill_summaries()
        sql = (
            "SELECT w.position, w.job_id, w.label, w.added_at, s.job_id, "
            + ", ".join(f"s.{c}" for c in SUMMARY_COLUMNS)
            + " FROM watchlist w LEFT JOIN summaries s ON s.job_id = w.job_id "
            "WHERE w.position > ? ORDER BY w.position LIMIT ?"
        )
        for row in self._keyset_rows(sql, page, start=-1):
            watched = WatchedJob(row[1], row[2], row[3])
            yield watched, None if row[4] is None else Summary.from_row(row[4:])

    def watched_rows(
        self, after: int = -1, limit: int = 5000
    ) -> list[tuple[int, str, str, JobRow | None]]:
        """A page of the watch list in its order: the jobs after position ``after`` (-1: from
        the first), each as (position, job_id, label, its summary's row or None when nothing
        is stored). What an engine starts from, a page at a time: the first screenful is
        read in a millisecond, and 100,000 jobs are never one list of rows."""
        self.fill_summaries()
        with self._lock:
            rows = self._conn.execute(_WATCHED_ROWS, (after, limit)).fetchall()
        # Each row shares its job's id text, and the few status words are one text each
        # (100,000 rows kept for the whole run: ~14 MB less).
        intern = sys.intern
        return [
            (
                row[0],
                row[1],
                row[2],
                None if row[3] is None else JobRow(row[1], intern(row[4]), *row[5:]),
            )
            for row in rows
        ]

    def watched_statuses(
        self, page: int = 2000
    ) -> Iterator[tuple[WatchedJob, tuple[str, str, float] | None]]:
        """The watch list in its order, each job with (status, title, fetched_at) from its
        summary (None: nothing stored yet): what ``list`` prints, streamed page by page."""
        self.fill_summaries()
        sql = (
            "SELECT w.position, w.job_id, w.label, w.added_at, s.saved_status, "
            "s.saved_title, "
            "s.fetched_at FROM watchlist w LEFT JOIN summaries s ON s.job_id = w.job_id "
            "WHERE w.position > ? ORDER BY w.position LIMIT ?"
        )
        for _, job_id, label, added_at, status, title, fetched_at in self._keyset_rows(
            sql, page, start=-1
        ):
            watched = WatchedJob(job_id, label, added_at)
            yield watched, None if fetched_at is None else (status, title, fetched_at)

    def _keyset_rows(self, sql: str, page: int, *, start: int) -> Iterator[tuple[Any, ...]]:
        """The rows of ``sql`` (``WHERE key > ? ORDER BY key LIMIT ?``, the key first in each
        row) a page at a time, the store unlocked between pages: 100,000 rows stream in
        constant memory, and a page is found by the index, never by skipping."""
        last = start
        while True:
            with self._lock:
                rows = self._conn.execute(sql, (last, page)).fetchall()
            if not rows:
                return
            last = rows[-1][0]
            yield from rows

    def fill_summaries(self, page: int = 500) -> int:
        """Make the summaries a snapshot lacks (a db written by schema 2): each payload read
        and parsed once, written in pages. Returns how many were made."""
        made = 0
        with self._lock:
            if self._conn.execute("SELECT 1 FROM meta WHERE key = ?", (_SUMMARISED,)).fetchone():
                return 0  # since then every snapshot is written with its summary
        while True:
            with self._lock:
                missing = self._conn.execute(
                    "SELECT rowid, job_id, fetched_at, title, status FROM snapshots "
                    "WHERE job_id NOT IN "
                    "(SELECT job_id FROM summaries) LIMIT ?",
                    (page,),
                ).fetchall()
                texts = [self._payload_text(row[0], row[1]) for row in missing]
            if not missing:
                break
            summaries = []
            for (_, job_id, fetched_at, title, status), text in zip(missing, texts, strict=True):
                payload: Any = None
                if text is not None:
                    with contextlib.suppress(ValueError):
                        payload = json.loads(text)
                if not isinstance(payload, dict):  # unreadable: what the cap keeps of it
                    payload = minimal_snapshot(job_id, title or "")
                summary = Summary.of_payload(job_id, payload, fetched_at)
                summaries.append((*summary.row(), status or "", title or ""))
            with self._write() as conn:
                insert_each(conn, SAVE_SUMMARY, summaries, "a summary")
            made += len(summaries)
        with contextlib.suppress(sqlite3.Error):  # read-only: filled again next time
            self.set_meta(_SUMMARISED, now_iso())
        return made

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
