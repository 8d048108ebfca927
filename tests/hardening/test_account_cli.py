"""Every command says an account not enabled for Yike once, with what to do, and a command
that ends exits 3 (as for unusable credentials); ``watch`` goes on and says when the account
is served again. In-process, as a user runs them, against the simulator playing the account
over real HTTP."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.demo_env import demo_for_commands
from tests.hardening.cli_run import run
from tests.wait import wait_until
from yike_tui.core.exits import EXIT_CREDENTIALS
from yike_tui.sim import SimulatorThread

MEANS = "this Alibaba Cloud account is not enabled for Yike"


@pytest.fixture(autouse=True)
def _no_log_file(monkeypatch: pytest.MonkeyPatch) -> None:
    # In-process runs must not leave a root log handler pointing into one test's tmp dir.
    monkeypatch.setattr("yike_tui.core.logs.setup_logging", lambda debug: None)


@pytest.fixture
def sim(monkeypatch: pytest.MonkeyPatch) -> Iterator[SimulatorThread]:
    with demo_for_commands(monkeypatch, clock=lambda: 0.0, account_enabled=False) as thread:
        yield thread


def said_once(err: str, other_api: str = "--api yike") -> str:
    """The one line on stderr, checked to say what it means and what to do."""
    lines = err.splitlines()
    assert len(lines) == 1, lines
    line = lines[0]
    assert MEANS in line and "console" in line and other_api in line, line
    # Not an unknown job, and no job's error.
    for wrong in ("not known to", "check the JobId", "NotFound ", "HTTP404"):
        assert wrong not in line, line
    return line


def uploads(sim: SimulatorThread) -> int:
    assert sim.server is not None
    return sim.server.sim.stats.by_action.get("oss:PutObject", 0)


def test_get_of_several_jobs_says_it_once_and_exits_3(
    sim: SimulatorThread, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(["get", *sim.job_ids[:3]], capsys)
    assert code == EXIT_CREDENTIALS and out == ""
    said_once(err)


def test_get_through_the_yike_product_api_names_ice_as_the_other(
    sim: SimulatorThread, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(["get", "--api", "yike", sim.job_ids[0]], capsys)
    assert code == EXIT_CREDENTIALS
    assert "--api yike" not in said_once(err, other_api="--api ice")


def test_watch_once_says_it_once_and_exits_3(
    sim: SimulatorThread, capsys: pytest.CaptureFixture[str]
) -> None:
    for extra in ([], ["--json"]):
        code, out, err = run(["watch", "--once", *extra, *sim.job_ids[:5]], capsys)
        assert code == EXIT_CREDENTIALS and out == ""  # no job printed as an error
        said_once(err)


def test_resume_says_it_once_and_exits_3(
    sim: SimulatorThread, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(["resume", *sim.job_ids[:2]], capsys)
    assert code == EXIT_CREDENTIALS and out == ""
    said_once(err)


def test_submit_says_it_once_exits_3_and_uploads_nothing(
    sim: SimulatorThread, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    novel = tmp_path / "novel.txt"
    novel.write_text("Once upon a time a fox met a crow.\n" * 20, encoding="utf-8")
    code, out, err = run(["submit", str(novel), "--source-type", "Novel"], capsys)
    assert code == EXIT_CREDENTIALS and out == ""
    said_once(err)
    assert uploads(sim) == 0
    code, out, err = run(["submit", "--file-url", "https://e/x.txt", "--title", "T"], capsys)
    assert code == EXIT_CREDENTIALS and out == ""
    said_once(err)


def test_report_and_download_say_it_once_and_exit_3(
    sim: SimulatorThread, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    ids = sim.job_ids[:3]
    for argv in (["report", *ids], ["download", "--dir", str(tmp_path / "v"), *ids]):
        code, out, err = run(argv, capsys)
        assert code == EXIT_CREDENTIALS and out == "", argv
        said_once(err)


def test_info_shows_everything_then_says_it_once_and_exits_3(
    sim: SimulatorThread, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(["info"], capsys)
    assert code == EXIT_CREDENTIALS
    assert "credits:     not readable (MainAccountUserNotFound)" in out
    assert "looked in:" in out  # the rest of what info shows is still there
    said_once(err)


def test_watch_says_it_once_goes_on_and_says_when_it_is_served(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("yike_tui.engine.monitor.ACCOUNT_EVERY", 0.2)  # asked again soon
    with demo_for_commands(monkeypatch, speed=300, account_enabled=False) as sim:
        assert sim.server is not None
        simulator = sim.server.sim
        # A job of its own for each run: the first leaves its job finished in the state db.
        for extra, title in (([], "Quick"), (["--json"], "Harbour")):
            job = next(j.id for j in simulator.book if j.params["Title"].startswith(title))
            simulator.account_enabled = False
            refused = simulator.stats.by_status[404]

            def enable_after_two_refusals(before: int = refused) -> None:
                wait_until(lambda: simulator.stats.by_status[404] >= before + 2, "two asks")
                simulator.account_enabled = True

            helper = threading.Thread(target=enable_after_two_refusals)
            helper.start()
            argv = ["watch", "--until-done", "--interval", "1", *extra, job]
            code, out, err = run(argv, capsys)
            helper.join()
            assert code == 0  # the job went on to succeed once the account was served
            lines = err.splitlines()
            assert len(lines) == 2, lines
            assert MEANS in lines[0] and "--api yike" in lines[0]
            assert "asked again every" in lines[0]
            assert "the API serves the account again" in lines[1]
            assert "fetch failed" not in out and "NotFound" not in out
            if extra:  # --json's stdout is events only
                assert all(json.loads(line) for line in out.splitlines())
