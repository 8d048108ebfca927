"""Add jobs: paste one id or a whole column of them (spaces, commas or newlines)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Input, Label, TextArea

from yike_tui.core.job_ids import InvalidJobId, looks_like_job_id, split_job_ids
from yike_tui.safety.safe_text import clean
from yike_tui.ui.keys import CANCEL, submit_key


@dataclass(frozen=True)
class AddRequest:
    job_ids: list[str]
    label: str


class AddJobsScreen(ModalScreen[AddRequest | None]):
    BINDINGS: ClassVar[list[BindingType]] = [CANCEL, submit_key("Add")]

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
        self._asked_about = ""  # the text a "does not look like a JobId" was said for
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
        odd = [job_id for job_id in ids if not looks_like_job_id(job_id)]
        if odd and raw != self._asked_about:  # a typo costs a call and a toast: ask first
            self._asked_about = raw
            shown = ", ".join(clean(job_id, one_line=True)[:40] for job_id in odd[:3])
            more = f" and {len(odd) - 3} more" if len(odd) > 3 else ""
            self.query_one("#add-error", Label).update(
                f"{shown}{more}: not the shape of a JobId (32 hex characters, or a UUID); "
                "ctrl+s again adds them anyway"
            )
            return
        label = self.query_one("#add-label", Input).value.strip()
        self.dismiss(AddRequest(ids, label))

    def action_cancel(self) -> None:
        self.dismiss(None)
