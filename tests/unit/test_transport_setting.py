"""``transport = "lean" | "httpx"`` in config.toml and ``YIKE_TUI_TRANSPORT`` pick what
carries the API calls; a wrong value is refused in one line naming where it came from."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.api_transports import carried_by
from tests.loopback import Reply, scripted_server
from yike_tui.api.client import ApiClient
from yike_tui.api.credentials import Credentials
from yike_tui.api.transport import TRANSPORT_ENV, UnknownTransport
from yike_tui.core.config import ConfigError, load_config

CREDS = Credentials("LTAItest00000001", "secret-value-xyz", source="test")
JOB = {"RequestId": "r1", "JobId": "j1", "JobStatus": "Running", "JobParams": {"Title": "t"}}


@pytest.fixture(autouse=True)
def no_override(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(TRANSPORT_ENV, raising=False)


def configured(tmp_path: Path, text: str) -> str:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return load_config(path).settings.transport


@pytest.mark.parametrize("name", ["lean", "httpx"])
async def test_the_configured_transport_carries_the_calls(tmp_path: Path, name: str) -> None:
    setting = configured(tmp_path, f'[settings]\ntransport = "{name}"\n')
    async with scripted_server([Reply(body=JOB)]) as server:
        async with ApiClient(CREDS, endpoint=server.endpoint, transport_name=setting) as client:
            assert carried_by(client) == name
            assert (await client.get_job("j1")).title == "t"
    assert len(server.requests) == 1


def test_lean_unless_told_otherwise(tmp_path: Path) -> None:
    assert configured(tmp_path, "[settings]\ninterval = 30\n") == "lean"
    assert carried_by(ApiClient(CREDS)) == "lean"


def test_the_environment_overrides_the_file_for_one_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TRANSPORT_ENV, "httpx")
    assert carried_by(ApiClient(CREDS, transport_name="lean")) == "httpx"
    monkeypatch.setenv(TRANSPORT_ENV, "lean")
    assert carried_by(ApiClient(CREDS, transport_name="httpx")) == "lean"


def test_a_wrong_value_in_the_file_names_its_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        configured(tmp_path, '[settings]\ninterval = 30\ntransport = "fast"\n')
    assert info.value.line == 3 and info.value.field == "settings.transport"
    assert 'must be "lean" or "httpx"' in str(info.value)


def test_a_wrong_value_in_the_environment_is_refused_on_one_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(TRANSPORT_ENV, "h2\x1b[2J\nfake")
    with pytest.raises(UnknownTransport) as info:
        ApiClient(CREDS)
    message = str(info.value)
    assert message.startswith("YIKE_TUI_TRANSPORT='h2\\x1b[2J\\nfake'")
    assert "\x1b" not in message and "\n" not in message


def test_one_shot_commands_follow_the_file_too(tmp_path: Path) -> None:
    from yike_tui.core import paths
    from yike_tui.session import Connection, make_client

    paths.config_file().parent.mkdir(parents=True)
    paths.config_file().write_text('[settings]\ntransport = "httpx"\n')
    conn = Connection("https://ice.cn-shanghai.aliyuncs.com", CREDS, [])
    assert carried_by(make_client(conn)) == "httpx"  # what get, report, download build


def test_a_wrong_value_in_the_environment_is_a_usage_error_for_a_command(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.hardening.cli_run import run

    monkeypatch.setenv(TRANSPORT_ENV, "fast")
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", CREDS.access_key_id)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", CREDS.access_key_secret)
    code, out, err = run(["get", "0123456789abcdef0123456789abcdef"], capsys)
    assert code == 2 and out == ""
    assert err.strip().splitlines() == [
        "yike-tui: YIKE_TUI_TRANSPORT='fast': the API transport is 'lean' or 'httpx'"
    ]
