"""The Textual app: lays out the widgets, runs the engine, routes its updates. Small on
purpose: widgets own their state, actions live in ``actions.py``."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widgets import Footer, Input, Static

from yike_tui.api.errors import ErrorKind
from yike_tui.events import Event
from yike_tui.monitor import JobState, Monitor, Update
from yike_tui.session import Session
from yike_tui.ui import welcome
from yike_tui.ui.actions import ActionsMixin
from yike_tui.ui.keys import APP_KEYS
from yike_tui.ui.notifier import Notifier
from yike_tui.ui.widgets.detail import DetailPane
from yike_tui.ui.widgets.event_log import EventLog
from yike_tui.ui.widgets.job_table import JobTable
from yike_tui.ui.widgets.status_bar import StatusBar, render_status
from yike_tui.ui.widgets.storyboard_tree import StoryboardTree

NARROW = 110  # columns under which the panes stack
UI_BATCH = 1.0  # seconds: engine updates closer together than this are drawn together
AGES_EVERY = 10  # ticks (seconds) between redraws of the "3m ago" columns
CREDENTIALS_EVERY = 10  # ticks between looks at the credentials while they are refused


class YikeApp(ActionsMixin):
    CSS_PATH = Path(__file__).with_name("yike.tcss")
    TITLE = "yike-tui"
    AUTO_FOCUS = "#jobs"
    # The screen gets class -narrow under NARROW columns; the stylesheet stacks the panes.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (NARROW, "-wide")]  # noqa: RUF012
    BINDINGS: ClassVar[list[BindingType]] = list(APP_KEYS)

    def __init__(
        self,
        session: Session | None,
        *,
        readonly: bool = False,
        problem: str = "",
        wall: Callable[[], float] = time.time,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self.session = session
        self.readonly = readonly
        self.problem = problem  # why there is no session (e.g. no credentials)
        self.wall = wall
        self.client = session.make_client() if session else None
        self.monitor: Monitor | None = (
            session.make_monitor(self.client, wall=wall, clock=clock)
            if session and self.client
            else None
        )
        self.notifier = Notifier()
        self.last_copied = ""  # what the last copy put on the clipboard (tests read it)
        self._ticks = 0
        self._downloads = {}
        self._download_lines = {}
        self._pending_changed: set[str] = set()
        self._pending_events: list[Event] = []
        self._last_apply = 0.0

    # --- layout ----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Input(placeholder="filter: text or status (esc clears)", id="filter")
        with Horizontal(id="main"):
            yield JobTable(self._states, id="jobs")
            yield Static(welcome.text(self.session, self.problem), id="welcome", markup=False)
            with Vertical(id="side"):
                yield DetailPane(id="detail")
                yield StoryboardTree(id="tree")
        yield EventLog(self._title_of, id="events")
        yield Static("", id="downloads", markup=False)
        yield StatusBar(id="status")
        yield Footer()

    def on_mount(self) -> None:
        if self.session is not None:
            self.set_keymap(self.session.settings.keys)
            self._apply_theme(self.session.settings.theme)
        self.query_one("#jobs").border_title = "Jobs"
        self.query_one("#detail").border_title = "Detail"
        self.query_one("#tree").border_title = "Storyboards"
        self.query_one("#events").border_title = "Events (e)"
        self.query_one(JobTable).sync(self._states().keys(), self.wall())
        self._show_empty_state()
        self._show_selected()
        for notice in self.session.notices if self.session else []:
            self.notify(notice, title="Note", severity="warning", timeout=15, markup=False)
        self.set_interval(1.0, self._tick)
        self._handle_signals()
        if self.monitor is not None:
            if self.session and self.session.store:
                self.query_one(EventLog).add(reversed(self.session.store.recent_events(200)))
            self.monitor.subscribe(self._on_engine_update)
            self.run_worker(self.monitor.run(), group="engine", exclusive=True)
        self._tick()

    def _apply_theme(self, name: str) -> None:
        if name in self.available_themes:
            self.theme = name
        else:
            known = ", ".join(sorted(self.available_themes))
            self.notify(f"Unknown theme {name!r} in config; known: {known}", severity="warning")

    def _handle_signals(self) -> None:
        """SIGTERM and SIGHUP (the tmux pane or SSH session went away) quit like ``q`` does:
        the engine is cancelled, history flushed and the terminal restored."""
        if self.is_headless:
            return
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGHUP):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(signum, self.exit, None, 128 + signum)

    async def on_unmount(self) -> None:
        if self.client is not None:
            await self.client.aclose()

    # --- engine updates ----------------------------------------------------------------------

    def _states(self) -> dict[str, JobState]:
        return self.monitor.jobs if self.monitor else {}

    def _title_of(self, job_id: str) -> str:
        state = self._states().get(job_id)
        if state is None:
            return job_id[:12]
        return state.label or (state.job.title if state.job else "") or job_id[:12]

    def _on_engine_update(self, update: Update) -> None:
        # Every table change repaints all visible rows, so a burst of answers is drawn at
        # most once a second: the first at once, the rest together on the next tick.
        if not update.changed and not update.events:
            # Only the engine's status moved (a pass ended, paused, resumed): one line to
            # redraw, so the status bar says it now rather than at the next tick.
            with contextlib.suppress(NoMatches):
                self._refresh_status()
            return
        self._pending_changed |= update.changed
        self._pending_events.extend(update.events)
        if time.monotonic() - self._last_apply >= UI_BATCH:
            self._apply_pending()

    def flush_updates(self) -> None:
        """Draw what the engine reported but the once-a-second batching still holds."""
        self._apply_pending()

    def _apply_pending(self) -> None:
        if not self._pending_changed and not self._pending_events:
            return
        update = Update(self._pending_events, self._pending_changed)
        self._pending_events, self._pending_changed = [], set()
        self._last_apply = time.monotonic()
        with contextlib.suppress(NoMatches):  # the engine may report while the app shuts down
            self._apply_update(update)

    def _apply_update(self, update: Update) -> None:
        table = self.query_one(JobTable)
        table.sync(update.changed, self.wall())
        if table.selected_id in update.changed or not table.row_count:
            self._show_selected()
        if update.events:
            self.query_one(EventLog).add(update.events)
            self._announce(update.events)
        self._show_empty_state()
        self._refresh_status()

    def _announce(self, events: Iterable[Event]) -> None:
        notes = self.notifier.select(list(events), self._title_of)
        for job_id, title, message, severity in notes:
            self.notify(message, title=title, severity=severity, timeout=6, markup=False)
            if job_id:
                self.query_one(JobTable).flash(job_id)
        if notes and self.session and self.session.settings.bell:
            self.bell()

    def _tick(self) -> None:
        self._ticks += 1
        self._apply_pending()
        with contextlib.suppress(NoMatches):  # a last tick while the app shuts down
            self._refresh_status()
            if self._ticks % AGES_EVERY == 0:
                self.query_one(JobTable).refresh_ages(self.wall())
        if self._ticks % CREDENTIALS_EVERY == 0 and self._credentials_paused():
            self.run_worker(self._retry_if_credentials_changed(), group="credentials")

    def _credentials_paused(self) -> bool:
        status = self.monitor.status if self.monitor else None
        refused = (ErrorKind.CREDENTIALS, ErrorKind.PERMISSION)
        return bool(status and status.pause_reason and status.pause_kind in refused)

    async def _retry_if_credentials_changed(self) -> None:
        """While the API refuses the credentials, notice when the user fixes them (a new
        `aliyun configure`, an edited credentials.ini) and carry on by itself."""
        if self.session is None or self.client is None or self.monitor is None:
            return
        fresh = await asyncio.to_thread(self.session.changed_credentials)
        if fresh is None:
            return
        self.client.credentials = fresh
        self.monitor.retry()
        self.notify(f"Credentials changed ({fresh.describe()}): retrying", markup=False)

    def _refresh_status(self) -> None:
        bar = self.query_one(StatusBar)
        if self.monitor is None or self.session is None:
            bar.show(Text(" no connection: see the message above · q quits", style="yellow"))
            return
        creds = self.session.conn.credentials
        bar.show(
            render_status(
                self.monitor,
                self.wall(),
                endpoint=self.session.conn.endpoint,
                credentials=creds.describe(),
            )
        )

    def _show_empty_state(self) -> None:
        empty = not self._states()
        self.query_one("#welcome").display = empty
        self.query_one("#jobs").display = not empty
        self.query_one("#side").display = not empty

    def on_event_log_hidden(self) -> None:
        # Closing the log while it had the focus leaves nothing focused: j/k/g/G would do
        # nothing until Tab. The job list takes it back.
        if self.screen.focused is None and self.screen is self.screen_stack[0]:
            with contextlib.suppress(NoMatches):  # the app may be shutting down
                self.query_one(JobTable).focus()

    # --- selection ---------------------------------------------------------------------------

    def on_job_table_highlighted(self, message: JobTable.Highlighted) -> None:
        self._show_selected()

    def on_job_table_selected(self) -> None:
        self.query_one(DetailPane).focus()  # enter on a row: read its detail

    def selected_state(self) -> JobState | None:
        job_id = self.query_one(JobTable).selected_id
        return self._states().get(job_id) if job_id else None

    def _show_selected(self) -> None:
        state = self.selected_state()
        self.query_one(DetailPane).show(state, self.wall())
        self.query_one(StoryboardTree).show(state)

    # --- filter ------------------------------------------------------------------------------

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "filter":
            table = self.query_one(JobTable)
            table.filter_text = event.value.strip()
            table.rebuild(self.wall())
            self._show_selected()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "filter":
            self.query_one(JobTable).focus()

    # --- palette -----------------------------------------------------------------------------

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for binding in self.BINDINGS:
            assert isinstance(binding, Binding)
            if binding.action in ("quit",) or not self.check_action(binding.action, ()):
                continue
            yield SystemCommand(
                binding.description,
                f"key: {binding.key} · binding id: {binding.id}",
                lambda action=binding.action: self.run_action(action),  # type: ignore[misc]
            )
