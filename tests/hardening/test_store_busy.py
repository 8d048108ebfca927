"""A state db another process keeps locked: `list`, `watch --once` and the TUI wait for it,
saying so, and when it stays locked exit 2 with one line naming who has it open; nothing
claims an empty watch list. Let go within the wait, they carry on as usual.

The lock is held here, in the test process (``BEGIN EXCLUSIVE``, as a sqlite browser or a
stuck process would); the command runs as a child with its wait shortened.
"""

from __future__ import annotations

import contextlib
import os
import queue
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import pytest

from tests.pty_child import PtyChild, terminal_env
from tests.wait import DEADLINE
from yike_tui.core import paths
from yike_tui.sim import DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, SimulatorThread
from yike_tui.store import Store

SHORT = 0.5  # seconds the child waits for the lock when the test keeps it
WAITING = "the state db is busy (another yike-tui?); waiting up to"
# The CLI with the store's wait for a lock set from argv[1] (the rest is the command line),
# and no quiet part: the wait is said at the first refusal, however slow the machine.
CHILD = (
    "import sys, yike_tui.store.db as db; db.BUSY_WAIT = float(sys.argv[1]); "
    "db.QUIET_WAIT = 0; from yike_tui.cli import main; sys.exit(main(sys.argv[2:]))"
)


def command(wait: float, *args: str) -> list[str]:
    return [sys.executable, "-c", CHILD, f"{wait:g}", *args]


@pytest.fixture
def sim() -> Iterator[SimulatorThread]:
    with SimulatorThread(scenario="demo") as server:
        yield server


@pytest.fixture
def watched(sim: SimulatorThread) -> list[str]:
    ids = list(sim.job_ids[:3])
    with Store.open() as store:
        store.watch(ids)
    return ids


@pytest.fixture
def env(sim: SimulatorThread) -> dict[str, str]:
    return {
        **os.environ,
        "ALIBABA_CLOUD_ACCESS_KEY_ID": DEMO_ACCESS_KEY_ID,
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET": DEMO_ACCESS_KEY_SECRET,
        "YIKE_TUI_ENDPOINT": sim.endpoint,
        "PYTHONUNBUFFERED": "1",
    }


@contextlib.contextmanager
def held_lock() -> Iterator[sqlite3.Connection]:
    holder = sqlite3.connect(paths.state_db(), isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        yield holder
    finally:
        if holder.in_transaction:
            holder.execute("ROLLBACK")
        holder.close()


def assert_refused(code: int, out: str, err: str) -> None:
    assert code == 2, (code, out, err)
    assert "no jobs" not in (out + err).lower()  # nothing claims an empty watch list
    lines = err.strip().splitlines()
    assert lines[0].startswith(f"yike-tui: {WAITING} {SHORT:g} s"), lines
    last = lines[-1]
    assert f"the state db {paths.state_db()} is still locked after {SHORT:g} s" in last
    if sys.platform.startswith("linux"):  # found in /proc: this test process holds it
        assert f"pid {os.getpid()}" in last, last
    assert "Traceback" not in err


@pytest.mark.parametrize("args", [["list"], ["list", "--json"], ["watch", "--once"]])
def test_a_locked_db_is_refused_after_the_wait(
    watched: list[str], env: dict[str, str], args: list[str]
) -> None:
    with held_lock():
        done = subprocess.run(
            command(SHORT, *args), env=env, capture_output=True, text=True, timeout=DEADLINE
        )
    assert_refused(done.returncode, done.stdout, done.stderr)
    assert done.stdout == ""


class Child:
    """A child whose stderr is read line by line on a thread: the test waits for a line."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        self.err: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.err.put(line)

    def wait_for_line(self, start: str) -> None:
        deadline = time.monotonic() + DEADLINE
        while not any(line.startswith(start) for line in self.seen):
            try:
                self.seen.append(self.err.get(timeout=max(0.0, deadline - time.monotonic())))
            except queue.Empty:
                raise AssertionError(f"no line {start!r} on stderr: {self.seen}") from None

    def finish(self) -> tuple[int, str]:
        assert self.proc.stdout is not None
        out = self.proc.stdout.read()
        return self.proc.wait(timeout=DEADLINE), out

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()


@pytest.mark.parametrize("args", [["list"], ["watch", "--once"]])
def test_a_lock_let_go_within_the_wait_is_waited_for(
    watched: list[str], env: dict[str, str], args: list[str]
) -> None:
    with held_lock() as holder:
        child = Child(command(DEADLINE, *args), env)
        try:
            child.wait_for_line(f"yike-tui: {WAITING} {DEADLINE:g} s")
            holder.execute("ROLLBACK")  # the other process lets go: the child carries on
            code, out = child.finish()
        finally:
            child.kill()
    assert code == 0, (out, child.seen)
    assert all(job_id in out for job_id in watched)


def tui_on_pty(wait: float, env: dict[str, str]) -> PtyChild:
    """The TUI (``yike-tui``, no arguments) on a pseudo-terminal."""
    return PtyChild(command(wait), terminal_env(env))


def test_the_tui_refuses_to_start_on_a_locked_db(watched: list[str], env: dict[str, str]) -> None:
    with held_lock():
        tui = tui_on_pty(SHORT, env)
        try:
            code = tui.wait()
        finally:
            tui.close()
    text = tui.output.decode(errors="replace").replace("\r\n", "\n")
    assert b"\x1b[?1049h" not in tui.output  # no screen drawn: refused before it
    assert_refused(code, "", text)


def test_the_tui_starts_once_the_lock_is_let_go(watched: list[str], env: dict[str, str]) -> None:
    with held_lock() as holder:
        tui = tui_on_pty(DEADLINE, env)
        try:
            tui.read_until(WAITING.encode())
            holder.execute("ROLLBACK")
            tui.read_until(b"Jobs 3")  # the watch list, whole
            tui.send(b"q")
            code = tui.wait()
        finally:
            tui.close()
    assert code == 0
