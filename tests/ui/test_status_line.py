"""The status line puts what matters where a narrow terminal still shows it."""

from __future__ import annotations

import socket

from tests.wait import wait_for
from yike_tui.api.credentials import Credentials
from yike_tui.config import Settings
from yike_tui.session import Connection, Session
from yike_tui.ui.app import YikeApp
from yike_tui.ui.widgets.status_bar import StatusBar


def closed_port() -> int:
    with socket.socket() as s:  # bound, never listening, closed: connections are refused
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def screen_line(app: YikeApp, width: int) -> str:
    return str(app.screen.query_one(StatusBar).render())[:width]


async def test_at_80_columns_the_endpoint_down_shows_what_matters() -> None:
    endpoint = f"http://127.0.0.1:{closed_port()}"
    session = Session(
        conn=Connection(endpoint, Credentials("LTAI5tStatusLine01", "s", source="a test"), []),
        settings=Settings(interval=30.0, rate_limit=0.0, clipboard="osc52"),  # type: ignore[call-arg]
        job_ids=["0123456789abcdef0123456789abcdef"],
        labels={},
        store=None,
        demo=False,
    )
    app = YikeApp(session)
    async with app.run_test(size=(80, 24)) as pilot:
        monitor = app.monitor
        assert monitor is not None
        await wait_for(pilot, lambda: monitor.status.last_error, "the failed fetch")
        await wait_for(pilot, lambda: "ConnectionFailed" in screen_line(app, 80), "the error")
        visible = screen_line(app, 80)
        # Stale, when it will try again and what is wrong fit in 80 columns; where it
        # connects and with whose key come last (`yike-tui info` shows them too).
        assert visible.startswith(" STALE  refreshed never · next ")
        assert "01234567…: ConnectionFailed" in visible
        full = str(app.screen.query_one(StatusBar).render())
        assert full.index("ConnectionFailed") < full.index(endpoint) < full.index("LTAI****ne01")
