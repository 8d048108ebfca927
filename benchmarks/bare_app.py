"""The reference for the TUI's start-up: a bare Textual app (a Header, a DataTable of 40
rows, a Footer) and nothing else. ``python -m benchmarks.bare_app`` runs it on the terminal;
``benchmarks/startup_pty.py`` starts it on a pseudo-terminal the way it starts ``yike-tui``
and times both to their first rows. Its rows read ``bare row 0000``, ``bare row 0001``...
(``FIRST_ROW`` is the text a reader of the terminal waits for).

``TickingApp`` (``python -m benchmarks.bare_app --tick``) adds a status line redrawn once a
second: the least a monitor at rest does (yike-tui's 1 s tick redraws its "refreshed … ago"),
the floor of the idle CPU figures (``benchmarks/idle_cpu.py``).

Imports nothing of yike-tui: the reference is what Textual itself costs.
"""

from __future__ import annotations

import sys
from typing import ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Footer, Header, Static

ROWS = 40
FIRST_ROW = "bare row 0000"


class BareApp(App[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("q", "quit", "Quit")]

    def compose(self) -> ComposeResult:
        yield Header()
        yield DataTable(cursor_type="row")
        yield Footer()

    def on_mount(self) -> None:
        table: DataTable[str] = self.query_one(DataTable)
        table.add_columns("Status", "Title", "Job", "Boards")
        for n in range(ROWS):
            table.add_row("Running", f"bare row {n:04d}", f"{n:08x}", f"{n % 20}/20")


class TickingApp(BareApp):
    """The bare app with a status line under the table, its text changed every second."""

    def compose(self) -> ComposeResult:
        yield Header()
        yield DataTable(cursor_type="row")
        yield Static("refreshed just now", id="status")
        yield Footer()

    def on_mount(self) -> None:
        super().on_mount()
        self._ticks = 0
        self.set_interval(1.0, self._tick)

    def _tick(self) -> None:
        self._ticks += 1
        # Its size never changes: no layout pass, the least a redrawn line costs.
        status = self.query_one("#status", Static)
        status.update(f"refreshed {self._ticks} s ago", layout=False)


if __name__ == "__main__":
    (TickingApp if sys.argv[1:2] == ["--tick"] else BareApp)().run()
