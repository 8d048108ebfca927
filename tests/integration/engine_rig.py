"""What the engine tests share: the demo key pair and a clock that moves only when told.

The simulator and client fixtures built on them are in ``conftest.py``."""

from __future__ import annotations

from yike_tui.api.credentials import Credentials
from yike_tui.sim import DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET

DEMO = Credentials(DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, source="test")


class FakeClock:
    def __init__(self, t: float = 0.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t
