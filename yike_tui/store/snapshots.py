"""Writing what the engine found: snapshots (each with its summary) and events, in one
transaction a batch (``save_batch``).

One transaction, because a process killed between two would leave snapshots whose events
were never stored: the engine that carries on diffs against those snapshots and never finds
the change again (one engine per state db, ``store/lease.py``, hands over on such a kill).
An engine that shares the db passes its lease token: the batch is written only while that
process still holds the lease (checked inside the same transaction), else ``LeaseLost``
and nothing is written, so two engines never write side by side.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterable
from typing import Any, NamedTuple

from yike_tui.core.events import Event
from yike_tui.core.models import Job
from yike_tui.store.history import EventHistory
from yike_tui.store.lease import check_lease
from yike_tui.store.rows import dumps, insert_each, log_skipped, minimal_snapshot, snapshot_row
from yike_tui.store.summary import COLUMNS as SUMMARY_COLUMNS
from yike_tui.store.summary import Summary

Row = tuple[Any, ...]


class SnapshotItem(NamedTuple):
    """One answer to keep: the job's raw payload as fetched, with what its row shows."""

    job_id: str
    payload: dict[str, Any]
    fetched_at: float
    status: str
    title: str
    job: Job | None = None  # the parsed job, when at hand: its summary needs no parse


SAVE_SUMMARY = (
    f"INSERT OR REPLACE INTO summaries (job_id, {', '.join(SUMMARY_COLUMNS)}, saved_status, "
    f"saved_title) VALUES ({', '.join('?' * (len(SUMMARY_COLUMNS) + 3))})"
)
# The same with the batch's number in the change sequence (``db._change_sequence``).
_SAVE_SUMMARY_SEQ = (
    f"INSERT OR REPLACE INTO summaries (job_id, {', '.join(SUMMARY_COLUMNS)}, saved_status, "
    f"saved_title, seq) VALUES ({', '.join('?' * (len(SUMMARY_COLUMNS) + 4))})"
)
_SAVE_SNAPSHOT = (
    "INSERT INTO snapshots (job_id, payload, fetched_at, status, title) "
    "VALUES (?, ?, ?, ?, ?) ON CONFLICT(job_id) DO UPDATE SET "
    "payload=excluded.payload, fetched_at=excluded.fetched_at, "
    "status=excluded.status, title=excluded.title"
)


def summary_of(row: tuple[Any, ...], job: Job | None) -> Summary:
    """The summary of a snapshot row: from the parsed job when it was given and the row
    kept the whole answer, else parsed from the stored text itself."""
    job_id, text, fetched_at, _, title = row
    if job is not None and text != dumps(minimal_snapshot(job_id, title)):
        return Summary.of_job(job, fetched_at, job_id)
    return Summary.of_payload(job_id, json.loads(text), fetched_at)


class _Rows(NamedTuple):
    rows: list[Row]
    summaries: list[Summary]
    unsaved: set[str]


def _snapshot_rows(items: Iterable[SnapshotItem]) -> _Rows:
    """The rows of ``items``; a job whose row cannot be made is logged and left out."""
    rows: list[Row] = []
    summaries: list[Summary] = []
    unsaved: set[str] = set()
    for item in items:
        try:
            row = snapshot_row(item.job_id, item.payload, item.fetched_at, item.status, item.title)
            summaries.append(summary_of(row, item.job))
        except Exception as exc:  # one bad job costs only its row
            log_skipped("snapshot", item.job_id, exc)
            unsaved.add(item.job_id)
            continue
        rows.append(row)
    return _Rows(rows, summaries, unsaved)


def next_seq(conn: sqlite3.Connection) -> int:
    """The number the summaries written by this transaction take (read through the index)."""
    row = conn.execute("SELECT coalesce(max(seq), 0) + 1 FROM summaries").fetchone()
    return int(row[0])


