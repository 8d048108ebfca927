"""``yike-tui --version`` wall time: a fresh process, as a user's shell starts it."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.harness import Context, Results, ratio_figure

NAME = "version"
TARGET = 4.0  # × the interpreter's own start: what the imports and the CLI add


def command() -> list[str]:
    script = Path(sys.executable).with_name("yike-tui")
    if script.exists():
        return [str(script), "--version"]
    found = shutil.which("yike-tui")
    return [found, "--version"] if found else [sys.executable, "-m", "yike_tui", "--version"]


def once(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, check=True)
    elapsed = time.perf_counter() - t0
    if not done.stdout.startswith("yike-tui "):
        raise RuntimeError(f"unexpected output {done.stdout!r}")
    return elapsed * 1000


def run(ctx: Context, results: Results) -> None:
    cmd = command()
    once(cmd)  # the OS file cache, as for a user who ran it before
    once_python()
    ours: list[float] = []
    python: list[float] = []
    for _ in range(ctx.pick(15, 5)):  # alternating: both see the same machine's moods
        ours.append(once(cmd))
        python.append(once_python())
    results.add(
        ratio_figure(
            "`yike-tui --version` wall time ÷ a bare `python -c pass`",
            ours,
            python,
            "ms",
            floor_name="bare Python",
            target=TARGET,
        )
    )


def once_python() -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    return (time.perf_counter() - t0) * 1000
