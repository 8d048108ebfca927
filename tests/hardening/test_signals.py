"""Signals: ``watch`` exits cleanly with history saved; the TUI quits on SIGTERM/SIGHUP with
the terminal restored; two instances on the same files are safe."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from yike_tui import paths
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


def event_rows() -> int:
    with sqlite3.connect(paths.state_db()) as db:
        return int(db.execute("SELECT count(*) FROM events").fetchone()[0])


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_watch_exits_cleanly_with_history_saved(sim: SimulatorThread, signum: int) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "yike_tui", "watch", "--json", *sim.job_ids[:3]],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=child_env(sim),
    )
    assert proc.stdout is not None
    first = proc.stdout.readline()  # the first event: the engine is running
    assert '"job_added"' in first
    proc.send_signal(signum)
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 128 + signum, err
    assert "Traceback" not in err and err.strip() == ""
    printed = [line for line in [first, *out.splitlines()] if line.strip()]
    assert event_rows() == len(printed) >= 1  # every event shown is in the state db


def test_two_watchers_on_the_same_files(sim: SimulatorThread) -> None:
    """Both run, both write history (WAL), neither reports a broken db."""
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "yike_tui", "watch", "--json", *sim.job_ids],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=child_env(sim),
        )
        for _ in range(2)
    ]
    for proc in procs:
        assert proc.stdout is not None and '"job_added"' in proc.stdout.readline()
    time.sleep(0.3)
    for proc in procs:
        proc.send_signal(signal.SIGTERM)
    printed = 2  # the first line of each
    for proc in procs:
        out, err = proc.communicate(timeout=20)
        assert proc.returncode == 128 + signal.SIGTERM
        assert "cannot be used" not in err and "moved" not in err and "Traceback" not in err
        printed += len([line for line in out.splitlines() if line.strip()])
    assert event_rows() >= printed  # every event either one printed is in the db
    assert not list(Path(paths.state_dir()).glob("*.corrupt-*"))


def test_tui_quits_on_sigterm_and_restores_the_terminal(sim: SimulatorThread) -> None:
    """The real app on a pseudo-terminal: SIGTERM ends it, alternate screen left, cursor shown."""
    import pty
    import select

    pid, fd = pty.fork()
    if pid == 0:  # the child: the TUI on the pty
        env = {**child_env(sim), "TERM": "xterm-256color", "COLUMNS": "120", "LINES": "40"}
        os.execvpe(sys.executable, [sys.executable, "-m", "yike_tui", sim.job_ids[0]], env)
    output = b""

    def read_for(seconds: float, until: bytes = b"") -> None:
        nonlocal output
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            ready, _, _ = select.select([fd], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(fd, 65536)
                except OSError:
                    return
                if not chunk:
                    return
                output += chunk
                if until and until in output:
                    return

    read_for(20, until=b"Jobs")  # the first frame is up
    assert b"\x1b[?1049h" in output  # it entered the alternate screen
    os.kill(pid, signal.SIGTERM)
    read_for(10)
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    assert os.WIFEXITED(status), status  # exited, not killed by the signal
    assert os.WEXITSTATUS(status) in (0, 128 + signal.SIGTERM)
    tail = output[output.rfind(b"\x1b[?1049h") :]
    assert b"\x1b[?1049l" in tail  # ...and left it: the terminal is restored
    assert b"Traceback" not in output
