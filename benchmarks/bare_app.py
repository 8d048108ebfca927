"""The reference for the TUI's start-up: a bare Textual app (a Header, a DataTable of 40
rows, a Footer) and nothing else. ``python -m benchmarks.bare_app`` runs it on the terminal;
``benchmarks/startup_pty.py`` starts it on a pseudo-terminal the way it starts ``yike-tui``
and times both to their first rows. Its rows read ``bare row 0000``, ``bare row 0001``...
(``FIRST_ROW`` is the text a reader of the terminal waits for).

Imports nothing of yike-tui: the reference is what Textual itself costs.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Footer, Header

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


if __name__ == "__main__":
    BareApp().run()
