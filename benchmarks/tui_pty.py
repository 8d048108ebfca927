"""The real ``yike-tui`` on a pseudo-terminal, as a user runs it in a tmux pane: its CPU.

A headless Textual app leaves out what a terminal adds: the driver's input thread (it wakes
ten times a second to look for keys), the escape sequences written for every frame. Here the
whole program runs in a child on a pty of the given size, from a copy of the state db (its
watch list is what it watches), against ``endpoint``; a thread drains what it writes, as a
terminal would. Its CPU (user + system, every thread, from /proc) is read over ``seconds``
after ``warm`` seconds, then SIGTERM quits it the way closing the pane does. Beside it, on a
pty of its own started the same way, the bare Textual app (``bare_app.TickingApp``: a
Header, a DataTable of 40 rows, a status line redrawn each second, a Footer) can idle over
the same window: what Textual itself costs at rest on a terminal, the floor of ours.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import shutil
import signal
import struct
import sys
import tempfile
import termios
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.startup_pty import PtyReader
from yike_tui.sim import DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET

FIRST_FRAME = b"Jobs"  # the job list's title: the first frame was drawn
QUIT_WAIT = 30.0  # seconds for the TUI to flush its history and exit after SIGTERM


def cpu_seconds(pid: int) -> float:
    """User + system CPU of ``pid`` and all its threads so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return ticks / os.sysconf("SC_CLK_TCK")


@dataclass
class PtyRun:
    first_frame: float  # seconds from starting the process to its first frame on the pty
    cpu_percent: float  # of one core, over the window after the warm-up
    bare_percent: float = float("nan")  # the bare Textual app's, over the same window
    beside: list[float] = field(default_factory=list)  # each of ``beside``'s, the same window


@dataclass
class _OnPty:
    pid: int
    first_frame: float


@contextlib.contextmanager
def _on_pty(
    argv: list[str], env: dict[str, str], marker: bytes, size: tuple[int, int], wait: float
) -> Iterator[_OnPty]:
    """``argv`` on a fresh pty of ``size``, drained as a terminal would, until it drew
    ``marker``; SIGTERM on the way out."""
    columns, rows = size
    started = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:  # the child, sized before it starts
        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        os.execvpe(argv[0], argv, env)
    drain = PtyReader(fd, marker)
    drain.start()
    try:
        if not drain.seen.wait(timeout=wait):
            raise RuntimeError(f"{argv[2:3]} drew no first frame: {drain.tail[-200:]!r}")
        yield _OnPty(pid, drain.seen_at - started)
    finally:
        _quit(pid)
        drain.join(timeout=5)
        os.close(fd)


def _env(home: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "XDG_STATE_HOME": str(home / "state"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_CACHE_HOME": str(home / "cache"),
        "ALIBABA_CLOUD_ACCESS_KEY_ID": DEMO_ACCESS_KEY_ID,
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET": DEMO_ACCESS_KEY_SECRET,
        "TERM": "xterm-256color",
    }
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "TMUX", "COLUMNS", "LINES"):
        env.pop(name, None)  # a terminal of its own, no desktop to notify
    return env


def tui_on_pty(
    db: Path,
    endpoint: str,
    warm: float,
    seconds: float,
    size: tuple[int, int] = (160, 48),
    *,
    bare: bool = False,
    beside: Sequence[int] = (),
) -> PtyRun:
    """The real TUI watching ``db``'s watch list at ``endpoint``: how soon it drew, and
    the CPU it then uses. ``bare``: the bare Textual app (``bare_app.TickingApp``)
    idles on a pty of its own over the same window; the CPU of the processes ``beside``
    (e.g. the simulator) is read at the same moments."""
    from benchmarks.bare_app import FIRST_ROW

    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        home = Path(tmp)
        state = home / "state" / "yike-tui"
        state.mkdir(parents=True, mode=0o700)
        shutil.copyfile(db, state / "state.sqlite3")
        env = _env(home)
        ours_argv = [sys.executable, "-m", "yike_tui", "--endpoint", endpoint]
        ours = stack.enter_context(_on_pty(ours_argv, env, FIRST_FRAME, size, max(60.0, warm)))
        pids = [ours.pid, *beside]
        if bare:
            bare_argv = [sys.executable, "-m", "benchmarks.bare_app", "--tick"]
            pids.append(
                stack.enter_context(_on_pty(bare_argv, env, FIRST_ROW.encode(), size, 60)).pid
            )
        time.sleep(warm)
        cpu0, wall0 = [cpu_seconds(pid) for pid in pids], time.monotonic()
        time.sleep(seconds)
        wall = time.monotonic() - wall0
        used = [cpu_seconds(pid) - was for pid, was in zip(pids, cpu0, strict=True)]
    percent = [u / wall * 100 for u in used]
    bare_percent = percent.pop() if bare else float("nan")
    return PtyRun(ours.first_frame, percent[0], bare_percent, percent[1:])


def _quit(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    end = time.monotonic() + QUIT_WAIT
    while time.monotonic() < end:
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done:
            return
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError, ChildProcessError):
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
