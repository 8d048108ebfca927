"""``yike-tui sim`` / ``python -m yike_tui.sim``: run the simulator as a process.

Prints ``listening on http://HOST:PORT`` as its first line (flushed) so a parent process
can read the endpoint, then serves until Ctrl-C or SIGTERM and exits 0.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import os
import signal
import sys
from pathlib import Path

HELP = "run the ICE simulator on loopback"
MAX_JOBS = 100_000


def _positive(kind: type[float] | type[int], what: str):  # type: ignore[no-untyped-def]
    def parse(text: str) -> float | int:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{what} must be a number, got {text!r}") from None
        if value < 0:
            raise argparse.ArgumentTypeError(f"{what} must not be negative, got {text!r}")
        return value

    return parse


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--port must be a number, got {text!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"--port must be 0 (any free port) to 65535, got {port}")
    return port


def _jobs(text: str) -> int:
    jobs = _positive(int, "--jobs")(text)
    if not 1 <= jobs <= MAX_JOBS:
        raise argparse.ArgumentTypeError(f"--jobs must be 1 to {MAX_JOBS:,}, got {jobs}")
    return int(jobs)


def _speed(text: str) -> float:
    speed = _positive(float, "--speed")(text)
    if speed <= 0:
        raise argparse.ArgumentTypeError("--speed must be above 0 (1 is real time)")
    return float(speed)


def _faults(text: str) -> object:
    from yike_tui.sim.faults import FaultSpec, FaultSpecError

    try:
        return FaultSpec.parse(text)
    except FaultSpecError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default loopback)")
    parser.add_argument("--port", type=_port, default=0, help="0 = any free port")
    parser.add_argument("--scenario", choices=("demo", "load", "empty"), default="demo")
    parser.add_argument(
        "--jobs", type=_jobs, default=1000, help="jobs for --scenario load (1 to 100,000)"
    )
    parser.add_argument("--ids-file", type=Path, help="write the job ids there, one a line")
    parser.add_argument("--speed", type=_speed, default=1.0, help="clock speed factor (above 0)")
    parser.add_argument("--latency-ms", type=_positive(float, "--latency-ms"), default=0.0)
    parser.add_argument(
        "--faults", type=_faults, help="e.g. throttle=0.05,error500=0.02,timeout=0.01"
    )
    parser.add_argument(
        "--account-not-enabled",
        action="store_true",
        help="play an account not enabled for Yike: every call refused with"
        " MainAccountUserNotFound (POST /_sim/account?enabled=1 enables it)",
    )
    parser.add_argument("--seed", type=_positive(int, "--seed"), default=0)
    parser.add_argument(
        "--hang-s",
        type=_positive(float, "--hang-s"),
        default=30.0,
        help="how long a 'timeout' fault holds the connection",
    )
    parser.add_argument("--url-ttl", type=_positive(float, "--url-ttl"), default=3600.0,
                        help="seconds an output URL stays valid")  # fmt: skip


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def run(args: argparse.Namespace) -> int:
    from yike_tui.sim import DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, SimConfig

    key_id = os.environ.get("ALIBABA_CLOUD_ACCESS_KEY_ID") or DEMO_ACCESS_KEY_ID
    secret = os.environ.get("ALIBABA_CLOUD_ACCESS_KEY_SECRET") or DEMO_ACCESS_KEY_SECRET
    config = SimConfig(
        scenario=args.scenario,
        jobs=args.jobs,
        seed=args.seed,
        speed=args.speed,
        latency_ms=args.latency_ms,
        hang_s=args.hang_s,
        url_ttl=args.url_ttl,
        sample_job=args.scenario == "demo",  # one job submitted from the bundled sample
        key_id=key_id,
        secret=secret,
        account_enabled=not args.account_not_enabled,
    )
    if args.faults is not None:
        config.faults = args.faults
    try:
        asyncio.run(_serve(args, config, from_env=key_id != DEMO_ACCESS_KEY_ID))
    except OSError as exc:
        print(
            f"yike-tui sim: cannot listen on {args.host}:{args.port}: {exc.strerror}",
            file=sys.stderr,
        )
        return 1
    return 0


async def _serve(args: argparse.Namespace, config: object, *, from_env: bool) -> None:
    from yike_tui.sim import (
        DEMO_ACCESS_KEY_ID,
        DEMO_ACCESS_KEY_SECRET,
        SimConfig,
        running_simulator,
    )

    assert isinstance(config, SimConfig)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):  # before the first line: a reader may signal
        loop.add_signal_handler(sig, stop.set)
    async with running_simulator(config, host=args.host, port=args.port) as server:
        book = server.sim.book
        if args.ids_file:  # written before the first line, so a reader of it finds them
            tmp = args.ids_file.with_name(args.ids_file.name + ".tmp")
            tmp.write_text("".join(f"{i}\n" for i in book.ids), encoding="utf-8")
            os.replace(tmp, args.ids_file)
        print(f"listening on {server.endpoint}", flush=True)
        if not _is_loopback(args.host):
            print("warning: bound to a non-loopback address; the simulator has no real security",
                  file=sys.stderr)  # fmt: skip
        if from_env:
            print("keys: from ALIBABA_CLOUD_ACCESS_KEY_ID / _SECRET", file=sys.stderr)
        else:
            print(
                f"keys: demo pair {DEMO_ACCESS_KEY_ID} / {DEMO_ACCESS_KEY_SECRET}", file=sys.stderr
            )
        summary = (
            f"scenario {config.scenario}: {len(book)} jobs, speed x{config.speed:g}, "
            f"latency {config.latency_ms:g} ms, faults {config.faults}"
        )
        if not config.account_enabled:
            summary += "; the account is not enabled for Yike"
        print(summary, file=sys.stderr)
        await stop.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m yike_tui.sim", description=HELP)
    add_arguments(parser)
    return run(parser.parse_args(argv))
