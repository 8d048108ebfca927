"""The job list: a table drawn line by line, keyed by JobId, updated in place.

Why not ``DataTable``: it keys every cell's render cache on one table-wide counter, so any
``update_cell`` repaints every visible cell, and adding a row measures each of its cells.
With thousands of jobs and a few answers a second that was most of the app's CPU. Here
each row is rendered once into a cached ``Strip``; a changed job invalidates only its own
line, the cursor repaints two lines, and adding 5,000 rows costs a list append each. The
caches are bounded (``LRUCache``, as Toolong's ``LogLines``): scrolling through 50,000 jobs
keeps the lines last drawn, not all of them.

Rows are never cleared and refilled on refresh: the cursor and the scroll position stay
put, new jobs are appended, and the order changes only when the user sorts or filters.

At 100,000 jobs nothing here parses a job: cells, sort keys and the filter read
``JobState.row`` (the stored summary). Each row's lowercased search text is kept until the
row changes (``sync``), so a filter is a substring test per job; a sort makes one key per
job and sorts indices, and a filter sorts only what matched.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import BindingType
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from yike_tui.engine.job_state import JobState
from yike_tui.ui.keys import TABLE_KEYS
from yike_tui.ui.widgets.job_rows import (
    ALL_COLUMNS,
    GUTTER,
    MARKED,
    TITLE_WANTED,
    column_widths,
    draw_line,
    fit_columns,
    header_cells,
    job_cells,
    list_title,
    row_width,
)
from yike_tui.ui.widgets.job_search import SearchTexts, narrows
from yike_tui.ui.widgets.job_sort import SortOrder, out_of_order, placed, sorted_states


class JobTable(ScrollView, can_focus=True):
    BINDINGS: ClassVar[list[BindingType]] = list(TABLE_KEYS)
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "job-table--header",
        "job-table--cursor",
        "job-table--even-row",
        "job-table--marked",
    }
    DEFAULT_CSS = """
    JobTable {
        background: $surface;
        & > .job-table--header { text-style: bold; background: $panel; }
        & > .job-table--even-row { background: $surface-lighten-1 50%; }
        & > .job-table--marked { background: $accent 30%; text-style: bold; }
        & > .job-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
        }
        &:focus > .job-table--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
    }
    """

    LINE_CACHE = 1000  # rows whose cells and rendered line are kept (a few screens' worth)

    cursor_row: reactive[int] = reactive(0, always_update=True, repaint=False)
    # The view: set either and the rows are laid out again (their watchers).
    filter_text: reactive[str] = reactive("", init=False)
    sort: reactive[SortOrder] = reactive(SortOrder(), init=False)

    @dataclass
    class Highlighted(Message):
        """The selected job changed (or None when the table is empty)."""

        job_id: str | None

    @dataclass
    class Selected(Message):
        """Enter (or a click) on a job: the user wants its detail."""

        job_id: str

    @dataclass
    class MarksChanged(Message):
        """Rows were marked or unmarked (space, esc, a marked job removed)."""

        count: int

    def __init__(self, states: Callable[[], dict[str, JobState]], **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._states = states
        self._marked: set[str] = set()  # job ids marked with space, for u, d, D, c, y, m
        self._order: list[str] = []  # job ids in display order
        self._index: dict[str, int] = {}
        self._cells: LRUCache[str, list[Text]] = LRUCache(self.LINE_CACHE)
        # Rendered rows, without cursor or zebra style.
        self._strips: LRUCache[str, Strip] = LRUCache(self.LINE_CACHE)
        self._flashing: set[str] = set()
        self._title_width = TITLE_WANTED
        self._title = ""  # the border title shown
        self._shown_columns: tuple[str, ...] = ALL_COLUMNS
        self._now = 0.0  # wall time the cells are drawn for ("3m ago")
        self._search = SearchTexts()  # kept until a job's row changes (``sync``)

    # --- what the rest of the app reads ----------------------------------------------------

    @property
    def row_count(self) -> int:
        return len(self._order)

    @property
    def rows(self) -> dict[str, int]:
        """Job id -> row index, in display order."""
        return self._index

    @property
    def row_ids(self) -> list[str]:
        return list(self._order)

    def get_row_index(self, job_id: str) -> int:
        return self._index[job_id]

    def get_row(self, job_id: str) -> list[Text]:
        cells_ = self._cells.get(job_id)
        if cells_ is None:
            state = self._states()[job_id]
            cells_ = self.row_cells(state, self._now)
            self._cells.set(job_id, cells_)
        return cells_

    @property
    def cached_lines(self) -> int:
        """How many rendered rows are kept (at most ``LINE_CACHE``)."""
        return len(self._strips)

    @property
    def selected_id(self) -> str | None:
        if not self._order:
            return None
        return self._order[min(self.cursor_row, len(self._order) - 1)]

    # --- marks (space): rows the bulk actions act on --------------------------------------

    @property
    def marked(self) -> list[str]:
        """The marked jobs, in the order they were added (shown or filtered out)."""
        if not self._marked:
            return []
        return [job_id for job_id in self._states() if job_id in self._marked]

    @property
    def marked_count(self) -> int:
        return len(self._marked)

    def is_marked(self, job_id: str) -> bool:
        return job_id in self._marked

    def action_toggle_mark(self) -> None:
        """space: mark the row (or unmark it) and go to the next, as k9s and mc do."""
        job_id = self.selected_id
        if job_id is None:
            return
        self._marked.symmetric_difference_update({job_id})
        self._redraw(job_id)
        self.post_message(self.MarksChanged(len(self._marked)))
        self.cursor_row += 1

    def clear_marks(self) -> int:
        """Unmark every row; how many were marked."""
        count, gone = len(self._marked), list(self._marked)
        self._marked.clear()
        for job_id in gone:
            self._redraw(job_id)
        if count:
            self.post_message(self.MarksChanged(0))
        return count

    def _redraw(self, job_id: str) -> None:
        self._strips.discard(job_id)
        if job_id in self._index:
            self._refresh_row(self._index[job_id])

    def matches(self, state: JobState) -> bool:
        return self._search.matches(state, self.filter_text)

    def search_text(self, state: JobState) -> str:
        """What the filter looks in: JobId, label, title and status word, lowercased."""
        return self._search.of(state)

    # --- keeping rows up to date -----------------------------------------------------------

    @property
    def shown_columns(self) -> tuple[str, ...]:
        """The column keys drawn at the current width, left to right."""
        return self._shown_columns

    @property
    def title_width(self) -> int:
        return self._title_width

    def row_cells(self, state: JobState, now: float) -> list[Text]:
        """The cells of the shown columns; with Shots dropped, the title carries ✗N."""
        return job_cells(state, now, self._shown_columns)

    def sync(self, changed: Iterable[str], now: float) -> None:
        """Bring the rows of ``changed`` jobs up to date, adding or removing as needed.

        Cells are built when a row is drawn, not here: 5,000 jobs from disk cost 5,000
        list appends before the first frame, and a changed job off screen costs nothing.
        """
        self._now = now
        states = self._states()
        if not self._order and not self.filter_text:  # the first fill: 100,000 at once
            changed = self._fill(changed, states)
        appended = False
        moved: list[str] = []  # rows whose place the sort in force may have changed
        misplaced = False
        for job_id in changed:
            self._search.forget(job_id)  # its row may have changed
            state = states.get(job_id)
            if state is None or (self.filter_text and not self.matches(state)):
                if job_id in self._index:
                    self.remove_job(job_id)
                continue
            if job_id not in self._index:
                self._index[job_id] = len(self._order)
                self._order.append(job_id)
                appended = True
                if self.sort.named:
                    moved.append(job_id)
                    misplaced = True
            else:
                self._cells.discard(job_id)
                self._strips.discard(job_id)
                self._refresh_row(self._index[job_id])
                moved.append(job_id)
        # Placed again together: the rows that did not change are still in order among
        # themselves, so each changed one finds its place among them by binary search.
        index, sort = self._index, self.sort
        if misplaced or any(out_of_order(self._order, index[j], states, sort) for j in moved):
            self._resort(moved, states)
        if appended:
            self._resized()
            if len(self._order) == 1 or self.cursor_row >= len(self._order):
                self.cursor_row = min(self.cursor_row, len(self._order) - 1)
        elif self.filter_text:  # one outside the filter came or went: the total moved
            self._show_title()

    def _resort(self, job_ids: list[str], states: dict[str, JobState]) -> None:
        """Move each of ``job_ids`` to the place the sort gives it, the cursor staying on
        its job: one reindex for them all."""
        selected = self.selected_id
        self._order = placed(self._order, self._index, job_ids, states, self.sort)
        self._reindex()  # cells and lines are cached by job, not by row: they stay
        if selected is not None and selected in self._index:
            self.cursor_row = self._index[selected]
        self.refresh()

    def _fill(self, changed: Iterable[str], states: dict[str, JobState]) -> list[str]:
        """Put the known jobs of ``changed`` in an empty table in one go; returns the rest
        (unknown ids, for ``sync`` to handle one by one)."""
        ids = list(changed)
        order = [job_id for job_id in ids if job_id in states]
        if not order:
            return ids
        self._order = order
        self._reindex()
        if len(self._index) < len(order):  # a job named twice: listed once
            self._order = list(self._index)
            self._reindex()
        self._search.clear()
        self._resized()
        self.cursor_row = min(self.cursor_row, len(self._order) - 1)
        # Every one of them known (start-up): nothing left for ``sync`` to do one by one.
        return [] if len(order) == len(ids) else [j for j in ids if j not in self._index]

    def remove_job(self, job_id: str) -> None:
        self._search.forget(job_id)
        if job_id in self._marked:
            self._marked.discard(job_id)
            self.post_message(self.MarksChanged(len(self._marked)))
        if job_id not in self._index:
            return
        selected = self.selected_id
        self._order.remove(job_id)
        self._reindex()
        self._cells.discard(job_id)
        self._strips.discard(job_id)
        if selected is not None and selected in self._index:
            self.cursor_row = self._index[selected]
        else:  # the selected job went: stay on the same line
            self.cursor_row = max(0, min(self.cursor_row, len(self._order) - 1))
        self._resized()
        self.refresh()

    def refresh_ages(self, now: float) -> None:
        """Re-render the "ago" columns of the rows on screen only."""
        first = int(self.scroll_offset.y)
        self.sync(self._order[first : first + self.size.height], now)

    def watch_filter_text(self, old: str, new: str) -> None:
        if narrows(old, new):
            self._narrow()
        else:
            self.rebuild()

    def _narrow(self) -> None:
        """The rows shown that still match: typing on in the filter looks among the jobs
        it showed (already in sort order), not among all of them."""
        states, matches = self._states(), self._search.matches
        text = self.filter_text
        self._show([j for j in self._order if j in states and matches(states[j], text)])

    def watch_sort(self) -> None:
        self.rebuild()

    def rebuild(self, now: float | None = None) -> None:
        """Refill in filter and sort order, keeping the cursor on the same job if shown.

        A user's sort or filter comes here (their watchers); a refresh moves only the rows
        whose place in the sort changed (``sync``).
        """
        # Filtered first: only what matched is sorted (the sort is stable, so the order is
        # the same as sorting everything and filtering after).
        matching = self._search.matching(self._states().values(), self.filter_text)
        shown = sorted_states(matching, self.sort)
        if now is not None:
            self._now = now
        self._cells.clear()
        self._strips.clear()
        self._show([s.job_id for s in shown])

    def _show(self, order: list[str]) -> None:
        """``order`` as the rows, the cursor staying on its job if it is still shown."""
        keep = self.selected_id
        self._order = order
        self._reindex()
        self.cursor_row = self._index.get(keep, 0) if keep is not None else 0
        self._resized()
        self.refresh()

    def ordered_states(self) -> list[JobState]:
        """In the sort's order: its natural one (failures first, newest change first, A to
        Z, as added), or that turned over when reversed. Ties keep the order they were added
        in either way (``sort(reverse=True)`` is stable)."""
        # Insertion order = the order jobs were added.
        return sorted_states(list(self._states().values()), self.sort)

    def flash(self, job_id: str) -> None:
        """Briefly mark a row that just changed in a way worth noticing."""
        if job_id not in self._index:
            return
        self._flashing.add(job_id)
        self._strips.discard(job_id)
        self._refresh_row(self._index[job_id])
        self.set_timer(2.0, lambda: self._unflash(job_id))

    def _unflash(self, job_id: str) -> None:
        self._flashing.discard(job_id)
        self._strips.discard(job_id)
        if job_id in self._index:
            self._refresh_row(self._index[job_id])

    def _refresh_row(self, index: int) -> None:
        """Repaint row ``index`` if it is on screen. One off screen has nothing to repaint,
        and marking it would still cost a screen update: with 5,000 running jobs in a
        100,000-job list nearly every changed row is off screen."""
        top = int(self.scroll_offset.y)
        if top <= index < top + self.size.height - 1:  # the header takes the first line
            self.refresh_line(index + 1)

    def _reindex(self) -> None:
        self._index = dict(zip(self._order, range(len(self._order)), strict=True))

    def _resized(self) -> None:
        width = row_width(self._shown_columns, self._title_width)
        self.virtual_size = Size(width, len(self._order) + 1)
        self._show_title()

    def _show_title(self) -> None:
        title = self.view_title()
        if title != self._title:  # setting it repaints the whole pane, however little changed
            self._title = self.border_title = title

    def view_title(self) -> str:
        """What the list shows, k9s style: ``Jobs 12/500 · /fail · ↓status``."""
        return list_title(len(self._order), len(self._states()), self.filter_text, self.sort)

    # --- drawing ---------------------------------------------------------------------------

    def on_resize(self, event: events.Resize) -> None:
        shown, width = fit_columns(self.scrollable_content_region.width - GUTTER)
        if (shown, width) != (self._shown_columns, self._title_width):
            self._shown_columns, self._title_width = shown, width
            self._cells.clear()
            self._strips.clear()
            self.refresh()
        self._resized()

    def _line(self, texts: list[Text], gutter: Text | None = None) -> Strip:
        widths = column_widths(self._shown_columns, self._title_width)
        return draw_line(texts, widths, self.app.console, gutter)

    def _row_strip(self, job_id: str) -> Strip:
        strip = self._strips.get(job_id)
        if strip is None:
            texts = self.get_row(job_id)
            if job_id in self._flashing:
                texts = list(texts)
                title = self._shown_columns.index("title")
                texts[title] = texts[title].copy()
                texts[title].stylize("reverse")
            marked = Text(MARKED, style="bold") if job_id in self._marked else None
            strip = self._line(texts, marked)
            self._strips.set(job_id, strip)
        return strip

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.scrollable_content_region.width
        if y == 0:  # the header never scrolls away
            header = header_cells(self._shown_columns)
            style = self.get_component_rich_style("job-table--header")
            return self._finish(self._line(header), scroll_x, width, style)
        index = scroll_y + y - 1
        if index >= len(self._order):
            return Strip.blank(width, self.rich_style)
        job_id = self._order[index]
        if index == self.cursor_row:
            style = self.get_component_rich_style("job-table--cursor")
        elif job_id in self._marked:
            style = self.get_component_rich_style("job-table--marked")
        elif index % 2:
            style = self.get_component_rich_style("job-table--even-row")
        else:
            style = Style()
        strip = self._row_strip(job_id).apply_meta({"row": index})
        return self._finish(strip, scroll_x, width, style)

    def _finish(self, strip: Strip, scroll_x: int, width: int, style: Style) -> Strip:
        base = self.rich_style + style
        strip = strip.crop_extend(scroll_x, scroll_x + width, base)
        return Strip(Segment.apply_style(strip, base), strip.cell_length)

    # --- the cursor ------------------------------------------------------------------------

    def validate_cursor_row(self, row: int) -> int:
        return max(0, min(row, len(self._order) - 1)) if self._order else 0

    def watch_cursor_row(self, old: int, new: int) -> None:
        self.refresh_line(old + 1)
        self.refresh_line(new + 1)
        self._scroll_cursor_into_view()
        self.post_message(self.Highlighted(self.selected_id))

    def move_cursor(self, *, row: int, animate: bool = False) -> None:
        self.cursor_row = row

    def _scroll_cursor_into_view(self) -> None:
        visible = max(1, self.scrollable_content_region.height - 1)  # minus the header
        top = int(self.scroll_offset.y)
        if self.cursor_row < top:
            self.scroll_to(y=self.cursor_row, animate=False)
        elif self.cursor_row >= top + visible:
            self.scroll_to(y=self.cursor_row - visible + 1, animate=False)

    def action_cursor_up(self) -> None:
        self.cursor_row -= 1

    def action_cursor_down(self) -> None:
        self.cursor_row += 1

    def action_top(self) -> None:
        self.cursor_row = 0

    def action_bottom(self) -> None:
        self.cursor_row = len(self._order) - 1

    def action_page_up(self) -> None:
        self.cursor_row -= max(1, self.scrollable_content_region.height - 2)

    def action_page_down(self) -> None:
        self.cursor_row += max(1, self.scrollable_content_region.height - 2)

    def action_select(self) -> None:
        if self.selected_id is not None:
            self.post_message(self.Selected(self.selected_id))

    def on_click(self, event: events.Click) -> None:
        row = event.style.meta.get("row")
        if isinstance(row, int):
            if row == self.cursor_row and event.chain >= 2:
                self.action_select()
            self.cursor_row = row
