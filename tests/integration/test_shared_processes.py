"""One engine per state db, with real processes: ``yike-tui watch`` processes on
one state db against the simulator on loopback, whose clock the test moves, so what each
job does between two moments (and so which events an engine must tell) is known.

- two watchers side by side send no more requests than one alone (within a few percent);
- both print every event once, the same events;
- ``kill -9`` of the engine's process: the other takes over within a few seconds, and no
  event is lost or told twice (compared with what the simulator's jobs did);
- a TUI beside a watcher follows it: it says so, shows the engine's state and the jobs as
  the engine found them, and its refresh reaches the engine.
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import pytest

from tests.integration.engine_rig import FakeClock
from tests.integration.process_rig import Watcher, command, environment
from tests.integration.shared_rig import Key, changes, confirmed, line_key, truth
from tests.wait import wait_for, wait_until
from yike_tui.core import paths
from yike_tui.sim import SimulatorThread
from yike_tui.store import Store

INTERVAL = "1"


def keys(watcher: Watcher) -> list[Key]:
    return [line_key(line) for line in list(watcher.lines)]


def step(sim: SimulatorThread, clock: FakeClock, seconds: float, *watchers: Watcher) -> list[Key]:
    """Move the simulator's time on; wait until each watcher has printed what it made."""
    ids = list(sim.job_ids)
    before = truth(sim.endpoint, ids)
    wait_until(lambda: confirmed(sim, before), "finished jobs confirmed")
    clock.t += seconds
    after = truth(sim.endpoint, ids)
    expected = changes(before, after)
    for watcher in watchers:
        wait_until(
            lambda w=watcher: not (Counter(expected) - Counter(keys(w))),  # type: ignore[misc]
            f"pid {watcher.pid} printing the events of the step to {clock.t:g}",
        )
    wait_until(lambda: confirmed(sim, after), "finished jobs confirmed")
    return expected


def engine_and_follower(sim: SimulatorThread, interval: str = INTERVAL) -> tuple[Watcher, Watcher]:
    """A first watcher (the engine, its first pass done), then a second that follows it."""
    env = environment(sim.endpoint)
    command(["add", *sim.job_ids], env)
    first = Watcher(["--interval", INTERVAL], env)
    wait_until(lambda: first.kinds_of("job_added") >= set(sim.job_ids), "the first pass")
    second = Watcher(["--interval", interval], env)
    wait_until(lambda: second.said(f"following the engine of pid {first.pid} "), "it follows")
    return first, second


def test_two_watchers_on_one_db_send_what_one_alone_sends(tmp_path: Path) -> None:
    """Two simulators, measured over the same moments: one watcher on a db of its own, two
    watchers on another db. 40 running jobs asked every second need 40 requests a second:
    the default rate limit (10 a second, sent together each second) paces either engine, so
    the count grows evenly, and two engines polling would make 20 a second."""
    sims = [SimulatorThread(scenario="load", jobs=40, clock=FakeClock()) for _ in range(2)]
    watchers: list[Watcher] = []
    try:
        for sim in sims:
            sim.__enter__()
        envs = [environment(sim.endpoint, tmp_path / f"home{n}") for n, sim in enumerate(sims)]
        for sim, env in zip(sims, envs, strict=True):
            command(["add", *sim.job_ids], env)
        alone = Watcher(["--interval", INTERVAL], envs[0])
        engine = Watcher(["--interval", INTERVAL], envs[1])
        follower = Watcher(["--interval", INTERVAL], envs[1])
        watchers += [alone, engine, follower]
        wait_until(
            lambda: engine.said("following the engine of") or follower.said("following the"),
            "one of the two on one db following the other",
        )
        stats = [sim.server.sim.stats for sim in sims]  # type: ignore[union-attr]
        for counted in stats:
            counted.reset()
        started = time.monotonic()
        wait_until(lambda: stats[0].requests >= 250, "250 requests from the one alone", 120)
        one, two = stats[0].requests, stats[1].requests
        elapsed = time.monotonic() - started
        print(f"\nin {elapsed:.1f} s: one watcher alone {one} requests, two watchers {two}")
        # Within 5%, and one second's requests (the two engines' seconds need not align).
        assert two <= one * 1.05 + 10, (one, two)
        assert two >= one * 0.95 - 10, (one, two)  # the engine polls as one alone does
        assert max(stats[1].by_job.values()) <= max(stats[0].by_job.values()) + 1
    finally:
        for watcher in watchers:
            watcher.stop()
        for sim in sims:
            sim.__exit__(None, None, None)
    # Both on one db printed what the engine found, once: the one that follows, all of it
    # from the moment it started.
    if engine.said("following the engine of"):
        engine, follower = follower, engine
    told, seen = keys(follower), keys(engine)
    assert told == seen[len(seen) - len(told) :]


def test_both_watchers_print_every_event_once(
    demo_sim: SimulatorThread, sim_clock: FakeClock
) -> None:
    first, second = engine_and_follower(demo_sim, interval="2")
    try:
        printed_before = len(first.lines)
        expected: list[Key] = []
        for _ in range(4):
            expected += step(demo_sim, sim_clock, 30, first, second)
    finally:
        first.stop()
        second.stop()
    # The follower printed what the engine printed after it started, in its order: every
    # event once, none more (no job_added replayed), as the simulator's jobs made them.
    assert keys(second) == keys(first)[printed_before:]
    assert Counter(keys(second)) == Counter(expected)
    assert len(set(keys(second))) == len(keys(second))
    # A working link where the engine printed one: fetched by the follower for its hook.
    for line in second.lines:
        if line["kind"] == "output_ready":
            assert "Signature=" in line["url"], line
    assert not any("Traceback" in line for line in first.errors + second.errors)
    # The follower said once on stderr that it follows, and whose settings apply; its
    # stdout is events only.
    assert sum("following the engine of" in line for line in second.errors) == 1
    assert second.errors.count("yike-tui: the engine's settings apply: interval 1s (yours 2s)") == 1


