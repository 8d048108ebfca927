"""A real tmux server on a private socket, with tmux's defaults (no user config), for tests
of what a program inside one of its panes does."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


@dataclass
class TmuxServer:
    cmd: list[str]  # tmux on this server's socket
    env: dict[str, str]  # what a program in its pane sees: TMUX, TMUX_PANE (and PATH)

    def __call__(self, *args: str) -> str:
        done = subprocess.run([*self.cmd, *args], capture_output=True, check=True, timeout=10)
        return done.stdout.decode()

    def buffer(self) -> bytes:
        """The paste buffer's bytes, exactly (empty when there is none)."""
        return subprocess.run([*self.cmd, "show-buffer"], capture_output=True, timeout=10).stdout


@contextmanager
def tmux_server(name: str) -> Iterator[TmuxServer]:
    """A server with one detached session ``t`` (80x24, no client attached)."""
    sock = Path("/tmp") / f"yt-{name[-24:]}-{os.getpid()}.sock"  # short: sun_path is 108
    cmd = ["tmux", "-S", str(sock), "-f", "/dev/null"]
    subprocess.run([*cmd, "new-session", "-d", "-s", "t", "-x", "80", "-y", "24"], check=True)
    try:
        server = TmuxServer(cmd, {})
        pid, pane = server("display-message", "-p", "-t", "t", "#{pid} #{pane_id}").split()
        server.env = {"TMUX": f"{sock},{pid},0", "TMUX_PANE": pane, "PATH": os.environ["PATH"]}
        yield server
    finally:
        subprocess.run([*cmd, "kill-server"], check=False, capture_output=True)
        sock.unlink(missing_ok=True)
