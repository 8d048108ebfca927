"""``yike-tui sim`` as a process: first line, ids file, clean exit on SIGTERM, bad flags."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx


def start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "yike_tui", "sim", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def test_serves_until_sigterm_and_writes_ids(tmp_path: Path) -> None:
    ids_file = tmp_path / "ids.txt"
    proc = start("--scenario", "load", "--jobs", "250", "--ids-file", str(ids_file))
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline().strip()
        assert first.startswith("listening on http://127.0.0.1:")
        endpoint = first.split()[-1]
        ids = ids_file.read_text().split()
        assert len(ids) == 250 and len(set(ids)) == 250
        assert httpx.get(f"{endpoint}/_sim/ids").json() == ids
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=10)
    assert proc.returncode == 0
    assert "LTAI5tDemoYikeTuiKey01" in err  # the demo pair is printed for the user


def test_non_loopback_bind_warns() -> None:
    proc = start("--host", "0.0.0.0")
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().startswith("listening on http://0.0.0.0:")
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=10)
    assert "no real security" in err
    assert proc.returncode == 0


def test_bad_flags_exit_2_with_one_line() -> None:
    for flags in (["--faults", "explode=1"], ["--jobs", "-3"], ["--scenario", "nope"]):
        result = subprocess.run(
            [sys.executable, "-m", "yike_tui", "sim", *flags], capture_output=True, text=True
        )
        assert result.returncode == 2, flags
        assert result.stderr.strip().count("\n") == 0, result.stderr