def _insert_snapshots(conn: sqlite3.Connection, made: _Rows, seq: int) -> set[str]:
    """Write the rows in the caller's transaction; the ids of those not saved."""
    if not made.rows:
        return set(made.unsaved)
    failed: list[Row] = []
    insert_each(conn, _SAVE_SNAPSHOT, made.rows, "a snapshot", failed)
    pairs = zip(made.summaries, made.rows, strict=True)
    rows = [(*s.row(), row[3], row[4], seq) for s, row in pairs]
    insert_each(conn, _SAVE_SUMMARY_SEQ, rows, "a summary")
    return made.unsaved | {row[0] for row in failed}


def _update_checked(
    conn: sqlite3.Connection, items: list[SnapshotItem], seq: int
) -> list[SnapshotItem]:
    """Write the new fetch time of answers stored already; those with no stored row."""
    missing = []
    for item in items:
        job_id, fetched_at = item.job_id, float(item.fetched_at)
        found = conn.execute(
            "UPDATE snapshots SET fetched_at = ? WHERE job_id = ?", (fetched_at, job_id)
        ).rowcount
        if found:
            conn.execute(
                "UPDATE summaries SET fetched_at = ?, seq = ? WHERE job_id = ?",
                (fetched_at, seq, job_id),
            )
        else:
            missing.append(item)
    return missing


class SnapshotWriter(EventHistory):
    """The writing half of ``Store`` (it brings the connection, its lock and ``_write_now``)."""

    def _write_now(self) -> contextlib.AbstractContextManager[sqlite3.Connection]:
        raise NotImplementedError

    def save_snapshots(self, items: Iterable[SnapshotItem]) -> set[str]:
        """Upsert (job_id, raw response payload, fetched_at, status, title[, parsed job]) in
        one transaction, each with its summary (``load_summaries``); returns the ids of the
        jobs whose snapshot was not saved.

        Signed URLs are kept without their query (the signature is a secret, and it expires
        anyway): a cached job shows that output exists; using it fetches a fresh URL. A job
        whose row cannot be made (or stored) is logged and left out; the others are saved.
        The parsed job, when given, saves parsing the answer again for its summary.
        """
        made = _snapshot_rows(items)
        if not made.rows:
            return made.unsaved
        with self._write() as conn:
            return _insert_snapshots(conn, made, next_seq(conn))

    def save_checked(self, items: Iterable[SnapshotItem]) -> set[str]:
        """Items whose answer is the one stored again (``diff.same_answer``): only the time
        they were fetched is written, to the snapshot and its summary (the row's "updated"
        stays true); the stored answer keeps the RequestId it came with. An item with no
        stored row is saved whole (``save_snapshots``). Returns the ids not saved."""
        return self.save_batch((), items, ())

    def save_batch(
        self,
        snapshots: Iterable[SnapshotItem],
        checked: Iterable[SnapshotItem],
        events: Iterable[Event],
        *,
        lease: str | None = None,
    ) -> set[str]:
        """New answers (``save_snapshots``), answers stored already (``save_checked``) and
        events (``append_events``), all in one transaction; returns the ids of the jobs
        whose answer was not saved. ``lease``: the engine's lease token; when another
        process holds the lease now, LeaseLost and nothing is written."""
        made = _snapshot_rows(snapshots)
        checked = list(checked)
        event_rows = self._event_rows(events)
        if not (made.rows or made.unsaved or checked or event_rows):
            return set()
        with self._write_now() as conn:
            if lease is not None:
                check_lease(conn, lease)
            seq = next_seq(conn) if made.rows or checked else 0
            unsaved = _insert_snapshots(conn, made, seq)
            missing = _update_checked(conn, checked, seq)
            if missing:  # rare (dropped meanwhile): made here, inside the transaction
                unsaved |= _insert_snapshots(conn, _snapshot_rows(missing), seq)
            newest = self._insert_events(conn, event_rows)
        self.events_written = max(self.events_written, newest)  # committed: ours
        return unsaved
