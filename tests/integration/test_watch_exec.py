"""``watch --exec CMD``: the user's hook per event, bounded so it can never hold up the engine."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import shlex
import stat
import sys
from pathlib import Path

import pytest

from tests.conftest import by_title
from tests.wait import wait_async, wait_until
from yike_tui.actions.exec_hook import ExecHook
from yike_tui.cli import main
from yike_tui.sim import SimulatorThread

PYTHON = os.path.basename(sys.executable)


def hook(tmp_path: Path, body: str, name: str = "hook.py") -> str:
    """A hook script in tmp_path; returns the --exec CMD that runs it."""
    script = tmp_path / name
    script.write_text("import json, os, sys, time\n" + body + "\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return shlex.join([sys.executable, str(script)])


def watch(sim: SimulatorThread, job_id: str, *more: str) -> list[str]:
    return ["watch", "--until-done", "--json", "--interval", "1", "--endpoint", sim.endpoint,
            *more, job_id]  # fmt: skip


def test_each_event_reaches_the_hook_as_its_json_line(
    fast_sim: SimulatorThread, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    got = tmp_path / "got.ndjson"
    cmd = hook(tmp_path, f"open({str(got)!r}, 'a').write(sys.stdin.read())")
    teaser = by_title(fast_sim, "Quick Teaser")
    assert main(watch(fast_sim, teaser, "--exec", cmd)) == 0
    printed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    events = [e for e in printed if e["kind"] != "state"]
    # One run per event, one line each, the same JSON as --json, the last one too (the
    # run that finished the watch is waited for).
    assert [json.loads(line) for line in got.read_text().splitlines()] == events
    assert {"job_added", "status_changed", "output_ready"} <= {e["kind"] for e in events}


def test_a_hanging_hook_is_killed_and_the_watch_goes_on(
    fast_sim: SimulatorThread, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pids = tmp_path / "pids"
    # The hook and a child it starts both hang: the timeout kills the whole group.
    body = (
        "import subprocess\n"
        "child = subprocess.Popen(['sleep', '600'])\n"
        f"open({str(pids)!r}, 'a').write(f'{{os.getpid()}} {{child.pid}}\\n')\n"
        "time.sleep(600)"
    )
    teaser = by_title(fast_sim, "Quick Teaser")
    code = main(watch(fast_sim, teaser, "--exec", hook(tmp_path, body), "--exec-timeout", "0.5"))
    out, err = capsys.readouterr()
    assert code == 0  # the job was followed to Succeeded while the hook hung
    assert '"kind": "state"' in out and "Succeeded" in out
    assert f"--exec {PYTHON}: killed after 0.5 s" in err
    for line in pids.read_text().splitlines():
        for pid in map(int, line.split()):

            def gone(pid: int = pid) -> bool:
                return not _alive(pid)

            wait_until(gone, f"hook process {pid} to be gone")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead for our purpose: reaped by whoever is its parent (init for the child).
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


def test_a_failing_hook_is_logged_with_its_exit_code(
    fast_sim: SimulatorThread,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    cmd = hook(tmp_path, "sys.stderr.write('disk full\\x1b[2J\\n' + 'x' * 100000)\nsys.exit(3)")
    teaser = by_title(fast_sim, "Quick Teaser")
    with caplog.at_level(logging.WARNING, logger="yike_tui.actions.exec_hook"):
        assert main(watch(fast_sim, teaser, "--exec", cmd)) == 0
    err = capsys.readouterr().err
    line = next(line for line in err.splitlines() if "exited with 3" in line)
    # Only the program's name: the rest of CMD may hold what the user would not print.
    assert line.startswith(f"yike-tui: --exec {PYTHON}: exited with 3: disk full␛[2J | xxx")
    assert len(line) < 300  # its stderr bounded, on one line, inert
    assert any("exited with 3" in r.getMessage() for r in caplog.records)


def test_a_bad_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    for cmd in ("", "'unclosed"):
        with pytest.raises(SystemExit) as stop:
            main(["watch", "--exec", cmd, "0123456789abcdef0123456789abcdef"])
        assert stop.value.code == 2
        assert "--exec" in capsys.readouterr().err


async def test_a_slow_hook_keeps_a_bounded_queue_and_counts_what_it_dropped(
    tmp_path: Path,
) -> None:
    seen = tmp_path / "seen"
    cmd = hook(tmp_path, f"open({str(seen)!r}, 'a').write(sys.stdin.read())\ntime.sleep(0.2)")
    warnings: list[str] = []
    runner = ExecHook(shlex.split(cmd), cap=10, warn=warnings.append)
    feeding = asyncio.create_task(runner.run())
    try:
        for n in range(100):  # a burst far faster than the hook
            runner.submit(json.dumps({"n": n}))
            assert runner.waiting <= 10
        assert runner.dropped > 0
        await wait_async(lambda: warnings, "the drop to be said")
        assert await runner.drain(within=30)
    finally:
        feeding.cancel()
    assert "events dropped (the hook was too slow)" in warnings[0]
    dropped = int(warnings[0].split(": ")[1].split()[0])
    handled = [json.loads(line)["n"] for line in seen.read_text().splitlines()]
    assert len(handled) + dropped == 100 and handled == sorted(handled)
