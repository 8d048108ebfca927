"""The demo simulator, with the environment a user would set to reach it from a command."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from yike_tui.core.config import YIKE_USER_ID_ENV
from yike_tui.sim import (
    DEMO_ACCESS_KEY_ID,
    DEMO_ACCESS_KEY_SECRET,
    DEMO_YIKE_USER_ID,
    SimulatorThread,
)


@contextmanager
def demo_for_commands(monkeypatch: pytest.MonkeyPatch, **sim: Any) -> Iterator[SimulatorThread]:
    """The demo scenario (``sim``: SimulatorThread options) behind $YIKE_TUI_ENDPOINT, with
    the demo key pair and its Yike user (whose credits ICE reads) in the environment."""
    with SimulatorThread(scenario="demo", **sim) as server:
        monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", DEMO_ACCESS_KEY_ID)
        monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", DEMO_ACCESS_KEY_SECRET)
        monkeypatch.setenv("YIKE_TUI_ENDPOINT", server.endpoint)
        monkeypatch.setenv(YIKE_USER_ID_ENV, DEMO_YIKE_USER_ID)
        yield server
