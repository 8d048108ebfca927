"""How the engine's news reaches the screen: as a message, never a call into widgets.

The engine (no Textual) calls its subscribers on every flush, up to ten times a second in a
long pass. The subscriber here only queues what changed and posts ``Updated``; while one
``Updated`` waits in the screen's queue the next one replaces it (``can_replace``, as
Toolong's ``PendingLines``), so a burst of answers costs the screen one message, and the
screen takes everything queued so far with ``take()``. Safe to call from any thread.

Every table change repaints the visible rows, so news is drawn at most once a ``batch``
window: the first at once, what follows when the window is over (``due_in``).
"""

from __future__ import annotations

import math
import threading

from textual.message import Message
from textual.message_pump import MessagePump

from yike_tui.core.events import Event
from yike_tui.engine.status import Update


class EngineFeed:
    class Updated(Message, bubble=False):
        """The engine has news: ``EngineFeed.take()`` has it."""

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, EngineFeed.Updated)  # the news is in the feed, not here

    def __init__(self, target: MessagePump, batch: float) -> None:
        self._target = target
        self.batch = batch
        self._last_take = -math.inf  # the first news is drawn at once
        self._lock = threading.Lock()
        self._events: list[Event] = []
        self._changed: set[str] = set()

    def __call__(self, update: Update) -> None:
        """The engine's subscriber: cheap, and it never touches a widget."""
        with self._lock:
            self._events.extend(update.events)
            self._changed |= update.changed
        self._target.post_message(self.Updated())

    @property
    def pending(self) -> bool:
        with self._lock:
            return bool(self._events or self._changed)

    def due_in(self, now: float) -> float:
        """Seconds (monotonic) until what is pending may be drawn; 0 or less: now."""
        return self._last_take + self.batch - now

    def take(self, now: float) -> Update | None:
        """Everything reported since the last take, as one update; None when nothing was."""
        with self._lock:
            if not self._events and not self._changed:
                return None
            update = Update(self._events, self._changed)
            self._events, self._changed = [], set()
        self._last_take = now
        return update
