"""``yike-tui info``, run in-process as a user would: what it shows, and its exit codes."""

from __future__ import annotations

import pytest

from tests.hardening.cli_run import run


def test_info_demo_shows_the_demo_endpoint_and_credentials(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`info --demo` ignored --demo: the cloud endpoint, "no credentials found", exit 0."""
    code, out, err = run(["info", "--demo"], capsys)
    assert code == 0, err
    assert err == ""
    endpoint = next(line for line in out.splitlines() if line.startswith("endpoint:"))
    assert "http://127.0.0.1:" in endpoint and "demo simulator" in endpoint
    assert "aliyuncs.com" not in out
    credentials = next(line for line in out.splitlines() if line.startswith("credentials:"))
    assert "LTAI****ey01 from built-in demo simulator" in credentials
    # The demo account's balance, read from the simulator over the API in use.
    assert "credits:     60,000 credits left of 100,000" in out.splitlines()


def test_info_without_credentials_exits_3(capsys: pytest.CaptureFixture[str]) -> None:
    """No credentials anywhere (the test HOME is empty): exit 3, as the README's table says,
    with what it did find on stdout and where it looked on stderr."""
    code, out, err = run(["info"], capsys)
    assert code == 3
    assert "credentials: none usable" in out
    assert "endpoint:    https://ice.cn-shanghai.aliyuncs.com" in out
    assert "no Alibaba Cloud credentials found" in err and ".aliyun" in err


def test_info_with_credentials_exits_0(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAIabcdefgh1234")
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "TopSecretValue99")
    code, out, err = run(["info", "--api", "yike", "--region", "ap-southeast-1"], capsys)
    assert code == 0, err
    # Offline, the credit read fails in one line and info still exits 0.
    assert any(line.startswith("credits:     not readable (") for line in out.splitlines())
    assert "credentials: AccessKey LTAI****1234 from" in out
    assert "region:      ap-southeast-1 (from --region)" in out
    assert "TopSecretValue99" not in out + err


def test_info_says_when_credits_are_low(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A balance under the vendor's 5,000 is flagged: jobs can stop (a real simulator whose
    account has 1,200 left)."""
    from yike_tui.sim import (
        DEMO_ACCESS_KEY_ID,
        DEMO_ACCESS_KEY_SECRET,
        DEMO_YIKE_USER_ID,
        SimulatorThread,
    )

    monkeypatch.setenv("YIKE_TUI_YIKE_USER_ID", DEMO_YIKE_USER_ID)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", DEMO_ACCESS_KEY_ID)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", DEMO_ACCESS_KEY_SECRET)
    with SimulatorThread(scenario="demo") as sim:
        assert sim.server is not None  # started: the thread serves once entered
        sim.server.sim.credits.start = 1200
        monkeypatch.setenv("YIKE_TUI_ENDPOINT", sim.endpoint)
        code, out, err = run(["info"], capsys)
    assert code == 0, err
    assert "credits:     1,200 credits left of 100,000 (below 5,000: jobs can stop)" in out
