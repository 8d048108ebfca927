"""Which answers the engine holds in memory (``HeldAnswers``).

An answer held is kept raw and parsed (~8 KB a job): 100,000 of them would be most of a
process's memory. Beyond ``limit`` of them, the least recently answered go back to the row
the store holds, as a job started from the state db is (``JobState.drop_answer``), and are
read back from the store when something looks at them or a new answer is compared with them.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from yike_tui.engine.job_state import JobState

# More than a watch list's running jobs (each asked every interval and compared with its
# last answer): those keep their answer in hand.
HOT_ANSWERS = 8192


class HeldAnswers:
    """The jobs whose answer is in memory, the least recently answered first."""

    def __init__(self, limit: int | None = None) -> None:
        self.limit = HOT_ANSWERS if limit is None else limit
        self.on_drop: Callable[[JobState], None] | None = None  # told before one is dropped
        self._order: dict[str, None] = {}

    def answered(self, job_id: str) -> None:
        order = self._order
        order.pop(job_id, None)
        order[job_id] = None

    def forget(self, job_ids: Iterable[str]) -> None:
        for job_id in job_ids:
            self._order.pop(job_id, None)

    def cool(
        self,
        jobs: Mapping[str, JobState],
        load: Callable[[str], tuple[dict[str, Any], float] | None] | None,
    ) -> None:
        """Beyond ``limit`` answers held, drop the least recently answered, ``on_drop`` told
        of each first, while its answer is still in hand. An answer not saved yet is kept
        until the store has it. Without a store (``load`` None: a look beside the state
        db's engine stores nothing) an answer is let go for good, and only once ``on_drop``
        has kept what is needed of it."""
        order = self._order
        extra = len(order) - self.limit
        if extra <= 0 or (load is None and self.on_drop is None):
            return
        for job_id in list(itertools.islice(order, extra)):
            state = jobs.get(job_id)
            if state is None:
                del order[job_id]
            elif state.stored or load is None:
                if self.on_drop is not None:
                    self.on_drop(state)
                state.drop_answer(load)
                del order[job_id]
