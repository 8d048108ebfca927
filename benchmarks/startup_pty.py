"""What a user feels when the TUI starts: the shell's command to the first rows on the
terminal, at 100,000 watched jobs, against a bare Textual app started the same way.

Both are started as a child process on a pseudo-terminal of the same size (the ``pty``
module, ``python -m ...`` from bytecode), with the same environment; a thread reads the
terminal as a terminal would and notes when a known row text arrives: ``bare row 0000``
for the bare app (``benchmarks/bare_app.py``: a Header, a DataTable of 40 rows, a Footer),
the first watched job's short id for ``yike-tui``. Runs alternate (bare, ours, bare,
ours...) so a busy moment of the machine hits both; the figure is the median of ours ÷ the
median of the bare app's, with both absolutes beside it.

``yike-tui`` runs over a copy of the 100,000-job state db (``big_state``) opened once
before (its 1,000,000 events already pruned to 50,000, as on any day but the first after
a long session), against an endpoint that refuses connections (nothing is fetched). Then
SIGTERM ends each child the way closing the pane does.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import signal
import statistics
import struct
import sys
import tempfile
import termios
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmarks.harness import Context, Figure, Results
from benchmarks.whole_run import compiled, user_env

NAME = "startup_pty"
SIZE = (160, 48)  # columns, rows
TARGET = 1.5  # ours ÷ the bare app's
WAIT = 120.0  # seconds for a first row before giving up
QUIT_WAIT = 30.0


class PtyReader(threading.Thread):
    """Reads the pty as a terminal would; notes when ``marker`` first arrives."""

    def __init__(self, fd: int, marker: bytes) -> None:
        super().__init__(daemon=True)
        self.fd, self.marker = fd, marker
        self.seen = threading.Event()
        self.seen_at = 0.0
        self.tail = b""

    def run(self) -> None:
        while True:
            try:
                chunk = os.read(self.fd, 65536)
            except OSError:
                return  # the child closed the pty
            if not chunk:
                return
            self.tail = (self.tail + chunk)[-8192:]
            if not self.seen.is_set() and self.marker in self.tail:
                self.seen_at = time.perf_counter()
                self.seen.set()


def first_rows(
    argv: Sequence[str], env: dict[str, str], marker: str, size: tuple[int, int] = SIZE
) -> float:
    """Seconds from starting ``argv`` on a fresh pty to ``marker`` on its screen."""
    columns, rows = size
    env = {**env, "TERM": "xterm-256color"}
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "TMUX", "COLUMNS", "LINES"):
        env.pop(name, None)
    started = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:  # the child: sized before it starts, as a terminal is
        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        os.execvpe(argv[0], list(argv), env)
    reader = PtyReader(fd, marker.encode())
    reader.start()
    try:
        if not reader.seen.wait(WAIT):
            raise RuntimeError(f"{argv[2:4]} showed no {marker!r}: {reader.tail[-300:]!r}")
        return reader.seen_at - started
    finally:
        quit_child(pid)
        reader.join(timeout=5)
        os.close(fd)


def quit_child(pid: int) -> None:
    """SIGTERM, as closing the pane sends; SIGKILL if it is still there after a while."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    end = time.monotonic() + QUIT_WAIT
    while time.monotonic() < end:
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done:
            return
        time.sleep(0.02)
    with contextlib.suppress(ProcessLookupError, ChildProcessError):
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)


@dataclass
class Side:
    argv: list[str]
    env: dict[str, str]
    marker: str


def bare_side(env: dict[str, str]) -> Side:
    from benchmarks.bare_app import FIRST_ROW

    return Side([sys.executable, "-m", "benchmarks.bare_app"], env, FIRST_ROW)


def ours_side(home: Path, db: Path, first_id: str) -> Side:
    """``yike-tui`` over a private copy of ``db`` (pruned once here, as after any start)."""
    from benchmarks import big_state
    from yike_tui.store import Store

    env = user_env(home, "http://127.0.0.1:9")  # refused: nothing is fetched
    state = home / "state" / "yike-tui"
    state.mkdir(parents=True, mode=0o700, exist_ok=True)
    copy = big_state.fresh_copy(db, state)
    copy.rename(state / "state.sqlite3")
    Store.open(state / "state.sqlite3").close()  # the first start's prune, done here
    argv = [sys.executable, "-m", "yike_tui"]
    return Side(argv, env, first_id[:8])


def side_by_side(a: Side, b: Side, runs: int) -> tuple[list[float], list[float]]:
    """Alternating runs of ``a`` and ``b`` (one of each first, not counted: the file cache)."""
    first_rows(a.argv, a.env, a.marker)
    first_rows(b.argv, b.env, b.marker)
    out_a: list[float] = []
    out_b: list[float] = []
    for _ in range(runs):
        out_a.append(first_rows(a.argv, a.env, a.marker))
        out_b.append(first_rows(b.argv, b.env, b.marker))
    return out_a, out_b


def run(ctx: Context, results: Results) -> None:
    from benchmarks import big_state

    jobs = ctx.pick(big_state.JOBS, 10_000)
    events = ctx.pick(big_state.EVENTS, 100_000)
    runs = ctx.pick(7, 3)
    compiled()
    db = big_state.cached(jobs, events)
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        ours = ours_side(home, db, big_state.job_id(0))
        bare = bare_side(ours.env)
        bare_s, ours_s = side_by_side(bare, ours, runs)
    bare_med, ours_med = statistics.median(bare_s), statistics.median(ours_s)
    ratios = [o / bare_med for o in ours_s]
    results.add(
        Figure(
            f"`yike-tui` shell → first rows on a pseudo-terminal, {jobs:,} jobs ÷ a bare "
            "Textual app",
            ratios,
            "×",
            target=f"≤ {TARGET:g}×",
            reference=(
                f"ours {ours_med * 1000:,.0f} ms ({min(ours_s) * 1000:,.0f}–"
                f"{max(ours_s) * 1000:,.0f}); bare app (Header, DataTable of 40 rows, Footer) "
                f"{bare_med * 1000:,.0f} ms ({min(bare_s) * 1000:,.0f}–"
                f"{max(bare_s) * 1000:,.0f}); {SIZE[0]}×{SIZE[1]} pty, {runs} runs each, "
                "alternating"
            ),
            passed=ours_med / bare_med <= TARGET,
        )
    )
