"""Reading the summaries beside the snapshots (``store/summary.py``: what a job's row
shows): what ``list``, ``report --cached`` and a start-up read, never parsing a payload.

Long reads are streamed a page at a time, found by the index (keyset paging), the store
unlocked between pages: 100,000 rows in constant memory. A db an older version wrote has
snapshots without summaries: the first read makes them, once (``fill_summaries``).
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from yike_tui.core.config import WatchedJob, now_iso
from yike_tui.store.by_ids import pages_of_rows
from yike_tui.store.db import SUMMARISED
from yike_tui.store.rows import insert_each, minimal_snapshot
from yike_tui.store.snapshots import SAVE_SUMMARY
from yike_tui.store.summary import COLUMNS as SUMMARY_COLUMNS
from yike_tui.store.summary import ROW_COLUMNS, JobRow, Summary

_SUMMARY_COLUMNS = ", ".join(SUMMARY_COLUMNS)
_ROW_COLUMNS = ", ".join(ROW_COLUMNS)
_WATCHED_ROWS = (
    "SELECT w.position, w.job_id, w.label, s.job_id, "
    + ", ".join(f"s.{c}" for c in ROW_COLUMNS)
    + " FROM watchlist w LEFT JOIN summaries s ON s.job_id = w.job_id "
    "WHERE w.position > ? ORDER BY w.position LIMIT ?"
)


class SummaryReads:
    """The summaries part of ``Store`` (which brings the connection, its lock, ``_write``,
    ``set_meta`` and ``_payload_text``)."""

    _conn: sqlite3.Connection
    _lock: threading.Lock
    _write: Callable[[], contextlib.AbstractContextManager[sqlite3.Connection]]
    set_meta: Callable[[str, str], None]
    _payload_text: Callable[[int, str], bytes | None]

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
        sql = f"SELECT job_id, {_ROW_COLUMNS} FROM summaries WHERE job_id IN ({{marks}})"
        pages = pages_of_rows(self._conn, self._lock, sql, job_ids, page)
        return [JobRow._make(row) for _, rows in pages for row in rows]

    def summaries_of(self, job_ids: Iterable[str], page: int = 500) -> Iterator[Summary | None]:
        """The summary of each of ``job_ids``, in their order (None: nothing stored)."""
        self.fill_summaries()
        sql = f"SELECT job_id, {_SUMMARY_COLUMNS} FROM summaries WHERE job_id IN ({{marks}})"
        for chunk, rows in pages_of_rows(self._conn, self._lock, sql, job_ids, page):
            found = {row[0]: row for row in rows}
            for job_id in chunk:
                row = found.get(job_id)
                yield None if row is None else Summary.from_row(row)

    def has_credit_costs(self, job_ids: Iterable[str], page: int = 500) -> bool:
        """Whether any of ``job_ids`` has a credit cost in its summary (a cached report's
        credit column is shown only then: its header comes before the rows stream)."""
        self.fill_summaries()
        sql = (
            "SELECT 1 FROM summaries WHERE credit_total IS NOT NULL AND job_id IN ({marks}) LIMIT 1"
        )
        return any(rows for _, rows in pages_of_rows(self._conn, self._lock, sql, job_ids, page))

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
            if self._conn.execute("SELECT 1 FROM meta WHERE key = ?", (SUMMARISED,)).fetchone():
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
            self.set_meta(SUMMARISED, now_iso())
        return made
