"""Entry point: ``yike-tui [JOBID...]`` opens the TUI, ``yike-tui COMMAND ...`` runs a command.

Parsing is split: the first word that is a known command picks that command's parser; any
other invocation is the TUI's. Command modules are imported lazily, so ``--version`` and the
headless commands never pay for Textual. Every command's ``--help`` is built here from
``commands.COMMANDS``: its summary, its options with their defaults, the environment
variables that apply and an example. The top layer: argument parsing and dispatch only.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import TYPE_CHECKING

from yike_tui import __version__
from yike_tui.commands import COMMANDS, ENVIRONMENT, CommandHelp
from yike_tui.safety.safe_text import clean

if TYPE_CHECKING:  # the session is imported only by the commands that need it
    from yike_tui.session import RunOptions

PROG = "yike-tui"


class _HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Keeps the epilog's layout and adds each option's default to its help, when it has a
    default worth saying (not None, False or empty) and the help does not say it already."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        default = action.default
        if (
            "default" in text
            or default in (None, False, [], "")
            or default is argparse.SUPPRESS
            or not action.option_strings
        ):
            return text
        shown = default if not isinstance(default, float) else f"{default:g}"
        return f"{text} (default: {shown})"


# The connection flags (commands/options.py): what a command that asks no API refuses.
_CONNECTION_FLAGS = ("--api", "--region", "--endpoint", "--profile", "--demo", "--debug")


class _Parser(argparse.ArgumentParser):
    """argparse that prints one clear line (not the whole usage) on bad input, exit 2."""

    local_only = False  # a command of the user's own files: a connection flag is a slip
    _given: tuple[str, ...] = ()

    def parse_known_args(  # type: ignore[override]
        self, args: list[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        self._given = tuple(sys.argv[1:] if args is None else args)
        return super().parse_known_args(args, namespace)

    def error(self, message: str) -> None:  # type: ignore[override]
        if self.local_only:
            # Whatever argparse tripped on first (`config --profile x` reads x as its action).
            given = {arg.split("=", 1)[0] for arg in self._given}
            flag = next((f for f in _CONNECTION_FLAGS if f in given), None)
            if flag is not None:  # "unrecognized" would not say why, nor what to use
                message = (
                    f"{flag} is not for this command: it works on your own files only "
                    "(the watch list, the state db, config.toml) and asks no API"
                )
                if flag == "--demo":
                    message += f"; the demo's jobs: `{PROG} --demo`, `{PROG} report --demo`"
        # The message may quote the user's argument: keep it on one line, visible.
        shown = clean(message, one_line=True)
        sys.stderr.write(f"{self.prog}: {shown} (see {self.prog} --help)\n")
        raise SystemExit(2)


def _command_list() -> str:
    width = max(len(name) for name in COMMANDS)
    rows = "\n".join(f"  {name.ljust(width)}  {c.summary}" for name, c in COMMANDS.items())
    return (
        f"commands:\n{rows}\n\nRun `{PROG} COMMAND --help` for a command's options.\n"
        "Exit codes: 0 ok, 1 API or network error, 2 usage error, 3 no usable credentials,\n"
        "4 `watch --until-done` stopped at a suspended job."
    )


def _tui_parser() -> argparse.ArgumentParser:
    # Here, not at the top: ``--version`` must not pay for the client and the engine.
    from yike_tui.commands.options import (
        INTERVAL_HELP,
        add_connection_arguments,
        interval_seconds,
    )

    parser = _Parser(
        prog=PROG,
        description="Watch Alibaba Cloud ICE Yike storyboard jobs live in the terminal.",
        epilog=_command_list(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    parser.add_argument("job_ids", nargs="*", metavar="JOBID", help="jobs to watch")
    parser.add_argument(
        "--interval",
        type=interval_seconds,
        metavar="SECONDS",
        help=INTERVAL_HELP,
    )
    parser.add_argument(
        "--readonly", action="store_true", help="disable everything that changes state"
    )
    add_connection_arguments(parser)
    return parser


def _command_epilog(command: CommandHelp) -> str:
    parts = []
    if command.env:
        width = max(len(name) for name in command.env)
        rows = "\n".join(f"  {name.ljust(width)}  {ENVIRONMENT[name]}" for name in command.env)
        parts.append(f"environment:\n{rows}")
    parts.append(f"example:\n  {command.example}")
    return "\n\n".join(parts)


def _command_parser(name: str, module: ModuleType) -> argparse.ArgumentParser:
    command = COMMANDS[name]
    parser = _Parser(
        prog=f"{PROG} {name}",
        description=command.summary,
        epilog=_command_epilog(command),
        formatter_class=_HelpFormatter,
    )
    parser.local_only = command.local
    module.add_arguments(parser)
    return parser


# Options that may come before the command word and take a value in the next argument:
# `yike-tui --api yike get ID` is `get`, not the TUI watching "yike", "get" and "ID".
_VALUE_OPTIONS = frozenset({"--api", "--region", "--endpoint", "--profile", "--interval"})


def _split(argv: list[str]) -> tuple[str | None, list[str]]:
    """Find the command word, if any: the first argument that is neither an option nor the
    value of one."""
    skip = False
    for i, arg in enumerate(argv):
        if skip:
            skip = False
            continue
        if arg == "--":
            break
        if arg in _VALUE_OPTIONS:
            skip = True
            continue
        if not arg.startswith("-"):
            if arg in COMMANDS:
                return arg, argv[:i] + argv[i + 1 :]
            break
    return None, argv


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list in (["--version"], ["-V"]):  # the fast path: no other import
        print(f"{PROG} {__version__}")
        return 0
    command, rest = _split(args_list)
    if command is None:
        parser = _tui_parser()
        args = parser.parse_args(rest)
        module = importlib.import_module("yike_tui.ui.launch")
    else:
        module = importlib.import_module(COMMANDS[command].module)
        args = _command_parser(command, module).parse_args(rest)
    return _run(module, args)


def run_options(args: argparse.Namespace) -> RunOptions:
    """The run's choices from its flags, typed, for the layers below (which read no flag).
    A command without one of the flags leaves it at its default."""
    from yike_tui.session import RunOptions

    return RunOptions(
        demo=bool(getattr(args, "demo", False)),
        profile=getattr(args, "profile", None),
        api=getattr(args, "api", None),
        region=getattr(args, "region", None),
        endpoint=getattr(args, "endpoint", None),
        interval=getattr(args, "interval", None),
    )


def _run(module: ModuleType, args: argparse.Namespace) -> int:
    from yike_tui.core import logs
    from yike_tui.core.exits import (
        EXIT_CREDENTIALS,
        EXIT_USAGE,
        CredentialsUnusable,
        UsageError,
        error,
    )

    debug = bool(getattr(args, "debug", False))
    logs.setup_logging(debug)
    args.options = run_options(args)
    try:
        result: int = module.run(args)
        if result == 0 and getattr(args, "open_tui", None):  # submit --watch: the new job
            return _open_tui(args.open_tui, args)
        return result
    except UsageError as exc:
        error(str(exc))
        return EXIT_USAGE
    except CredentialsUnusable as exc:
        error(str(exc))
        return EXIT_CREDENTIALS
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`| head`): not an error worth a message.
        import os

        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except Exception as exc:
        if debug:
            raise
        import logging

        logging.getLogger(__name__).exception("unexpected error")
        error(f"unexpected error: {exc!r} (details in the log; --debug shows the traceback)")
        return 1


def _open_tui(job_ids: list[str], args: argparse.Namespace) -> int:
    """Open the TUI on ``job_ids`` after a command asked for it (``submit --watch``)."""
    try:
        from yike_tui.ui.launch import run_tui  # Textual only when the TUI is wanted
    except ImportError:
        print(f"to watch it: {PROG} {' '.join(job_ids)}", file=sys.stderr)
        return 0
    tui_args = argparse.Namespace(**vars(args))
    tui_args.job_ids = list(job_ids)
    tui_args.interval = getattr(args, "interval", None)
    tui_args.readonly = getattr(args, "readonly", False)
    result: int = run_tui(list(job_ids), tui_args)
    return result
