"""What the job list's filter looks in: each job's JobId, label, title and status word,
lowercased once and kept until its row changes, so a filter is a substring test per job."""

from __future__ import annotations

from collections.abc import Iterable

from yike_tui.engine.job_state import JobState
from yike_tui.ui import cells


class SearchTexts:
    """Job id -> its lowercased search text, until ``forget`` (its row may have changed)."""

    def __init__(self) -> None:
        self._texts: dict[str, str] = {}

    def of(self, state: JobState) -> str:
        text = self._texts.get(state.job_id)
        if text is None:
            row = state.row
            title = row.title if row is not None else ""
            words = (state.job_id, state.label, title, cells.status_word(state))
            text = self._texts[state.job_id] = " ".join(words).lower()
        return text

    def forget(self, job_id: str) -> None:
        self._texts.pop(job_id, None)

    def clear(self) -> None:
        self._texts.clear()

    def matches(self, state: JobState, filter_text: str) -> bool:
        """Whether ``state`` has every word of ``filter_text`` (any, when it is empty)."""
        if not filter_text:
            return True
        haystack = self.of(state)
        return all(part in haystack for part in filter_text.lower().split())

    def matching(self, states: Iterable[JobState], filter_text: str) -> list[JobState]:
        """``states`` that match ``filter_text``, in their order."""
        parts = filter_text.lower().split()
        if not parts:
            return list(states)
        text = self.of
        if len(parts) == 1:
            part = parts[0]
            return [s for s in states if part in text(s)]
        return [s for s in states if all(p in text(s) for p in parts)]


def narrows(old: str, new: str) -> bool:
    """Whether every job ``new`` matches is one ``old`` matched (each word of ``old`` is
    inside a word of ``new``: typing on), so ``new`` need only look among ``old``'s."""
    old_parts, new_parts = old.lower().split(), new.lower().split()
    if not old_parts or len(old_parts) * len(new_parts) > 1024:  # bounded on any paste
        return False
    return all(any(o in n for n in new_parts) for o in old_parts)
