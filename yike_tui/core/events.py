"""What the engine reports: one ``Event`` per thing that happened to a watched job.

Events are plain data. The UI, the event log, ``watch --json`` (NDJSON) and the state db
all consume the same objects, so each has one JSON shape and one human sentence.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from yike_tui.core.models import JobStatus
from yike_tui.safety.redaction import redact_url
from yike_tui.safety.safe_text import clean

FIRST_SIGHT = "first_sight"  # in the data of failures a job already had when first seen


class EventKind(StrEnum):  # a str and an Enum: json.dumps writes its value
    JOB_ADDED = "job_added"
    STATUS_CHANGED = "status_changed"
    STORYBOARD_APPEARED = "storyboard_appeared"
    STORYBOARD_CHANGED = "storyboard_changed"
    STORYBOARD_FAILED = "storyboard_failed"
    SHOT_FAILED = "shot_failed"
    OUTPUT_READY = "output_ready"
    FETCH_FAILED = "fetch_failed"
    FETCH_RECOVERED = "fetch_recovered"
    JOB_NOT_FOUND = "job_not_found"
    # The TUI's own: a toast held back (two were showing) goes to the event log as a note.
    # Never made by the engine: not stored, not printed by `watch`.
    NOTE = "note"


# Statuses worth interrupting the user for; Running → Running-ish churn is not.
_NOTABLE_STATUSES = frozenset({JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.SUSPENDED})
_ALWAYS_NOTABLE = frozenset(
    {
        EventKind.OUTPUT_READY,
        EventKind.STORYBOARD_FAILED,
        EventKind.SHOT_FAILED,
        EventKind.JOB_NOT_FOUND,
    }
)
# Any URL inside free text (API error messages may echo a signed URL).
_URL = re.compile(r"https?://[^\s\"'<>]+")


def iso_utc(ts: float) -> str:
    """``2025-01-02T03:04:05.678Z``: milliseconds, always UTC, always the Z suffix."""
    text = datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")


def redact_urls_in(text: str) -> str:
    return _URL.sub(lambda m: redact_url(m.group()), text)


@dataclass(frozen=True, slots=True)
class Event:
    kind: EventKind
    job_id: str
    ts: float
    data: Mapping[str, Any]

    def to_json(self) -> dict[str, Any]:
        """The NDJSON shape: ``{"ts", "job_id", "kind", **data}``; data never overrides those."""
        head = {"ts": iso_utc(self.ts), "job_id": self.job_id, "kind": self.kind.value}
        return {**head, **{k: v for k, v in self.data.items() if k not in head}}

    @property
    def message(self) -> str:
        """One short human line, safe for a terminal and free of signed URL queries."""
        return clean(redact_urls_in(self._sentence()), one_line=True)

    def _sentence(self) -> str:
        d = self.data
        kind = self.kind
        if kind is EventKind.NOTE:
            return str(d.get("text") or "a note")
        if kind is EventKind.JOB_ADDED:
            status = d.get("status") or "unknown status"
            return f"watching ({status})"
        if kind is EventKind.STATUS_CHANGED:
            return f"{d.get('old') or '?'} → {d.get('new') or '?'}"
        if kind is EventKind.STORYBOARD_APPEARED:
            return f"storyboard {d.get('storyboard_id')} appeared ({d.get('new') or '?'})"
        if kind is EventKind.STORYBOARD_CHANGED:
            sid = d.get("storyboard_id")
            return f"storyboard {sid}: {d.get('old') or '?'} → {d.get('new') or '?'}"
        if kind is EventKind.STORYBOARD_FAILED:
            return f"storyboard {d.get('storyboard_id')} failed ({d.get('new') or '?'})"
        if kind is EventKind.SHOT_FAILED:
            return (
                f"shot {d.get('shot_id')} of {d.get('storyboard_id')} failed: "
                f"{d.get('error_code') or 'Unknown'}"
            )
        if kind is EventKind.OUTPUT_READY:
            url = str(d.get("url") or "")
            return f"output ready: {redact_url(url)}" if url else "output ready"
        if kind is EventKind.FETCH_FAILED:
            code, text = d.get("code") or "", d.get("message") or ""
            detail = ": ".join(str(part) for part in (code, text) if part)
            return f"fetch failed: {detail}" if detail else "fetch failed"
        if kind is EventKind.FETCH_RECOVERED:
            return "fetching works again"
        # JOB_NOT_FOUND: the API's words, with the hint at the other API when there is one.
        said = str(d.get("message") or "")
        return f"job not found: {said}" if said else "job not found"

    @property
    def is_notable(self) -> bool:
        """What the UI notifies about: finished, failed or paused jobs and failures inside;
        not failures a job already had when first seen (news to the log, not a toast)."""
        if self.data.get(FIRST_SIGHT):
            return False
        if self.kind in _ALWAYS_NOTABLE:
            return True
        if self.kind is EventKind.STATUS_CHANGED:
            return JobStatus.from_raw(str(self.data.get("new", ""))) in _NOTABLE_STATUSES
        return False


# --- events the engine raises itself (diff.py makes the others) ---------------------------


def fetch_failed(job_id: str, *, ts: float, code: str, message: str) -> Event:
    return Event(EventKind.FETCH_FAILED, job_id, ts, {"code": code, "message": message})


def fetch_recovered(job_id: str, *, ts: float) -> Event:
    return Event(EventKind.FETCH_RECOVERED, job_id, ts, {})


def job_not_found(job_id: str, *, ts: float, message: str = "") -> Event:
    return Event(EventKind.JOB_NOT_FOUND, job_id, ts, {"message": message} if message else {})
