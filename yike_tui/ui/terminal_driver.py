"""Textual's Linux driver, made to let go of a terminal that went away.

When the tmux pane is killed or the SSH session drops, the kernel hangs the terminal up and
sends SIGHUP and SIGCONT. Textual's writer thread dies at its first write to the terminal
gone (EIO), after which every write waits for room in its full queue: the app, quitting on
the SIGHUP, then waited forever in its own exit. And the SIGCONT, with no Ctrl+Z before it,
started application mode a second time over the first.

Here a write to a terminal gone is dropped (nobody can see it), so quitting goes through
as on ``q`` (engine cancelled, history kept, the state db let go), and SIGCONT resumes only
what a SIGTSTP suspended.
"""

from __future__ import annotations

from typing import Any, TextIO

from textual.drivers.linux_driver import LinuxDriver


class _TerminalOut:
    """The terminal's output stream; writes after the terminal went away are dropped."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self.gone = False

    def write(self, text: str) -> int:
        if not self.gone:
            try:
                self._stream.write(text)
            except (OSError, ValueError):  # EIO: hung up; ValueError: closed
                self.gone = True
        return len(text)

    def flush(self) -> None:
        if not self.gone:
            try:
                self._stream.flush()
            except (OSError, ValueError):
                self.gone = True

    def fileno(self) -> int:
        return self._stream.fileno()

    def isatty(self) -> bool:
        return not self.gone and self._stream.isatty()


class TerminalDriver(LinuxDriver):
    """The Linux driver, with a terminal that may go away at any moment."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._file: Any = _TerminalOut(self._file)
        self._stopped_by_tstp = False

    @property
    def terminal_gone(self) -> bool:
        return bool(self._file.gone)

    def _sigtstp_application(self, *args: Any) -> None:
        self._stopped_by_tstp = True
        super()._sigtstp_application(*args)

    def _sigcont_application(self, *args: Any) -> None:
        if self._stopped_by_tstp:  # a hang-up's SIGCONT has no Ctrl+Z before it
            self._stopped_by_tstp = False
            super()._sigcont_application(*args)
