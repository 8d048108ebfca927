"""Real ``yike-tui watch`` processes for the tests of one engine per state db: started as a
user starts them (``python -m yike_tui``), pointed at a simulator on loopback by the
environment, their stdout (NDJSON) and stderr read by threads as they come."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from yike_tui.sim import DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET


def environment(endpoint: str, home: Path | None = None) -> dict[str, str]:
    """The test's environment (its own HOME and XDG dirs, or those under ``home``) with the
    demo key pair and the simulator's endpoint."""
    env = {
        **os.environ,
        "ALIBABA_CLOUD_ACCESS_KEY_ID": DEMO_ACCESS_KEY_ID,
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET": DEMO_ACCESS_KEY_SECRET,
        "YIKE_TUI_ENDPOINT": endpoint,
    }
    if home is not None:
        home.mkdir(parents=True, exist_ok=True)
        env["HOME"] = str(home)
        for name, sub in (("XDG_CONFIG_HOME", ".config"), ("XDG_STATE_HOME", ".local/state")):
            env[name] = str(home / sub)
    return env


def command(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """A one-shot command (``add``...), finished."""
    return subprocess.run(
        [sys.executable, "-m", "yike_tui", *args],
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
        check=True,
    )


class Watcher:
    """``yike-tui watch --json`` in a process of its own."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "yike_tui", "watch", "--json", *args],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.pid = self.process.pid
        self.lines: list[dict[str, Any]] = []  # stdout, parsed
        self.errors: list[str] = []  # stderr
        self._readers = [
            threading.Thread(target=self._read, args=(self.process.stdout, True), daemon=True),
            threading.Thread(target=self._read, args=(self.process.stderr, False), daemon=True),
        ]
        for reader in self._readers:
            reader.start()

    def _read(self, stream: Any, parse: bool) -> None:
        for line in iter(stream.readline, ""):
            if parse:
                self.lines.append(json.loads(line))
            else:
                self.errors.append(line.rstrip("\n"))

    def said(self, text: str) -> bool:
        return any(text in line for line in self.errors)

    def kinds_of(self, kind: str) -> set[str]:
        return {str(line["job_id"]) for line in list(self.lines) if line["kind"] == kind}

    def stop(self) -> int:
        """As Ctrl-C would: it gives the lease up and exits."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = self.process.wait()
        self._join()
        return code

    def kill(self) -> None:
        """``kill -9``: nothing given up, no last word."""
        self.process.kill()
        self.process.wait()
        self._join()

    def _join(self) -> None:
        for reader in self._readers:
            reader.join(timeout=10)
