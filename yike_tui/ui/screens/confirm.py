"""Yes/no before anything that cannot be taken back."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Label, Static

from yike_tui.ui.cells import safe
from yike_tui.ui.keys import CONFIRM_KEYS

LISTED = 8  # jobs a question names; the rest are counted


def listing(titles: list[str]) -> Text:
    """The jobs a question is about, one title a line: ``LISTED`` of them, then how many
    more."""
    lines = [f"• {safe(title, 70)}" for title in titles[:LISTED]]
    if len(titles) > LISTED:
        lines.append(f"… and {len(titles) - LISTED} more")
    return Text("\n".join(lines))


class ConfirmScreen(ModalScreen[bool]):
    BINDINGS: ClassVar[list[BindingType]] = list(CONFIRM_KEYS)

    def __init__(self, question: str, detail: Text, yes: str = "Yes") -> None:
        super().__init__()
        self.question = question
        self.detail = detail
        self.yes = yes

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.question, classes="dialog-title", markup=False)
            yield Static(self.detail, markup=False, id="confirm-detail")
            with Horizontal(classes="buttons"):
                yield Button(f"{self.yes} (y)", variant="error", id="yes")
                yield Button("No (n)", id="no")
        yield Footer()  # this dialog's keys, not the list's behind it

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)
