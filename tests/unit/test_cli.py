"""The CLI as a user runs it: exit codes, one-line errors, no tracebacks."""

from __future__ import annotations

import subprocess
import sys

import pytest


def yike(*args: str, env_extra: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    import os

    env = {**os.environ, **(env_extra or {})}
    return subprocess.run(
        [sys.executable, "-m", "yike_tui", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def test_version() -> None:
    result = yike("--version")
    assert result.returncode == 0
    assert result.stdout.startswith("yike-tui ")


def test_help_lists_commands_and_exit_codes() -> None:
    result = yike("--help")
    assert result.returncode == 0
    assert "get" in result.stdout and "Exit codes" in result.stdout


def test_get_without_credentials_exits_3_with_advice() -> None:
    result = yike("get", "0123456789abcdef0123456789abcdef")
    assert result.returncode == 3
    assert "no Alibaba Cloud credentials" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "bad",
    ["a\x1bb", "x" * 129, "a\x07"],
)
def test_malformed_job_id_exits_2(bad: str) -> None:
    result = yike("get", bad)
    assert result.returncode == 2
    assert "JobId" in result.stderr
    assert "\x1b" not in result.stderr


def test_get_with_no_ids_is_a_usage_error() -> None:
    result = yike("get")
    assert result.returncode == 2
    assert "at least one JobId" in result.stderr


def test_unknown_flag_is_one_line_exit_2() -> None:
    result = yike("get", "--frobnicate")
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1


def test_plain_http_to_remote_endpoint_refused() -> None:
    result = yike(
        "get",
        "abc",
        "--endpoint",
        "http://example.com",
        env_extra={"ALIBABA_CLOUD_ACCESS_KEY_ID": "LTAIx", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "y"},
    )
    assert result.returncode == 2
    assert "only allowed to loopback" in result.stderr


def test_info_masks_the_key_and_never_prints_the_secret() -> None:
    result = yike(
        "info",
        env_extra={
            "ALIBABA_CLOUD_ACCESS_KEY_ID": "LTAIabcdefgh1234",
            "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "TopSecretValue99",
        },
    )
    assert result.returncode == 0
    assert "LTAI****1234" in result.stdout
    assert "TopSecretValue99" not in result.stdout + result.stderr
    assert "LTAIabcdefgh1234" not in result.stdout


def test_an_argument_error_quoting_the_argument_stays_on_one_line() -> None:
    # argparse quotes unrecognised arguments as they are: a newline would fake a second line.
    result = yike("list", "x\nyike-tui: all good", "\x1b]0;t\x07")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "\x1b" not in result.stderr
    assert "unrecognized arguments: x␊yike-tui: all good ␛]0;t␇" in result.stderr


def test_a_job_id_byte_that_is_not_utf8_exits_2_naming_it() -> None:
    import os

    done = subprocess.run(
        [sys.executable.encode(), b"-m", b"yike_tui", b"remove", b"job-\xff\xfe"],
        capture_output=True,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr == b"yike-tui: JobId job-\\xff\\xfe is not valid UTF-8 text\n"