def test_a_killed_engine_is_taken_over_in_seconds_with_nothing_lost_or_repeated(
    demo_sim: SimulatorThread, sim_clock: FakeClock
) -> None:
    first, second = engine_and_follower(demo_sim)
    try:
        expected = step(demo_sim, sim_clock, 30, first, second)
        first.kill()
        killed = time.monotonic()
        wait_until(lambda: second.said("polls the API now"), "the follower taking over")
        handover = time.monotonic() - killed
        with Store.open() as store:
            holder = store.lease_holder()
        assert holder is not None and holder.pid == second.pid
        for _ in range(3):
            expected += step(demo_sim, sim_clock, 30, second)
    finally:
        second.stop()
        first.stop()
    print(f"\nhand-over after kill -9: {handover:.2f} s; {len(expected)} events compared")
    assert handover < 5, handover
    assert Counter(keys(second)) == Counter(expected)  # nothing lost...
    assert len(keys(second)) == len(expected)  # ...nothing told twice
    assert second.said(f"the engine (pid {first.pid} on ")


async def test_a_tui_beside_a_watcher_follows_it(
    demo_sim: SimulatorThread, sim_clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    from yike_tui.session import RunOptions, open_session
    from yike_tui.ui.app import YikeApp
    from yike_tui.ui.widgets.job_table import JobTable
    from yike_tui.ui.widgets.status_bar import StatusBar

    env = environment(demo_sim.endpoint)
    for name in ("ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET"):
        monkeypatch.setenv(name, env[name])
    monkeypatch.setenv("YIKE_TUI_ENDPOINT", demo_sim.endpoint)
    command(["add", *demo_sim.job_ids], env)
    watcher = Watcher(["--interval", INTERVAL], env)
    try:
        wait_until(lambda: watcher.kinds_of("job_added") >= set(demo_sim.job_ids), "first pass")
        with open_session(RunOptions(interval=1.0), []) as session:
            assert session.shared
            app = YikeApp(session)
            async with app.run_test(size=(160, 40)) as pilot:
                bar = app.screen.query_one(StatusBar)
                assert app.monitor is not None
                await wait_for(
                    pilot,
                    lambda: f"following pid {watcher.pid} on " in str(bar.render()),
                    "the status bar saying whose engine it shows",
                )
                answers = truth(demo_sim.endpoint, list(demo_sim.job_ids))
                states = app.monitor.jobs
                await wait_for(
                    pilot,
                    lambda: all(
                        states[j].status.value == a["JobStatus"] for j, a in answers.items()
                    ),
                    "every job's status as the engine found it",
                )
                table = app.screen.query_one(JobTable)
                assert table.row_count == len(demo_sim.job_ids)
                # Beside the watcher the TUI costs the API nothing: each job it shows is
                # the engine's answer, read from the db (the watcher went on polling).
                polled = demo_sim.server.sim.stats.requests  # type: ignore[union-attr]
                await wait_for(
                    pilot,
                    lambda: demo_sim.server.sim.stats.requests > polled,  # type: ignore[union-attr]
                    "the watcher's next pass",
                )
                made = app._client  # made on first use: None until the TUI asks anything
                assert made is None or made.requests_sent == 0
                stats = demo_sim.server.sim.stats  # type: ignore[union-attr]
                finished = next(j for j, s in states.items() if s.is_terminal)
                asked = stats.by_job[finished]
                await pilot.press("R")  # refresh all: asked of the engine, which fetches
                await wait_for(pilot, lambda: stats.by_job[finished] > asked, "the refresh")
                assert app.monitor.role == "follower"  # type: ignore[attr-defined]
                watcher.kill()
                await wait_for(
                    pilot,
                    lambda: (
                        app.monitor.role == "engine"  # type: ignore[union-attr, attr-defined]
                        and "following" not in str(bar.render())
                    ),
                    "the TUI taking the engine over",
                )
                sim_clock.t += 60
                before = stats.requests
                await wait_for(pilot, lambda: stats.requests > before, "the TUI polling")
    finally:
        watcher.stop()
    assert paths.state_db().exists()


def test_a_job_added_in_another_shell_reaches_the_engine_and_its_follower_at_once(
    demo_sim: SimulatorThread,
) -> None:
    env = environment(demo_sim.endpoint)
    ids = list(demo_sim.job_ids)
    command(["add", *ids[:3]], env)
    first = Watcher(["--interval", INTERVAL], env)
    second = None
    try:
        wait_until(lambda: first.kinds_of("job_added") >= set(ids[:3]), "the first pass")
        second = Watcher(["--interval", INTERVAL], env)
        wait_until(lambda: second.said("following the engine of"), "the second follows")
        command(["add", ids[7]], env)  # `yike-tui add` in a third shell
        for watcher in (first, second):
            wait_until(lambda w=watcher: ids[7] in w.kinds_of("job_added"), "the new job told")  # type: ignore[misc]
    finally:
        first.stop()
        if second is not None:
            second.stop()
    assert [line["job_id"] for line in second.lines if line["kind"] == "job_added"] == [ids[7]]
