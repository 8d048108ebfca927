"""The engine's events, newest first, with times: a list to move in (``e`` opens it, ``4``
goes to it) whose enter goes to the event's job in the job list.

Drawn a line at a time (Textual's line API, as the job list): opening the log or moving in
it draws the lines on screen, not the ``MAX_EVENTS`` it holds, so each line asks for its
job's title only when it is shown (at 100,000 jobs, drawing them all made opening the log
cost most of a second). A storyboard is named by its title where one is known.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import BindingType
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from yike_tui.core.events import Event, EventKind
from yike_tui.core.presentation import stored_storyboard_values
from yike_tui.safety.safe_text import fit
from yike_tui.ui import cells
from yike_tui.ui.keys import EVENT_LOG_KEYS

MAX_EVENTS = 500
TITLE_CELLS = 28  # the title column, in terminal cells (a CJK character takes two)...
TITLE_SHARE = 4  # ...at most a quarter of the line: at 80 columns the message keeps room
TITLE_MIN = 12
STORYBOARD_CHARS = 40  # a storyboard's title in a message
EMPTY = "No events yet."
_STYLE = {
    EventKind.FETCH_FAILED: "red",
    EventKind.JOB_NOT_FOUND: "red",
    EventKind.STORYBOARD_FAILED: "red",
    EventKind.SHOT_FAILED: "red",
    EventKind.OUTPUT_READY: "green",
    EventKind.FETCH_RECOVERED: "green",
    EventKind.STATUS_CHANGED: "bold",
}
_ABOUT_A_STORYBOARD = frozenset(
    {
        EventKind.STORYBOARD_APPEARED,
        EventKind.STORYBOARD_CHANGED,
        EventKind.STORYBOARD_FAILED,
        EventKind.SHOT_FAILED,
    }
)

# The engine's "Editing/Creating, exception": the vendor's status, written as one.

# (job id, storyboard id) -> the storyboard's title as the job's last answer has it, or "".
StoryboardTitle = Callable[[str, str], str]


class EventLog(ScrollView, can_focus=True):
    BINDINGS: ClassVar[list[BindingType]] = list(EVENT_LOG_KEYS)
    COMPONENT_CLASSES: ClassVar[set[str]] = {"event-log--cursor"}
    DEFAULT_CSS = """
    EventLog {
        & > .event-log--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
        }
        &:focus > .event-log--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
    }
    """

    cursor_row: reactive[int] = reactive(0, always_update=True, repaint=False)

    class Hidden(Message):
        """The log was closed: whoever had the focus in it needs it back somewhere."""

    @dataclass
    class Chosen(Message):
        """Enter on an event: go to its job."""

        job_id: str

    def on_hide(self) -> None:
        self.post_message(self.Hidden())

    def __init__(
        self,
        title_of: Callable[[str], str],
        storyboard_title: StoryboardTitle = lambda job_id, storyboard_id: "",
        **kwargs: object,
    ) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._events: deque[Event] = deque(maxlen=MAX_EVENTS)  # oldest first
        self._title_of = title_of
        self._storyboard_title = storyboard_title

    # --- what the screen and the tests reach -----------------------------------------------

    @property
    def count(self) -> int:
        return len(self._events)

    @property
    def selected(self) -> Event | None:
        """The event under the cursor."""
        return self._event(self.cursor_row)

    def add(self, new: Iterable[Event]) -> None:
        """Events to the top; a cursor moved down into older ones stays on its event (and
        the view with it), one on the newest keeps following the news."""
        fresh = list(new)
        self._events.extend(fresh)  # the oldest go past MAX_EVENTS, from the bottom
        added = len(fresh)
        if self.cursor_row and added:
            self.set_reactive(EventLog.cursor_row, min(self.cursor_row + added, self.count - 1))
            self.scroll_to(y=self.scroll_y + added, animate=False, immediate=True)
        self._resized()
        if self.display:
            self.refresh()

    def opened(self) -> None:
        """The log is opening: on its newest event."""
        self.cursor_row = 0
        self.scroll_to(y=0, animate=False, immediate=True)
        self._resized()
        self.refresh()

    def line_texts(self) -> list[str]:
        """Every line as plain text, newest first (what scrolling would show)."""
        if not self._events:
            return [EMPTY]
        titles: dict[str, str] = {}
        return [self._text(row, titles).plain for row in range(self.count)]

    # --- drawing ---------------------------------------------------------------------------

    def _event(self, row: int) -> Event | None:
        """Row 0 is the newest event."""
        if 0 <= row < len(self._events):
            return self._events[-1 - row]
        return None

    def _resized(self) -> None:
        self.virtual_size = Size(self.scrollable_content_region.width, max(1, self.count))

    def on_resize(self, event: events.Resize) -> None:
        self._resized()

    def _text(self, row: int, titles: dict[str, str] | None = None) -> Text:
        event = self._events[-1 - row]
        text = Text(no_wrap=True, overflow="ellipsis", end="")
        stamp = time.strftime("%H:%M:%S", time.localtime(event.ts))
        text.append(f"{stamp}  ", style="dim")
        title = titles.get(event.job_id) if titles is not None else None
        if title is None:
            title = self._title_cell(event.job_id)
            if titles is not None:
                titles[event.job_id] = title
        text.append(f"{title}  ")
        text.append(self._message(event), style=_STYLE.get(event.kind, ""))
        return text

    def _message(self, event: Event) -> str:
        """The event's sentence, its storyboard named by title where one is known (and the
        words of one stored by an older version made today's)."""
        storyboard_id = str(event.data.get("storyboard_id") or "")
        if not storyboard_id or event.kind not in _ABOUT_A_STORYBOARD:
            return event.message
        data = dict(event.data)
        for side in ("old", "new"):
            data[side] = stored_storyboard_values(str(data.get(side) or ""))
        title = str(event.data.get("title") or "")
        title = title or self._storyboard_title(event.job_id, storyboard_id)
        if title:
            data["storyboard_id"] = f"“{cells.safe(title, STORYBOARD_CHARS)}”"
        return Event(event.kind, event.job_id, event.ts, data).message

    def _title_cell(self, job_id: str) -> str:
        # Padded by cells, not characters (as `watch` does): CJK titles keep the column.
        width = self.scrollable_content_region.width // TITLE_SHARE
        room = max(TITLE_MIN, min(TITLE_CELLS, width))
        title = cells.safe(self._title_of(job_id)) if job_id else ""
        if cell_len(title) > room:  # cut titles end with … as in the job list
            title = fit(title, room - 1).rstrip() + "…"
        return fit(title, room)

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.scrollable_content_region.width
        row = scroll_y + y
        base = self.rich_style
        if not self._events:
            if y:
                return Strip.blank(width, base)
            text = Text(EMPTY, style="dim", end="")
        elif row >= self.count:
            return Strip.blank(width, base)
        else:
            text = self._text(row)
        text.truncate(width, overflow="ellipsis")
        style = Style()
        if self._events and row == self.cursor_row:
            style = self.get_component_rich_style("event-log--cursor")
        strip = Strip(list(text.render(self.app.console)), text.cell_len)
        strip = strip.apply_meta({"row": row}).crop_extend(scroll_x, scroll_x + width, base)
        return Strip(Segment.apply_style(strip, base + style), strip.cell_length)

    # --- the cursor --------------------------------------------------------------------------

    def validate_cursor_row(self, row: int) -> int:
        return max(0, min(row, self.count - 1)) if self._events else 0

    def watch_cursor_row(self, old: int, new: int) -> None:
        top = int(self.scroll_offset.y)
        for row in (old, new):
            self.refresh_line(row - top)
        visible = max(1, self.scrollable_content_region.height)
        if new < top:
            self.scroll_to(y=new, animate=False, immediate=True)
        elif new >= top + visible:
            self.scroll_to(y=new - visible + 1, animate=False, immediate=True)

    def action_cursor_up(self) -> None:
        self.cursor_row -= 1

    def action_cursor_down(self) -> None:
        self.cursor_row += 1

    def action_top(self) -> None:
        self.cursor_row = 0

    def action_bottom(self) -> None:
        self.cursor_row = self.count - 1

    def action_page_up(self) -> None:
        self.cursor_row -= max(1, self.scrollable_content_region.height - 1)

    def action_page_down(self) -> None:
        self.cursor_row += max(1, self.scrollable_content_region.height - 1)

    def action_jump(self) -> None:
        """enter: the event's job, selected in the job list (its detail follows)."""
        event = self.selected
        if event is None:
            return
        if not event.job_id:  # a toast kept here: the app's, no job's
            self.notify("This line is a note, not about a job.", timeout=3)
            return
        self.post_message(self.Chosen(event.job_id))

    def on_click(self, event: events.Click) -> None:
        row = event.style.meta.get("row")
        if isinstance(row, int) and self._events:
            if row == self.cursor_row and event.chain >= 2:
                self.action_jump()
            self.cursor_row = row
