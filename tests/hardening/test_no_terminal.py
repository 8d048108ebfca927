"""The TUI without a terminal: refused at once with one line, never drawn into a pipe.

A real child process each time, with stdin and/or stdout something other than a terminal
(/dev/null, a pipe), the other end a pseudo-terminal where the case needs one.
"""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from typing import IO

import pytest

from tests.wait import DEADLINE

Stream = int | IO[bytes]


def _run_tui(stdin: Stream, stdout: Stream, *extra: str) -> tuple[int, bytes, bytes]:
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "80", "LINES": "24"}
    child = subprocess.Popen(
        [sys.executable, "-m", "yike_tui", "--demo", *extra],
        stdin=stdin, stdout=stdout, stderr=subprocess.PIPE, env=env, start_new_session=True,
    )  # fmt: skip
    try:
        # Before the fix the app drew into the pipe and never ended: this is what fails.
        out, err = child.communicate(timeout=DEADLINE)
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate(timeout=10)
    return child.returncode, out or b"", err


def _assert_refused(code: int, out: bytes, err: bytes) -> None:
    assert code == 2, (code, err)
    lines = err.decode().splitlines()
    assert len(lines) == 1, lines
    assert "needs a terminal" in lines[0] and "yike-tui watch" in lines[0]
    assert b"\x1b[" not in out + err  # nothing was drawn


def test_no_terminal_at_all_is_refused_in_one_line() -> None:
    """`yike-tui --demo </dev/null >/dev/null` (here stdout a pipe, to see what is drawn)."""
    code, out, err = _run_tui(subprocess.DEVNULL, subprocess.PIPE)
    _assert_refused(code, out, err)
    assert out == b""
    assert b"stdin and stdout are not" in err


@pytest.mark.parametrize("piped", ["stdin", "stdout"])
def test_one_end_not_a_terminal_is_refused(piped: str) -> None:
    """A terminal on one end is not enough: `yike-tui | tee` and `yike-tui < file` alike."""
    controller, terminal = pty.openpty()
    try:
        if piped == "stdout":
            code, out, err = _run_tui(terminal, subprocess.PIPE, "--readonly")
        else:
            code, out, err = _run_tui(subprocess.DEVNULL, terminal, "--readonly")
    finally:
        os.close(terminal)
        os.close(controller)
    _assert_refused(code, out, err)
    assert f"{piped} is not".encode() in err
