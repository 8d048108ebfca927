"""Signals: ``watch`` exits cleanly with history saved; the TUI quits on SIGTERM/SIGHUP with
the terminal restored; two instances on the same files are safe."""

from __future__ import annotations

import os
import queue
import re
import signal
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.pty_child import TERMINAL_ENV, PtyChild, terminal_env, yike_tui
from tests.wait import DEADLINE, wait_until
from yike_tui.core import paths
from yike_tui.sim import DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, SimulatorThread


@pytest.fixture
def sim() -> Iterator[SimulatorThread]:
    with SimulatorThread(scenario="demo") as server:
        yield server


def child_env(sim: SimulatorThread) -> dict[str, str]:
    return {
        **os.environ,
        "ALIBABA_CLOUD_ACCESS_KEY_ID": DEMO_ACCESS_KEY_ID,
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET": DEMO_ACCESS_KEY_SECRET,
        "YIKE_TUI_ENDPOINT": sim.endpoint,
        "PYTHONUNBUFFERED": "1",
    }


# The status bar once a pass has ended ("refreshed never" before): a busy machine may draw
# it first a second or more after the pass.
FIRST_PASS = re.compile(rb"refreshed (just now|[0-9]+s ago)")


def event_rows() -> int:
    with sqlite3.connect(paths.state_db()) as db:
        return int(db.execute("SELECT count(*) FROM events").fetchone()[0])


class Child:
    """A child process whose stdout is read line by line on a thread, so a test waits for a
    line with a deadline instead of blocking on it; killed at the end whatever happened."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "yike_tui", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line)

    def line(self, timeout: float = DEADLINE) -> str:
        try:
            return self.lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no line from {self.proc.args!r} in {timeout:g} s") from None

    def finish(self, timeout: float = DEADLINE) -> tuple[list[str], str]:
        """Wait for the exit; every line printed (after those already taken) and stderr."""
        assert self.proc.stderr is not None
        err = self.proc.stderr.read()
        self.proc.wait(timeout=timeout)
        self._reader.join(timeout=timeout)
        rest = []
        while not self.lines.empty():
            rest.append(self.lines.get_nowait())
        return rest, err

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()


@contextmanager
def children(*argv: list[str], env: dict[str, str]) -> Iterator[list[Child]]:
    started: list[Child] = []
    try:
        for args in argv:
            started.append(Child(args, env))
        yield started
    finally:
        for child in started:
            child.kill()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_watch_exits_cleanly_with_history_saved(sim: SimulatorThread, signum: int) -> None:
    with children(["watch", "--json", *sim.job_ids[:3]], env=child_env(sim)) as (watch,):
        first = watch.line()  # the first event: the engine is running
        assert '"job_added"' in first
        watch.proc.send_signal(signum)
        out, err = watch.finish()
        assert watch.proc.returncode == 128 + signum, err
        assert "Traceback" not in err and err.strip() == ""
        printed = [line for line in [first, *out] if line.strip()]
        assert event_rows() == len(printed) >= 1  # every event shown is in the state db


def test_two_watchers_on_the_same_files(sim: SimulatorThread) -> None:
    """Both run, both write history (WAL), neither reports a broken db. Each watches its
    own jobs, so each one's first line is its own first sight of them."""
    half = len(sim.job_ids) // 2
    argv = (["watch", "--json", *sim.job_ids[:half]], ["watch", "--json", *sim.job_ids[half:]])
    with children(*argv, env=child_env(sim)) as procs:
        firsts = [child.line() for child in procs]
        assert all('"job_added"' in line for line in firsts), firsts
        for child in procs:
            child.proc.send_signal(signal.SIGTERM)
        printed = len(firsts)
        for child in procs:
            out, err = child.finish()
            assert child.proc.returncode == 128 + signal.SIGTERM, err
            assert "cannot be used" not in err and "moved" not in err and "Traceback" not in err
            printed += len([line for line in out if line.strip()])
    assert event_rows() >= printed  # every event either one printed is in the db
    assert not list(Path(paths.state_dir()).glob("*.corrupt-*"))


def test_tui_quits_on_sigterm_and_restores_the_terminal(sim: SimulatorThread) -> None:
    """The real app on a pseudo-terminal: SIGTERM ends it, alternate screen left, cursor shown."""
    with PtyChild(yike_tui(sim.job_ids[0]), terminal_env(child_env(sim))) as tui:
        tui.read_until(b"Jobs", "the first frame")
        assert b"\x1b[?1049h" in tui.output  # it entered the alternate screen
        tui.signal(signal.SIGTERM)
        code = tui.wait()  # until the pty closes: the child is gone
    output = tui.output
    assert code == 128 + signal.SIGTERM  # exited, not killed by the signal
    tail = output[output.rfind(b"\x1b[?1049h") :]
    assert b"\x1b[?1049l" in tail  # ...and left it: the terminal is restored
    assert b"\x1b]2;yike-tui\x07" in output  # the window named, not python3 ...
    assert output.rfind(b"\x1b[23;0t") > output.rfind(b"\x1b]2;yike-tui")  # ... given back
    assert b"Traceback" not in output


