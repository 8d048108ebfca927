"""A whole run as a user runs it: ``yike-tui watch --once --json`` over 1,000 watched jobs at
50 ms latency, concurrency 16, timed from the process's start to its exit (imports, the
first connections, the pass, saving and every output line included), beside the vendor
SDK in 16 threads run the same way (a process that imports it, builds its client and
fetches every job: benchmarks/sdk_pool.py), side by side in one run, run by run. Both
run from bytecode, as installed (``compiled``).

The floor is 1,000 × 50 ms ÷ 16 = 3.125 s. CPU is each child's own (user + system, from
``wait4``); the simulator runs in a third process so its CPU counts for neither. Beside
them runs the bare client (``benchmarks/bare_pass.py``: the same requests signed and sent,
answers read and dropped, nothing else) the same way: how near the floor a process can get
at all on this machine, against this simulator.

Where the machine has two CPUs or more, the simulator runs on one of its own and the
measured processes on the others, as a server elsewhere would. Sharing a core, the kernel
woke the simulator on the client's CPU at each request (loopback wake-ups are "sync"): a
send then took ~0.37 ms instead of ~0.04, and a whole run's CPU read 1.13 s instead of
0.87 s, the simulator's work counted as the client's.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.harness import (
    CONCURRENCY,
    LATENCY_MS,
    SDK_MISSING,
    Context,
    Figure,
    Results,
    SimProcess,
    sdk_available,
    sim_process,
)
from yike_tui.sim import DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET

NAME = "whole_run"
JOBS = 1000


@dataclass
class Child:
    wall: float  # seconds, spawn to exit
    cpu: float  # seconds, user + system of the child
    rss_mb: float  # its peak resident set
    lines: int  # lines it printed


# The child's own peak RSS: VmHWM belongs to its memory map, so it is not inflated by what
# the benchmark process held when it spawned the child (ru_maxrss is: it keeps the peak
# from before exec, hundreds of MB once the 100,000-job db has been built here).
_PEAK = (
    "import atexit, os, runpy, sys\n"
    "def _peak():\n"
    "    for line in open('/proc/self/status'):\n"
    "        if line.startswith('VmHWM:'):\n"
    "            open(os.environ['BENCH_PEAK_FILE'], 'w').write(line.split()[1])\n"
    "atexit.register(_peak)\n"
    "sys.argv = sys.argv[1:]\n"
    "runpy.run_module(sys.argv[0], run_name='__main__', alter_sys=True)\n"
)


def split_cpus(sim: SimProcess) -> set[int] | None:
    """The simulator on the last CPU this process may use, and the CPUs left for the measured
    children (None on a machine of one CPU: everything shares it)."""
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        return None
    os.sched_setaffinity(sim.pid, {cpus[-1]})
    return set(cpus[:-1])


def run_child(
    cmd: list[str], env: dict[str, str], stdin: Path | None = None, cpus: set[int] | None = None
) -> Child:
    """Run ``cmd`` (``python -m MODULE ...``) to its end; wall from spawn to reaped, CPU of
    that child (``wait4``) and its own peak RSS (VmHWM at exit)."""
    with (
        tempfile.TemporaryFile() as out,
        open(stdin or os.devnull, "rb") as feed,
        tempfile.NamedTemporaryFile() as peak,
    ):
        assert cmd[1] == "-m", cmd
        wrapped = [cmd[0], "-c", _PEAK, *cmd[2:]]
        env = {**env, "BENCH_PEAK_FILE": peak.name}
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            wrapped,
            env=env,
            stdin=feed,
            stdout=out,
            stderr=subprocess.PIPE,
            preexec_fn=None if cpus is None else lambda: os.sched_setaffinity(0, cpus),
        )
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        peak_kb = int(Path(peak.name).read_text() or 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
        if proc.stderr:
            proc.stderr.close()
        if proc.returncode != 0:
            raise RuntimeError(f"{cmd[2:5]} exited {proc.returncode}: {err.strip()[-300:]}")
        out.seek(0)
        lines = sum(1 for _ in out)
    return Child(wall, usage.ru_utime + usage.ru_stime, peak_kb / 1024, lines)


def user_env(home: Path, endpoint: str) -> dict[str, str]:
    """A user's environment: their own config and state dirs, the key pair, the endpoint."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("ALIBABA_CLOUD_", "YIKE_TUI_", "XDG_"))
    }
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_STATE_HOME=str(home / "state"),
        XDG_DATA_HOME=str(home / "data"),
        XDG_CACHE_HOME=str(home / "cache"),
        ALIBABA_CLOUD_ACCESS_KEY_ID=DEMO_ACCESS_KEY_ID,
        ALIBABA_CLOUD_ACCESS_KEY_SECRET=DEMO_ACCESS_KEY_SECRET,
        YIKE_TUI_ENDPOINT=endpoint,
    )
    return env


def prepare(home: Path, ids: list[str], endpoint: str) -> dict[str, str]:
    """config.toml with concurrency 16 and the rate limit out of the way; ids watched."""
    env = user_env(home, endpoint)
    config = home / "config" / "yike-tui"
    config.mkdir(parents=True, mode=0o700)
    (config / "config.toml").write_text(
        f"[settings]\nconcurrency = {CONCURRENCY}\nrate_limit = 1000\n", encoding="utf-8"
    )
    ids_file = home / "ids.txt"
    ids_file.write_text("\n".join(ids) + "\n", encoding="utf-8")
    run_child([sys.executable, "-m", "yike_tui", "add", "-"], env, ids_file)
    return env


