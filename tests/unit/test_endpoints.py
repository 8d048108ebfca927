"""api/endpoints.py: the one table of APIs and the one rule choosing API, region, endpoint."""

from __future__ import annotations

import pytest

from yike_tui.api.client import API_VERSION, DEFAULT_ENDPOINT
from yike_tui.api.endpoints import APIS, TargetError, other_api_hint, resolve_target
from yike_tui.cli import _split


def test_the_table_says_what_the_vendor_serves() -> None:
    assert APIS["ice"].version == API_VERSION == "2020-11-09"
    assert DEFAULT_ENDPOINT == "https://ice.cn-shanghai.aliyuncs.com"
    assert APIS["yike"].version == "2026-03-19"
    assert dict(APIS["yike"].regions) == {
        "cn-shanghai": "yike.cn-shanghai.aliyuncs.com",
        "ap-southeast-1": "yike.ap-southeast-1.aliyuncs.com",
    }


@pytest.mark.parametrize(
    ("given", "env", "expected"),
    [
        ({}, {}, ("ice", "cn-shanghai", "https://ice.cn-shanghai.aliyuncs.com")),
        ({"api": "yike"}, {}, ("yike", "cn-shanghai", "https://yike.cn-shanghai.aliyuncs.com")),
        (
            {"api": "yike", "region": "ap-southeast-1"},
            {},
            ("yike", "ap-southeast-1", "https://yike.ap-southeast-1.aliyuncs.com"),
        ),
        (
            {"settings_api": "yike", "settings_region": "ap-southeast-1"},
            {"YIKE_TUI_REGION": "cn-shanghai"},
            ("yike", "cn-shanghai", "https://yike.cn-shanghai.aliyuncs.com"),
        ),
        (
            {"api": "yike", "credentials_region": "ap-southeast-1"},
            {},
            ("yike", "ap-southeast-1", "https://yike.ap-southeast-1.aliyuncs.com"),
        ),
        # ICE does not serve the credentials' region: its default, not an error.
        (
            {"credentials_region": "ap-southeast-1"},
            {},
            ("ice", "cn-shanghai", "https://ice.cn-shanghai.aliyuncs.com"),
        ),
        # An explicit endpoint (the simulator, a proxy) wins over the region's.
        (
            {"api": "yike", "endpoint": "http://127.0.0.1:9"},
            {"YIKE_TUI_ENDPOINT": "http://127.0.0.1:8"},
            ("yike", "cn-shanghai", "http://127.0.0.1:9"),
        ),
        (
            {},
            {"YIKE_TUI_ENDPOINT": "http://127.0.0.1:8"},
            ("ice", "cn-shanghai", "http://127.0.0.1:8"),
        ),
        (
            {"settings_api": "yike"},
            {"YIKE_TUI_API": " Ice "},
            ("ice", "cn-shanghai", DEFAULT_ENDPOINT),
        ),
    ],
)
def test_resolve_target(
    given: dict[str, str], env: dict[str, str], expected: tuple[str, str, str]
) -> None:
    target = resolve_target(env=env, **given)
    assert (target.api.name, target.region, target.endpoint) == expected


def test_a_region_the_api_does_not_serve_names_the_ones_it_does() -> None:
    with pytest.raises(TargetError) as caught:
        resolve_target(api="ice", region="ap-southeast-1", env={})
    assert str(caught.value) == (
        "region 'ap-southeast-1' (from --region) has no ice endpoint: ice serves cn-shanghai"
    )
    with pytest.raises(TargetError, match="yike serves cn-shanghai, ap-southeast-1"):
        resolve_target(settings_api="yike", settings_region="us-west-1", env={})


def test_other_api_hint_goes_both_ways() -> None:
    assert other_api_hint("2020-11-09") == (
        "not known to ICE; if it is a job of the Yike product, try --api yike"
    )
    assert other_api_hint("2026-03-19") == (
        "not known to the Yike product; if it is a job of ICE, try --api ice"
    )
    assert other_api_hint("1999-01-01") == ""


@pytest.mark.parametrize(
    ("argv", "command", "rest"),
    [
        (["--api", "yike", "get", "X"], "get", ["--api", "yike", "X"]),
        (["--region", "get", "info"], "info", ["--region", "get"]),
        (["--api=yike", "get", "X"], "get", ["--api=yike", "X"]),
        (["--demo", "yike"], None, ["--demo", "yike"]),  # the TUI on a JobId "yike"
    ],
)
def test_a_flag_before_the_command_keeps_its_value(
    argv: list[str], command: str | None, rest: list[str]
) -> None:
    assert _split(argv) == (command, rest)
