"""Run the CLI in-process as a user would, capturing its exit code and output."""

from __future__ import annotations

import pytest

from yike_tui.cli import main


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        code = main(argv)
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err
