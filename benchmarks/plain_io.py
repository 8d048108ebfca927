"""The floors of the state db's figures: a minimal program doing the same I/O with plain
``sqlite3`` and ``json``, and nothing of yike-tui.

In-process (``summary_rows``): the same summary rows selected into tuples, what an engine
start cannot do with less. As a command (``python -m benchmarks.plain_io WHAT DB``, run
the way ``scale`` runs the CLI, so interpreter start-up is on both sides):

- ``list``: the watch list joined to its summaries in order, a ``json.dumps`` line each;
- ``report-json`` / ``report-md``: the report's columns of the same rows, a JSON list
  (each record by the C encoder) or a Markdown table;
- ``add`` / ``remove``: ids read from stdin into a watch list table with ``executemany``
  (``add`` makes the db and the table), or deleted from it, in one transaction.
"""

from __future__ import annotations

import gc
import json
import sqlite3
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TextIO

_LIST = (
    "SELECT w.job_id, w.label, w.added_at, s.saved_status, s.saved_title, s.fetched_at "
    "FROM watchlist w LEFT JOIN summaries s ON s.job_id = w.job_id ORDER BY w.position"
)
_REPORT = (
    "SELECT s.status_raw, s.title, w.job_id, s.storyboards_done, s.storyboards_total, "
    "s.failed_codes, s.output_url, s.credit_total "
    "FROM watchlist w JOIN summaries s ON s.job_id = w.job_id ORDER BY w.position"
)
_REPORT_KEYS = ("status", "title", "job_id", "done", "total", "failed", "output", "credits")
_PAGE = 1000  # lines a write, as the CLI writes


def summary_rows(db: Path, columns: Iterable[str], *, watched: bool) -> tuple[float, int]:
    """(ms, rows): ``columns`` of every summary selected into tuples; ``watched``: those of
    the watch list, joined in its order (what an engine starts from)."""
    cols = ", ".join(f"s.{c}" for c in columns)
    sql = (
        f"SELECT w.job_id, w.label, {cols} FROM watchlist w "
        "LEFT JOIN summaries s ON s.job_id = w.job_id ORDER BY w.position"
        if watched
        else f"SELECT s.job_id, {cols} FROM summaries s"
    )
    gc.collect()
    t0 = time.perf_counter()
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute(sql).fetchall()
    finally:
        conn.close()
    return (time.perf_counter() - t0) * 1000, len(rows)


def newest_events(db: Path, count: int) -> float:
    """ms: the newest ``count`` events selected by the ts index and each one's JSON decoded,
    on a fresh connection (what an event log's first page cannot do with less)."""
    gc.collect()
    conn = sqlite3.connect(db)
    try:
        t0 = time.perf_counter()
        rows = conn.execute(
            "SELECT ts, job_id, kind, data FROM events ORDER BY ts DESC LIMIT ?", (count,)
        ).fetchall()
        decoded = [json.loads(data) for _, _, _, data in rows]
        elapsed = time.perf_counter() - t0
    finally:
        conn.close()
    if len(decoded) != count:
        raise RuntimeError(f"{len(decoded)} events")
    return elapsed * 1000


def _pages(lines: Iterator[str], out: TextIO) -> None:
    page: list[str] = []
    for line in lines:
        page.append(line)
        if len(page) >= _PAGE:
            out.write("\n".join(page) + "\n")
            page.clear()
    if page:
        out.write("\n".join(page) + "\n")


def _list(conn: sqlite3.Connection, out: TextIO) -> None:
    keys = ("job_id", "label", "added_at", "status", "title", "fetched_at")
    rows = conn.execute(_LIST)
    _pages((json.dumps(dict(zip(keys, row, strict=True))) for row in rows), out)


def _report_json(conn: sqlite3.Connection, out: TextIO) -> None:
    out.write("[")
    first = True
    for row in conn.execute(_REPORT):
        out.write(
            ("\n" if first else ",\n") + json.dumps(dict(zip(_REPORT_KEYS, row, strict=True)))
        )
        first = False
    out.write("\n]\n")


def _report_md(conn: sqlite3.Connection, out: TextIO) -> None:
    out.write("| " + " | ".join(_REPORT_KEYS) + " |\n|" + "---|" * len(_REPORT_KEYS) + "\n")
    rows = conn.execute(_REPORT)
    _pages(("| " + " | ".join(map(str, row)) + " |" for row in rows), out)


def _add(conn: sqlite3.Connection, ids: list[str]) -> None:
    with conn:
        conn.execute(
            "CREATE TABLE watchlist (position INTEGER PRIMARY KEY, "
            "job_id TEXT NOT NULL UNIQUE, label TEXT NOT NULL DEFAULT '')"
        )
        conn.executemany("INSERT INTO watchlist (job_id) VALUES (?)", ((i,) for i in ids))


def _remove(conn: sqlite3.Connection, ids: list[str]) -> None:
    with conn:
        conn.executemany("DELETE FROM watchlist WHERE job_id = ?", ((i,) for i in ids))


def main(what: str, db: str) -> None:
    conn = sqlite3.connect(db)
    try:
        if what in ("add", "remove"):
            ids = sys.stdin.read().split()
            (_add if what == "add" else _remove)(conn, ids)
        else:
            write = {"list": _list, "report-json": _report_json, "report-md": _report_md}[what]
            write(conn, sys.stdout)
    finally:
        conn.close()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
