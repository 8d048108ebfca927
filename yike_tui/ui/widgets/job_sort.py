"""The job list's sorts: their names, the key each sorts by, and the list put (or kept) in
the sort's order. A key reads what a row shows (a summary, no parsed answer), so sorting
100,000 jobs parses none."""

from __future__ import annotations

from collections.abc import Callable, Container, Mapping
from dataclasses import dataclass
from typing import Any

from yike_tui.core.models import JobStatus
from yike_tui.engine.job_state import JobState
from yike_tui.ui import cells

SORTS = ("added", "status", "last change", "title")
RESORT_ALL = 512  # rows placed again at once above which the whole list is sorted instead
_STATUS_ORDER = {
    JobStatus.FAILED: 0,
    JobStatus.SUSPENDED: 1,
    JobStatus.RUNNING: 2,
    JobStatus.UNKNOWN: 3,
    JobStatus.SUCCEEDED: 4,
}


# By the member's id: hashing an Enum member runs Python code, 100,000 times a sort.
_RANK_OF_ID = {id(status): rank for status, rank in _STATUS_ORDER.items()}


def status_rank(state: JobState) -> int:
    # A job not answered yet is not "unknown": it goes after every answered one.
    if state.loading and cells.is_loading(state):
        return len(_STATUS_ORDER)
    return _RANK_OF_ID[id(state.status)]


def _last_change(state: JobState) -> float:
    return -state.last_change  # newest first


def _title_key(state: JobState) -> str:
    if state.label:
        return state.label.lower()
    row = state.row
    return row.title.lower() if row is not None else ""


@dataclass(frozen=True)
class SortOrder:
    """A sort of the job list: which (``SORTS``), and whether turned over (``S``)."""

    index: int = 0
    reversed: bool = False

    @property
    def name(self) -> str:
        """``↓status``: ↓ the sort's natural direction, ↑ turned over."""
        return f"{'↑' if self.reversed else '↓'}{SORTS[self.index]}"

    @property
    def named(self) -> bool:
        """Whether the list title says it: "as added", first first, is said by nothing."""
        return bool(self.index or self.reversed)

    def next(self) -> SortOrder:
        """The next sort, in its natural direction."""
        return SortOrder((self.index + 1) % len(SORTS))

    def turned(self) -> SortOrder:
        """The same sort the other way round (htop's I, k9s's second press)."""
        return SortOrder(self.index, not self.reversed)


SORT_KEYS: dict[str, Callable[[JobState], Any]] = {
    "status": status_rank,
    "last change": _last_change,
    "title": _title_key,
}


def sort_key(sort: SortOrder) -> Callable[[JobState], Any] | None:
    """The key ``sort`` sorts by; None for "as added"."""
    return SORT_KEYS.get(SORTS[sort.index])


def in_order(first: Any, then: Any, sort: SortOrder) -> bool:
    """Whether a row keyed ``first`` may come before one keyed ``then``."""
    return bool(first >= then) if sort.reversed else bool(first <= then)


def sorted_states(states: list[JobState], sort: SortOrder) -> list[JobState]:
    """``states`` (in the order added) in ``sort``'s order; one key made per job. Ties keep
    the order they were added in either way (``sorted(reverse=True)`` is stable)."""
    make = sort_key(sort)
    if make is None:  # as added
        return states[::-1] if sort.reversed else states
    keys = [make(s) for s in states]
    order = sorted(range(len(states)), key=keys.__getitem__, reverse=sort.reversed)
    return [states[n] for n in order]


def out_of_order(
    order: list[str], at: int, states: Mapping[str, JobState], sort: SortOrder
) -> bool:
    """Whether the row at ``at`` no longer sits between its neighbours' sort keys."""
    make = sort_key(sort)
    if make is None:  # "as added": a job's place never changes
        return False
    key = make(states[order[at]])
    if at > 0 and not in_order(make(states[order[at - 1]]), key, sort):
        return True
    last = len(order) - 1
    return at < last and not in_order(key, make(states[order[at + 1]]), sort)


def placed(
    order: list[str],
    shown: Container[str],
    job_ids: list[str],
    states: Mapping[str, JobState],
    sort: SortOrder,
) -> list[str]:
    """``order`` with each of ``job_ids`` moved to the place the sort gives it (after its
    equals): the rows that did not move are still in order among themselves, so a binary
    search each finds it. ``shown``: the jobs the list shows (the filter's)."""
    make = sort_key(sort)
    if len(job_ids) > RESORT_ALL:  # a page of the watch list: one sort, not n inserts
        # Every row shown, in the order the jobs were added:
        ranked = sorted_states([state for job_id, state in states.items() if job_id in shown], sort)
        job_ids, order = [], [state.job_id for state in ranked]
    gone = set(job_ids)
    order = [job_id for job_id in order if job_id not in gone]
    for job_id in job_ids:
        if make is None:  # "as added", turned over: the newest on top
            order.insert(0, job_id)
            continue
        key, lo, hi = make(states[job_id]), 0, len(order)
        while lo < hi:
            mid = (lo + hi) // 2
            if in_order(make(states[order[mid]]), key, sort):
                lo = mid + 1
            else:
                hi = mid
        order.insert(lo, job_id)
    return order
