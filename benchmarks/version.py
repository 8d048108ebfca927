"""``yike-tui --version`` wall time: a fresh process, as a user's shell starts it."""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.harness import Context, Figure, Results

NAME = "version"


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
    samples = [once(cmd) for _ in range(ctx.pick(15, 5))]
    python = [once_python() for _ in range(ctx.pick(5, 2))]
    results.add(
        Figure(
            "`yike-tui --version` wall time",
            samples,
            "ms",
            target="≤ 150 ms",
            reference=f"bare `python -c pass` {statistics.median(python):.0f} ms",
            passed=statistics.median(samples) <= 150,
        )
    )


def once_python() -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    return (time.perf_counter() - t0) * 1000
