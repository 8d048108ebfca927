"""Finished jobs announce themselves: what is worth it, and how it reaches the user.

A team keeps yike-tui in a tmux pane while working elsewhere, so a job that succeeds,
fails, is suspended or whose storyboards became ready to edit is announced by:

- a terminal notification: OSC 777 (``ESC ] 777 ; notify ; title ; body BEL``) on terminals
  known to speak it (VTE, foot, urxvt), OSC 9 (``ESC ] 9 ; text BEL``) elsewhere; one, not
  both, since terminals that know both would pop up twice. Inside tmux it is wrapped in
  tmux's passthrough (``ESC Ptmux; ... ESC \\`` with each inner ESC doubled);
- ``notify-send`` when there is a local desktop session ($DISPLAY or $WAYLAND_DISPLAY, not
  over SSH): run without a shell, bounded by a timeout, output discarded, never raising;
- the tmux window flagged: a BEL inside tmux sets the window's bell flag (monitor-bell);
- the bell, when ``bell = true``.

All of it once per engine pass: 50 jobs finishing together make one "50 jobs finished: 47
succeeded, 3 failed", not 50 popups. Text is one line, bounded, inert (no control
characters) and free of signed URL queries.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from yike_tui.core.config import Settings
from yike_tui.core.events import FIRST_SIGHT, Event, EventKind, redact_urls_in
from yike_tui.core.models import READY_TO_EDIT, JobStatus
from yike_tui.core.terminal import tmux_passthrough
from yike_tui.safety.safe_text import clean, truncate

log = logging.getLogger(__name__)

READY_TO_EDIT_TEXT = "/".join(READY_TO_EDIT)  # a storyboard's status text, as events carry it
TITLE_LIMIT = 60
BODY_LIMIT = 160
DESKTOP_TIMEOUT = 5.0  # seconds a notify-send may take before its group is killed
BEL = "\x07"
PENDING_CAP = 100_000  # events held for the end of a pass (one per job is what counts)
# Seconds news waits at most for its pass to end: a paced pass over 5,000 running jobs lasts
# ~500 s, and a job that finished in its first minute must not be told eight minutes late.
HOLD_AT_MOST = 5.0

# The outcomes worth interrupting for, most important first.
FAILED, SUSPENDED, SUCCEEDED = "failed", "suspended", "succeeded"
READY = "with storyboards ready to edit"
_ORDER = (FAILED, SUSPENDED, SUCCEEDED, READY)
_STATUS_OUTCOME = {
    JobStatus.SUCCEEDED: SUCCEEDED,
    JobStatus.FAILED: FAILED,
    JobStatus.SUSPENDED: SUSPENDED,
}


def outcome(event: Event) -> str | None:
    """What ``event`` means for the user, when it is worth announcing; None otherwise.
    Failures a job already had when first seen are old news, not an announcement."""
    if event.data.get(FIRST_SIGHT):
        return None
    if event.kind is EventKind.STATUS_CHANGED:
        return _STATUS_OUTCOME.get(JobStatus.from_raw(str(event.data.get("new") or "")))
    if event.kind in (EventKind.STORYBOARD_CHANGED, EventKind.STORYBOARD_APPEARED):
        return READY if event.data.get("new") == READY_TO_EDIT_TEXT else None
    return None


@dataclass(frozen=True, slots=True)
class Announcement:
    title: str  # safe: one line, bounded, inert
    body: str  # likewise
    jobs: int
    failed: bool  # any job failed: urgent

    @property
    def text(self) -> str:
        """Title and body on one line (OSC 9 has a single field)."""
        return f"{self.title}: {self.body}"


def safe_line(text: str, limit: int) -> str:
    """One line, no control characters, no signed URL query, at most ``limit`` characters."""
    return truncate(clean(redact_urls_in(text), one_line=True), limit)


def summarize(events: Iterable[Event], title_of: Callable[[str], str]) -> Announcement | None:
    """One announcement for a pass's events (None when nothing is worth one): each job counted
    once, by its most important outcome."""
    by_job: dict[str, str] = {}
    ready: Counter[str] = Counter()
    for event in events:
        found = outcome(event)
        if found is None:
            continue
        if found == READY:
            ready[event.job_id] += 1
        known = by_job.get(event.job_id)
        if known is None or _ORDER.index(found) < _ORDER.index(known):
            by_job[event.job_id] = found
    if not by_job:
        return None
    failed = FAILED in by_job.values()
    if len(by_job) == 1:
        job_id, what = next(iter(by_job.items()))
        title = safe_line(f"yike-tui: {title_of(job_id) or job_id}", TITLE_LIMIT)
        return Announcement(title, _one_job(what, ready[job_id]), 1, failed)
    counts = Counter(by_job.values())
    parts = ", ".join(f"{counts[what]} {what}" for what in _ORDER if counts[what])
    finished = set(counts) <= {SUCCEEDED, FAILED}
    head = f"{len(by_job)} jobs finished" if finished else f"{len(by_job)} jobs"
    return Announcement("yike-tui", safe_line(f"{head}: {parts}", BODY_LIMIT), len(by_job), failed)


def _one_job(what: str, ready: int) -> str:
    if what == FAILED:
        return "Failed"
    if what == SUSPENDED:
        return "Suspended: fix the failed shots in the editor, then resume (u)"
    if what == SUCCEEDED:
        return "Succeeded: the video is ready"
    return f"{ready} storyboard{'s' if ready > 1 else ''} ready to edit"


# --- the terminal ------------------------------------------------------------------------


def speaks_osc777(env: Mapping[str, str]) -> bool:
    """Terminals known to show OSC 777 notifications and not OSC 9."""
    term = env.get("TERM", "")
    return bool(env.get("VTE_VERSION")) or term.startswith(("foot", "rxvt"))


def osc9(text: str) -> str:
    return f"\x1b]9;{text}{BEL}"


def osc777(title: str, body: str) -> str:
    # ';' separates OSC 777's fields: one in the title would cut it short.
    return f"\x1b]777;notify;{title.replace(';', ',')};{body}{BEL}"


def terminal_output(announcement: Announcement, settings: Settings, env: Mapping[str, str]) -> str:
    """What to write to the terminal for ``announcement``: the notification and at most one
    BEL (asked for, or to flag the tmux window)."""
    in_tmux = bool(env.get("TMUX"))
    out = ""
    if settings.notify_terminal:
        if speaks_osc777(env):
            out = osc777(announcement.title, announcement.body)
        else:
            out = osc9(announcement.text)
        if in_tmux:
            out = tmux_passthrough(out)
    if settings.bell or (settings.notify_tmux and in_tmux):
        out += BEL
    return out


# --- the desktop -------------------------------------------------------------------------


def local_desktop(env: Mapping[str, str]) -> bool:
    """A graphical session on this machine: a popup here would be seen."""
    over_ssh = any(env.get(name) for name in ("SSH_CONNECTION", "SSH_CLIENT", "SSH_TTY"))
    return bool(env.get("DISPLAY") or env.get("WAYLAND_DISPLAY")) and not over_ssh


def notify_send_argv(program: str, announcement: Announcement) -> list[str]:
    urgency = "critical" if announcement.failed else "normal"
    # "--": a title beginning with '-' is text, not an option.
    return [program, "-a", "yike-tui", "-u", urgency, "--", announcement.title, announcement.body]


class BoundedRunner:
    """Runs one short command at a time in the background: no shell, output discarded, killed
    (its whole process group) after ``timeout``; a failure is logged, never raised. While
    one runs, the next is dropped: these are notifications, and a newer one follows."""

    def __init__(self, timeout: float = DESKTOP_TIMEOUT) -> None:
        self.timeout = timeout
        self._busy = threading.Lock()
        self._warned = False
        self.dropped = 0
        self.started = 0

    def start(self, argv: Sequence[str]) -> bool:
        if not self._busy.acquire(blocking=False):
            self.dropped += 1
            log.info("%s still running: one notification dropped", argv[0])
            return False
        self.started += 1
        thread = threading.Thread(target=self._run, args=(list(argv),), daemon=True)
        thread.start()
        return True

    def _run(self, argv: list[str]) -> None:
        try:
            code = run_bounded(argv, self.timeout)
            if code != 0:
                self._failed(f"{os.path.basename(argv[0])} exited with {code}")
        except OSError as exc:
            self._failed(f"{os.path.basename(argv[0])} could not run: {exc}")
        finally:
            self._busy.release()

    def _failed(self, why: str) -> None:
        # Once at warning level: a desktop without a notification daemon fails every time.
        log.log(logging.DEBUG if self._warned else logging.WARNING, "%s", why)
        self._warned = True


def run_bounded(argv: Sequence[str], timeout: float, stdin: bytes | None = None) -> int:
    """Run ``argv`` (no shell) in its own process group with output discarded; after
    ``timeout`` seconds kill the group. Returns the exit code (-9 when killed)."""
    proc = subprocess.Popen(  # argv is ours and never goes through a shell
        list(argv),
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own group: a timeout kills whatever it started too
        close_fds=True,
    )
    try:
        proc.communicate(stdin, timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_group(proc)
        proc.wait()
        return -signal.SIGKILL
    return proc.returncode


def kill_group(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):  # already gone
        os.killpg(proc.pid, signal.SIGKILL)


# --- all of it ---------------------------------------------------------------------------


class Announcer:
    """Announces a pass's events as its settings say. ``write`` reaches the terminal (the
    TUI's driver, or stdout for ``watch`` on a terminal); None: no terminal to write to."""

    def __init__(
        self,
        settings: Settings,
        *,
        write: Callable[[str], None] | None,
        env: Mapping[str, str] | None = None,
        runner: BoundedRunner | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self.write = write
        self.env = dict(os.environ if env is None else env)
        self.runner = runner or BoundedRunner()
        self.clock = clock
        self._pending: list[Event] = []
        self._held_since: float | None = None  # when the oldest held news came

    def add(self, events: Iterable[Event]) -> None:
        """Hold what is worth announcing until the pass that found it is over (or until it
        has waited ``HOLD_AT_MOST``: see ``overdue``)."""
        for event in events:
            if outcome(event) is not None and len(self._pending) < PENDING_CAP:
                self._pending.append(event)
                if self._held_since is None:
                    self._held_since = self.clock()

    @property
    def pending(self) -> bool:
        return bool(self._pending)

    def overdue(self) -> bool:
        """Whether the held news has waited long enough: tell it though the pass goes on."""
        held = self._held_since
        return held is not None and self.clock() - held >= HOLD_AT_MOST

    def flush(self, title_of: Callable[[str], str]) -> Announcement | None:
        """Announce what was held, as one announcement."""
        events, self._pending, self._held_since = self._pending, [], None
        return self.announce(events, title_of)

    def announce(
        self, events: Iterable[Event], title_of: Callable[[str], str]
    ) -> Announcement | None:
        announcement = summarize(events, title_of)
        if announcement is None:
            return None
        if self.write is not None:
            out = terminal_output(announcement, self.settings, self.env)
            if out:
                try:
                    self.write(out)
                except (OSError, ValueError) as exc:  # a closed terminal: not the engine's end
                    log.warning("could not write a notification to the terminal: %s", exc)
        if self.settings.notify_desktop and local_desktop(self.env):
            program = shutil.which("notify-send", path=self.env.get("PATH"))
            if program is not None:
                self.runner.start(notify_send_argv(program, announcement))
        return announcement
