"""Arguments more than one command (or the TUI) takes: the connection flags, --interval."""

from __future__ import annotations

import argparse

from yike_tui.api.endpoints import API_ENV, APIS, DEFAULT_API, ENDPOINT_ENV, REGION_ENV


def _regions() -> str:
    return "; ".join(f"{name}: {', '.join(api.regions)}" for name, api in APIS.items())


def add_connection_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("connection")
    group.add_argument(
        "--api",
        type=str.lower,
        choices=tuple(APIS),
        help=(
            "which product API: ice (ICE 2020-11-09) or yike (the stand-alone Yike product,"
            f" 2026-03-19) (default: ${API_ENV}, else api in config.toml, else {DEFAULT_API})"
        ),
    )
    group.add_argument(
        "--region",
        metavar="ID",
        help=(
            f"one of the API's regions ({_regions()}) (default: ${REGION_ENV}, else region"
            " in config.toml, else the credentials' region when the API serves it, else"
            " cn-shanghai)"
        ),
    )
    group.add_argument(
        "--endpoint",
        metavar="URL",
        help=f"API endpoint, over the region's (default: ${ENDPOINT_ENV}, else the region's)",
    )
    group.add_argument("--profile", metavar="NAME", help="aliyun CLI profile to use")
    group.add_argument(
        "--demo",
        action="store_true",
        help="start the built-in simulator on loopback and use it (no account needed)",
    )
    group.add_argument("--debug", action="store_true", help="log details and show tracebacks")


INTERVAL_HELP = "refresh interval, 0 for by hand only (default: interval in config.toml, else 30)"


def interval_seconds(text: str) -> float:
    """``--interval``: 0 (refresh by hand only) or 1 to 86400 seconds."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if value != 0 and not 1 <= value <= 86400:
        raise argparse.ArgumentTypeError("interval must be 0 (manual) or 1 to 86400 seconds")
    return value
