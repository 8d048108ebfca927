"""Which of the main screen's panes show: the welcome text alone without jobs; else the list
and its side panes, the offline banner above them without credentials, the event log when
open (e), or only the zoomed pane, full size (z)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.dom import DOMNode
from textual.widgets import Static

from yike_tui.ui import welcome
from yike_tui.ui.widgets.event_log import EventLog

if TYPE_CHECKING:
    from yike_tui.ui.screens.main import MainScreen

PANES = ("jobs", "detail", "tree", "events")  # 1..4 jump to them, in this order


class PaneLayout:
    """Lays out the main screen's panes for its view state (``zoomed``, ``events_open``)."""

    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen
        self._empty_shown: bool | None = None  # what ``arrange`` last laid out for

    def show_empty_state(self) -> None:
        if (not self.screen.states()) != self._empty_shown:  # after every update: mostly no change
            self.arrange()

    def arrange(self) -> None:
        """Which panes show: the welcome text alone without jobs; else the list and its side
        panes, the event log if open, or only the zoomed pane, full size."""
        screen = self.screen
        empty = self._empty_shown = not screen.states()
        zoom = None if empty else screen.zoomed
        screen.query_one("#welcome").display = empty
        self._show_banner(empty)
        screen.query_one("#main").display = zoom != "events"
        screen.query_one("#jobs").display = not empty and zoom in (None, "jobs")
        screen.query_one("#side").display = not empty and zoom in (None, "detail", "tree")
        screen.query_one("#side").set_class(zoom in ("detail", "tree"), "-zoomed")
        screen.query_one("#detail").display = zoom in (None, "detail")
        screen.query_one("#tree").display = zoom in (None, "tree")
        log_pane = screen.query_one(EventLog)
        log_pane.set_class(zoom == "events", "-zoomed")
        shown = screen.events_open and zoom in (None, "events")
        if shown and not log_pane.display:
            log_pane.opened()
        log_pane.display = shown
        for name in PANES:
            pane = screen.query_one(f"#{name}")
            subtitle = "zoomed · z shows all" if zoom == name else ""
            if (pane.border_subtitle or "") != subtitle:  # setting it repaints the whole pane
                pane.border_subtitle = subtitle

    def _show_banner(self, empty: bool) -> None:
        """Without credentials, above the jobs: read-only, as of when, where to look (with
        no jobs the welcome text says it instead: the credential help once either way)."""
        screen = self.screen
        banner = screen.query_one("#banner")
        shown = screen.no_credentials and not empty
        if shown and not banner.display:
            checked = [s.last_checked for s in screen.states().values() if s.last_checked]
            newest = max(checked) if checked else None
            problem = screen.session.no_credentials if screen.session else ""
            screen.query_one("#banner-text", Static).update(welcome.offline_banner(problem, newest))
        banner.display = shown

    def zoom(self) -> None:
        """z: the focused pane alone, full size; z again, every pane."""
        if self.screen.zoomed is not None:
            self.screen.zoomed = None
            return
        pane = self._focused_pane()
        if pane is None:
            self.screen.notify("Nothing to zoom: focus a pane first (1-4 or tab)", timeout=3)
            return
        self.screen.zoomed = pane

    def focus(self, name: str) -> None:
        """Focus pane ``name`` (opening the event log for 4); while zoomed, zoom to it."""
        screen = self.screen
        if name not in PANES or not screen.states():
            return
        if name == "events":
            screen.events_open = True
        if screen.zoomed is not None:
            screen.zoomed = name
        screen.query_one(f"#{name}").focus()

    def _focused_pane(self) -> str | None:
        node: DOMNode | None = self.screen.focused
        while node is not None and node is not self.screen:
            if node.id in PANES:
                return node.id
            node = node.parent
        return None
