"""``yike-tui submit`` as a user runs it: the API refusing, ``--demo``, and ``--watch``
opening the TUI on the new job (in a real pseudo-terminal)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from tests.hardening.cli_run import run
from tests.loopback import reply_json, threaded
from tests.pty_child import PtyChild, yike_tui
from yike_tui.core import paths
from yike_tui.sim import DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, SimulatorThread
from yike_tui.sim.faults import FaultSpec
from yike_tui.store import Store


def watched_ids() -> list[str]:
    """The watch list, from the state db (where add, remove and submit keep it)."""
    if not paths.state_db().exists():
        return []
    with Store.open(prune=False) as store:
        return [job.id for job in store.watchlist()]


SOURCE = "https://b.oss-cn-shanghai.aliyuncs.com/novel.txt"
DEADLINE = 60.0  # seconds: far beyond a healthy start; a stuck TUI fails the test loudly


@pytest.fixture(autouse=True)
def _no_log_file(monkeypatch: pytest.MonkeyPatch) -> None:
    # In-process runs must not leave a root log handler pointing into one test's tmp dir.
    monkeypatch.setattr("yike_tui.core.logs.setup_logging", lambda debug: None)


def use_endpoint(monkeypatch: pytest.MonkeyPatch, endpoint: str) -> None:
    monkeypatch.setenv("YIKE_TUI_ENDPOINT", endpoint)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", DEMO_ACCESS_KEY_ID)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", DEMO_ACCESS_KEY_SECRET)


@pytest.fixture
def sim(monkeypatch: pytest.MonkeyPatch) -> Iterator[SimulatorThread]:
    with SimulatorThread(scenario="demo", clock=lambda: 0.0) as server:
        use_endpoint(monkeypatch, server.endpoint)
        yield server


def submits(sim: SimulatorThread) -> int:
    assert sim.server is not None
    by_action: dict[str, int] = sim.server.sim.stats.to_json()["by_action"]
    return by_action.get("SubmitYikeStoryboardJob", 0)


# --- the API says no -----------------------------------------------------------------------


def test_a_server_error_is_one_message_exit_1_and_never_a_second_submit(
    sim: SimulatorThread, capsys: pytest.CaptureFixture[str]
) -> None:
    assert sim.server is not None
    books = len(sim.job_ids)
    sim.server.sim.faults = FaultSpec.parse("error500=1")
    code, out, err = run(["submit", "--file-url", SOURCE, "--title", "Rain"], capsys)
    assert (code, out) == (1, "")  # no job id printed: nothing to watch
    # A 5xx is not a refusal: the job may have been created before the service failed.
    (line,) = err.strip().splitlines()
    assert line.startswith("yike-tui: the submit's outcome is unknown: InternalError (HTTP 500)")
    assert "[RequestId " in line and "the job may exist" in line and "Yike console" in line
    assert "Traceback" not in err
    # A lost answer could mean the job exists: a submit is never sent twice.
    assert submits(sim) == 1
    assert len(sim.job_ids) == books
    assert watched_ids() == []


def test_wrong_credentials_say_what_to_check(
    sim: SimulatorThread, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "a-typo")
    code, out, err = run(["submit", "--file-url", SOURCE, "--title", "Rain"], capsys)
    assert (code, out) == (1, "")
    assert err.startswith("yike-tui: not submitted: SignatureDoesNotMatch (HTTP 400)")
    assert "yike-tui info" in err and "a-typo" not in err  # the hint, never the secret
    assert watched_ids() == []


class _Refusing(BaseHTTPRequestHandler):
    """Answers every request with a 400 whose message tries to forge terminal output."""

    message = "bad FileURL\nyike-tui: submitted 0123; added to the watch list\x1b]0;pwned\x07"

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        body = json.dumps(
            {"Code": "InvalidParameter", "Message": self.message, "RequestId": "R-1"}
        ).encode()
        reply_json(self, 400, body)

    def log_message(self, *args: object) -> None:  # quiet
        pass


@pytest.fixture
def refusing(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    with threaded(_Refusing) as url:
        use_endpoint(monkeypatch, url)
        yield url


def test_a_hostile_error_message_is_shown_inert_on_one_line(
    refusing: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(["submit", "--file-url", SOURCE, "--title", "Rain"], capsys)
    assert (code, out) == (1, "")
    assert "\x1b" not in err and "\x07" not in err  # no escape reaches the terminal
    lines = err.strip().splitlines()
    # The server's newline does not start a line that looks like our own output.
    assert len(lines) == 2 and lines[1].strip().startswith("what to do: the request was")
    assert lines[0].startswith("yike-tui: not submitted: InvalidParameter (HTTP 400): bad FileURL")
    assert not any(line.startswith("yike-tui: submitted") for line in lines)


# --- --demo ----------------------------------------------------------------------------------


def test_demo_submit_prints_the_id_and_leaves_the_watch_list_alone(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(["submit", "--demo", "--file-url", SOURCE, "--title", "Rain"], capsys)
    assert code == 0, err
    job_id = out.strip()
    assert len(out.splitlines()) == 1 and job_id.isalnum()
    assert f"submitted {job_id} to the demo simulator (not added to the watch list)" in err
    assert not paths.config_file().exists()  # a demo id means nothing after this command


def test_demo_submit_with_watch_is_refused_before_anything_is_sent(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_tui(*args: object) -> int:  # were it started here, it would wait for a terminal
        raise AssertionError("the TUI must not open on a demo job id")

    monkeypatch.setattr("yike_tui.ui.launch.run_tui", no_tui)
    argv = ["submit", "--demo", "--watch", "--file-url", SOURCE, "--title", "Rain"]
    code, out, err = run(argv, capsys)
    assert (code, out) == (2, "")  # not done is not success, and no job was made for nothing
    assert "--watch is not available with --demo" in err
    assert "`yike-tui --demo` opens the demo TUI" in err
    assert not paths.config_file().exists()


# --- --watch: the TUI on the new job, in a real terminal ----------------------------------


def test_watch_opens_the_tui_on_the_new_job(sim: SimulatorThread, tmp_path: Path) -> None:
    title = "WatchMeRain"
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "160", "LINES": "45"}
    argv = yike_tui("submit", "--watch", "--file-url", SOURCE, "--title", title)
    with PtyChild(argv, env) as tui:
        tui.read_until(b"Submit? [y/N]", "the question before a submit")
        assert b"spends credits" in tui.output and title.encode() in tui.output
        tui.send(b"y\r")
        tui.read_until(b"in the watch list", "the job kept")
        mark = len(tui.output)
        tui.read_until(lambda: title.encode() in tui.output[mark:], "the TUI on the new job")
        tui.send(b"q")
        assert tui.wait() == 0
    seen = tui.output
    text = seen.decode("utf-8", "replace")
    job_id = text.split("Submit? [y/N] ", 1)[1].split()[1].strip()  # after the echoed "y"
    assert job_id.isalnum() and len(job_id) >= 16, text[:600]  # the id, on a line of its own
    assert watched_ids() == [job_id]
    assert sim.server is not None
    assert sim.server.sim.stats.by_job.get(job_id, 0) >= 1  # the TUI fetched it
    assert "Traceback" not in text
