"""The job list: a ``DataTable`` keyed by JobId, updated in place.

Rows are never cleared and refilled (that loses the cursor and the scroll position):
changed jobs get ``update_cell``, new jobs are appended, removed jobs are removed. Order
changes only when the user sorts or filters.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey, RowDoesNotExist

from yike_tui.models import JobStatus
from yike_tui.monitor import JobState
from yike_tui.ui import cells

COLUMNS = (  # (key, header, width); the title takes what the others leave
    ("status", "Status", 11),
    ("title", "Title", 30),
    ("job", "Job", 8),
    ("boards", "Boards", 7),
    ("shots", "Shots", 5),
    ("changed", "Changed", 8),
    ("checked", "Checked", 8),
)
SORTS = ("added", "status", "last change", "title")
FIRST_CHUNK = 200  # rows added before the first frame: more than any screen shows
LATER_CHUNK = 500  # rows added per step after that, keys stay answered in between
FIRST_FRAME_GRACE = 0.1  # seconds before the later chunks start
_STATUS_ORDER = {
    JobStatus.FAILED: 0,
    JobStatus.SUSPENDED: 1,
    JobStatus.RUNNING: 2,
    JobStatus.UNKNOWN: 3,
    JobStatus.SUCCEEDED: 4,
}


class JobTable(DataTable[Text]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Down", show=False, id="down"),
        Binding("k", "cursor_up", "Up", show=False, id="up"),
        Binding("g", "top", "Top", show=False, id="top"),
        Binding("G", "bottom", "Bottom", show=False, id="bottom"),
    ]

    @dataclass
    class Highlighted(Message):
        """The selected job changed (or None when the table is empty)."""

        job_id: str | None

    def __init__(self, states: Callable[[], dict[str, JobState]], **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)  # type: ignore[arg-type]
        self._states = states
        self.filter_text = ""
        self.sort_index = 0
        self._shown: dict[str, list[Text]] = {}  # the cells on screen, to skip unchanged ones
        self._pending: set[str] = set()  # rows waiting to be added in a later chunk

    def on_mount(self) -> None:
        for key, label, width in COLUMNS:
            self.add_column(label, key=key, width=width)

    def on_resize(self) -> None:
        """Give the title whatever width the other columns leave, so all fit when narrow."""
        fixed = sum(width for key, _, width in COLUMNS if key != "title")
        padding = 2 * len(COLUMNS) + 2  # cell padding and the scrollbar
        title_width = max(12, min(60, self.size.width - fixed - padding))
        column = self.columns.get(ColumnKey("title"))
        if column is not None and column.width != title_width:
            column.width = title_width
            self._require_update_dimensions = True
            self.refresh()

    # --- reading ---------------------------------------------------------------------------

    @property
    def selected_id(self) -> str | None:
        if not self.row_count:
            return None
        try:
            key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key
        except Exception:  # cursor out of range while rows change
            return None
        return key.value

    def matches(self, state: JobState) -> bool:
        if not self.filter_text:
            return True
        needle = self.filter_text.lower()
        job = state.job
        haystack = " ".join(
            (
                state.job_id,
                state.label,
                job.title if job else "",
                cells.status_word(state),
            )
        ).lower()
        return all(part in haystack for part in needle.split())

    # --- writing ---------------------------------------------------------------------------

    def row_cells(self, state: JobState, now: float) -> list[Text]:
        return [
            cells.status_cell(state),
            cells.title_cell(state),
            Text(cells.safe(state.job_id[:8])),
            cells.storyboards_cell(state),
            cells.failed_cell(state),
            cells.changed_cell(state, now),
            cells.checked_cell(state, now),
        ]

    def sync(self, changed: Iterable[str], now: float) -> None:
        """Bring the rows of ``changed`` jobs up to date, adding or removing as needed.

        Only cells whose content changed are touched. When thousands of rows are new (a
        start with a big watch list), a screenful is added at once and the rest in chunks
        after the first frame, so the table shows up at once.
        """
        states = self._states()
        new: list[str] = []
        for job_id in changed:
            state = states.get(job_id)
            present = job_id in self.rows
            if state is None or not self.matches(state):
                if present:
                    self.remove_job(job_id)
                continue
            if not present:
                if job_id not in self._pending:
                    new.append(job_id)
                continue
            values = self.row_cells(state, now)
            shown = self._shown.get(job_id, [])
            for index, ((column, _, _), value) in enumerate(zip(COLUMNS, values, strict=True)):
                if index >= len(shown) or shown[index] != value:
                    self.update_cell(job_id, column, value)
            self._shown[job_id] = values
        if new:
            self._add_rows(new[:FIRST_CHUNK], now)
            rest = new[FIRST_CHUNK:]
            if rest:
                self._pending.update(rest)
                # A timer, not call_after_refresh: the first frame must be painted first.
                self.set_timer(FIRST_FRAME_GRACE, lambda: self._add_later(rest, now))

    def _add_rows(self, job_ids: list[str], now: float) -> None:
        states = self._states()
        for job_id in job_ids:
            self._pending.discard(job_id)
            state = states.get(job_id)
            if state is None or job_id in self.rows or not self.matches(state):
                continue
            values = self.row_cells(state, now)
            self.add_row(*values, key=job_id)
            self._shown[job_id] = values

    def _add_later(self, job_ids: list[str], now: float) -> None:
        self._add_rows(job_ids[:LATER_CHUNK], now)
        rest = job_ids[LATER_CHUNK:]
        if rest:
            self.set_timer(0.01, lambda: self._add_later(rest, now))

    def refresh_ages(self, now: float) -> None:
        """Re-render the "ago" columns of the rows on screen only."""
        states = self._states()
        first = int(self.scroll_y)
        for row in self.ordered_rows[first : first + self.size.height + 1]:
            state = states.get(str(row.key.value))
            if state is not None:
                self.sync([state.job_id], now)

    def rebuild(self, now: float) -> None:
        """Refill in filter and sort order, keeping the cursor on the same job if shown.

        Only a user's sort or filter calls this; refreshes never reorder rows.
        """
        keep = self.selected_id
        self.clear()
        self._shown.clear()
        self._pending.clear()
        self._add_rows([s.job_id for s in self.ordered_states()], now)
        if keep is not None and keep in self.rows:
            self.move_cursor(row=self.get_row_index(keep), animate=False)

    def ordered_states(self) -> list[JobState]:
        states = list(self._states().values())  # insertion order = the order jobs were added
        name = SORTS[self.sort_index]
        if name == "status":
            states.sort(key=lambda s: _STATUS_ORDER[s.status])
        elif name == "last change":
            states.sort(key=lambda s: -s.last_change)
        elif name == "title":
            states.sort(key=lambda s: (s.label or (s.job.title if s.job else "")).lower())
        return states

    def cycle_sort(self, now: float) -> str:
        self.sort_index = (self.sort_index + 1) % len(SORTS)
        self.rebuild(now)
        return SORTS[self.sort_index]

    def flash(self, job_id: str) -> None:
        """Briefly mark a row that just changed in a way worth noticing."""
        if job_id not in self.rows:
            return
        state = self._states().get(job_id)
        if state is None:
            return
        marked = cells.title_cell(state)
        marked.stylize("reverse")
        self.update_cell(job_id, "title", marked)
        self.set_timer(2.0, lambda: self._unflash(job_id))

    def _unflash(self, job_id: str) -> None:
        state = self._states().get(job_id)
        if state is not None and job_id in self.rows:
            self.update_cell(job_id, "title", cells.title_cell(state))

    # --- keys and events -------------------------------------------------------------------

    def action_top(self) -> None:
        self.move_cursor(row=0)

    def action_bottom(self) -> None:
        self.move_cursor(row=max(0, self.row_count - 1))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self.post_message(self.Highlighted(event.row_key.value))

    def remove_job(self, job_id: str) -> None:
        self._shown.pop(job_id, None)
        with contextlib.suppress(RowDoesNotExist):
            self.remove_row(job_id)
