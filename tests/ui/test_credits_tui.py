"""Credits where the user looks: the status bar's balance and its low warning, a
Suspended job's likely reason, and an account without Yike credits that shows nothing and is
asked once. Real HTTP: the simulator, or a small server of the test's own refusing credits."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

import pytest
from textual.widgets import Static

from tests.loopback import reply_json, threaded
from tests.ui.conftest import FIXED_WALL, AppFactory, by_title
from tests.ui.scenes import first_pass
from tests.wait import wait_for
from yike_tui.api.credentials import Credentials
from yike_tui.core.config import Settings
from yike_tui.engine.credit_watch import NO_USER_ID_NOTE
from yike_tui.session import session_for
from yike_tui.sim import SimulatorThread
from yike_tui.ui.app import YikeApp
from yike_tui.ui.screens.main import MainScreen
from yike_tui.ui.widgets.status_bar import StatusBar

LOW_REASON = "credits ran low (1,200 left): top up, then u resumes"


def status_text(app: YikeApp) -> str:
    return str(app.query_one(StatusBar).render())


def detail_text(app: YikeApp) -> str:
    return " ".join(str(app.query_one("#detail-body", Static).render()).split())


def main_screen(app: YikeApp) -> MainScreen:
    screen = app.screen
    assert isinstance(screen, MainScreen)
    return screen


async def test_the_status_bar_shows_the_balance_and_no_low_warning(
    make_app: AppFactory, sim: SimulatorThread
) -> None:
    assert sim.server is not None
    sim.server.sim.credits.start = 12_340
    paused = by_title(sim, "Paper Cranes")
    app = make_app(ids=[paused])
    async with app.run_test(size=(160, 45)) as pilot:
        await first_pass(pilot)
        await wait_for(pilot, lambda: "credits 12,340" in status_text(app), "the balance")
        status = status_text(app)
        assert "credits 12,340 low" not in status
        # Next to the counts, before the endpoint (A's order: most important first).
        assert status.index("credits 12,340") < status.index(sim.endpoint)
        # Enough credits: a Suspended job is not blamed on them.
        assert "Suspended" in detail_text(app)
        assert "credits ran low" not in detail_text(app)


async def test_a_low_balance_warns_and_explains_a_suspended_job(
    make_app: AppFactory, sim: SimulatorThread
) -> None:
    assert sim.server is not None
    sim.server.sim.credits.start = 1_200
    paused = by_title(sim, "Paper Cranes")
    app = make_app(ids=[paused])
    async with app.run_test(size=(160, 45)) as pilot:
        await first_pass(pilot)
        await wait_for(pilot, lambda: "credits 1,200 low" in status_text(app), "the warning")
        bar = app.query_one(StatusBar).render()
        assert hasattr(bar, "spans")
        start = str(bar).index("credits 1,200 low")
        styles = [str(s.style) for s in bar.spans if s.start <= start < s.end]
        assert any("yellow" in style for style in styles), styles
        await wait_for(pilot, lambda: LOW_REASON in detail_text(app), "the likely reason")


class _RefusesCredits(BaseHTTPRequestHandler):
    """Answers every JobId as a Suspended job and the credit actions with 403 Forbidden, as
    an account without Yike credits (or a RAM user without the permission) gets."""

    credit_asks = 0
    lock = threading.Lock()

    def do_POST(self) -> None:  # the client sends every action as a POST
        query = parse_qs(urlsplit(self.path).query)
        length = int(self.headers.get("content-length") or 0)
        form = parse_qs(self.rfile.read(length).decode())
        action = self.headers.get("x-acs-action", "")
        job_id = (query.get("JobId") or form.get("JobId") or [""])[0]
        if action in ("GetYikeUserCredit", "GetYikeAccountCredit"):
            with self.lock:
                type(self).credit_asks += 1
            body = {"Code": "Forbidden", "Message": "User not authorized.", "RequestId": "r1"}
            reply_json(self, 403, json.dumps(body).encode())
            return
        job = {"RequestId": "r2", "JobId": job_id, "JobStatus": "Suspended",
               "JobParams": {"Title": "Held"}}  # fmt: skip
        reply_json(self, 200, json.dumps(job).encode())

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def refusing_endpoint() -> Iterator[str]:
    _RefusesCredits.credit_asks = 0
    with threaded(_RefusesCredits) as url:
        yield url


async def test_an_account_without_credits_shows_nothing_and_is_asked_once(
    refusing_endpoint: str,
) -> None:
    session = session_for(
        refusing_endpoint,
        Credentials("LTAIkey", "secret"),
        ["a" * 32],
        yike_user_id="yk-1",
        settings=Settings(concurrency=1, rate_limit=0.0, clipboard="osc52"),  # type: ignore[call-arg]
    )
    app = YikeApp(session, wall=lambda: FIXED_WALL)
    async with app.run_test(size=(160, 45)) as pilot:
        await first_pass(pilot)
        watch = main_screen(app).credit_watch
        assert watch is not None
        await wait_for(pilot, lambda: watch.not_offered, "the refusal taken")
        assert "Forbidden" in watch.error
        # A submit asks for a fresh read: the refusal holds for the session.
        watch.soon()
        await watch.check()
        await pilot.pause()
        assert _RefusesCredits.credit_asks == 1
        status = status_text(app)
        assert "credits" not in status and "Forbidden" not in status
        assert "Suspended" in detail_text(app) and "credits" not in detail_text(app).lower()
        assert not [n for n in app._notifications if "Forbidden" in str(n.message)]


async def test_ice_without_a_yike_user_id_asks_nothing_and_the_status_bar_says_how(
    make_app: AppFactory, sim: SimulatorThread
) -> None:
    """GetYikeUserCredit requires YikeUserId: with none set it is never sent, and the status
    bar names the setting where the balance would be (after the counts)."""
    assert sim.server is not None
    app = make_app(yike_user_id="")
    async with app.run_test(size=(200, 45)) as pilot:
        await first_pass(pilot)
        await wait_for(pilot, lambda: NO_USER_ID_NOTE in status_text(app), "the note")
        status = status_text(app)
        assert "set yike_user_id" in status and status.index("▶") < status.index(NO_USER_ID_NOTE)
    assert sim.server.sim.stats.by_action["GetYikeUserCredit"] == 0
