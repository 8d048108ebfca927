"""On a real pseudo-terminal: a job that finishes is announced through the terminal itself,
by the TUI (through Textual's driver, between its frames) and by ``watch``."""

from __future__ import annotations

import contextlib
import os
import select
import signal
import sys
import time
from collections.abc import Iterator

import pytest

from tests.hardening.test_signals import child_env
from tests.wait import DEADLINE
from yike_tui.sim import SimulatorThread

ESC, BEL = b"\x1b", b"\x07"


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def sim(clock: Clock) -> Iterator[SimulatorThread]:
    with SimulatorThread(scenario="demo", clock=clock) as server:
        yield server


def teaser(sim: SimulatorThread) -> str:
    assert sim.server is not None
    return next(j.id for j in sim.server.sim.book if j.params["Title"].startswith("Quick Teaser"))


class OnPty:
    """``python -m yike_tui ARGS`` on a pseudo-terminal, its output gathered as it comes."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        import pty

        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child
            os.execvpe(sys.executable, [sys.executable, "-m", "yike_tui", *args], env)
        self.output = b""

    def read_until(self, wanted: bytes, what: str) -> None:
        end = time.monotonic() + DEADLINE
        while wanted not in self.output:
            assert time.monotonic() < end, (
                f"waited {DEADLINE:g} s for {what}: {self.output[-300:]!r}"
            )
            ready, _, _ = select.select([self.fd], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(self.fd, 65536)
                except OSError:
                    chunk = b""
                assert chunk, f"the program ended before {what}: {self.output[-300:]!r}"
                self.output += chunk

    def close(self) -> None:
        with contextlib.suppress(ChildProcessError, ProcessLookupError):
            if os.waitpid(self.pid, os.WNOHANG) == (0, 0):
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
        os.close(self.fd)


def pty_env(sim: SimulatorThread, **more: str) -> dict[str, str]:
    env = {**child_env(sim), "TERM": "xterm-256color", "COLUMNS": "120", "LINES": "40", **more}
    for name in ("TMUX", "DISPLAY", "WAYLAND_DISPLAY", "VTE_VERSION"):
        if name not in more:
            env.pop(name, None)  # no desktop popups from a test; the terminal decides the OSC
    return env


def test_the_tui_announces_a_finished_job_through_the_terminal(
    sim: SimulatorThread, clock: Clock
) -> None:
    job = teaser(sim)
    tui = OnPty(["--interval", "1", job], pty_env(sim))
    try:
        tui.read_until(b"Quick Teaser", "the first frame with the job")
        clock.t = 5000  # the job plays out; the next poll sees it Succeeded
        notice = ESC + b"]9;yike-tui: Quick Teaser"
        tui.read_until(notice, "the OSC 9 notification")
        after = tui.output[tui.output.index(notice) :]
        assert after.split(BEL, 1)[0].endswith(b": Succeeded: the video is ready")
    finally:
        tui.close()


def test_watch_on_a_terminal_announces_inside_tmux(sim: SimulatorThread, clock: Clock) -> None:
    job = teaser(sim)
    args = ["watch", "--until-done", "--interval", "1", job]
    watch = OnPty(args, pty_env(sim, TMUX="/tmp/tmux-0/default,1,0"))
    try:
        watch.read_until(b"watching (Running)", "the first event")
        clock.t = 5000
        wrapped = ESC + b"Ptmux;" + ESC + ESC + b"]9;yike-tui: Quick Teaser"
        watch.read_until(wrapped, "the notification in tmux passthrough")
        end = watch.output.index(wrapped)
        assert watch.output[end:].split(ESC + b"\\", 1)[1].startswith(BEL)  # the window flag
    finally:
        watch.close()