def test_tui_whose_terminal_goes_away_exits(sim: SimulatorThread) -> None:
    """The tmux pane killed or the SSH session dropped: the terminal's other end closes (the
    kernel sends SIGHUP and SIGCONT). The TUI quits with its history saved, and does not
    live on without a terminal (it once hung in its exit, writing to a terminal gone)."""
    tui = PtyChild(yike_tui(sim.job_ids[0]), terminal_env(child_env(sim)))
    try:
        tui.read_until(lambda: FIRST_PASS.search(tui.output) is not None, "the first pass")
        os.close(tui.fd)  # the terminal goes away
        tui.fd = os.open(os.devnull, os.O_RDONLY)  # for close() to close
        ended: list[int] = []

        def exited() -> bool:
            pid, status = os.waitpid(tui.pid, os.WNOHANG)
            ended.extend([os.waitstatus_to_exitcode(status)] if pid else [])
            return bool(ended)

        wait_until(exited, "the TUI to exit")
    finally:
        tui.close()  # kills it if it still runs
    assert ended == [128 + signal.SIGHUP]  # it quit on the hang-up, as on q
    assert event_rows() >= 1  # the first sight of the job, kept


def test_ctrl_z_stops_the_tui_and_fg_brings_the_whole_screen_back() -> None:
    """Job control as in htop and lazygit: ctrl+z gives the terminal back and stops; the
    shell's fg (SIGCONT) takes the screen again and draws all of it, not only what changed."""
    with PtyChild(yike_tui("--demo"), terminal_env(dict(os.environ))) as tui:
        tui.read_until(lambda: FIRST_PASS.search(tui.output) is not None, "the first pass")
        tui.send(b"\x1a")
        tui.read_until(b"\x1b[?1049l", "the terminal given back")
        stopped: list[bool] = []

        def is_stopped() -> bool:
            pid, status = os.waitpid(tui.pid, os.WUNTRACED | os.WNOHANG)
            stopped.extend([os.WIFSTOPPED(status)] if pid else [])
            return bool(stopped)

        wait_until(is_stopped, "the TUI to stop")
        assert stopped == [True]
        seen = len(tui.output)
        tui.signal(signal.SIGCONT)  # what fg sends
        rows = range(1, int(TERMINAL_ENV["LINES"]) + 1)  # each row's first cell, addressed

        def undrawn() -> list[int]:
            return [row for row in rows if b"\x1b[%d;1H" % row not in tui.output[seen:]]

        tui.read_until(lambda: not undrawn(), "every row drawn again")
        assert b"\x1b[?1049h" in tui.output[seen:]
        tui.send(b"q")
        assert tui.wait() == 0


def test_tui_sigterm_while_a_submit_is_out_quits_once_the_job_is_kept(
    sim: SimulatorThread, tmp_path: Path
) -> None:
    """SIGTERM lands while the simulator holds the submit: the TUI quits only once the new
    job is in the watch list (a job that exists and is charged is never dropped)."""
    from tests.integration.test_submit_command import watched_ids
    from yike_tui.sim.app import Reply

    novel = tmp_path / "signal-rain.txt"
    novel.write_text("雨一直下。" * 200, encoding="utf-8")
    assert sim.server is not None
    app = sim.server.sim
    answer = app._submit
    child: list[int] = []

    def signalled_submit(params: dict[str, str]) -> Reply:
        os.kill(child[0], signal.SIGTERM)  # the request is here; the answer not yet sent
        return answer(params)

    app._submit = signalled_submit  # type: ignore[method-assign]
    known = set(sim.job_ids)  # the demo's jobs, before the submit
    with PtyChild(yike_tui(), terminal_env(child_env(sim))) as tui:
        child.append(tui.pid)
        tui.read_until(b"New job", "the first frame (its footer)")
        tui.send(b"n")
        tui.read_until(b"New job from a novel")
        tui.send(str(novel))  # the path (the field starts empty)
        tui.read_until(b"looks like a")  # the preview: the file was read
        tui.send(b"\x13")  # ctrl+s
        tui.read_until(b"spends credits")
        tui.send(b"y")
        tui.read_until(b"\x1b[?1049l", "the TUI to leave the alternate screen: it quit")
        code = tui.wait()
    output = tui.output
    assert code == 128 + signal.SIGTERM, code
    new = [job_id for job_id in watched_ids() if job_id not in known]
    assert len(new) == 1, (watched_ids(), app.stats.by_action)
    assert app.book.get(new[0]) is not None  # the job the simulator created
    assert b"Traceback" not in output
