"""Several windows on one state db: the requests the API gets from one ``watch``
alone, from two on one state db (one engine, one follower), and from two on two state dbs
(each its own engine: what two windows cost before), over the same 40 s, each against a
simulator of its own (40 jobs, interval 5 s: the issue's measure); then the hand-over: how
long after ``kill -9`` of the engine's process the follower says it polls.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from benchmarks.harness import Context, Figure, Results, sim_process
from yike_tui.sim import DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET

NAME = "shared_engine"
JOBS = 40
INTERVAL = "5"


def _env(endpoint: str, home: Path) -> dict[str, str]:
    home.mkdir(parents=True, exist_ok=True)
    return {
        **os.environ,
        "ALIBABA_CLOUD_ACCESS_KEY_ID": DEMO_ACCESS_KEY_ID,
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET": DEMO_ACCESS_KEY_SECRET,
        "YIKE_TUI_ENDPOINT": endpoint,
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_STATE_HOME": str(home / ".local/state"),
    }


class _Watch:
    def __init__(self, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "yike_tui", "watch", "--json", "--interval", INTERVAL],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.out: list[str] = []
        self.err: list[str] = []
        for stream, into in ((self.proc.stdout, self.out), (self.proc.stderr, self.err)):
            threading.Thread(target=lambda s=stream, i=into: i.extend(s), daemon=True).start()

    def wait_for(self, what: str, timeout: float = 60) -> float:
        """Seconds until ``what`` is on its stderr (or a line on stdout, for "")."""
        start = time.monotonic()
        while time.monotonic() - start < timeout:
            if (what and any(what in line for line in self.err)) or (not what and self.out):
                return time.monotonic() - start
            time.sleep(0.01)
        raise RuntimeError(f"waited {timeout} s for {what!r}: {self.err[-3:]}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def _control(endpoint: str, path: str, post: bool = False) -> dict[str, object]:
    request = urllib.request.Request(f"{endpoint}{path}", method="POST" if post else "GET")
    with urllib.request.urlopen(request, timeout=10) as answer:
        result: dict[str, object] = json.loads(answer.read())
        return result


def _add(env: dict[str, str], ids: list[str]) -> None:
    cmd = [sys.executable, "-m", "yike_tui", "add", *ids]
    subprocess.run(cmd, env=env, check=True, capture_output=True, timeout=60)


@contextmanager
def _watches() -> Iterator[list[_Watch]]:
    started: list[_Watch] = []
    try:
        yield started
    finally:
        for watch in started:
            watch.stop()


def _requests(ctx: Context, tmp: Path) -> dict[str, int]:
    window = ctx.pick(40, 10)
    with ExitStack() as stack:
        sims = [stack.enter_context(sim_process(jobs=JOBS)) for _ in range(3)]
        started = stack.enter_context(_watches())
        homes = [tmp / "alone", tmp / "shared", tmp / "separate-1", tmp / "separate-2"]
        endpoints = [sims[0].endpoint, sims[1].endpoint, sims[2].endpoint, sims[2].endpoint]
        envs = [_env(endpoint, home) for endpoint, home in zip(endpoints, homes, strict=True)]
        for env, sim in zip(envs, [sims[0], sims[1], sims[2], sims[2]], strict=True):
            _add(env, sim.ids)
        for env in (envs[0], envs[1], envs[1], envs[2], envs[3]):
            started.append(_Watch(env))
        for watch in (started[0], started[1], started[3], started[4]):
            watch.wait_for("")  # its first event: started and polling (or following)
        deadline = time.monotonic() + 60
        while not any("following the engine of" in e for w in started[1:3] for e in w.err):
            if time.monotonic() > deadline:
                raise RuntimeError("neither watch on the shared db follows")
            time.sleep(0.01)
        for sim in sims:
            _control(sim.endpoint, "/_sim/reset-stats", post=True)
        time.sleep(window)  # a benchmark measures a window of time; the tests never sleep
        counts = [int(str(_control(sim.endpoint, "/_sim/stats")["requests"])) for sim in sims]
    return {"one": counts[0], "shared": counts[1], "separate": counts[2], "window": window}


def _handover(tmp: Path) -> float:
    with sim_process(scenario="demo") as sim:
        env = _env(sim.endpoint, tmp)
        _add(env, sim.ids)
        engine, follower = _Watch(env), None
        try:
            engine.wait_for("")
            follower = _Watch(env)
            follower.wait_for("following the engine of")
            engine.proc.kill()
            engine.proc.wait()
            return follower.wait_for("polls the API now", timeout=30)
        finally:
            engine.stop()
            if follower is not None:
                follower.stop()


def run(ctx: Context, results: Results) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        counts = _requests(ctx, Path(tmp) / "requests")
        handovers = [_handover(Path(tmp) / f"handover-{n}") for n in range(ctx.pick(3, 1))]
    window = counts["window"]
    note = f"{JOBS} jobs, interval {INTERVAL} s, the same {window} s for all three"
    one = results.add(Figure("requests: one watch alone", [counts["one"]], "", note=note))
    results.add(
        Figure(
            "requests: two watches on one state db",
            [counts["shared"]],
            "",
            target=f"≤ {one.median * 1.05:.0f} (one alone + 5%)",
            passed=counts["shared"] <= counts["one"] * 1.05,
        )
    )
    results.add(Figure("requests: two watches on two state dbs (before)", [counts["separate"]], ""))
    results.add(
        Figure(
            "hand-over after kill -9 of the engine",
            handovers,
            "s",
            target="< 5 s",
            passed=max(handovers) < 5,
            note="until the follower says it polls",
        )
    )
