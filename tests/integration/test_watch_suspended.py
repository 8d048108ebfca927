"""`watch --until-done` and a Suspended job, which only a person can move on: it stops there
with exit 4 and says how to resume it, or (`--suspended wait`) waits for the resume and says
on a terminal, every so often, what it is waiting for."""

from __future__ import annotations

import asyncio
import os
import pty
import select
import signal
import sys
import threading
from collections.abc import Iterator

import pytest

from tests.conftest import by_title
from tests.integration.engine_rig import DEMO
from tests.wait import wait_until
from yike_tui.api.client import ApiClient
from yike_tui.cli import main
from yike_tui.commands import watch
from yike_tui.sim import SimulatorThread

CRANES = "Paper Cranes (waiting for review)"  # the demo's job suspended from the start


def resume_line(job_id: str) -> str:
    return (
        f"yike-tui: Suspended: {CRANES}: fix its failed shots in the Yike editor if need be,"
        f" then resume it: yike-tui resume {job_id}"
    )


def test_until_done_stops_at_a_suspended_job_with_4_and_how_to_resume_it(
    fast_sim: SimulatorThread, capsys: pytest.CaptureFixture[str]
) -> None:
    cranes, harbour = by_title(fast_sim, CRANES), by_title(fast_sim, "Harbour Lights")
    winter = by_title(fast_sim, "Winter Market")
    args = ["watch", "--until-done", "--interval", "1", "--endpoint", fast_sim.endpoint]

    assert main([*args, harbour, cranes]) == 4
    out, err = capsys.readouterr()
    final = out.splitlines()[-2:]  # each job's final state
    assert final[0].startswith("✓ Succeeded") and final[1].startswith("⏸ Suspended"), out
    assert cranes in final[1]
    assert err.splitlines() == [resume_line(cranes)]

    # A failed job decides the code, as before; the suspended one is still said.
    assert main([*args, harbour, cranes, winter]) == 1
    out, err = capsys.readouterr()
    assert err.splitlines() == [resume_line(cranes)]

    assert main([*args, "--json", cranes]) == 4  # --json: the states on stdout, the rest not
    out, err = capsys.readouterr()
    assert '"status": "Suspended"' in out.splitlines()[-1]
    assert err.splitlines() == [resume_line(cranes)]

    # Resumed since: the state db's "Suspended" is not taken for the job's status now.
    asyncio.run(_resume(fast_sim.endpoint, cranes))
    assert main([*args, cranes]) == 0
    out, err = capsys.readouterr()
    assert out.splitlines()[-1].startswith("✓ Succeeded") and not err


def test_suspended_needs_until_done(
    fast_sim: SimulatorThread, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["watch", "--suspended", "wait", "--endpoint", fast_sim.endpoint, "x"]) == 2
    assert "--until-done" in capsys.readouterr().err


class Terminal:
    """A pseudo-terminal standing in for stderr, read as it is written (a full one would
    block the writer)."""

    def __init__(self) -> None:
        self.master, slave = pty.openpty()
        self.stream = os.fdopen(slave, "w", encoding="utf-8", buffering=1)
        self.text = ""
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            ready, _, _ = select.select([self.master], [], [], 0.1)
            if not ready:
                if self.stream.closed:
                    return
                continue
            try:
                chunk = os.read(self.master, 65536)
            except OSError:  # the other side closed
                return
            if not chunk:
                return
            with self._lock:
                self.text += chunk.decode("utf-8", "replace")

    def lines(self) -> list[str]:
        with self._lock:
            return self.text.replace("\r\n", "\n").splitlines()

    def close(self) -> None:
        self.stream.close()
        self._reader.join(timeout=10)
        os.close(self.master)


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> Iterator[Terminal]:
    """A pseudo-terminal for stderr: the test puts it there (pytest's capture puts its own
    back between setup and the test)."""
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "TMUX"):  # no desktop popup, no tmux flag
        monkeypatch.delenv(name, raising=False)
    term = Terminal()
    try:
        yield term
    finally:
        term.close()


async def _resume(endpoint: str, job_id: str) -> None:
    async with ApiClient(DEMO, endpoint=endpoint, retries=0) as client:
        await client.resume_job(job_id)


def test_suspended_wait_ends_only_once_resumed_and_says_what_it_waits_for(
    fast_sim: SimulatorThread,
    terminal: Terminal,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    cranes = by_title(fast_sim, CRANES)
    monkeypatch.setattr(watch, "HEARTBEAT", 0.2)
    monkeypatch.setattr(sys, "stderr", terminal.stream)  # stdout stays with capsys
    ended = threading.Event()
    failures: list[BaseException] = []

    def beats() -> list[str]:
        return [line for line in terminal.lines() if line.startswith("yike-tui: waiting since")]

    def person() -> None:
        try:
            # Seen Suspended, and still waiting a beat later: then resumed through the API.
            wait_until(lambda: any("1 suspended" in b for b in beats()), "a heartbeat")
            seen = len(beats())
            wait_until(lambda: len(beats()) > seen, "another heartbeat")
            assert not ended.is_set(), "ended before the job was resumed"
            asyncio.run(_resume(fast_sim.endpoint, cranes))
        except BaseException as exc:
            failures.append(exc)
            os.kill(os.getpid(), signal.SIGTERM)  # stop the watch: the test has failed

    helper = threading.Thread(target=person)
    helper.start()
    try:
        code = main(
            ["watch", "--until-done", "--suspended", "wait", "--interval", "1",
             "--endpoint", fast_sim.endpoint, cranes]
        )  # fmt: skip
    finally:
        ended.set()
        helper.join(timeout=60)
    if failures:
        raise failures[0]
    assert code == 0, terminal.lines()
    out = capsys.readouterr().out.splitlines()
    assert out[-1].startswith("✓ Succeeded") and cranes in out[-1]
    beat = beats()[0]
    # "waiting since 14:02: 0 running, 1 suspended"
    assert beat.split(": ", 2)[2] == "0 running, 1 suspended", beat
    assert not any("yike-tui resume" in line for line in terminal.lines())


def test_no_heartbeat_off_a_terminal(
    fast_sim: SimulatorThread, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Piped or logged, the watch says only what happens: no line every few minutes."""
    monkeypatch.setattr(watch, "HEARTBEAT", 0.01)
    night = by_title(fast_sim, "The Long Night")  # runs for a while yet, even at this speed
    args = ["watch", "--until-done", "--interval", "1", "--endpoint", fast_sim.endpoint]
    assert main([*args, night]) == 0
    assert "waiting since" not in capsys.readouterr().err
