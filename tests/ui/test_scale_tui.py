"""The TUI over a big state db: start-up, drawing, sort and filter read the
summaries kept beside the snapshots and never parse a stored answer; only the job the user
selects is read and parsed. The event log draws the lines on screen, not all it holds.

A real state db (``benchmarks.big_state``: the studio's-year shape, a few thousand jobs),
the real app under Pilot, the engine paused (nothing to fetch: the rows are the db's).
Every parse is counted by a wrapper around ``parse_job`` where the engine calls it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from benchmarks import big_state
from tests.ui.conftest import FIXED_WALL
from tests.wait import wait_for
from yike_tui.api.credentials import Credentials
from yike_tui.core.config import Settings
from yike_tui.core.models import Job, JobStatus, parse_job
from yike_tui.engine import job_state
from yike_tui.engine import monitor as monitor_module
from yike_tui.engine.status import Update
from yike_tui.session import session_for
from yike_tui.sim import DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET
from yike_tui.store import Store
from yike_tui.ui.app import YikeApp
from yike_tui.ui.widgets.event_log import EventLog
from yike_tui.ui.widgets.job_filter import JobFilter
from yike_tui.ui.widgets.job_rows import GUTTER
from yike_tui.ui.widgets.job_table import JobTable

JOBS = 3000
EVENTS = 2000
NEVER_STORED = ["f" * 31 + str(n) for n in range(3)]  # watched, nothing stored: loading
_RANK = {  # the list's status order before the summaries, written out again as the reference
    JobStatus.FAILED: 0,
    JobStatus.SUSPENDED: 1,
    JobStatus.RUNNING: 2,
    JobStatus.UNKNOWN: 3,
    JobStatus.SUCCEEDED: 4,
}


@pytest.fixture(scope="module")
def year_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """3,000 watched jobs (5% running, some failed, every tenth labelled 'year'), 2,000
    events; copied per test, as the app writes to it."""
    path = tmp_path_factory.mktemp("year") / "state.db"
    big_state.build(path, JOBS, EVENTS)
    return path


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The JobIds the engine parses an answer of, in order."""
    seen: list[str] = []

    def counting(payload: Any, *, job_id: str = "", fetched_at: float = 0.0) -> Job:
        seen.append(job_id)
        return parse_job(payload, job_id=job_id, fetched_at=fetched_at)

    for module in (monitor_module, job_state):  # a fresh answer, and a stored one looked at
        monkeypatch.setattr(module, "parse_job", counting)
    return seen


@pytest.fixture
def store(year_db: Path, tmp_path: Path) -> Iterator[Store]:
    copy = big_state.fresh_copy(year_db, tmp_path)
    with Store.open(copy, prune=False) as opened:
        yield opened


def make_app(store: Store) -> YikeApp:
    watched = store.watchlist()
    creds = Credentials(DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, source="test credentials")
    session = session_for(
        "http://127.0.0.1:9",  # never asked: the engine is paused
        creds,
        [w.id for w in watched] + NEVER_STORED,
        settings=Settings(clipboard="off", concurrency=1, rate_limit=0.0),
        labels={w.id: w.label for w in watched if w.label},
        store=store,
    )
    app = YikeApp(session, wall=lambda: FIXED_WALL)
    assert app.monitor is not None
    app.monitor.pause()  # the rows are what the db says
    return app


def table_of(app: YikeApp) -> JobTable:
    return app.query_one(JobTable)


async def test_start_up_parses_nothing_and_selecting_a_row_parses_only_that_job(
    store: Store, parsed: list[str]
) -> None:
    app = make_app(store)
    async with app.run_test(size=(160, 48)) as pilot:
        table = table_of(app)
        await wait_for(pilot, lambda: table.row_count == JOBS + 3, "every job in the list")
        first, second = table.row_ids[:2]
        # The first screenful is drawn from the summaries: titles, statuses, storyboards.
        screen = [table.render_line(y).text[GUTTER:] for y in range(1, 40)]
        assert "Episode 0 — a studio's year · year" in screen[0]
        assert all("Episode" in line for line in screen), screen
        assert any(line.startswith("✓ Succeeded") for line in screen)
        assert any("Running" in line for line in screen)
        # Of 3,000 stored answers, only the selected job's was parsed (the detail pane).
        assert set(parsed) <= {first}, parsed[:5]
        await pilot.press("j")
        await wait_for(pilot, lambda: second in parsed, "the newly selected job parsed")
        assert set(parsed) == {first, second}, parsed[:5]
        assert len(parsed) == 2  # each once
        detail = str(app.query_one("#detail").render()) + "".join(
            str(w.render()) for w in app.query_one("#detail").query("*")
        )
        assert "Episode 1" in detail


