"""``yike-tui watch`` against the simulator, run in-process as a user would call it."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import by_title
from tests.wait import DEADLINE
from yike_tui.cli import main
from yike_tui.sim import SimulatorThread
from yike_tui.sim.scenarios import HOSTILE_PREFIX


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
    hostile = by_title(fast_sim, HOSTILE_PREFIX)
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


def _demo_ids(*titles: str) -> list[str]:
    """Ids of demo jobs by title (the demo book is the same every run: ids come from a seed)."""
    with SimulatorThread(scenario="demo") as demo:
        return [by_title(demo, title) for title in titles]


def test_demo_until_done_watches_only_the_ids_given() -> None:
    """`watch --demo --until-done ID...` used to watch every demo job (some suspended, so it
    never ended): now the two given, one Succeeded and one Failed, are watched and it exits 1.
    The Failed one's first report carries its failed storyboards and shots."""
    harbour, courier = _demo_ids("Harbour Lights", "Midnight Courier")
    argv = [sys.executable, "-m", "yike_tui", "watch", "--demo", "--until-done", "--json"]
    child = subprocess.Popen(
        [*argv, harbour, courier], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        out, err = child.communicate(timeout=DEADLINE)
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate(timeout=10)
    assert child.returncode == 1, err
    lines = [json.loads(line) for line in out.splitlines()]
    assert {line["job_id"] for line in lines} == {harbour, courier}
    first = [(e["kind"], e.get("storyboard_id"), e.get("shot_id")) for e in lines[:6]]
    courier_events = [e for e in lines if e["job_id"] == courier and e["kind"] != "state"]
    kinds = [e["kind"] for e in courier_events]
    assert kinds[0] == "job_added" and courier_events[0]["status"] == "Failed", first
    failed_sb = next(e for e in courier_events if e["kind"] == "storyboard_failed")
    assert failed_sb["new"] == "Editing/CreateFailed, Exception"  # the tree's words
    assert failed_sb["exception"] is True
    shots = {(e["storyboard_id"], e["shot_id"], e["error_code"]) for e in courier_events[1:]
             if e["kind"] == "shot_failed"}  # fmt: skip
    assert {code for _, _, code in shots} == {
        "NoMediaData",
        "ContentModerationFailed",
        "VideoGenerationTimeout",
    }
    final = {e["job_id"]: e for e in lines if e["kind"] == "state"}
    assert final[harbour]["status"] == "Succeeded" and final[courier]["status"] == "Failed"
    assert len(final[courier]["failed_shots"]) == 3
    assert all(e["ts"].endswith("Z") for e in lines)


def test_until_done_on_jobs_already_finished_prints_their_final_state(
    fast_sim: SimulatorThread, capsys: pytest.CaptureFixture[str]
) -> None:
    """The second run knows both jobs are finished (state db) and fetches nothing: it used to
    print nothing at all. Now each job's final state, with the failures of the failed one."""
    harbour, winter = by_title(fast_sim, "Harbour Lights"), by_title(fast_sim, "Winter Market")
    args = ["watch", "--until-done", "--interval", "1", "--endpoint", fast_sim.endpoint]
    assert main([*args, harbour]) == 0
    assert main([*args, harbour, winter]) == 1  # Winter Market fails
    capsys.readouterr()
    assert fast_sim.server is not None
    fetched = fast_sim.server.sim.stats.requests

    assert main([*args, harbour, winter]) == 1
    out = capsys.readouterr().out.splitlines()
    assert fast_sim.server.sim.stats.requests == fetched  # nothing was asked again
    assert out[0].startswith("✓ Succeeded") and harbour in out[0]
    assert out[1].startswith("✗ Failed") and winter in out[1] and "Winter Market" in out[1]
    assert any("storyboard" in line and "failed (Editing/CreateFailed" in line for line in out)
    assert any("shot 4 of" in line and "NoMediaData" in line for line in out)

    assert main([*args, harbour]) == 0  # all succeeded: 0, and the state said
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 1 and out[0].startswith("✓ Succeeded")


def test_first_sight_of_a_failed_job_names_its_failures(
    fast_sim: SimulatorThread, capsys: pytest.CaptureFixture[str]
) -> None:
    """Human lines: "watching (Failed)" is followed by why, storyboard and shots."""
    courier = by_title(fast_sim, "Midnight Courier")
    assert main(["watch", "--until-done", "--endpoint", fast_sim.endpoint, courier]) == 1
    out = capsys.readouterr().out.splitlines()
    added = next(i for i, line in enumerate(out) if line.endswith("watching (Failed)"))
    reasons = out[added + 1 : added + 5]
    assert "failed (Editing/CreateFailed, Exception)" in reasons[0]  # as the tree says it
    assert [line.rsplit(": ", 1)[1] for line in reasons[1:]] == [
        "NoMediaData",
        "ContentModerationFailed",
        "VideoGenerationTimeout",
    ]
