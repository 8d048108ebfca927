"""A program run on a pseudo-terminal, as a user's shell would run it: the one pty helper.

The child gets the pty as its controlling terminal (``pty.fork``), so a TUI draws, reads keys
and takes its signals exactly as it would in a real terminal. Its output is read as it comes:
a TUI blocks once the terminal's buffer is full, so every wait drains it.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import sys
import time
from collections.abc import Callable
from typing import Self

from tests.wait import DEADLINE

# What a terminal a user has says about itself; the desktop is left out so no test pops a
# notification or picks a desktop's own escape sequence.
TERMINAL_ENV = {"TERM": "xterm-256color", "COLUMNS": "120", "LINES": "40"}
_DESKTOP = ("TMUX", "DISPLAY", "WAYLAND_DISPLAY", "VTE_VERSION")


def yike_tui(*args: str) -> list[str]:
    """The command line that starts ``yike-tui ARGS`` with this Python."""
    return [sys.executable, "-m", "yike_tui", *args]


def terminal_env(env: dict[str, str], **more: str) -> dict[str, str]:
    """``env`` as seen from a terminal of 120×40 outside any desktop, plus ``more``."""
    found = {**env, **TERMINAL_ENV, **more}
    for name in _DESKTOP:
        if name not in more:
            found.pop(name, None)
    return found


class PtyChild:
    """``argv`` on a fresh pseudo-terminal; everything it writes gathered in ``output``."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        import pty

        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child
            os.execvpe(argv[0], argv, env)
        self.output = b""
        self.closed = False  # the terminal's other end is gone: nothing more will come
        self._status: int | None = None

    @property
    def text(self) -> str:
        return self.output.decode("utf-8", "replace")

    def send(self, keys: bytes | str) -> None:
        os.write(self.fd, keys.encode() if isinstance(keys, str) else keys)

    def read_until(
        self, wanted: bytes | Callable[[], bool] = b"", what: str = "", timeout: float = DEADLINE
    ) -> None:
        """Read until ``wanted`` is in the output (or holds); ``b""``: until the terminal closes.

        Fails loudly, with the last output, when the deadline passes first or the program
        ends before what was awaited."""
        done = wanted if callable(wanted) else (lambda: bool(wanted) and wanted in self.output)
        what = what or repr(wanted)
        end = time.monotonic() + timeout
        while not done():
            if self.closed:
                assert not wanted, f"the program ended before {what}: {self.output[-400:]!r}"
                return
            assert time.monotonic() < end, (
                f"waited {timeout:g} s for {what}: {self.output[-400:]!r}"
            )
            if select.select([self.fd], [], [], 0.1)[0]:
                try:
                    chunk = os.read(self.fd, 65536)
                except OSError:  # EIO: every end of the terminal is closed (the child exited)
                    chunk = b""
                self.output += chunk
                self.closed = not chunk

    def wait(self, timeout: float = DEADLINE) -> int:
        """Read to the end, reap the child: its exit code (a signal's is negative)."""
        if self._status is None:
            self.read_until(timeout=timeout)
            _, status = os.waitpid(self.pid, 0)
            self._status = os.waitstatus_to_exitcode(status)
        return self._status

    def signal(self, signum: int) -> None:
        os.kill(self.pid, signum)

    def close(self) -> None:
        """Kill the child if it still runs, reap it and close the terminal."""
        if self._status is None:
            with contextlib.suppress(ChildProcessError, ProcessLookupError):
                if os.waitpid(self.pid, os.WNOHANG) == (0, 0):
                    os.kill(self.pid, signal.SIGKILL)
                    os.waitpid(self.pid, 0)
        with contextlib.suppress(OSError):
            os.close(self.fd)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
