"""``yike-tui info``: what this installation uses, with secrets masked."""

from __future__ import annotations

import argparse
import os
import platform

from yike_tui import __version__, paths
from yike_tui.commands.common import add_connection_arguments, error

HELP = "show version, paths, endpoint and credential source"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_connection_arguments(parser)


def run(args: argparse.Namespace) -> int:
    from yike_tui.api.client import DEFAULT_ENDPOINT
    from yike_tui.api.credentials import CredentialsError, resolve, search_locations

    endpoint = args.endpoint or os.environ.get("YIKE_TUI_ENDPOINT") or DEFAULT_ENDPOINT
    print(f"yike-tui {__version__} (Python {platform.python_version()})")
    print(f"config:      {paths.config_file()}")
    print(f"state:       {paths.state_db()}")
    print(f"log:         {paths.log_file()}")
    print(f"endpoint:    {endpoint}")
    try:
        creds = resolve(profile=args.profile)
    except CredentialsError as exc:
        print("credentials: none usable")
        error(str(exc))
        return 0
    print(f"credentials: {creds.describe()}")
    print(f"region:      {args.region or creds.region or 'cn-shanghai'}")
    print("looked in:   " + "\n             ".join(search_locations()))
    return 0
