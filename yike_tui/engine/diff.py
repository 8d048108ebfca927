"""Pure comparison of two snapshots of one job into a list of ``Event``.

Runs on every fetch of every watched job, so the common case (nothing changed) must cost
a few tuple comparisons and no allocation beyond the empty list.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from yike_tui.core.events import FIRST_SIGHT, Event, EventKind
from yike_tui.core.models import Job, Storyboard
from yike_tui.core.presentation import storyboard_values


def diff(old: Job | None, new: Job, *, ts: float) -> list[Event]:
    """Events that turn ``old`` into ``new``, in a fixed order.

    Order: status change, then storyboards in ``new``'s order, then newly failed shots in
    ``new``'s order, then output ready. ``old is None`` (first sight) gives JOB_ADDED, then
    the failures the job already has (``first_sight`` in their data), and nothing else of
    its past: a job that arrives ``Failed`` comes with its reasons, one that is half done
    does not flood the log.
    """
    if old is None:
        added = Event(
            EventKind.JOB_ADDED, new.id, ts, {"status": new.status_raw, "title": new.title}
        )
        return [added, *failures_at_first_sight(new, ts)]
    if _unchanged(old, new):
        return []

    events: list[Event] = []
    if old.status_raw != new.status_raw:
        events.append(
            Event(
                EventKind.STATUS_CHANGED, new.id, ts, {"old": old.status_raw, "new": new.status_raw}
            )
        )
    if old.storyboards != new.storyboards:
        events.extend(_storyboard_events(old, new, ts))
    if old.failed_shots != new.failed_shots:
        events.extend(_shot_events(old, new, ts))
    if new.output_url and not old.output_url:
        events.append(Event(EventKind.OUTPUT_READY, new.id, ts, {"url": new.output_url}))
    return events


def failures_at_first_sight(job: Job, ts: float) -> list[Event]:
    """The failed storyboards and shots ``job`` has, as the events the diff gives when they
    happen (marked ``first_sight``)."""
    if not job.failed_shots and not job.storyboards_failed:
        return []  # the common case: no allocation beyond the list
    healthy = replace(
        job, storyboards=tuple(sb for sb in job.storyboards if not sb.is_failed), failed_shots=()
    )
    wanted = (EventKind.STORYBOARD_FAILED, EventKind.SHOT_FAILED)
    return [
        Event(e.kind, e.job_id, e.ts, {**e.data, FIRST_SIGHT: True})
        for e in diff(healthy, job, ts=ts)
        if e.kind in wanted
    ]


def _unchanged(old: Job, new: Job) -> bool:
    # Not ``old == new``: fetched_at and request_id differ on every fetch.
    return (
        old.status_raw == new.status_raw
        and old.output_url == new.output_url
        and old.storyboards == new.storyboards
        and old.failed_shots == new.failed_shots
    )


def _storyboard_events(old: Job, new: Job, ts: float) -> list[Event]:
    before = {sb.id: sb for sb in old.storyboards}
    events: list[Event] = []
    for sb in new.storyboards:
        prev = before.get(sb.id)
        if prev is None:
            # One that shows up already failed is reported as failed: that is the news.
            kind = EventKind.STORYBOARD_FAILED if sb.is_failed else EventKind.STORYBOARD_APPEARED
            events.append(_storyboard_event(kind, new.id, ts, sb, old_text=""))
        elif prev != sb:
            if sb.is_failed and not prev.is_failed:
                kind = EventKind.STORYBOARD_FAILED
            elif _state_text(prev) != _state_text(sb):
                kind = EventKind.STORYBOARD_CHANGED
            else:
                continue  # only its title or failed shots changed: shots are reported apart
            events.append(_storyboard_event(kind, new.id, ts, sb, old_text=_state_text(prev)))
    return events


def _state_text(sb: Storyboard) -> str:
    """``Editing/CreateFailed``, ``Editing/Creating, Exception``: the words the tree says."""
    return storyboard_values(sb) or sb.status_text


def _storyboard_event(
    kind: EventKind, job_id: str, ts: float, sb: Storyboard, *, old_text: str
) -> Event:
    data = {
        "storyboard_id": sb.id,
        "title": sb.title,
        "old": old_text,
        "new": _state_text(sb),
        "exception": sb.exception,  # for a program: named in ExceptionStoryboardIds
    }
    return Event(kind, job_id, ts, data)


def _shot_events(old: Job, new: Job, ts: float) -> list[Event]:
    seen = {(s.storyboard_id, s.shot_id) for s in old.failed_shots}
    events: list[Event] = []
    for shot in new.failed_shots:
        key = (shot.storyboard_id, shot.shot_id)
        if key in seen:
            continue
        seen.add(key)  # the same shot listed twice in one response is one event
        data = {
            "storyboard_id": shot.storyboard_id,
            "shot_id": shot.shot_id,
            "error_code": shot.error_code,
        }
        events.append(Event(EventKind.SHOT_FAILED, new.id, ts, data))
    return events


_VOLATILE = "RequestId"  # differs on every answer; says nothing about the job
_PLAIN = (str, int, bool, type(None))


def same_answer(old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    """Whether two raw answers parse to the same job but for ``request_id`` (and the time
    they were fetched): equal value for value *and type for type*, keys in the same order
    (``1 == 1.0 == True`` and ``0.0 == -0.0`` parse to different text). Most answers of a
    running job are the last one again: this costs a walk over a few dozen values, not a
    parse and a diff. A RequestId that is not text on either side says "not the same"."""
    if not isinstance(old.get(_VOLATILE, ""), str) or not isinstance(new.get(_VOLATILE, ""), str):
        return False
    if (_VOLATILE in old) != (_VOLATILE in new):
        return False
    if [k for k in old if k != _VOLATILE] != [k for k in new if k != _VOLATILE]:
        return False
    stack: list[tuple[Any, Any]] = [(old[k], new[k]) for k in old if k != _VOLATILE]
    while stack:
        a, b = stack.pop()
        kind = type(a)
        if kind is not type(b):
            return False
        if kind is dict:
            if list(a) != list(b):
                return False
            stack.extend((a[k], b[k]) for k in a)
        elif kind is list:
            if len(a) != len(b):
                return False
            stack.extend(zip(a, b, strict=True))
        elif kind is float:
            if a.hex() != b.hex():  # -0.0 is not 0.0 here; NaN is NaN
                return False
        elif kind not in _PLAIN or a != b:  # anything but JSON's own types: not the same
            return False
    return True
