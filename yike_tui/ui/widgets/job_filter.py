"""The filter box over the job list: ``/`` opens it, typing filters as it goes (the screen
hands the text to the job list), esc empties and hides it."""

from __future__ import annotations

from textual.widgets import Input


class JobFilter(Input):
    def __init__(self, **kwargs: object) -> None:
        placeholder = "filter: text or status (esc clears)"
        super().__init__(placeholder=placeholder, **kwargs)  # type: ignore[arg-type]

    def open(self) -> None:
        self.display = True
        self.focus()

    def close(self) -> bool:
        """Empty and hide the box; False when there was nothing to clear."""
        if not (self.display or self.value):
            return False
        self.value = ""
        self.display = False
        return True
