"""The engine's events, newest first, with times. Toggled with ``e``.

Opening it draws the newest ``PAGE`` events, not all it holds: each line asks for its job's
title, and at 100,000 jobs that made opening the log cost most of a second. Older events
come a page at a time when the log is scrolled to its end (End, or the wheel), until all it
holds (``MAX_EVENTS``) are shown. A job's title is asked once per drawing, not per line.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable

from rich.cells import cell_len
from rich.text import Text
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Static

from yike_tui.core.events import Event, EventKind
from yike_tui.safety.safe_text import fit
from yike_tui.ui import cells

MAX_EVENTS = 500
PAGE = 100  # events drawn when the log opens; the next page when scrolled to the end
TITLE_CELLS = 28  # the title column, in terminal cells (a CJK character takes two)
_STYLE = {
    EventKind.FETCH_FAILED: "red",
    EventKind.JOB_NOT_FOUND: "red",
    EventKind.STORYBOARD_FAILED: "red",
    EventKind.SHOT_FAILED: "red",
    EventKind.OUTPUT_READY: "green",
    EventKind.FETCH_RECOVERED: "green",
    EventKind.STATUS_CHANGED: "bold",
}


class EventLog(VerticalScroll):
    can_focus = True

    class Hidden(Message):
        """The log was closed: whoever had the focus in it needs it back somewhere."""

    def on_hide(self) -> None:
        self.post_message(self.Hidden())

    def __init__(self, title_of: Callable[[str], str], **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._events: deque[Event] = deque(maxlen=MAX_EVENTS)
        self._title_of = title_of
        self._pages = 1  # pages drawn: back to one each time the log opens

    def compose(self):  # type: ignore[no-untyped-def]
        yield Static(Text("No events yet.", style="dim"), id="events-body", markup=False)

    @property
    def shown(self) -> int:
        """How many events are drawn (the newest ones)."""
        return min(len(self._events), self._pages * PAGE)

    def add(self, events: Iterable[Event]) -> None:
        self._events.extend(events)
        if self.display:
            self._draw()

    def render_events(self) -> None:
        """Draw the newest page (the log is opening)."""
        self._pages = 1
        self._draw()

    def older(self) -> bool:
        """Draw one more page of older events; False when all held are drawn."""
        if self.shown >= len(self._events):
            return False
        self._pages += 1
        self._draw()
        return True

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if new_value > old_value and new_value >= self.max_scroll_y:
            self.older()  # scrolled to the end: what came before, lazily

    def _draw(self) -> None:
        count = self.shown
        if not count:
            self.query_one("#events-body", Static).update(Text("No events yet.", style="dim"))
            return
        text = Text()
        titles: dict[str, str] = {}  # one title per job per drawing
        newest = len(self._events) - 1
        for n in range(newest, newest - count, -1):
            event = self._events[n]
            stamp = time.strftime("%H:%M:%S", time.localtime(event.ts))
            text.append(f"{stamp}  ", style="dim")
            title = titles.get(event.job_id)
            if title is None:
                title = titles[event.job_id] = self._title_cell(event.job_id)
            text.append(f"{title}  ")
            text.append(event.message, style=_STYLE.get(event.kind, ""))
            text.append("\n")
        older = len(self._events) - count
        if older:
            text.append(f"… {older} older: scroll to the end for more\n", style="dim")
        self.query_one("#events-body", Static).update(text)

    def _title_cell(self, job_id: str) -> str:
        # Padded by cells, not characters (as `watch` does): CJK titles keep the column.
        title = cells.safe(self._title_of(job_id))
        if cell_len(title) > TITLE_CELLS:  # cut titles end with … as in the job list
            title = fit(title, TITLE_CELLS - 1).rstrip() + "…"
        return fit(title, TITLE_CELLS)
