"""`watch --once` over a watch list longer than the rate limit lets it fetch within
`--timeout`: the deadline is for a server that stalls, so it counts from the last answer. A
pass that keeps getting answers goes on to the end; a server that answers nothing is still
given up on after `--timeout` seconds of silence."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from yike_tui.cli import main
from yike_tui.sim import DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, SimulatorThread
from yike_tui.sim.faults import FaultSpec


def rate_limit(home: Path, per_second: float) -> None:
    config = home / ".config" / "yike-tui" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(f"[settings]\nrate_limit = {per_second}\n", encoding="utf-8")


def test_once_goes_on_past_its_timeout_while_answers_come(
    fast_sim: SimulatorThread, isolated_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rate_limit(isolated_home, 2)
    ids = fast_sim.job_ids  # 13 jobs at 2 a second: more than 6 s, for a 3 s --timeout
    started = time.monotonic()
    code = main(["watch", "--once", "--json", "--timeout", "3", "--endpoint", fast_sim.endpoint,
                 *ids])  # fmt: skip
    took = time.monotonic() - started
    out, err = capsys.readouterr()
    assert code == 0, err
    assert took > 3  # the rate limit made the pass outlast --timeout, and it went on
    states = [json.loads(line) for line in out.splitlines()]
    assert [s["job_id"] for s in states] == ids
    assert all(s["status"] not in ("Error", "NotFound") for s in states)
    assert err == ""  # under a minute at the rate limit: nothing to say beforehand


def test_once_gives_up_on_a_server_that_answers_nothing(
    isolated_home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", DEMO_ACCESS_KEY_ID)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", DEMO_ACCESS_KEY_SECRET)
    rate_limit(isolated_home, 1)
    stalled = SimulatorThread(scenario="load", jobs=100, faults=FaultSpec(timeout=1.0))
    with stalled:  # every request held without an answer
        code = main(["watch", "--once", "--timeout", "2", "--endpoint", stalled.endpoint,
                     *stalled.job_ids])  # fmt: skip
    out, err = capsys.readouterr()
    assert code == 1
    assert err.splitlines() == [
        "yike-tui: 100 jobs at 1 request a second take about 2 min; it gives up only when the"
        " API answers nothing for 2 s",
        "yike-tui: 100 of 100 jobs not answered: the API answered nothing for 2 s (--timeout)",
    ]
    lines = out.splitlines()
    assert len(lines) == 100
    assert all(
        line.startswith("! Error") and "Deadline: the API answered nothing for 2 s" in line
        for line in lines
    ), lines[:3]
