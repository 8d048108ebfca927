"""Rows made safe to store one by one, so one bad job costs only its own row.

Every signed query is cut from every http(s) URL, at any depth and inside JSON text
(``unsign``); a snapshot over ``MAX_SNAPSHOT_BYTES`` keeps only the job's id and title (it is
fetched afresh); text UTF-8 cannot carry is escaped, never fatal.
"""

from __future__ import annotations

import json
import logging
import re
import sqlite3
from typing import Any

from yike_tui.core.events import Event, EventKind
from yike_tui.core.job_ids import check_job_id
from yike_tui.safety.redaction import has_signed_query, unsign

MAX_SNAPSHOT_BYTES = 1 << 20  # a 200 MB answer must not be read back at every start
MAX_EVENT_BYTES = 64 << 10
_MAX_EVENT_TEXT = 1000  # characters a text field of an oversized event keeps
_MAX_TITLE = 1000  # characters of the title column (``list`` shows 40)


log = logging.getLogger("yike_tui.store")

Row = tuple[Any, ...]
_SURROGATE = re.compile("[\ud800-\udfff]")


def valid_text(text: str) -> str:
    """``text`` as valid UTF-8: a lone surrogate (valid JSON, not valid text) becomes U+FFFD."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return _SURROGATE.sub("\ufffd", text)
    return text


def dumps(value: Any) -> str:
    """Compact JSON; escaped to ASCII only when it holds text UTF-8 cannot carry (lossless)."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(value, separators=(",", ":"))
    return text


def stored_job_id(job_id: object) -> str:
    if not isinstance(job_id, str):
        raise TypeError("JobId is not text")
    return check_job_id(job_id)  # the one JobId rule: an id it refuses costs its row


def shortened(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def minimal_snapshot(job_id: str, title: str) -> dict[str, Any]:
    """What is kept of an answer that cannot be kept whole: no status, so it is fetched afresh."""
    return {"JobId": job_id, "JobParams": {"Title": title}}


def snapshot_row(job_id: str, payload: dict[str, Any], ts: float, status: str, title: str) -> Row:
    job_id = stored_job_id(job_id)
    title = shortened(valid_text(unsign(str(title or ""))), _MAX_TITLE)
    text = dumps(unsign(payload))
    if has_signed_query(text):  # a signed query in a shape unsign did not see: keep none
        log.warning("snapshot of %s held a signed query: only its id and title kept", ascii(job_id))
        text = dumps(minimal_snapshot(job_id, title))
    size = len(text.encode("utf-8"))
    if size > MAX_SNAPSHOT_BYTES:
        log.warning(
            "snapshot of %s is %d bytes (the most is %d): only its id and title kept",
            ascii(job_id),
            size,
            MAX_SNAPSHOT_BYTES,
        )
        text = dumps(minimal_snapshot(job_id, title))
    return (job_id, text, float(ts), shortened(valid_text(str(status or "")), 100), title)


def event_row(event: Event) -> Row:
    job_id = stored_job_id(event.job_id)
    data = unsign(dict(event.data))
    text = dumps(data)
    if len(text.encode("utf-8")) > MAX_EVENT_BYTES or has_signed_query(text):
        kept = {
            key: shortened(value, _MAX_EVENT_TEXT) if isinstance(value, str) else value
            for key, value in data.items()
            if isinstance(value, str | int | float | bool) or value is None
        }
        text = dumps(kept)
        if len(text.encode("utf-8")) > MAX_EVENT_BYTES or has_signed_query(text):
            text = "{}"
    return (float(event.ts), job_id, EventKind(event.kind).value, text)


def log_skipped(kind: str, job_id: object, exc: Exception) -> None:
    # The id escaped and cut, the error's type only: its text could hold the value.
    log.warning("%s of %s not saved: %s", kind, ascii(job_id)[:140], type(exc).__name__)


def insert_each(
    conn: sqlite3.Connection,
    sql: str,
    rows: list[Row],
    kind: str,
    failed: list[Row] | None = None,
) -> int:
    """Insert row by row in the caller's transaction: a failed statement undoes only itself
    (a db-wide failure, OperationalError, still ends the whole batch). ``failed`` receives
    the rows that were not saved."""
    saved = 0
    for row in rows:
        try:
            conn.execute(sql, row)
        except sqlite3.OperationalError:
            raise
        except Exception as exc:  # one bad row, not the batch
            log.warning("%s not saved: %s", kind, type(exc).__name__)
            if failed is not None:
                failed.append(row)
        else:
            saved += 1
    return saved
