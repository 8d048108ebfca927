"""Arguments more than one command (or the TUI) takes: the connection flags, --interval."""

from __future__ import annotations

import argparse

from yike_tui.api.client import DEFAULT_ENDPOINT
from yike_tui.session import ENDPOINT_ENV


def add_connection_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("connection")
    group.add_argument(
        "--endpoint",
        metavar="URL",
        help=f"API endpoint (default: ${ENDPOINT_ENV} or {DEFAULT_ENDPOINT})",
    )
    group.add_argument("--profile", metavar="NAME", help="aliyun CLI profile to use")
    group.add_argument("--region", metavar="ID", help="region (default: cn-shanghai)")
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
