"""UI tests drive the real app against the simulator, on a fixed clock."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import replace

import pytest

from tests.conftest import by_title as by_title  # re-exported: UI tests import it here
from yike_tui.api.credentials import Credentials
from yike_tui.api.endpoints import APIS
from yike_tui.core.config import Settings
from yike_tui.session import session_for
from yike_tui.sim import (
    DEMO_ACCESS_KEY_ID,
    DEMO_ACCESS_KEY_SECRET,
    DEMO_YIKE_USER_ID,
    SimulatorThread,
)
from yike_tui.store import Store
from yike_tui.ui.app import YikeApp

FIXED_WALL = 1_795_000_000.0  # 2026-11-18T07:06:40Z: every "ago" and clock in the UI is fixed


class FakeClock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.delenv("TZ")
    time.tzset()


@pytest.fixture
def sim_clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sim(sim_clock: FakeClock) -> Iterator[SimulatorThread]:
    with SimulatorThread(scenario="demo", clock=sim_clock) as server:
        yield server


AppFactory = Callable[..., YikeApp]


@pytest.fixture
def make_app(sim: SimulatorThread) -> AppFactory:
    def factory(
        ids: list[str] | None = None,
        *,
        secret: str = DEMO_ACCESS_KEY_SECRET,
        readonly: bool = False,
        demo: bool = False,
        store: Store | None = None,
        ui_batch: float = 1.0,
        wall: Callable[[], float] = lambda: FIXED_WALL,
        yike_user_id: str = DEMO_YIKE_USER_ID,
        api: str = "ice",
        **settings: object,
    ) -> YikeApp:
        """``yike_user_id``: whose credits ICE reads (the simulator's user by default);
        ``api``: the product API the client speaks (the simulator serves both)."""
        creds = Credentials(DEMO_ACCESS_KEY_ID, secret, source="test credentials")
        options = {"concurrency": 1, "rate_limit": 0.0, "clipboard": "osc52", **settings}
        session = session_for(
            sim.endpoint,
            creds,
            list(sim.job_ids if ids is None else ids),
            api=APIS[api],
            yike_user_id=yike_user_id,
            settings=Settings(**options),  # type: ignore[arg-type]
            store=store,
            demo=demo,
        )
        return YikeApp(session, readonly=readonly, wall=wall, ui_batch=ui_batch)

    return factory


def point_output_at(app: YikeApp, job_id: str, port: int) -> None:
    """Make ``job_id``'s output URL a file on a loopback server of the test's own, with the
    engine paused so no confirming fetch puts the simulator's URL back."""
    assert app.monitor is not None
    app.monitor.pause()
    state = app.monitor.jobs[job_id]
    assert state.job is not None
    state.job = replace(state.job, output_url=f"http://127.0.0.1:{port}/out.mp4")


os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")


COUNT_TOAST = re.compile(r"\+\d+ more in the event log")


def toast_texts(app: YikeApp) -> list[str]:
    """The toasts up, oldest first, without the one that counts those sent to the log."""
    texts = [str(n.message) for n in app._notifications]
    return [text for text in texts if not COUNT_TOAST.match(text)]
