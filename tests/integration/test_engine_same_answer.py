"""The same answer again: most answers of a running job are the last one with a
new RequestId. The engine then skips the parse and the diff and stores only the time it was
fetched; what the user sees (events, rows, the job's "updated" time, the detail pane's
RequestId) is what parsing and diffing every answer gives."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

import yike_tui.engine.job_state as job_state
import yike_tui.engine.monitor as monitor_module
from tests.integration.engine_rig import FakeClock
from yike_tui.api.client import ApiClient
from yike_tui.core.models import parse_job
from yike_tui.engine.monitor import Monitor
from yike_tui.engine.status import Update
from yike_tui.sim import SimServer
from yike_tui.store import Store


def stored(db: Path) -> dict[str, tuple[str, float]]:
    """job_id -> (stored answer text, its fetched_at), read with plain SQL."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT job_id, CAST(payload AS TEXT), fetched_at FROM snapshots")
        return {job_id: (text, at) for job_id, text, at in rows}


def summary_times(db: Path) -> dict[str, float]:
    with sqlite3.connect(db) as conn:
        return dict(conn.execute("SELECT job_id, fetched_at FROM summaries").fetchall())


async def test_the_same_answer_keeps_its_snapshot_and_moves_its_checked_time(
    sim: SimServer, client: ApiClient, tmp_path: Path
) -> None:
    db = tmp_path / "state.db"
    store = Store.open(db)
    wall = FakeClock(1_000_000.0)
    clock = FakeClock()
    monitor = Monitor(client, store=store, rate_limit=0, clock=clock, wall=wall)
    updates: list[Update] = []
    monitor.subscribe(updates.append)
    ids = sim.sim.book.ids
    monitor.add(ids)
    await monitor.run_pass()
    first = stored(db)
    first_ids = {j: s.job.request_id for j, s in monitor.jobs.items() if s.job is not None}

    updates.clear()
    wall.t += 45.0
    clock.t += 45.0
    monitor.refresh_now()  # the simulator's clock stands still: every answer is the same
    assert await monitor.run_pass() == len(ids)
    assert [e for u in updates for e in u.events] == []  # nothing changed, nothing said
    after = stored(db)
    # The stored answers were not written again (their text is the first answer's, its
    # RequestId included), but when each job was last checked is the second pass's time.
    assert {j: text for j, (text, _) in after.items()} == {j: t for j, (t, _) in first.items()}
    assert all(at == wall.t for _, at in after.values())
    assert set(summary_times(db).values()) == {wall.t}  # what `list` shows as updated
    for job_id, state in monitor.jobs.items():
        assert state.last_checked == wall.t
        assert state.job is not None and state.job.fetched_at == wall.t
        # The detail pane's RequestId is this answer's, not the first one's.
        assert state.job.request_id and state.job.request_id != first_ids[job_id]
        assert state.row is not None and state.row.fetched_at == wall.t
    store.close()

    # A later start reads the job as it was last checked.
    with Store.open(db) as again:
        rows = {r.job_id: r for r in again.job_rows()}
        assert {r.fetched_at for r in rows.values()} == {wall.t}


async def watch_run(
    sim: SimServer, client: ApiClient, db: Path, steps: list[float]
) -> tuple[list[tuple[Any, ...]], dict[str, Any], dict[str, Any]]:
    """Passes over the demo jobs as the simulator's clock moves by ``steps`` (0: the same
    answers again); returns the events, each job's row and parsed job, as the user sees."""
    store = Store.open(db)
    wall, clock = FakeClock(2_000_000.0), FakeClock()
    monitor = Monitor(client, store=store, rate_limit=0, clock=clock, wall=wall)
    events: list[tuple[Any, ...]] = []
    monitor.subscribe(lambda u: events.extend((e.kind, e.job_id, e.ts, e.data) for e in u.events))
    sim.sim.clock.t = 0.0  # type: ignore[attr-defined]
    monitor.add(sim.sim.book.ids)
    await monitor.run_pass()
    for step in steps:
        sim.sim.clock.t += step  # type: ignore[attr-defined]
        wall.t += 30.0
        clock.t += 30.0
        monitor.refresh_now()
        await monitor.run_pass()
    rows = {j: s.row for j, s in monitor.jobs.items()}
    jobs = {j: s.job for j, s in monitor.jobs.items()}
    store.close()
    return events, rows, jobs


STEPS = [0.0, 0.0, 120.0, 0.0, 600.0, 0.0, 0.0, 3600.0, 0.0, 20_000.0, 0.0]


async def test_events_rows_and_jobs_are_those_of_parsing_every_answer(
    sim: SimServer, client: ApiClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast = await watch_run(sim, client, tmp_path / "fast.db", STEPS)
    monkeypatch.setattr(monitor_module, "same_answer", lambda old, new: False)
    slow = await watch_run(sim, client, tmp_path / "slow.db", STEPS)
    assert fast[0] and fast[0] == slow[0]  # the same events, in the same order
    assert fast[1] == slow[1]  # the same rows
    # The same jobs but for the RequestId each answer carries (the simulator makes a new
    # one for every request: both runs show their own last one).
    for job_id, job in fast[2].items():
        other = slow[2][job_id]
        assert job is not None and other is not None
        assert job.request_id != other.request_id
        assert job == type(job)(**{**_fields(other), "request_id": job.request_id})
    assert _summaries(tmp_path / "fast.db") == _summaries(tmp_path / "slow.db")


def _fields(job: Any) -> dict[str, Any]:
    return {name: getattr(job, name) for name in job.__slots__}


def _summaries(db: Path) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT * FROM summaries ORDER BY job_id").fetchall()


async def test_a_job_known_from_the_store_is_not_parsed_when_its_answer_is_the_same(
    sim: SimServer, client: ApiClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "state.db"
    with Store.open(db) as store:
        first = Monitor(client, store=store, rate_limit=0, clock=FakeClock())
        first.add(sim.sim.book.ids)
        await first.run_pass()
    parsed: list[str] = []
    real = parse_job

    def counting(payload: Any, **kw: Any) -> Any:
        parsed.append(kw.get("job_id", ""))
        return real(payload, **kw)

    with Store.open(db) as store:
        wall = FakeClock(3_000_000.0)
        again = Monitor(client, store=store, rate_limit=0, clock=FakeClock(), wall=wall)
        updates: list[Update] = []
        again.subscribe(updates.append)
        again.add(sim.sim.book.ids)
        again.load_cached()
        for module in (monitor_module, job_state):
            monkeypatch.setattr(module, "parse_job", counting)
        again.refresh_now()
        await again.run_pass()
        monkeypatch.undo()
        # Started from the summaries, every answer the stored one: no event, and no job
        # parsed (its row is the stored one's; the answer is parsed when looked at). A job
        # whose answer holds a signed link is the stored one too once its query is cut,
        # as the store cut it: its signed link is the one in hand.
        assert [e for u in updates for e in u.events] == []
        signed = {j for j, s in again.jobs.items() if "Signature=" in json.dumps(s.payload)}
        assert 0 < len(signed) < len(again.jobs) - 3
        counts = Counter(parsed)
        assert {j: counts[j] for j in again.jobs} == dict.fromkeys(again.jobs, 0)
        for job_id in signed:
            job = again.jobs[job_id].job
            assert job is not None and "Signature=" in job.output_url
        assert all(s.row is not None and s.row.fetched_at == wall.t for s in again.jobs.values())
        assert all(s.job is not None and s.job.fetched_at == wall.t for s in again.jobs.values())
    assert set(summary_times(db).values()) == {wall.t}
