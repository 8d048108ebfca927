"""``yike-tui info``, run in-process as a user would: what it shows, and its exit codes."""

from __future__ import annotations

import time
from pathlib import Path

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


def test_info_on_ice_without_a_yike_user_id_asks_nothing_and_says_how(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """GetYikeUserCredit requires YikeUserId: without the setting it is not sent, and info
    names the setting and how to find the id (GetYikeUser)."""
    from yike_tui.sim import DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, SimulatorThread

    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", DEMO_ACCESS_KEY_ID)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", DEMO_ACCESS_KEY_SECRET)
    with SimulatorThread(scenario="demo") as sim:
        assert sim.server is not None
        monkeypatch.setenv("YIKE_TUI_ENDPOINT", sim.endpoint)
        code, out, err = run(["info"], capsys)
        asked = sim.server.sim.stats.by_action["GetYikeUserCredit"]
    assert code == 0, err
    assert asked == 0
    said = " ".join(out[out.index("credits:") :].split())
    assert said.startswith("credits: not asked: ICE reads the credits of one Yike user")
    assert "yike_user_id under [settings]" in said and "$YIKE_TUI_YIKE_USER_ID" in said
    assert "GetYikeUser with your Yike user name" in said
    assert "yike user:" not in out


def test_info_names_the_yike_user_and_where_it_came_from(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, isolated_home: Path
) -> None:
    from yike_tui.sim import (
        DEMO_ACCESS_KEY_ID,
        DEMO_ACCESS_KEY_SECRET,
        DEMO_YIKE_USER_ID,
        SimulatorThread,
    )

    config = isolated_home / ".config" / "yike-tui" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(f'[settings]\nyike_user_id = "{DEMO_YIKE_USER_ID}"\n')
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", DEMO_ACCESS_KEY_ID)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", DEMO_ACCESS_KEY_SECRET)
    with SimulatorThread(scenario="demo") as sim:
        assert sim.server is not None
        monkeypatch.setenv("YIKE_TUI_ENDPOINT", sim.endpoint)
        code, out, err = run(["info"], capsys)
    assert code == 0, err
    assert f"yike user:   {DEMO_YIKE_USER_ID} (from config.toml)" in out.splitlines()
    assert "credits:     60,000 credits left of 100,000" in out.splitlines()


@pytest.mark.parametrize(
    ("days", "said"),
    [
        (200.5, "professional until {end} (200 days left)"),
        (3.5, "professional until {end} (3 days left) (warning: renew it, or jobs stop when it"
         " ends)"),
        (-2.0, "professional, ended {end} (warning: renew it, or jobs stop when it ends)"),
    ],
)  # fmt: skip
def test_info_shows_the_yike_membership_and_warns_when_it_ends_within_a_week(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, days: float, said: str
) -> None:
    """GetYikeAccountCredit's MembershipInfo: the level and its end date; within 7 days of
    the end (or past it) a warning. The Yike API needs no Yike user id."""
    from datetime import UTC, datetime, timedelta

    from yike_tui.sim import DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, SimulatorThread

    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", DEMO_ACCESS_KEY_ID)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", DEMO_ACCESS_KEY_SECRET)
    started = time.time()  # the simulator's wall clock, stopped: its end date is known
    with SimulatorThread(scenario="demo", wall=lambda: started) as sim:
        assert sim.server is not None
        sim.server.sim.credits.membership_days_left = days
        monkeypatch.setenv("YIKE_TUI_ENDPOINT", sim.endpoint)
        code, out, err = run(["info", "--api", "yike"], capsys)
    assert code == 0, err
    end = (datetime.fromtimestamp(started, UTC) + timedelta(days=days)).strftime("%Y-%m-%d")
    assert f"membership:  {said.format(end=end)}" in out.splitlines()
    assert "credits:     60,000 credits left of 100,000" in out.splitlines()
