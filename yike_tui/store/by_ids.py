"""Rows for a long list of job ids, read a page of ids at a time: one ``IN (?, …)`` query a
page (SQLite caps a statement's parameters), the store's lock held for that page only, so
100,000 ids neither make one huge statement nor hold the store for the whole read."""

from __future__ import annotations

import itertools
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from typing import Any

PAGE = 500  # ids a query


def pages_of_rows(
    conn: sqlite3.Connection,
    lock: threading.Lock,
    sql: str,
    job_ids: Iterable[str],
    page: int = PAGE,
) -> Iterator[tuple[list[str], list[tuple[Any, ...]]]]:
    """For each page of ``job_ids``: the page, and the rows ``sql`` gives for it. ``sql``
    holds ``{marks}`` where the page's placeholders go (``WHERE job_id IN ({marks})``)."""
    ids = iter(job_ids)
    while chunk := list(itertools.islice(ids, page)):
        statement = sql.format(marks=",".join("?" * len(chunk)))
        with lock:
            rows = conn.execute(statement, chunk).fetchall()
        yield chunk, rows
