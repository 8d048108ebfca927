"""Broken config and state: clear messages, nothing deleted, the tool runs where it can."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.demo_env import demo_for_commands
from tests.hardening.cli_run import run
from tests.wait import wait_for
from yike_tui.core import paths
from yike_tui.sim import SimulatorThread

BAD_CONFIGS = {
    "wrong types": '[settings]\ninterval = "fast"\nconcurrency = [1]\n\n[[jobs]]\nid = 42\n',
    "truncated": '[settings]\ninterval = 30\n\n[[jobs]]\nid = "0123456789abcdef01234',
    "not toml": "\x00\xff garbage {{{",
}


@pytest.fixture
def sim(monkeypatch: pytest.MonkeyPatch) -> Iterator[SimulatorThread]:
    with demo_for_commands(monkeypatch) as server:
        yield server


def write_config(text: str) -> bytes:
    path = paths.config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8", "surrogateescape"))
    return path.read_bytes()


@pytest.mark.parametrize("text", BAD_CONFIGS.values(), ids=BAD_CONFIGS.keys())
def test_a_broken_config_is_reported_kept_and_watch_still_runs(
    text: str, sim: SimulatorThread, capsys: pytest.CaptureFixture[str]
) -> None:
    before = write_config(text)
    code, _, err = run(["add", sim.job_ids[0]], capsys)
    assert code == 2 and "config.toml" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) <= 2
    code, out, err = run(["watch", "--once", sim.job_ids[0]], capsys)
    assert code == 0 and sim.job_ids[0] in out  # runs with defaults...
    assert "config not used" in err and "config.toml" in err  # ...and says why
    assert paths.config_file().read_bytes() == before  # never rewritten


def test_garbage_state_db_is_moved_aside_not_deleted(
    sim: SimulatorThread, capsys: pytest.CaptureFixture[str]
) -> None:
    db = paths.state_db()
    db.parent.mkdir(parents=True, exist_ok=True)
    garbage = os.urandom(8192)
    db.write_bytes(garbage)
    code, out, err = run(["watch", "--once", sim.job_ids[0]], capsys)
    assert code == 0 and sim.job_ids[0] in out
    assert "could not be read" in err and "moved" in err
    kept = list(db.parent.glob("state.sqlite3.corrupt-*"))
    assert [p.read_bytes() for p in kept] == [garbage]  # the old file, byte for byte


def test_unwritable_dirs_still_watch(
    sim: SimulatorThread, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:  # fmt: skip
    # Tests run as root, so chmod stops nothing: a dir whose parent is a regular file does.
    blocker = tmp_path / "a-file"
    blocker.write_text("not a dir")
    for name in ("XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(name, str(blocker / name.lower()))
    code, _, err = run(["add", sim.job_ids[0]], capsys)
    assert code == 2 and err.strip() and "Traceback" not in err  # the config cannot be saved
    assert len(err.strip().splitlines()) <= 2
    code, out, err = run(["watch", "--once", sim.job_ids[0]], capsys)
    assert code == 0 and sim.job_ids[0] in out
    assert "history will not be saved" in err
    assert blocker.read_text() == "not a dir"


async def test_tui_starts_with_a_notice_on_a_broken_config(sim: SimulatorThread) -> None:
    from yike_tui.session import RunOptions, open_session
    from yike_tui.ui.app import YikeApp

    write_config(BAD_CONFIGS["truncated"])
    with open_session(RunOptions(), [sim.job_ids[0]]) as session:
        app = YikeApp(session)
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_for(pilot, lambda: app._notifications, "the notice")
            notes = [str(n.message) for n in app._notifications]
            assert any("config not used" in n and "config.toml" in n for n in notes)
            monitor = app.monitor
            assert monitor is not None
            await wait_for(pilot, lambda: monitor.status.passes, "the first refresh pass")
            await pilot.press("e")  # alive and answering keys: the event log opens
            assert app.query_one("#events").display
