"""Add jobs: paste one id or a whole column of them (spaces, commas or newlines)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Input, Label, TextArea

from yike_tui.core.job_ids import InvalidJobId, split_job_ids


@dataclass(frozen=True)
class AddRequest:
    job_ids: list[str]
    label: str


class AddJobsScreen(ModalScreen[AddRequest | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "submit", "Add", priority=True),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="add-dialog", classes="dialog"):
            yield Label(
                "Add jobs — paste JobIds (spaces, commas or newlines)", classes="dialog-title"
            )
            yield TextArea(id="add-ids", soft_wrap=True, show_line_numbers=False)
            yield Input(placeholder="label (optional)", id="add-label")
            yield Label("", id="add-error", classes="error", markup=False)
            with Horizontal(classes="buttons"):
                yield Button("Add (ctrl+s)", variant="primary", id="add-ok")
                yield Button("Cancel (esc)", id="add-cancel")
        yield Footer()  # this dialog's keys, not the list's behind it

    def on_mount(self) -> None:
        self.query_one("#add-ids", TextArea).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "add-ok":
            self.action_submit()
        else:
            self.dismiss(None)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_submit()

    def action_submit(self) -> None:
        raw = self.query_one("#add-ids", TextArea).text
        try:
            ids = split_job_ids([raw])  # the one JobId rule, as the CLI and config.toml
        except InvalidJobId as exc:
            self.query_one("#add-error", Label).update(str(exc))
            return
        if not ids:
            self.query_one("#add-error", Label).update("Paste at least one JobId.")
            return
        label = self.query_one("#add-label", Input).value.strip()
        self.dismiss(AddRequest(ids, label))

    def action_cancel(self) -> None:
        self.dismiss(None)
