"""The engine's events, newest first, with times. Toggled with ``e``."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable

from rich.cells import cell_len
from rich.text import Text
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Static

from yike_tui.events import Event, EventKind
from yike_tui.safe_text import fit
from yike_tui.ui import cells

MAX_EVENTS = 500
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

    def compose(self):  # type: ignore[no-untyped-def]
        yield Static(Text("No events yet.", style="dim"), id="events-body", markup=False)

    def add(self, events: Iterable[Event]) -> None:
        self._events.extend(events)
        if self.display:
            self.render_events()

    def render_events(self) -> None:
        text = Text()
        for event in reversed(self._events):
            stamp = time.strftime("%H:%M:%S", time.localtime(event.ts))
            text.append(f"{stamp}  ", style="dim")
            # Padded by cells, not characters (as `watch` does): CJK titles keep the column.
            title = cells.safe(self._title_of(event.job_id))
            if cell_len(title) > TITLE_CELLS:  # cut titles end with … as in the job list
                title = fit(title, TITLE_CELLS - 1).rstrip() + "…"
            text.append(f"{fit(title, TITLE_CELLS)}  ")
            text.append(event.message, style=_STYLE.get(event.kind, ""))
            text.append("\n")
        if not self._events:
            text = Text("No events yet.", style="dim")
        self.query_one("#events-body", Static).update(text)
