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
    assert "credentials: AccessKey LTAI****1234 from" in out
    assert "region:      ap-southeast-1 (from --region)" in out
    assert "TopSecretValue99" not in out + err
