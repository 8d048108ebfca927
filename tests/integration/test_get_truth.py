"""What ``get`` says is true: why a job has no output, how a Suspended one resumes, and an
empty JobId is a slip, not a request for every demo job."""

from __future__ import annotations

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
