"""``yike-tui watch`` against the simulator, run in-process as a user would call it."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from yike_tui.cli import main
from yike_tui.sim import DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, SimulatorThread


@pytest.fixture
def fast_sim(monkeypatch: pytest.MonkeyPatch) -> Iterator[SimulatorThread]:
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", DEMO_ACCESS_KEY_ID)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", DEMO_ACCESS_KEY_SECRET)
    with SimulatorThread(scenario="demo", speed=300) as sim:
        yield sim


def by_title(sim: SimulatorThread, start: str) -> str:
    assert sim.server is not None
    return next(j.id for j in sim.server.sim.book if j.params["Title"].startswith(start))


def test_once_json_prints_one_state_per_job(
    fast_sim: SimulatorThread, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = fast_sim.job_ids[:4]
    code = main(["watch", "--once", "--json", "--endpoint", fast_sim.endpoint, *ids])
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert code == 0
    assert [line["job_id"] for line in lines] == ids
    assert all(line["kind"] == "state" and line["status"] for line in lines)


def test_once_human_is_inert_for_hostile_titles(
    fast_sim: SimulatorThread, capsys: pytest.CaptureFixture[str]
) -> None:
    hostile = by_title(fast_sim, "[/bold]")
    assert main(["watch", "--once", "--endpoint", fast_sim.endpoint, hostile]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\u202e" not in out
    assert "␛]52;c;" in out


def test_until_done_exit_codes(
    fast_sim: SimulatorThread, capsys: pytest.CaptureFixture[str]
) -> None:
    teaser, winter = by_title(fast_sim, "Quick Teaser"), by_title(fast_sim, "Winter Market")
    args = ["watch", "--until-done", "--json", "--interval", "1", "--endpoint", fast_sim.endpoint]
    assert main([*args, teaser]) == 0
    events = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert {"job_added", "output_ready"} <= {e["kind"] for e in events}
    assert all(set(e) >= {"ts", "job_id", "kind"} and e["ts"].endswith("Z") for e in events)
    ready = next(e for e in events if e["kind"] == "output_ready")
    assert ready["url"].startswith(fast_sim.endpoint)  # --json stays exact
    assert main([*args, teaser, winter]) == 1


def test_wrong_secret_exits_3_with_the_reason(
    fast_sim: SimulatorThread, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "wrong")
    code = main(["watch", "--endpoint", fast_sim.endpoint, fast_sim.job_ids[0]])
    assert code == 3
    assert "SignatureDoesNotMatch" in capsys.readouterr().err


def test_no_jobs_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["watch"]) == 2
    assert "no jobs to watch" in capsys.readouterr().err
