"""A watch list longer than the answers the engine keeps in memory (issue 27): beyond
``hot_answers`` the least recently answered jobs keep only their row, as jobs read from the
state db do, and their answer is read back from the store when needed. What anyone sees is
the same: no event is invented or lost, every row and status stays, and ``watch --once`` and
``--until-done`` print each job as its answer in hand says (its RequestId, its signed link),
not as the store keeps it."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import yike_tui.engine.held as held_module
from tests.conftest import by_title
from tests.integration.engine_rig import FakeClock
from yike_tui.api.client import ApiClient
from yike_tui.cli import main
from yike_tui.commands.final_lines import FinalLines, InOrder
from yike_tui.core import paths
from yike_tui.engine.job_state import JobState
from yike_tui.engine.monitor import Monitor
from yike_tui.engine.status import Update
from yike_tui.safety.redaction import is_redacted
from yike_tui.sim import DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, SimServer, SimulatorThread
from yike_tui.store import Store

HOT = 2


def held(monitor: Monitor) -> set[str]:
    """The jobs whose answer (raw or parsed) is in memory."""
    return {j for j, s in monitor.jobs.items() if s.payload is not None or s.parsed is not None}


async def test_answers_beyond_the_cap_keep_their_row_and_compare_from_the_store(
    sim: SimServer, client: ApiClient, tmp_path: Path
) -> None:
    store = Store.open(tmp_path / "state.db")
    monitor = Monitor(client, store=store, rate_limit=0, clock=FakeClock(), hot_answers=HOT)
    dropped: dict[str, str] = {}

    def on_drop(state: JobState) -> None:  # told while the answer is still in hand
        job = state.job
        assert job is not None and state.payload is not None
        dropped[state.job_id] = job.request_id

    monitor.held.on_drop = on_drop
    updates: list[Update] = []
    monitor.subscribe(updates.append)
    ids = sim.sim.book.ids
    monitor.add(ids)
    await monitor.run_pass()
    first = [e for u in updates for e in u.events]
    assert first and len(held(monitor)) <= HOT
    assert set(dropped) == set(ids) - held(monitor)
    rows = {j: s.row for j, s in monitor.jobs.items()}
    statuses = {j: s.status for j, s in monitor.jobs.items()}
    assert all(row is not None for row in rows.values())

    updates.clear()
    monitor.refresh_now()  # the simulator's clock stands still: every answer is the same
    assert await monitor.run_pass() == len(ids)
    assert [e for u in updates for e in u.events] == []  # compared with the stored answers
    assert {j: s.status for j, s in monitor.jobs.items()} == statuses
    for job_id, state in monitor.jobs.items():
        row, before = state.row, rows[job_id]
        assert row is not None and before is not None
        assert row._replace(fetched_at=0) == before._replace(fetched_at=0)
        job = state.look()  # read from the store for the look, not kept
        assert job is not None and job.status_raw == row.status_raw
    assert len(held(monitor)) <= HOT
    store.close()


@pytest.fixture
def still_sim(monkeypatch: pytest.MonkeyPatch) -> Iterator[SimulatorThread]:
    """The demo on a stopped clock, the environment's credentials and endpoint on it."""
    with SimulatorThread(scenario="demo", clock=FakeClock()) as sim:
        monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", DEMO_ACCESS_KEY_ID)
        monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", DEMO_ACCESS_KEY_SECRET)
        monkeypatch.setenv("YIKE_TUI_ENDPOINT", sim.endpoint)
        yield sim


def _states(out: str) -> dict[str, dict[str, object]]:
    lines = [json.loads(line) for line in out.splitlines()]
    return {str(line["job_id"]): line for line in lines if line.get("kind") == "state"}


