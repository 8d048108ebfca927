"""add, remove, list and config work on the user's own files and ask no API: a connection
flag there (the README's "every command takes --demo" did not hold for them) is refused
with why, exit 2, and nothing is written."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.hardening.cli_run import run
from yike_tui.core import paths

JOB = "0123456789abcdef0123456789abcdef"


@pytest.mark.parametrize(
    "argv",
    [
        ["list", "--demo"],
        ["--demo", "list"],
        ["add", JOB, "--demo"],
        ["--api", "yike", "add", JOB],
        ["remove", JOB, "--region", "ap-southeast-1"],
        ["config", "--profile", "work"],
        ["list", "--json", "--endpoint", "http://127.0.0.1:9"],
    ],
)
def test_a_connection_flag_on_a_local_command_is_refused_saying_why(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(argv, capsys)
    assert (code, out) == (2, "")
    flag = next(arg for arg in argv if arg.startswith("--") and arg != "--json")
    assert f": {flag} is not for this command: it works on your own files only" in err
    assert err.count("\n") == 1
    assert ("yike-tui --demo" in err) is (flag == "--demo")  # where the demo's jobs are
    assert not Path(paths.state_db()).exists()  # nothing written, no watch list touched


def test_other_unknown_flags_still_read_as_argparse_says(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = run(["list", "--frobnicate"], capsys)
    assert code == 2 and "unrecognized arguments: --frobnicate" in err
