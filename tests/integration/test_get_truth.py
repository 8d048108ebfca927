"""What ``get`` says is true: why a job has no output, how a Suspended one resumes, and an
empty JobId is a slip, not a request for every demo job."""

from __future__ import annotations

import json

import pytest

from tests.hardening.cli_run import run


def blocks(out: str) -> dict[str, str]:
    """get's text, one block a job (its first line is not indented), by status word."""
    parts: list[str] = []
    for line in out.splitlines():
        if line.startswith(" "):
            parts[-1] += "\n" + line
        else:
            parts.append(line)
    found: dict[str, str] = {}
    for block in parts:
        found.setdefault(block.split()[1], block)
    return found


def test_no_output_says_why_and_a_suspended_job_says_how_to_resume(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(["get", "--demo"], capsys)
    assert code == 0, err
    found = blocks(out)
    assert "Output:      none: the job failed" in found["Failed"]
    assert "(not yet)" not in out
    suspended = found["Suspended"]
    job_id = suspended.splitlines()[0].split()[-1]
    assert "Output:      not yet: the job is Suspended" in suspended
    assert f"`yike-tui resume {job_id}`" in suspended
    assert "Output:      not yet: the job is Running" in found["Running"]


@pytest.mark.parametrize("blank", ["", " ", ","])
def test_an_empty_jobid_is_a_usage_error_even_with_demo(
    capsys: pytest.CaptureFixture[str], blank: str
) -> None:
    code, out, err = run(["get", "--demo", blank], capsys)
    assert (code, out) == (2, "")
    assert err.strip() == "yike-tui: a JobId is empty"


def test_the_short_id_the_job_list_shows_stands_for_its_job(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(["get", "--demo", "--json", "8173a292"], capsys)
    assert code == 0, err
    assert json.loads(out)["job_id"].startswith("8173a292") and len(json.loads(out)["job_id"]) == 32


def test_a_prefix_of_several_watched_jobs_lists_them(capsys: pytest.CaptureFixture[str]) -> None:
    first, second = "8173a292" + "a" * 24, "8173a292" + "b" * 24
    assert run(["add", first, second], capsys)[0] == 0
    code, out, err = run(["get", "8173a292"], capsys)
    assert (code, out) == (2, "")
    assert "8173a292 is the start of 2 watched jobs" in err and first in err and second in err


def test_a_unique_prefix_of_a_watched_job_is_that_job(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.integration.test_submit_command import use_endpoint
    from yike_tui.sim import SimulatorThread

    with SimulatorThread(scenario="demo", clock=lambda: 0.0) as sim:
        use_endpoint(monkeypatch, sim.endpoint)
        watched = sim.job_ids[0]
        assert run(["add", watched], capsys)[0] == 0
        code, out, err = run(["get", "--json", watched[:8]], capsys)
        assert code == 0, err
        assert json.loads(out)["job_id"] == watched
        # Under four characters a prefix is too likely a slip: taken as given, and unknown.
        code, _, err = run(["get", watched[:3]], capsys)
        assert code == 1 and "JobNotFound" in err


def test_a_storyboard_reads_as_in_the_tui(capsys: pytest.CaptureFixture[str]) -> None:
    """Title, status word with the vendor's values, failed shots in words, then the id."""
    code, out, err = run(["get", "--demo", "8173a292"], capsys)
    assert code == 0, err
    failed = next(line for line in out.splitlines() if line.startswith("    ✗"))
    assert "  Failed · 1 failed shot  (Editing/CreateFailed, Exception)  st_" in failed
    assert "(exception)" not in out and "✗1 shots" not in out
    assert "  Succeeded · 2 failed shots  (Produced/ProduceSucc)  st_" in out


def test_watch_with_demo_takes_the_short_id_too(capsys: pytest.CaptureFixture[str]) -> None:
    """As get does: watch (and the TUI, on the same session) with --demo resolved none."""
    code, out, err = run(["watch", "--demo", "--once", "--json", "8173a292"], capsys)
    assert code == 0, err
    (line,) = out.splitlines()
    assert json.loads(line)["job_id"].startswith("8173a292")
    assert json.loads(line)["status"] == "Failed"
