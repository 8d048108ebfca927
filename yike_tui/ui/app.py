"""The Textual app: builds the session's client and engine, installs the main screen, and
holds what is app-wide (ctrl+c, the theme and keymap, signals, the clipboard, the
credentials re-check). The screen owns the layout and its keys; widgets own their state."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.css.query import NoMatches
from textual.css.scalar import Scalar, Unit
from textual.driver import Driver
from textual.message import Message
from textual.notifications import Notification, Notify, SeverityLevel
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets._toast import Toast, ToastRack

from yike_tui.actions import clipboard
from yike_tui.actions.submitting import GUARD
from yike_tui.api.errors import ErrorKind
from yike_tui.core.events import Event, EventKind
from yike_tui.engine.announce import Announcer
from yike_tui.engine.job_state import JobState
from yike_tui.engine.monitor import Monitor
from yike_tui.engine.shared import SharedMonitor
from yike_tui.engine.status import Update
from yike_tui.session import Session
from yike_tui.ui.keys import APP_KEYS, checked_keymap, key_display
from yike_tui.ui.messages import CopyRequested
from yike_tui.ui.screens.main import UI_BATCH, MainScreen
from yike_tui.ui.widgets.event_log import EventLog

if TYPE_CHECKING:
    from yike_tui.api.client import ApiClient

NARROW = 110  # columns under which the panes stack
CREDENTIALS_EVERY = 10  # seconds between looks at the credentials while they are refused
ANNOUNCE_CHECK = 0.5  # seconds between looks for held announcements whose pass has ended
TITLE_PUSH, TITLE_POP = "\x1b[22;0t", "\x1b[23;0t"  # save and restore the terminal's title
MAX_TOASTS = 2  # shown at once; more go to the event log, counted in one toast
HELD_SAID_AFTER = 0.2  # seconds: toasts sent to the log within this are counted together
MIN_TOAST_WIDTH = 24  # columns: narrower than this left of the tree, toasts take half the screen
HALF = Scalar(50, Unit.PERCENT, Unit.WIDTH)
FULL = Scalar(100, Unit.PERCENT, Unit.WIDTH)
BY_HAND_TIMEOUT = 30  # seconds a toast stays that shows text to select by hand
# Jobs of the watch list in the engine before the first frame: a tall terminal's screenful
# and then some (the others, up to 100,000, come a page at a time after it).
FIRST_JOBS = 500


class YikeApp(App[int]):
    CSS_PATH = Path(__file__).with_name("yike.tcss")
    TITLE = "yike-tui"
    # Screens get class -narrow under NARROW columns; the stylesheet stacks the panes.
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
        ui_batch: float = UI_BATCH,
    ) -> None:
        super().__init__()
        self.session = session
        offline = session is not None and session.conn is None  # no usable credentials
        self.readonly = readonly or offline
        # Why there is no connection (no session, or one without credentials).
        self.problem = problem or (session.no_credentials if session else "")
        self.wall = wall
        self.ui_batch = ui_batch
        # The API client is made on first use (``client``): after the first frame, which
        # needs none of its imports (httpx, h11...).
        self._client: ApiClient | None = None
        self._connects = session is not None and not offline
        self.monitor: Monitor | None = None
        # The first screenful of the watch list now; the rest after the first frame
        # (MainScreen._more_jobs).
        if session is not None and self._connects:
            fetcher = _ClientOf(self)  # the client itself, once it is made
            self.monitor = session.make_monitor(fetcher, wall=wall, clock=clock, first=FIRST_JOBS)
        elif session is not None:  # the watch list as last fetched, never refreshed
            self.monitor = session.cached_monitor(wall=wall, clock=clock, first=FIRST_JOBS)
        if isinstance(self.monitor, SharedMonitor):  # following another window's engine...
            self.monitor.on_note = self._engine_note
        self.last_copied = ""  # what the last copy put on the clipboard (tests read it)
        # Finished jobs announced to the terminal (OSC 9/777, tmux, bell) and the desktop.
        self.announcer = (
            Announcer(session.settings, write=self._write_terminal) if session else None
        )
        self._main: MainScreen | None = None
        self._toasts: list[Notification] = []  # the toasts up (the newest last)
        self._held = 0  # toasts sent to the event log, not yet counted in a toast
        self._held_timer: Timer | None = None
        self._held_toast: Notification | None = None
        self._by_hand: Notification | None = None  # the toast showing a text to select

    def get_driver_class(self) -> type[Driver]:
        """Linux's driver, made to let go of a terminal that went away (terminal_driver)."""
        found = super().get_driver_class()
        if found.__name__ == "LinuxDriver":  # not a test's headless or a chosen TEXTUAL_DRIVER
            from yike_tui.ui.terminal_driver import TerminalDriver

            return TerminalDriver
        return found

    @property
    def client(self) -> ApiClient | None:
        """The session's API client, made on first use (None without credentials)."""
        if self._client is None and self._connects and self.session is not None:
            self._client = self.session.make_client()
            if self.monitor is not None:
                self.monitor.fetcher = self._client
        return self._client

    def get_default_screen(self) -> MainScreen:
        self._main = MainScreen(
            self.session,
            lambda: self.client,
            self.monitor,
            readonly=self.readonly,
            problem=self.problem,
            wall=self.wall,
            batch=self.ui_batch,
        )
        return self._main

    @property
    def main_screen(self) -> MainScreen:
        assert self._main is not None, "the app has not started"
        return self._main

    def on_mount(self) -> None:
        notices = list(self.session.notices) if self.session else []
        if self.session is not None:
            keymap, unbound = checked_keymap(self.session.settings.keys)
            self.set_keymap(keymap)
            notices += unbound
            self._apply_theme(self.session.settings.theme)
        for notice in notices:
            self.notify(notice, title="Note", severity="warning", timeout=15, markup=False)
        self._handle_signals()
        self._name_the_window()
        if self.monitor is not None and self._connects:
            self.set_interval(CREDENTIALS_EVERY, self._look_at_credentials)
            self.monitor.subscribe(self._engine_news)
            # A pass's last news may come before it ends (its flushes are timed): what is
            # held is announced once no fetch of the pass is left.
            self.set_interval(ANNOUNCE_CHECK, self._announce_if_idle)
        screen = self.main_screen
        screen.screen_layout_refresh_signal.subscribe(self, self._place_toasts)
        # Back from ctrl+z (the shell's fg): the terminal shows the shell's lines, so every
        # line is drawn again, not only those that changed meanwhile.
        self.app_resume_signal.subscribe(self, lambda _app: self.refresh(layout=True))

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
                loop.add_signal_handler(signum, self._stop_on_signal, signum)

    def _stop_on_signal(self, signum: int) -> None:
        """Quit at once, or once a submit's answer is kept: a job that exists is never lost."""
        if GUARD.busy:
            self.notify("Quitting once the submit's answer is kept in the watch list", timeout=30)
        GUARD.when_idle(lambda: self.exit(None, 128 + signum))

    def _name_the_window(self) -> None:
        """The terminal's (and tmux pane's) title says yike-tui, not python3: the title in
        use is pushed first (xterm's title stack) and popped when the app ends."""
        if not self.is_headless:
            self._write_terminal(f"{TITLE_PUSH}\x1b]2;{self.TITLE}\x07")

    async def on_unmount(self) -> None:
        if not self.is_headless:
            self._write_terminal(TITLE_POP)
        if self._client is not None:
            await self._client.aclose()

    # --- what tests and other screens reach ------------------------------------------------

    def flush_updates(self) -> None:
        """Draw what the engine reported but the once-a-second batching still holds."""
        self.main_screen.flush_updates()

    def selected_state(self) -> JobState | None:
        return self.main_screen.selected_state()

    # --- the clipboard -----------------------------------------------------------------------

    @on(CopyRequested)
    def _copy_requested(self, message: CopyRequested) -> None:
        self.copy(message.text, message.what, link=message.link)

    def copy(self, text: str, what: str, *, link: bool = False) -> None:
        """Put ``text`` on the clipboard and say where it went (``clipboard.telling``)."""
        mode = self.session.settings.clipboard if self.session else "auto"
        result = clipboard.copy(text, mode, write=self._write_terminal, link=link)
        if result.ok:
            self.last_copied = text
        told = clipboard.telling(result, text, what)
        toast = self._toast(
            told.message,
            severity="information" if result.confirmed else "warning",
            timeout=BY_HAND_TIMEOUT if told.by_hand else None,
            markup=False,
        )
        if told.by_hand:
            self._by_hand = toast

    def _write_terminal(self, data: str) -> None:
        driver = self._driver
        if driver is not None:
            driver.write(data)

    # --- toasts -------------------------------------------------------------------------------

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """A toast, the newest always shown: with two up already, the oldest of them goes to
        the event log as a note, and one toast counts what went there (three bad ids made
        four toasts over the list)."""
        if self._thread_id != threading.get_ident():  # as Textual's: callable from a thread
            self.call_from_thread(
                self.notify,
                message,
                title=title,
                severity=severity,
                timeout=timeout,
                markup=markup,
            )
            return
        self._toast(message, title=title, severity=severity, timeout=timeout, markup=markup)

    def _toast(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> Notification:
        lasts = self.NOTIFICATION_TIMEOUT if timeout is None else timeout
        toast = Notification(message, title, severity, lasts, markup=markup)
        live = [shown for shown in self._toasts if not shown.has_expired]
        while len(live) >= MAX_TOASTS and self._main is not None:
            self._to_the_log(live.pop(0))
        self._toasts = [*live, toast]
        self.post_message(Notify(toast))
        return toast

    def clear_notifications(self) -> None:
        super().clear_notifications()
        self._toasts.clear()

    def _to_the_log(self, toast: Notification) -> None:
        text = f"{toast.title}: {toast.message}" if toast.title else toast.message
        if toast.markup:  # a note is plain text: markup is not shown as brackets
            text = Text.from_markup(text).plain
        note = Event(EventKind.NOTE, "", time.time(), {"text": text})
        self.main_screen.query_one(EventLog).add([note])
        # After the queued Notify that shows it, whatever was handled first.
        self.call_later(self._take_down, toast)
        self._held += 1
        if self._held_timer is None:  # a burst is counted in one toast
            self._held_timer = self.set_timer(HELD_SAID_AFTER, self._say_held)

    def _take_down(self, toast: Notification) -> None:
        if toast in self._notifications:
            self._unnotify(toast)

    def _say_held(self) -> None:
        held, self._held, self._held_timer = self._held, 0, None
        if self._held_toast is not None:
            self._take_down(self._held_toast)
        self._held_toast = Notification(f"+{held} more in the event log (e)", timeout=6)
        self.post_message(Notify(self._held_toast))

    def _place_toasts(self, screen: Screen[object]) -> None:
        """Keep the toasts left of the storyboard tree, whatever the layout became; but
        where the panes stack, a text to select by hand takes the whole width for the
        time it is up: beside the tree it would be a column of a few characters a row,
        over most of the screen."""
        try:
            rack = screen.get_child_by_type(ToastRack)
            tree = screen.query_one("#tree")
        except NoMatches:
            return
        left = tree.region.x if tree.display and tree.region.width else 0
        width = Scalar.from_number(left) if left >= MIN_TOAST_WIDTH else HALF
        beside_tree = width
        by_hand = self._by_hand
        if by_hand is not None and by_hand in self._notifications:
            for toast in rack.query(f"#{ToastRack._toast_id(by_hand)} Toast"):
                toast.add_class("-by-hand")
            if screen.has_class("-narrow"):
                width = FULL
        rack.set_class(width == FULL, "-by-hand")
        for toast in rack.query(Toast):  # the others stay beside the tree meanwhile
            keep = width == FULL and not toast.has_class("-by-hand")
            limit = beside_tree if keep and beside_tree.unit is Unit.CELLS else None
            if toast.styles.max_width != limit:
                toast.styles.max_width = limit
        if rack.styles.width != width:
            rack.styles.width = width  # a new layout, published again: then unchanged

    def _engine_note(self, text: str) -> None:
        """Said once: this window follows another's engine, or has taken it over."""
        self.notify(text[:1].upper() + text[1:], title="Engine", timeout=8, markup=False)

    # --- announcements ------------------------------------------------------------------------

    class Announce(Message, bubble=False):
        """Engine news worth announcing; ``pass_over`` when the pass that found it ended."""

        def __init__(self, events: list[Event], pass_over: bool) -> None:
            super().__init__()
            self.events = events
            self.pass_over = pass_over

    def _engine_news(self, update: Update) -> None:
        """The engine's subscriber (the screen's feed draws; this announces). Cheap: the
        events go to the app as a message, and the pass is asked about only when needed."""
        if self.announcer is None or self.monitor is None:
            return
        pending = self.announcer.pending
        if not update.events and not pending:
            return
        # One announcement per pass: a long pass hands over its news every 0.1 s.
        under_way = self.monitor.pass_under_way
        self.post_message(self.Announce(update.events, not under_way))

    def on_yike_app_announce(self, message: Announce) -> None:
        if self.announcer is None:
            return
        self.announcer.add(message.events)
        if message.pass_over or self.announcer.overdue():
            self.announcer.flush(self._announced_title)

    def _announce_if_idle(self) -> None:
        if self.announcer is None or self.monitor is None or not self.announcer.pending:
            return
        if not self.monitor.pass_under_way or self.announcer.overdue():
            self.announcer.flush(self._announced_title)

    def _announced_title(self, job_id: str) -> str:
        state = self.monitor.jobs.get(job_id) if self.monitor else None
        return job_id[:12] if state is None else state.display_title

    # --- credentials -------------------------------------------------------------------------

    def _look_at_credentials(self) -> None:
        status = self.monitor.status if self.monitor else None
        refused = (ErrorKind.CREDENTIALS, ErrorKind.PERMISSION)
        if status and status.pause_reason and status.pause_kind in refused:
            # On the screen, so an error lands where every worker's does.
            work = self._retry_if_credentials_changed()
            self.main_screen.run_worker(work, group="credentials", exit_on_error=False)

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

    # --- the palette -------------------------------------------------------------------------

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        main = self.main_screen
        for binding in main.BINDINGS:
            assert isinstance(binding, Binding)
            if binding.action.startswith("app.") or not main.check_action(binding.action, ()):
                continue
            yield SystemCommand(
                binding.description,
                f"key: {key_display(self, binding)} · binding id: {binding.id}",
                lambda action=binding.action: main.run_action(action),  # type: ignore[misc]
            )


class _ClientOf:
    """The engine's fetcher until the app's client is made: it makes it (``YikeApp.client``
    then hands the engine the client itself)."""

    def __init__(self, app: YikeApp) -> None:
        self.app = app

    async def get_job_payload(self, job_id: str) -> dict[str, Any]:
        client = self.app.client
        assert client is not None, "an engine that fetches has a client"
        return await client.get_job_payload(job_id)
