"""Every command's --help comes from one place and shows defaults, environment and an example."""

from __future__ import annotations

import pytest

from yike_tui.cli import main
from yike_tui.commands import COMMANDS


@pytest.mark.parametrize("name", list(COMMANDS))
def test_help_shows_environment_and_an_example(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as done:
        main([name, "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    command = COMMANDS[name]
    assert command.summary in out
    assert f"example:\n  {command.example}" in out
    for variable in command.env:
        assert variable in out


def test_help_shows_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["sim", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "seconds an output URL stays valid (default: 3600)" in out
    assert "--speed SPEED clock speed factor (above 0) (default: 1)" in out
