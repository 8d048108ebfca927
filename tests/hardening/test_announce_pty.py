"""On a real pseudo-terminal: a job that finishes is announced through the terminal itself,
by the TUI (through Textual's driver, between its frames) and by ``watch``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.hardening.test_signals import child_env
from tests.pty_child import PtyChild, terminal_env, yike_tui
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


def pty_env(sim: SimulatorThread, **more: str) -> dict[str, str]:
    return terminal_env(child_env(sim), **more)


def on_pty(args: list[str], env: dict[str, str]) -> PtyChild:
    return PtyChild(yike_tui(*args), env)


def test_the_tui_announces_a_finished_job_through_the_terminal(
    sim: SimulatorThread, clock: Clock
) -> None:
    job = teaser(sim)
    tui = on_pty(["--interval", "1", job], pty_env(sim))
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
    watch = on_pty(args, pty_env(sim, TMUX="/tmp/tmux-0/default,1,0"))
    try:
        watch.read_until(b"watching (Running)", "the first event")
        clock.t = 5000
        wrapped = ESC + b"Ptmux;" + ESC + ESC + b"]9;yike-tui: Quick Teaser"
        watch.read_until(wrapped, "the notification in tmux passthrough")
        end = watch.output.index(wrapped)
        assert watch.output[end:].split(ESC + b"\\", 1)[1].startswith(BEL)  # the window flag
    finally:
        watch.close()
