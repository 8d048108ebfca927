"""``?``: every key, as bound right now (config overrides included).

The list is longer than 24 rows: it scrolls at once (focused when it opens) with j/k, the
arrows, pgup/pgdn and g/G, as every pane does.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import ModalScreen
from textual.widgets import Footer, Label, Static

from yike_tui.ui.keys import HELP_KEYS, key_display
from yike_tui.ui.widgets.keyed_scroll import KeyedScroll


def key_rows(
    app: App[object], bindings: Iterable[BindingType], where: str = ""
) -> list[tuple[str, str, str]]:
    """(keys as bound now, what they do, binding id) for each binding, in order; ``where``
    says where they do it ("on a storyboard") when that is not everywhere."""
    rows = []
    for binding in bindings:
        assert isinstance(binding, Binding)
        does = f"{binding.description} ({where})" if where else binding.description
        rows.append((key_display(app, binding), does, binding.id or ""))
    return rows


class HelpBody(KeyedScroll):
    """The dialog: its title is the top, the rebinding hint the bottom."""


class HelpScreen(ModalScreen[None]):
    # Without this the app's AUTO_FOCUS ("#jobs") finds nothing here: no key would scroll.
    AUTO_FOCUS = "#help-dialog"
    BINDINGS: ClassVar[list[BindingType]] = list(HELP_KEYS)

    def __init__(self, rows: list[tuple[str, str, str]]) -> None:
        super().__init__()
        self.rows = rows  # (key, what it does, binding id for config)

    def compose(self) -> ComposeResult:
        table = Table(
            box=None, pad_edge=False, show_header=True, header_style="bold", padding=(0, 2)
        )
        table.add_column("Key", style="bold cyan", no_wrap=True)
        table.add_column("Does")
        table.add_column(Text("[keys] id"), style="dim")
        for key, description, binding_id in self.rows:
            table.add_row(Text(key), Text(description), Text(binding_id))
        with HelpBody(classes="dialog", id="help-dialog"):
            yield Label("yike-tui keys — esc closes", classes="dialog-title")
            yield Static(table)
            yield Static(
                "Mouse works too. Every action is also in the command palette (ctrl+p).\n"
                'Rebind keys in config.toml under [keys], e.g.  copy_url = "ctrl+y"',
                classes="dim",
                markup=False,
            )
        yield Footer()  # the dialog's keys, not those of the list behind it

    def action_close(self) -> None:
        self.dismiss(None)
