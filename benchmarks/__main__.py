"""``python -m benchmarks [--quick] [--only NAME]``: measure every figure and print one table.

Exits 0 when every benchmark ran, whatever the timings (a missed target shows as MISS in
the table); exits 1 when a benchmark crashed.
"""

from __future__ import annotations

import argparse
import importlib
import platform
import sys
import time
import traceback

from benchmarks.harness import Context, Figure, Results, machine

# In the order they run; the TUI figures last (the TUI is the newest code).
MODULES = (
    "refresh_pass",
    "sdk_pass",
    "cpu_per_request",
    "own_code_profile",
    "sim_speed",
    "terminal_soak",
    "rate_limit",
    "version",
    "idle_cpu",
    "startup",
    "growth",
    "whole_run",
    "big_watch",
    "scale",
    "shared_engine",
    "tui",
    "startup_pty",
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer runs, smaller N (CI smoke)")
    parser.add_argument("--only", choices=MODULES, metavar="NAME", help=", ".join(MODULES))
    args = parser.parse_args(argv)

    ctx = Context(quick=args.quick)
    results = Results()
    started = time.perf_counter()
    for name in MODULES:
        if args.only and name != args.only:
            continue
        print(f"== {name}", flush=True)
        t0 = time.perf_counter()
        module = importlib.import_module(f"benchmarks.{name}")
        try:
            module.run(ctx, results)
        except Exception as exc:
            traceback.print_exc()
            results.crashed.append(name)
            why = (str(exc).strip().splitlines() or [""])[-1][:200]
            results.add(Figure(name, [], "", text=f"crashed: {type(exc).__name__}: {why}"))
        print(f"   ({time.perf_counter() - t0:.1f} s)", flush=True)
    elapsed = time.perf_counter() - started

    print()
    mode = " --quick" if args.quick else ""
    only = f" --only {args.only}" if args.only else ""
    print(
        f"`python -m benchmarks{mode}{only}` on {platform.python_implementation()} "
        f"{platform.python_version()}, {platform.system()} {platform.machine()}, "
        f"{machine()}; {elapsed:.0f} s"
    )
    print()
    print(results.markdown())
    if results.crashed:
        print(f"\ncrashed: {', '.join(results.crashed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
