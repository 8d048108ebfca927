"""What the job list shows: its title, the columns that fit the width, each job's cells,
and the line they are drawn into (``JobTable`` caches the lines and styles the cursor)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.console import Console
from rich.text import Text
from textual.strip import Strip

from yike_tui.engine.job_state import JobState
from yike_tui.ui import cells
from yike_tui.ui.widgets.job_sort import SortOrder

COLUMNS = (  # (key, header, width); the title takes what the others leave
    ("status", "Status", 11),
    ("title", "Title", 30),
    ("job", "Job", 8),
    ("boards", "Boards", 7),
    ("shots", "✗Shots", 6),  # failed shots: the ✗ says so, as in Boards' "6/7 ✗1"
    ("changed", "Changed", 8),
    ("checked", "Checked", 8),
)
ALL_COLUMNS = tuple(key for key, _, _ in COLUMNS)
GAP = 2  # blank cells between columns
GUTTER = 1  # the cell left of the status: ● on a marked row (space), blank otherwise
MARKED = "●"
# Dropped in this order when the list is narrow, before the title is cut below TITLE_WANTED.
DROP_FIRST = ("checked", "changed", "shots")
TITLE_WANTED = 30
TITLE_MIN, TITLE_MAX = 12, 60
_WIDTH = {key: width for key, _, width in COLUMNS}


def list_title(shown: int, total: int, filter_text: str, sort: SortOrder) -> str:
    """k9s style: ``Jobs 12/500 · /fail · ↓status`` (``shown`` of ``total`` match)."""
    title = f"Jobs {shown}/{total}" if filter_text else f"Jobs {total}"
    if filter_text:
        title += f" · /{cells.safe(filter_text, 30)}"
        if not shown and total:
            title += " (no match: esc clears)"
    if sort.named:
        title += f" · {sort.name}"
    return title


def fit_columns(content_width: int) -> tuple[tuple[str, ...], int]:
    """The columns shown in ``content_width`` cells and the title's width: Checked, then
    Changed, then Shots go before the title is cut below ``TITLE_WANTED``."""
    keys = list(ALL_COLUMNS)

    def title_room() -> int:
        fixed = sum(_WIDTH[key] for key in keys if key != "title")
        return content_width - fixed - GAP * len(keys)

    for key in DROP_FIRST:
        if title_room() >= TITLE_WANTED:
            break
        keys.remove(key)
    return tuple(keys), max(TITLE_MIN, min(TITLE_MAX, title_room()))


# Column key -> its cell for (state, now, whether the title carries the failed shots).
_CELLS: dict[str, Callable[[JobState, float, bool], Text]] = {
    "status": lambda state, now, marked: cells.status_cell(state),
    "title": lambda state, now, marked: cells.title_cell(state, shots_mark=marked),
    "job": lambda state, now, marked: Text(cells.safe(state.job_id[:8])),
    "boards": lambda state, now, marked: cells.storyboards_cell(state),
    "shots": lambda state, now, marked: cells.failed_cell(state),
    "changed": lambda state, now, marked: cells.changed_cell(state, now),
    "checked": lambda state, now, marked: cells.checked_cell(state, now),
}


def job_cells(state: JobState, now: float, shown: Sequence[str]) -> list[Text]:
    """The cells of the ``shown`` columns; with Shots dropped, the title carries ✗N."""
    marked = "shots" not in shown
    return [_CELLS[key](state, now, marked) for key in shown]


def header_cells(shown: Sequence[str]) -> list[Text]:
    return [Text(label) for key, label, _ in COLUMNS if key in shown]


def column_widths(shown: Sequence[str], title_width: int) -> list[int]:
    return [title_width if key == "title" else _WIDTH[key] for key in shown]


def row_width(shown: Sequence[str], title_width: int) -> int:
    return GUTTER + sum(column_widths(shown, title_width)) + GAP * len(shown)


def draw_line(
    texts: list[Text], widths: list[int], console: Console, gutter: Text | None = None
) -> Strip:
    """One row: the gutter, then each cell fitted to its column's width and a gap."""
    line = Text(no_wrap=True, overflow="ellipsis", end="")
    line.append_text(gutter or Text(" " * GUTTER))
    for text, width in zip(texts, widths, strict=True):
        line.append_text(cells.fit(text, width))
        line.append(" " * GAP)
    segments = list(line.render(console))
    return Strip(segments, line.cell_len)
