"""Which events deserve a toast: one per job and kind, never a flood."""

from __future__ import annotations

from collections.abc import Callable

from textual.notifications import SeverityLevel

from yike_tui.events import Event, EventKind
from yike_tui.ui.cells import safe

MAX_TOASTS = 3  # more than this in one update becomes a single summary


class Notifier:
    def __init__(self) -> None:
        self._seen: set[tuple[str, str, str]] = set()

    def select(
        self, events: list[Event], title_of: Callable[[str], str]
    ) -> list[tuple[str, str, str, SeverityLevel]]:
        """``(job_id, title, message, severity)`` for the notable events not shown before."""
        fresh: list[Event] = []
        for event in events:
            if not event.is_notable:
                continue
            key = (event.job_id, event.kind.value, str(sorted(event.data.items()))[:200])
            if key in self._seen:
                continue
            self._seen.add(key)
            fresh.append(event)
        by_job: dict[str, Event] = {}
        for event in fresh:  # the most important event of each job
            if event.job_id not in by_job or _rank(event) < _rank(by_job[event.job_id]):
                by_job[event.job_id] = event
        if len(by_job) > MAX_TOASTS:
            return [
                (
                    "",
                    "Jobs changed",
                    f"{len(by_job)} jobs changed — see the event log (e)",
                    "information",
                )
            ]
        return [
            (job_id, safe(title_of(job_id), 60), event.message, _severity(event))
            for job_id, event in by_job.items()
        ]


def _rank(event: Event) -> int:
    order = (
        EventKind.STATUS_CHANGED,
        EventKind.OUTPUT_READY,
        EventKind.JOB_NOT_FOUND,
        EventKind.STORYBOARD_FAILED,
        EventKind.SHOT_FAILED,
    )
    return order.index(event.kind) if event.kind in order else len(order)


_BAD = frozenset({EventKind.STORYBOARD_FAILED, EventKind.SHOT_FAILED, EventKind.JOB_NOT_FOUND})


def _severity(event: Event) -> SeverityLevel:
    bad = event.kind in (
        EventKind.STORYBOARD_FAILED,
        EventKind.SHOT_FAILED,
        EventKind.JOB_NOT_FOUND,
    )
    if event.kind is EventKind.STATUS_CHANGED and event.data.get("new") == "Failed":
        bad = True
    return "error" if bad else "information"