def watch_once(env: dict[str, str], cpus: set[int] | None = None) -> Child:
    cmd = [sys.executable, "-m", "yike_tui", "watch", "--once", "--json"]
    return run_child(cmd, env, cpus=cpus)


def sdk_pool(env: dict[str, str], endpoint: str, ids_file: Path, cpus: set[int] | None) -> Child:
    """The SDK's whole run (benchmarks/sdk_pool.py: it imports nothing of ours)."""
    cmd = [sys.executable, "-m", "benchmarks.sdk_pool", endpoint, str(ids_file)]
    return run_child(cmd, env, cpus=cpus)


def bare_pass(env: dict[str, str], endpoint: str, ids_file: Path, cpus: set[int] | None) -> Child:
    """The bare client's whole run (benchmarks/bare_pass.py)."""
    cmd = [sys.executable, "-m", "benchmarks.bare_pass", endpoint, str(ids_file)]
    return run_child(cmd, env, cpus=cpus)


def compiled() -> None:
    """Bytecode written for yike_tui and the benchmarks, as installing writes it (the SDK's
    site-packages are compiled): this tree may run with PYTHONDONTWRITEBYTECODE, and then a
    module edited since its last .pyc would be compiled again by every measured run."""
    import compileall

    import benchmarks
    import yike_tui

    for package in (yike_tui, benchmarks):
        compileall.compile_dir(Path(str(package.__file__)).parent, quiet=1)


def run(ctx: Context, results: Results) -> None:
    jobs = ctx.pick(JOBS, 300)
    runs = ctx.pick(5, 1)
    floor = jobs * LATENCY_MS / 1000 / CONCURRENCY
    compiled()
    with sim_process(jobs=jobs, latency_ms=LATENCY_MS) as sim, tempfile.TemporaryDirectory() as tmp:
        cpus = split_cpus(sim)
        ids_file = Path(tmp) / "ids.txt"
        env = prepare(Path(tmp), sim.ids, sim.endpoint)
        watch_once(env, cpus)  # the jobs planned and the state db made, as on any day but the first
        have_sdk = sdk_available()
        ours: list[Child] = []
        bare: list[Child] = []
        sdk: list[Child] = []
        for _ in range(runs):  # side by side, run by run
            ours.append(watch_once(env, cpus))
            bare.append(bare_pass(env, sim.endpoint, ids_file, cpus))
            if have_sdk:
                sdk.append(sdk_pool(env, sim.endpoint, ids_file, cpus))
    _report(results, jobs, floor, ours, bare, sdk)


def _report(
    results: Results,
    jobs: int,
    floor: float,
    ours: list[Child],
    bare: list[Child],
    sdk: list[Child],
) -> None:
    ratios = [c.wall / floor for c in ours]
    wall = statistics.median(c.wall for c in ours)
    cpu = statistics.median(c.cpu for c in ours)
    bare_wall = statistics.median(c.wall for c in bare)
    bare_cpu = statistics.median(c.cpu for c in bare)
    pinned = "simulator on a CPU of its own" if len(os.sched_getaffinity(0)) > 1 else "one CPU"
    results.add(
        Figure(
            f"whole run: `watch --once --json`, {jobs:,} jobs, {LATENCY_MS} ms, "
            f"concurrency {CONCURRENCY}",
            ratios,
            "× floor",
            target="≤ 1.10× floor",
            reference=(
                f"floor {jobs:,}×{LATENCY_MS} ms/{CONCURRENCY} = {floor:.3g} s; process "
                f"{wall:.2f} s wall, {cpu:.2f} s CPU, peak RSS "
                f"{statistics.median(c.rss_mb for c in ours):.0f} MB, "
                f"{ours[0].lines:,} lines; the bare client {bare_wall:.2f} s wall, "
                f"{bare_cpu:.2f} s CPU ({bare_wall / floor:.2f}× floor; ours "
                f"{wall / bare_wall:.2f}× its wall); {pinned}"
            ),
            passed=statistics.median(ratios) <= 1.10,
        )
    )
    over_bare = [a.wall / b.wall for a, b in zip(ours, bare, strict=True)]
    results.add(
        Figure(
            "whole run: ours ÷ the bare client's, run the same way",
            over_bare,
            "×",
            target="≤ 1.05×",
            reference=(
                f"ours {wall:.2f} s, the bare client {bare_wall:.2f} s (benchmarks/bare_pass.py: "
                "the same requests signed and sent, answers read and dropped): what yike-tui "
                "adds to any client's run here"
            ),
            passed=statistics.median(over_bare) <= 1.05,
        )
    )
    name = f"whole run: CPU of ours ÷ vendor SDK in {CONCURRENCY} threads (whole process)"
    if not sdk:
        results.add(Figure(name, [], "", text=SDK_MISSING))
        return
    cpu_ratios = [a.cpu / b.cpu for a, b in zip(ours, sdk, strict=True)]
    results.add(
        Figure(
            name,
            cpu_ratios,
            "×",
            target="≤ 0.4×",
            reference=(
                f"SDK pool {statistics.median(c.wall for c in sdk):.2f} s wall, "
                f"{statistics.median(c.cpu for c in sdk):.2f} s CPU "
                f"({statistics.median(c.wall for c in sdk) / floor:.2f}× floor); "
                f"ours {wall:.2f} s, {cpu:.2f} s CPU"
            ),
            passed=statistics.median(cpu_ratios) <= 0.4,
        )
    )