def reference_order(app: YikeApp, sort: str, needle: str = "", back: bool = False) -> list[str]:
    """The list's order the way it was computed before summaries: every job parsed."""
    monitor = app.monitor
    assert monitor is not None and monitor.store is not None
    jobs: dict[str, Job | None] = {}
    for job_id, state in monitor.jobs.items():
        stored = None if state.payload is not None else monitor.store.load_snapshot(job_id)
        if stored is None:  # answered in this run, or nothing stored
            jobs[job_id] = state.job if state.payload is not None else None
        else:
            jobs[job_id] = parse_job(stored[0], job_id=job_id, fetched_at=stored[1])

    def title(job_id: str) -> str:
        job = jobs[job_id]
        return job.title if job is not None else ""

    def word(job_id: str) -> str:
        job = jobs[job_id]
        return "Loading" if job is None else (job.status_raw or job.status.value)

    def rank(job_id: str) -> int:
        job = jobs[job_id]
        return len(_RANK) if job is None else _RANK[job.status]

    states = list(monitor.jobs.values())
    if needle:
        parts = needle.lower().split()
        text = {
            s.job_id: " ".join((s.job_id, s.label, title(s.job_id), word(s.job_id))).lower()
            for s in states
        }
        states = [s for s in states if all(p in text[s.job_id] for p in parts)]
    if sort == "status":
        states.sort(key=lambda s: rank(s.job_id), reverse=back)
    elif sort == "last change":
        states.sort(key=lambda s: -s.last_change, reverse=back)
    elif sort == "title":
        states.sort(key=lambda s: (s.label or title(s.job_id)).lower(), reverse=back)
    elif back:
        states.reverse()
    return [s.job_id for s in states]


async def test_sort_and_filter_read_the_summaries_and_agree_with_parsing_every_job(
    store: Store, parsed: list[str]
) -> None:
    app = make_app(store)
    async with app.run_test(size=(160, 48)) as pilot:
        table = table_of(app)
        await wait_for(pilot, lambda: table.row_count == JOBS + 3, "every job in the list")
        monitor = app.monitor
        assert monitor is not None
        # Two jobs answered in this run with new titles: rows from the answer, not the db.
        renamed = [table.row_ids[7], table.row_ids[2500]]
        for n, job_id in enumerate(renamed):
            stored = store.load_snapshot(job_id)
            assert stored is not None
            body = dict(stored[0], JobParams={"Title": f"Renamed {n} zebra"})
            state = monitor.jobs[job_id]
            state.job = parse_job(body, job_id=job_id, fetched_at=FIXED_WALL)
            state.payload, state.last_checked = body, FIXED_WALL
            state.last_change = FIXED_WALL + n
        monitor._emit(Update([], set(renamed)))  # as the engine tells the screen
        app.flush_updates()
        await wait_for(
            pilot,
            lambda: "Renamed 0 zebra" in table.get_row(renamed[0])[1].plain,
            "the renamed job's row",
        )
        parsed.clear()
        selected = {table.selected_id}  # the detail pane parses the job it shows

        for sort in ("status", "last change", "title"):
            await pilot.press("s")
            assert table.row_ids == reference_order(app, sort), sort
            selected.add(table.selected_id)
        await pilot.press("S")  # the title sort turned over: ties keep the order added
        assert table.row_ids == reference_order(app, "title", back=True)
        selected.add(table.selected_id)

        await pilot.press("s")  # back to the order added, then filter
        for needle in ("failed", "episode 12", "zebra", "year episode 29", "loading"):
            await pilot.press("slash")
            app.query_one("#filter", JobFilter).value = needle

            def filtered(n: str = needle) -> bool:
                return table.filter_text == n

            await wait_for(pilot, filtered, f"filter {needle}")
            expected = reference_order(app, "added", needle)
            assert table.row_ids == expected, needle
            assert expected, needle  # each finds something
            selected.add(table.selected_id)
            await pilot.press("escape")
            selected.add(table.selected_id)
        # No sort and no filter parsed a stored answer: only the jobs the cursor was on.
        assert set(parsed) <= selected, sorted(set(parsed) - selected)[:5]
        assert len(parsed) <= len(selected)


async def test_the_event_log_draws_the_lines_on_screen_only(store: Store) -> None:
    """Opening the log and going to its end ask for the titles of the lines shown, not of
    the 200 events it holds (each a job among 3,000)."""
    app = make_app(store)
    newest = store.recent_events(200)
    assert len(newest) == 200  # what the screen loads at start
    async with app.run_test(size=(160, 48)) as pilot:
        table = table_of(app)
        await wait_for(pilot, lambda: table.row_count == JOBS + 3, "every job in the list")
        log = app.query_one(EventLog)
        asked: list[str] = []
        title_of = log._title_of

        def counted(job_id: str) -> str:
            asked.append(job_id)
            return title_of(job_id)

        log._title_of = counted
        await pilot.press("e")
        await wait_for(pilot, lambda: log.display and asked, "the event log drawn")
        height = log.scrollable_content_region.height
        assert len(set(asked)) <= height < 200  # the lines on screen, not all held
        assert log.count == 200 and log.selected == newest[0]  # on the newest
        log.focus()
        asked.clear()
        await pilot.press("end")
        await wait_for(pilot, lambda: log.selected == newest[199], "the cursor on the oldest")
        await wait_for(pilot, lambda: newest[199].job_id in asked, "the oldest line drawn")
        assert len(set(asked)) <= 2 * height < 200  # the screen before the jump and after
        lines = log.line_texts()
        assert lines[0].endswith(log._message(newest[0]))
        assert lines[-1].endswith(log._message(newest[199]))
        await pilot.press("e", "e")  # opened again: on the newest
        await wait_for(pilot, lambda: log.selected == newest[0], "back on the newest")