def test_once_prints_each_job_as_answered_whatever_the_engine_keeps(
    still_sim: SimulatorThread, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = still_sim.job_ids
    assert main(["add", *ids]) == 0
    capsys.readouterr()
    runs = []
    for hot in (10_000, HOT, HOT):  # every answer held; then all but the last two dropped
        monkeypatch.setattr(held_module, "HOT_ANSWERS", hot)
        code = main(["watch", "--once", "--json"])
        runs.append((code, _states(capsys.readouterr().out)))
        assert main(["watch", "--once"]) == code  # the human lines too
        human = capsys.readouterr().out.splitlines()
        assert [line.split()[2] for line in human] == ids
    (code, held_all), *dropped = runs
    for again, states in dropped:
        assert again == code and list(states) == ids == list(held_all)
        for job_id, state in states.items():
            mine = {k: v for k, v in state.items() if k != "request_id"}
            assert mine == {k: v for k, v in held_all[job_id].items() if k != "request_id"}
            assert state["request_id"] not in {held_all[job_id]["request_id"], ""}
            url = state["output_url"]
            assert isinstance(url, str) and not is_redacted(url)  # not the stored copy


def test_until_done_prints_each_job_as_answered_whatever_the_engine_keeps(
    fast_sim: SimulatorThread, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Jobs finished at the start are confirmed and dropped from memory before the last one
    (the Jade Empire, a few seconds at this speed) finishes and the final states print."""
    endpoint = ["--endpoint", fast_sim.endpoint]
    last = by_title(fast_sim, "Chronicles of the Jade Empire")
    assert main(["watch", "--once", "--json", *endpoint, *fast_sim.job_ids]) in (0, 1)
    once = _states(capsys.readouterr().out)
    done = [j for j, s in once.items() if s["status"] == "Succeeded" and s["output_url"]]
    assert len(done) > HOT and once[last]["status"] == "Running"
    db = paths.state_db()  # every job new again: answered in the run below
    for path in (db, db.with_name(f"{db.name}-wal"), db.with_name(f"{db.name}-shm")):
        path.unlink(missing_ok=True)
    monkeypatch.setattr(held_module, "HOT_ANSWERS", 1)
    kept: list[str] = []
    keep = FinalLines.keep

    def counted(self: FinalLines, job_id: str) -> None:
        kept.append(job_id)
        keep(self, job_id)

    monkeypatch.setattr(FinalLines, "keep", counted)
    args = ["watch", "--until-done", "--json", "--interval", "1", *endpoint, *done, last]
    assert main(args) == 0
    states = _states(capsys.readouterr().out)
    assert list(states) == [*done, last]
    assert all(state["status"] == "Succeeded" for state in states.values())
    urls = [state["output_url"] for state in states.values()]
    assert all(isinstance(url, str) and url and not is_redacted(url) for url in urls), urls
    assert set(done) <= set(kept)  # printed from what was kept when their answer was dropped


def test_once_beside_an_engine_lets_answers_go_and_prints_each_as_answered(
    still_sim: SimulatorThread, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Beside the state db's engine ``--once`` stores nothing, so there is no stored answer
    to read back: each is let go for good once its line is kept."""
    ids = still_sim.job_ids
    assert main(["add", *ids]) == 0
    capsys.readouterr()
    code = main(["watch", "--once", "--json"])  # alone: every answer stored
    held_all = _states(capsys.readouterr().out)
    conn = sqlite3.connect(paths.state_db())
    with conn:  # an engine elsewhere, alive (its heartbeat fresh)
        conn.execute(
            "INSERT INTO engine_lease (id, token, pid, host, started_at, heartbeat, settings, "
            "state) VALUES (1, 'elsewhere', 4242, 'far', ?, ?, '{}', '{}')",
            (time.time(), time.time()),
        )
    conn.close()
    monkeypatch.setattr(held_module, "HOT_ANSWERS", HOT)
    kept: list[str] = []
    keep = FinalLines.keep

    def counted(self: FinalLines, job_id: str) -> None:
        kept.append(job_id)
        keep(self, job_id)

    monkeypatch.setattr(FinalLines, "keep", counted)
    printers: list[InOrder] = []
    start = InOrder.__init__

    def seen(self: InOrder, *args: Any) -> None:
        start(self, *args)
        printers.append(self)

    monkeypatch.setattr(InOrder, "__init__", seen)
    with Store.open() as store:
        marks = store.change_marks()
    assert main(["watch", "--once", "--json"]) == code
    states = _states(capsys.readouterr().out)
    assert list(states) == ids
    # Each line was printed as its job answered in order, or kept when its answer was let
    # go ahead of one still waiting; no more than HOT answers were held to the end.
    assert len(set(kept) | printers[0].printed) >= len(ids) - HOT
    for job_id, state in states.items():
        mine = {k: v for k, v in state.items() if k != "request_id"}
        assert mine == {k: v for k, v in held_all[job_id].items() if k != "request_id"}
    with Store.open() as store:
        assert store.change_marks() == marks  # nothing written beside the engine
