"""The stand-alone Yike product API, end to end: the real CLI over real HTTP to
the simulator, which records the x-acs-version of every call it is sent."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from tests.demo_env import demo_for_commands
from tests.hardening.cli_run import run
from yike_tui.sim import SimulatorThread
from yike_tui.sim.app import Reply

ICE, YIKE = "2020-11-09", "2026-03-19"
UNKNOWN = "0123456789abcdef0123456789abcdef"


@pytest.fixture(autouse=True)
def _no_log_file(monkeypatch: pytest.MonkeyPatch) -> None:
    # In-process runs must not leave a root log handler pointing into one test's tmp dir.
    monkeypatch.setattr("yike_tui.core.logs.setup_logging", lambda debug: None)


class Recorder:
    """The simulator behind $YIKE_TUI_ENDPOINT, and the API version of each call it got."""

    def __init__(self, thread: SimulatorThread) -> None:
        assert thread.server is not None
        self.thread = thread
        self.versions: list[str] = []
        app = thread.server.sim
        handle = app.handle

        def recording(method: str, target: str, headers: dict[str, str], body: bytes) -> Reply:
            if not target.startswith(("/_sim/", "/yike-output/")):
                self.versions.append(headers.get("x-acs-version", ""))
            return handle(method, target, headers, body)

        app.handle = recording  # type: ignore[method-assign]

    def job(self, title_start: str) -> str:
        assert self.thread.server is not None
        book = self.thread.server.sim.book
        return next(j.id for j in book if j.params["Title"].startswith(title_start))


@pytest.fixture
def sim(monkeypatch: pytest.MonkeyPatch) -> Iterator[Recorder]:
    with demo_for_commands(monkeypatch, clock=lambda: 0.0) as thread:
        yield Recorder(thread)


def write_config(home: Path, text: str) -> None:
    path = home / ".config" / "yike-tui" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_api_yike_before_the_command_gets_a_job_with_the_yike_version(sim: Recorder) -> None:
    """`yike-tui --api yike get ID`, the real program in its own process: the simulator is
    asked with version 2026-03-19 only, and the answer's subtitles and credits come out."""
    harbour = sim.job("Harbour")
    done = subprocess.run(
        [sys.executable, "-m", "yike_tui", "--api", "yike", "get", harbour, "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        env=dict(os.environ),
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert sim.versions == [YIKE]
    job = json.loads(done.stdout)
    assert job["job_id"] == harbour and job["status"] == "Succeeded"
    assert ".srt?" in job["srt_url"]
    assert Decimal(job["credit"]["total_credit_cost"]) > 0  # a string: exact


@pytest.mark.parametrize(
    ("flag", "env", "setting", "version"),
    [
        ([], None, "yike", YIKE),  # [settings] api
        ([], "yike", "ice", YIKE),  # the environment over config.toml
        ([], " YIKE ", None, YIKE),  # any case, blanks around
        (["--api", "yike"], "ice", "ice", YIKE),  # the flag over both
        (["--api", "ice"], "yike", "yike", ICE),
    ],
)
def test_which_api_a_command_speaks(
    sim: Recorder,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    isolated_home: Path,
    flag: list[str],
    env: str | None,
    setting: str | None,
    version: str,
) -> None:
    if env is not None:
        monkeypatch.setenv("YIKE_TUI_API", env)
    if setting is not None:
        write_config(isolated_home, f'[settings]\napi = "{setting}"\n')
    code, out, err = run(["get", sim.job("Harbour"), "--json", *flag], capsys)
    assert code == 0, err
    assert sim.versions == [version]
    credit = json.loads(out)["credit"]
    assert (credit is not None) == (version == YIKE)  # credits only in the Yike product's


@pytest.mark.parametrize(
    ("argv", "env", "config", "said"),
    [
        (["--region", "ap-southeast-1"], {}, "", "region 'ap-southeast-1' (from --region) has"
         " no ice endpoint: ice serves cn-shanghai"),
        (["--api", "yike"], {"YIKE_TUI_REGION": "eu-central-1"}, "",
         "region 'eu-central-1' (from YIKE_TUI_REGION) has no yike endpoint: yike serves"
         " cn-shanghai, ap-southeast-1"),
        ([], {}, '[settings]\napi = "yike"\nregion = "cn-beijing"\n',
         "region 'cn-beijing' (from config.toml) has no yike endpoint"),
        ([], {"YIKE_TUI_API": "vod"}, "", "unknown API 'vod' (from YIKE_TUI_API): use one of"
         " ice, yike"),
    ],
)  # fmt: skip
def test_a_region_the_api_does_not_serve_is_a_usage_error_before_any_request(
    sim: Recorder,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    isolated_home: Path,
    argv: list[str],
    env: dict[str, str],
    config: str,
    said: str,
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    if config:
        write_config(isolated_home, config)
    code, out, err = run(["get", sim.job("Harbour"), *argv], capsys)
    assert code == 2
    assert out == ""
    assert said in err and err.count("\n") == 1  # one line
    assert sim.versions == []  # nothing was sent


def test_an_unknown_api_flag_is_refused_by_the_parser(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["get", UNKNOWN, "--api", "vod"], capsys)
    assert code == 2
    assert "--api" in err and "'ice', 'yike'" in err and err.count("\n") == 1


def test_info_names_the_yike_api_its_version_region_and_endpoint(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAIabcdefgh1234")
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "TopSecretValue99")
    code, out, err = run(["info", "--api", "yike", "--region", "ap-southeast-1"], capsys)
    assert code == 0, err
    lines = out.splitlines()
    assert "api:         yike (the Yike product, version 2026-03-19; from --api)" in lines
    assert "region:      ap-southeast-1 (from --region)" in lines
    assert "endpoint:    https://yike.ap-southeast-1.aliyuncs.com (yike in ap-southeast-1)" in lines


def test_info_takes_the_region_of_the_credentials_only_when_the_api_serves_it(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, isolated_home: Path
) -> None:
    """ALIBABA_CLOUD_REGION_ID=ap-southeast-1 (a team in Singapore) picks the Yike product's
    endpoint there; ICE has no such region, so ICE stays in cn-shanghai and info says why."""
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAIabcdefgh1234")
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "TopSecretValue99")
    monkeypatch.setenv("ALIBABA_CLOUD_REGION_ID", "ap-southeast-1")
    write_config(isolated_home, '[settings]\napi = "yike"\n')
    code, out, err = run(["info"], capsys)
    assert code == 0, err
    assert "api:         yike (the Yike product, version 2026-03-19; from config.toml)" in out
    assert "region:      ap-southeast-1 (from the credentials)" in out
    assert "endpoint:    https://yike.ap-southeast-1.aliyuncs.com" in out
    code, out, err = run(["info", "--api", "ice"], capsys)
    assert code == 0, err
    assert "endpoint:    https://ice.cn-shanghai.aliyuncs.com (ice in cn-shanghai)" in out
    assert "the credentials' region ap-southeast-1 has no ice endpoint: not used" in out


def test_info_without_credentials_still_says_which_api_and_endpoint(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("YIKE_TUI_API", "yike")
    code, out, _ = run(["info"], capsys)
    assert code == 3
    assert "api:         yike (the Yike product, version 2026-03-19; from YIKE_TUI_API)" in out
    assert "endpoint:    https://yike.cn-shanghai.aliyuncs.com (yike in cn-shanghai)" in out


@pytest.mark.parametrize(
    ("api", "hint"),
    [
        ("ice", "not known to ICE; if it is a job of the Yike product, try --api yike"),
        ("yike", "not known to the Yike product; if it is a job of ICE, try --api ice"),
    ],
)
def test_get_of_a_job_unknown_to_one_api_hints_at_the_other(
    sim: Recorder, capsys: pytest.CaptureFixture[str], api: str, hint: str
) -> None:
    code, out, err = run(["get", UNKNOWN, "--api", api], capsys)
    assert code == 1
    assert out == ""
    assert hint in err and "JobNotFound" in err and err.count("\n") == 1


def test_watch_reports_the_hint_with_the_unknown_job(
    sim: Recorder, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(["watch", "--once", "--json", UNKNOWN], capsys)
    assert code == 1
    state = json.loads(out)
    assert state["status"] == "NotFound"
    assert "try --api yike" in state["error"]["message"]
    assert sim.versions == [ICE]


def test_resume_of_a_job_unknown_to_yike_hints_at_ice(
    sim: Recorder, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(["resume", UNKNOWN, "--api", "yike"], capsys)
    assert code == 1
    assert "try --api ice" in err
    assert sim.versions == [YIKE]


def test_the_demo_speaks_the_api_asked_for(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["get", "--demo", "--api", "yike", "--json"], capsys)
    assert code == 0, err
    jobs = [json.loads(line) for line in out.splitlines()]
    assert jobs and all(job["credit"] is not None for job in jobs)
    code, out, err = run(["info", "--demo", "--api", "yike"], capsys)
    assert code == 0, err
    assert "api:         yike (the Yike product, version 2026-03-19; from --api)" in out


def test_live_watch_event_for_an_unknown_job_carries_the_hint(
    sim: Recorder, capsys: pytest.CaptureFixture[str]
) -> None:
    """The "job not found" event (the TUI's event log, watch's live lines, --exec hooks)
    says what the API said, hint included, not just "job not found"."""
    code, out, _ = run(["watch", "--json", "--until-done", UNKNOWN], capsys)
    assert code == 1
    events = [json.loads(line) for line in out.splitlines()]
    missing = [e for e in events if e.get("kind") == "job_not_found"]
    assert missing, events
    assert "try --api yike" in missing[0]["message"]


def test_watch_human_line_for_an_unknown_job_carries_the_hint(
    sim: Recorder, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(["watch", "--once", UNKNOWN, "--api", "yike"], capsys)
    assert code == 1
    line = next(line for line in out.splitlines() if "NotFound" in line)
    assert UNKNOWN in line and "try --api ice" in line
