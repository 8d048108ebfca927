"""The job list's sorts: their names and the key each sorts by. A key reads what a row
shows (a summary, no parsed answer), so sorting 100,000 jobs parses none."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from yike_tui.core.models import JobStatus
from yike_tui.engine.job_state import JobState
from yike_tui.ui import cells

SORTS = ("added", "status", "last change", "title")
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
