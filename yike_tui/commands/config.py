"""``yike-tui config [init]``: the settings in effect and where each came from; ``init``
writes a commented default config.toml when there is none.

config.toml is the user's file: this command reads it (tomllib) and writes it only to
create it. What it prints is TOML (tomli-w), each value with a comment naming its source.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import fields
from typing import Any

import tomli_w

from yike_tui.api.endpoints import API_ENV, REGION_ENV, TargetError, resolve_target
from yike_tui.api.transport import TRANSPORT_ENV, UnknownTransport, chosen_transport
from yike_tui.commands.watchlist import config_errors
from yike_tui.core import paths
from yike_tui.core.config import (
    YIKE_USER_ID_ENV,
    Config,
    chosen_yike_user_id,
    default_text,
    display_path,
    load_config,
)
from yike_tui.core.exits import EXIT_OK, UsageError, error


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "action",
        nargs="?",
        choices=["init"],
        help="init: write a commented default config.toml (only when there is none)",
    )


def _line(name: str, value: Any, source: str) -> str:
    return tomli_w.dumps({name: value}).rstrip("\n") + f"  # {source}"


def effective(config: Config) -> str:
    """The settings in effect as TOML, a comment on each: default, config.toml or the
    environment (which wins for this run)."""
    exists = os.path.lexists(config.path)
    where = display_path(config.path)
    head = [
        f"# config.toml: {where}" + ("" if exists else " (none: `yike-tui config init`)"),
        "# The settings in effect, each with where it came from.",
        "",
        "[settings]",
    ]
    body = []
    for item in fields(config.settings):
        if item.name == "keys":
            continue
        value = getattr(config.settings, item.name)
        source = "config.toml" if item.name in config.from_file else "default"
        if item.name == "transport" and os.environ.get(TRANSPORT_ENV, "").strip():
            try:
                value = chosen_transport(value)
            except UnknownTransport as exc:  # as every command that connects says it
                raise UsageError(str(exc)) from None
            source = f"environment: {TRANSPORT_ENV}"
        env_name = {"api": API_ENV, "region": REGION_ENV}.get(item.name, "")
        if env_name and os.environ.get(env_name, "").strip():
            value, source = _from_environment(config, item.name), f"environment: {env_name}"
        if item.name == "yike_user_id" and os.environ.get(YIKE_USER_ID_ENV, "").strip():
            value, source = chosen_yike_user_id(config)
            source = source or "default"
        body.append(_line(item.name, value, source))
    keys = [_line(name, key, "config.toml") for name, key in config.settings.keys.items()]
    tail = (
        ["", "[keys]", *keys] if keys else ["", "# [keys]: none rebound (? in the TUI lists them)"]
    )
    return "\n".join(head + body + tail) + "\n"


def _from_environment(config: Config, name: str) -> str:
    """The API or region YIKE_TUI_API / YIKE_TUI_REGION chose, checked as every command that
    connects checks it (one that does not exist is a usage error, said in one line)."""
    chosen = config.settings
    try:
        target = resolve_target(
            settings_api=chosen.api if "api" in config.from_file else "",
            settings_region=chosen.region if "region" in config.from_file else "",
        )
    except TargetError as exc:
        raise UsageError(str(exc)) from None
    return target.api.name if name == "api" else target.region


def _init() -> int:
    path = paths.config_file()
    shown = display_path(path)
    if os.path.lexists(path):
        raise UsageError(f"{shown} exists already; it is yours and was left as it is")
    paths.make_private_dir(path.parent)  # 0700 for what we create; an existing dir is kept
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        fd = os.open(path, flags, paths.PRIVATE_FILE)  # O_EXCL: never over another's file
    except FileExistsError:
        raise UsageError(f"{shown} exists already; it is yours and was left as it is") from None
    except OSError as exc:
        raise UsageError(f"{shown}: cannot write: {exc.strerror or exc}") from None
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        os.fchmod(fd, paths.PRIVATE_FILE)  # the umask may have cut it; 0600 either way
        out.write(default_text())
    print(f"wrote {shown}: every setting commented out at its default")
    return EXIT_OK


def run(args: argparse.Namespace) -> int:
    if args.action == "init":
        return _init()
    with config_errors():
        config = load_config()
    for warning in config.warnings:
        error(warning)
    print(effective(config), end="")
    return EXIT_OK
