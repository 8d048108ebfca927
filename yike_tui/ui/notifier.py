"""Which events deserve a toast: only what needs attention, one per job, never a flood.

A job that finished (Succeeded, Failed), was suspended or got storyboards ready to edit,
a storyboard that failed, a JobId the API does not know: those are toasts. Everything else
(poll errors, shots failing on the way, output links, progress) goes to the event log only.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.notifications import SeverityLevel

from yike_tui.core.events import FIRST_SIGHT, Event, EventKind
from yike_tui.engine.announce import FAILED, READY, SUSPENDED, outcome, summarize
from yike_tui.ui.cells import safe

MAX_TOASTS = 3  # more than this in one update becomes a single summary
_ALSO = frozenset({EventKind.STORYBOARD_FAILED, EventKind.JOB_NOT_FOUND})


def needs_attention(event: Event) -> bool:
    """A toast: what the user would act on now. Not failures a job already had when first
    seen (news to the log)."""
    if event.data.get(FIRST_SIGHT):
        return False
    return outcome(event) is not None or event.kind in _ALSO


class Notifier:
    def __init__(self) -> None:
        self._seen: set[tuple[str, str, str]] = set()

    def select(
        self, events: list[Event], title_of: Callable[[str], str]
    ) -> list[tuple[str, str, str, SeverityLevel]]:
        """``(job_id, title, message, severity)`` for the events needing attention not shown
        before."""
        fresh: list[Event] = []
        for event in events:
            if not needs_attention(event):
                continue
            key = (event.job_id, event.kind.value, str(sorted(event.data.items()))[:200])
            if key in self._seen:
                continue
            self._seen.add(key)
            fresh.append(event)
        by_job: dict[str, Event] = {}
        ready: dict[str, int] = {}
        for event in fresh:  # the most important event of each job
            if outcome(event) == READY:
                ready[event.job_id] = ready.get(event.job_id, 0) + 1
            if event.job_id not in by_job or _rank(event) < _rank(by_job[event.job_id]):
                by_job[event.job_id] = event
        if len(by_job) > MAX_TOASTS:
            return [_summary(list(by_job.values()), title_of)]
        return [
            (job_id, safe(title_of(job_id), 60), _message(event, ready), _severity(event))
            for job_id, event in by_job.items()
        ]


def _summary(
    events: list[Event], title_of: Callable[[str], str]
) -> tuple[str, str, str, SeverityLevel]:
    found = summarize(events, title_of)
    counted = found.body if found is not None and found.jobs == len(events) else ""
    body = counted or f"{len(events)} jobs need attention"
    bad = any(_severity(event) == "error" for event in events)
    return (
        "",
        "Jobs changed",
        f"{body} — see the event log (e)",
        "error" if bad else "information",
    )


def _message(event: Event, ready: dict[str, int]) -> str:
    if outcome(event) == READY:
        count = ready.get(event.job_id, 1)
        return f"{count} storyboard{'s' if count > 1 else ''} ready to edit"
    return event.message


def _rank(event: Event) -> int:
    found = outcome(event)
    if found == FAILED or event.kind is EventKind.JOB_NOT_FOUND:
        return 0
    if found == SUSPENDED or event.kind is EventKind.STORYBOARD_FAILED:
        return 1
    return 2 if found != READY else 3


def _severity(event: Event) -> SeverityLevel:
    if outcome(event) == FAILED or event.kind in _ALSO:
        return "error"
    return "warning" if outcome(event) == SUSPENDED else "information"
