"""The floors of the TUI figures (``benchmarks/tui.py``): the bare Textual app
(``bare_app``: a Header, a DataTable, a Footer) measured the same way as ours, headless at
160×48 in a fresh child, each time to the next frame the screen paints. Imports nothing
of yike-tui.

``python -m benchmarks.tui_bare small``: the app built → its first frame; its table grown
to 5,000 rows, then every cell of its first 50 rows changed → the next frame (five rounds);
``down`` → the next frame (five presses).

``python -m benchmarks.tui_bare big DB``: first frame and ``down`` as above (40 rows); over
the same 100,000 watched jobs read from ``DB`` with plain ``sqlite3``: Python's own
``sorted()`` by each of the three keys ours sorts by, and a substring scan of the rows'
lowercased text (what ours filters by), each followed by the table repainted → the next
frame; a pushed screen with a DataTable of the newest 100
events (a plain select) → the next frame.

Prints one JSON object of lists of ms.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import sys
import time
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.coordinate import Coordinate
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import DataTable

from benchmarks.bare_app import BareApp

SIZE = (160, 48)
ROWS = 5000  # the 5,000-job figures' table
CHANGES = 50
SHOWN = 46  # rows a 160×48 screen shows between the header and the footer
_STATUS_RANK = {"Failed": 0, "Suspended": 1, "Running": 2, "Succeeded": 4}
_JOBS = (
    "SELECT w.job_id, w.label, s.status_raw, s.title, s.fetched_at "
    "FROM watchlist w LEFT JOIN summaries s ON s.job_id = w.job_id ORDER BY w.position"
)
_EVENTS = f"SELECT ts, job_id, kind, data FROM events ORDER BY ts DESC LIMIT {SHOWN}"
Row = tuple[Any, ...]


class EventsScreen(Screen[None]):
    def __init__(self, events: list[Row]) -> None:
        super().__init__()
        self.events = events

    def compose(self) -> ComposeResult:
        yield DataTable(cursor_type="row")

    def on_mount(self) -> None:
        table: DataTable[str] = self.query_one(DataTable)
        table.add_columns("Time", "Job", "Kind", "Data")
        table.add_rows([(f"{ts:.0f}", job, kind, data[:60]) for ts, job, kind, data in self.events])


class TimedApp(BareApp):
    """The bare app noting when each frame is painted; ``e`` shows the newest events."""

    BINDINGS: ClassVar[list[BindingType]] = [*BareApp.BINDINGS, Binding("e", "events")]

    def __init__(self, db: Path | None = None) -> None:
        super().__init__()
        self.db = db
        self.frames: list[float] = []
        display = self._display

        def timed(screen: Any, renderable: Any) -> None:
            display(screen, renderable)
            self.frames.append(time.perf_counter())

        self._display = timed  # type: ignore[method-assign]

    def action_events(self) -> None:
        assert self.db is not None
        conn = sqlite3.connect(self.db)
        try:
            events = conn.execute(_EVENTS).fetchall()
        finally:
            conn.close()
        self.push_screen(EventsScreen(events))

    async def to_frame(self, pilot: Pilot[None], act: Callable[[], Any]) -> float:
        """``act()`` (awaited if it returns an awaitable) → the next frame, in ms."""
        self.frames.clear()
        t0 = time.perf_counter()
        done = act()
        if asyncio.iscoroutine(done):
            await done
        await pilot.pause(0.2)
        return (self.frames[0] - t0) * 1000 if self.frames else float("nan")

    def show_sorted(self, rows: list[Row], key: Callable[[Row], Any]) -> None:
        self.repaint(sorted(rows, key=key))

    def show_found(self, rows: list[Row], texts: list[str]) -> None:
        self.repaint(_found(rows, texts))

    def repaint(self, rows: list[Row]) -> None:
        """The table repainted as it is (the least a re-sorted list draws): the sort's or
        the scan's own cost plus one frame, never more than ours must do."""
        self.shown = len(rows)
        self.query_one(DataTable).refresh()


def _first_frame(app: TimedApp, started: float) -> float:
    return ((app.frames[0] if app.frames else time.perf_counter()) - started) * 1000


def _grow(table: DataTable[str], rows: int) -> None:
    more = range(table.row_count, rows)
    table.add_rows([("Running", f"bare row {n:04d}", f"{n:08x}", "0/20") for n in more])


def _change(table: DataTable[str], round_: int) -> None:
    """The progress cell of each of the first ``CHANGES`` rows given new text."""
    for row in range(CHANGES):
        table.update_cell_at(Coordinate(row, 3), f"{round_ + 1}/20")


async def small() -> dict[str, Any]:
    started = time.perf_counter()
    app = TimedApp()
    out: dict[str, Any] = {}
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        out["first_frame_ms"] = _first_frame(app, started)
        table: DataTable[str] = app.query_one(DataTable)
        _grow(table, ROWS)
        await pilot.pause(0.3)
        out["apply_ms"] = [await app.to_frame(pilot, partial(_change, table, r)) for r in range(5)]
        out["key_ms"] = [await app.to_frame(pilot, partial(pilot.press, "down")) for _ in range(5)]
    return out


def _jobs(db: Path) -> tuple[list[Row], list[str]]:
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute(_JOBS).fetchall()
    finally:
        conn.close()
    texts = [f"{r[0]} {r[1]} {r[3] or ''} {r[2] or ''}".lower() for r in rows]
    return rows, texts


SORT_KEYS: tuple[Callable[[Row], Any], ...] = (
    lambda r: _STATUS_RANK.get(r[2], 3),  # status
    lambda r: -(r[4] or 0.0),  # last change, newest first
    lambda r: (r[1] or r[3] or "").lower(),  # title (or label)
)


def _found(rows: list[Row], texts: list[str], needle: str = "episode 4242") -> list[Row]:
    """The rows whose text holds ``needle`` (ours' filter after its last key)."""
    return [row for row, text in zip(rows, texts, strict=True) if needle in text]


async def big(db: Path) -> dict[str, Any]:
    started = time.perf_counter()
    app = TimedApp(db)
    out: dict[str, Any] = {}
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        out["first_frame_ms"] = _first_frame(app, started)
        await pilot.pause(0.5)
        out["key_ms"] = [await app.to_frame(pilot, partial(pilot.press, "down")) for _ in range(5)]
        rows, texts = _jobs(db)
        out["sort_ms"] = [
            await app.to_frame(pilot, partial(app.show_sorted, rows, key)) for key in SORT_KEYS
        ]
        out["filter_ms"] = [await app.to_frame(pilot, partial(app.show_found, rows, texts))]
        out["events_ms"] = [await app.to_frame(pilot, partial(pilot.press, "e"))]
    return out


if __name__ == "__main__":
    which: Sequence[str] = sys.argv[1:]
    result = asyncio.run(small() if which[0] == "small" else big(Path(which[1])))
    print(json.dumps(result))
