"""The filter box over the job list: ``/`` opens it, typing filters as it goes (the screen
hands the text to the job list), enter puts it away with the filter kept (the list's title
says it: ``Jobs 3/14 · /fail``), esc empties and hides it. One row high, so the list loses
one row while it is open and none after."""

from __future__ import annotations

from textual.widgets import Input


class JobFilter(Input):
    def __init__(self, **kwargs: object) -> None:
        placeholder = "filter: text or status (enter keeps it, esc clears)"
        super().__init__(placeholder=placeholder, compact=True, **kwargs)  # type: ignore[arg-type]

    def open(self) -> None:
        self.display = True
        self.focus()

    def collapse(self) -> None:
        """Put the box away, the filter kept (enter)."""
        self.display = False

    def close(self) -> bool:
        """Empty and hide the box; False when there was nothing to clear."""
        if not (self.display or self.value):
            return False
        self.value = ""
        self.display = False
        return True
