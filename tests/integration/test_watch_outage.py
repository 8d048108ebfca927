"""`watch` tells an outage once: one line when the endpoint goes, one when it is back, not a
"fetch failed" and a "fetching works again" for every job. Real process, real HTTP: the
simulator is stopped (connections refused), then started again on the same port."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

from tests.wait import wait_until
from yike_tui.sim import DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, SimulatorThread


def test_watch_prints_an_outage_once_and_its_end_once(tmp_path: Path) -> None:
    with SimulatorThread(scenario="demo") as first:  # its port, free again once it stops
        endpoint, ids = first.endpoint, list(first.job_ids)[:6]
    port = int(endpoint.rsplit(":", 1)[1])
    env = {
        **os.environ,
        "ALIBABA_CLOUD_ACCESS_KEY_ID": DEMO_ACCESS_KEY_ID,
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET": DEMO_ACCESS_KEY_SECRET,
        "YIKE_TUI_ENDPOINT": endpoint,
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }
    child = subprocess.Popen(
        [sys.executable, "-m", "yike_tui", "watch", "--interval", "1", *ids],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        env=env,
        text=True,
    )
    lines: list[str] = []
    assert child.stdout is not None
    stdout = child.stdout
    reader = threading.Thread(target=lambda: lines.extend(iter(stdout.readline, "")))
    reader.start()
    try:
        wait_until(lambda: any("OFFLINE" in line for line in lines), "the outage line")
        with SimulatorThread(scenario="demo", port=port):
            wait_until(lambda: any("answers again" in line for line in lines), "the end line")
    finally:
        child.terminate()  # as Ctrl-C would: it exits cleanly (and coverage is saved)
        try:
            child.wait(timeout=30)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
        reader.join(timeout=10)
    outage = [line for line in lines if "OFFLINE" in line]
    assert len(outage) == 1, lines
    assert "endpoint unreachable since " in outage[0] and ": ConnectionFailed" in outage[0]
    back = [line for line in lines if "answers again" in line]
    assert len(back) == 1, lines
    # How many waited depends on how far the paced first pass got before the endpoint came
    # back; at least the one that saw it down, at most all of them.
    waited = int(back[0].split(", ")[-1].split(" job")[0])
    assert 1 <= waited <= len(ids), back
    # No per-job line repeats the outage, going or coming back.
    assert not any("fetch failed" in line or "works again" in line for line in lines), lines
