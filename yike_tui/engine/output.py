"""What the engine hands on: the answers of a pass, batched and saved to the store in one
transaction with the events they made, and updates told to subscribers. The output part of
``Monitor`` (monitor.py has the loop that fills the batch)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from yike_tui.core.events import Event
from yike_tui.engine.held import HeldAnswers
from yike_tui.engine.job_state import JobState
from yike_tui.engine.status import EngineStatus, Update
from yike_tui.store import SnapshotItem, Store
from yike_tui.store.lease import LeaseLost

log = logging.getLogger("yike_tui.engine.monitor")


@dataclass
class Batch:
    """What a pass learned since the last flush."""

    events: list[Event] = field(default_factory=list)
    changed: set[str] = field(default_factory=set)
    snapshots: list[SnapshotItem] = field(default_factory=list)
    checked: list[SnapshotItem] = field(default_factory=list)  # the stored answer again


class Output:
    """The saving and telling part of ``Monitor`` (which brings what is declared)."""

    jobs: dict[str, JobState]
    status: EngineStatus
    store: Store | None
    held: HeldAnswers
    lease: str | None
    on_lease_lost: Callable[[], None] | None
    wall: Callable[[], float]
    _batch: Batch
    _last_flush: float
    _flush_timer: asyncio.TimerHandle | None
    _subscribers: list[Callable[[Update], None]]
    _touch: Callable[..., None]

    def subscribe(self, callback: Callable[[Update], None]) -> None:
        self._subscribers.append(callback)

    def _flush(self) -> None:
        if self._flush_timer is not None:
            self._flush_timer.cancel()
            self._flush_timer = None
        batch, self._batch = self._batch, Batch()
        self._last_flush = self.wall()
        if self.store is not None and (batch.snapshots or batch.checked or batch.events):
            try:  # one transaction: never snapshots without the events they made
                unsaved = self.store.save_batch(
                    batch.snapshots, batch.checked, batch.events, lease=self.lease
                )
            except LeaseLost:  # another process is the engine now: this batch is its to find
                if self.on_lease_lost is not None:
                    self.on_lease_lost()
                return
            except Exception as exc:  # history is worth a warning, never a crash
                log.warning("saving state failed: %s", exc)
                self.status.last_error = f"saving history failed: {exc}"
                self.status.history_error = self.status.last_error
            else:
                self.status.history_error = ""
                self._saved(batch.snapshots, unsaved)
                self._saved(batch.checked, unsaved)
        if batch.events or batch.changed:
            self._emit(Update(batch.events, batch.changed))
        self.held.cool(self.jobs, self.store.load_snapshot if self.store is not None else None)

    def _saved(self, items: list[SnapshotItem], unsaved: set[str]) -> None:
        """The store holds these answers now (unless their job has a newer one meanwhile)."""
        for item in items:
            state = self.jobs.get(item.job_id)
            if state is not None and state.payload is item.payload and item.job_id not in unsaved:
                state.stored = True

    def _emit(self, update: Update) -> None:
        self._touch(*update.changed)  # whatever told the subscribers may have changed them
        for callback in list(self._subscribers):
            try:
                callback(update)
            except Exception:  # one broken subscriber must not stop the engine
                log.exception("subscriber failed")
