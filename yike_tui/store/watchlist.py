"""The watch list in the state db: the jobs watched, in the order they were added.

``watch`` and ``unwatch`` hold the write lock from the start of their transaction, so two
processes adding jobs at once both win; each change moves the watch list's version
(``changes.bump_watchlist``) for the processes that follow it. ``import_watchlist`` takes
config.toml's old ``[[jobs]]`` once, and ``meta`` records that it did (removing every job
later does not bring them back).
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
from collections.abc import Callable, Iterable

from yike_tui.core.config import WatchedJob, now_iso
from yike_tui.store.bulk import quiet_gc
from yike_tui.store.by_ids import pages_of_rows
from yike_tui.store.changes import bump_watchlist
from yike_tui.store.rows import log_skipped, stored_job_id, valid_text

IMPORTED = "watchlist_imported"  # meta key: when config.toml's [[jobs]] were imported

log = logging.getLogger("yike_tui.store.store")  # logged as the Store it is part of


class WatchList:
    """The watch-list part of ``Store`` (which brings the connection, its lock and
    ``_write_now``)."""

    _conn: sqlite3.Connection
    _lock: threading.Lock
    _write_now: Callable[[], contextlib.AbstractContextManager[sqlite3.Connection]]

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
        sql = "SELECT job_id, label, added_at FROM watchlist WHERE job_id IN ({marks})"
        pages = pages_of_rows(self._conn, self._lock, sql, job_ids, page)
        return [WatchedJob(*row) for _, rows in pages for row in rows]

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
            row = self._conn.execute("SELECT 1 FROM meta WHERE key = ?", (IMPORTED,)).fetchone()
        return row is not None

    def import_watchlist(self, jobs: Iterable[WatchedJob]) -> int:
        """Add config.toml's ``[[jobs]]`` after the jobs already watched, the first time
        there are any, and record that it happened; later calls do nothing. Returns how
        many jobs were added. A job the JobId rule refuses costs only itself."""
        entries = list(jobs)
        if not entries:
            return 0  # nothing to import yet: a [[jobs]] list written later still is
        with self._write_now() as conn:
            if conn.execute("SELECT 1 FROM meta WHERE key = ?", (IMPORTED,)).fetchone():
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
            conn.execute("INSERT INTO meta (key, value) VALUES (?, ?)", (IMPORTED, now_iso()))
            if rows:
                bump_watchlist(conn)
        if rows:
            log.info("imported %d job(s) from config.toml's [[jobs]]", len(rows))
        return len(rows)
