"""Subcommands of ``yike-tui``, and every command's help, in one place.

Each command module has ``add_arguments`` and ``run``; what ``--help`` says about a command
(its summary, the environment variables that apply, an example) is here, so the list in
``yike-tui --help`` and each ``yike-tui COMMAND --help`` cannot drift apart. Modules are
imported only when their command runs, so ``yike-tui --version`` stays fast and the CLI
never imports Textual unless the TUI is what was asked for.
"""

from __future__ import annotations

from dataclasses import dataclass

# What each environment variable does, as every --help shows it.
ENVIRONMENT: dict[str, str] = {
    "YIKE_TUI_ENDPOINT": "API endpoint when --endpoint is not given",
    "YIKE_TUI_TRANSPORT": "lean or httpx: the API transport for this run (over config.toml)",
    "YIKE_TUI_API": "ice or yike: which product API when --api is not given (over config.toml)",
    "YIKE_TUI_REGION": "region when --region is not given (over config.toml)",
    "YIKE_TUI_YIKE_USER_ID": "the Yike user whose credits ICE shows (over config.toml)",
    "ALIBABA_CLOUD_ACCESS_KEY_ID": "AccessKey id (with ..._SECRET; before ~/.aliyun)",
    "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "AccessKey secret",
    "ALIBABA_CLOUD_SECURITY_TOKEN": "STS token for temporary credentials",
    "ALIBABA_CLOUD_REGION_ID": "region when --region is not given",
    "ALIBABA_CLOUD_PROFILE": "aliyun CLI profile when --profile is not given",
    "ALIBABA_CLOUD_CREDENTIALS_FILE": "credentials INI file to read",
    "XDG_CONFIG_HOME": "where config.toml is (default ~/.config/yike-tui)",
    "XDG_STATE_HOME": "where the state db and the log are (default ~/.local/state/yike-tui)",
}
CONNECTION_ENV = (
    "YIKE_TUI_ENDPOINT",
    "YIKE_TUI_TRANSPORT",
    "YIKE_TUI_API",
    "YIKE_TUI_REGION",
    "ALIBABA_CLOUD_ACCESS_KEY_ID",
    "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
    "ALIBABA_CLOUD_SECURITY_TOKEN",
    "ALIBABA_CLOUD_REGION_ID",
    "ALIBABA_CLOUD_PROFILE",
    "ALIBABA_CLOUD_CREDENTIALS_FILE",
)
FILES_ENV = ("XDG_CONFIG_HOME", "XDG_STATE_HOME")
CREDITS_ENV = ("YIKE_TUI_YIKE_USER_ID",)  # where a command or the TUI shows the balance


@dataclass(frozen=True)
class CommandHelp:
    module: str  # imported when the command runs
    summary: str  # one line, in `yike-tui --help` and atop `yike-tui COMMAND --help`
    example: str  # a command line that works (most with --demo: no account needed)
    env: tuple[str, ...] = ()  # the environment variables that apply
    # Works on the user's own files only (watch list, state db, config.toml), never asks
    # the API: it takes none of the connection flags, --demo included, and says so.
    local: bool = False


# The order is the order shown in --help.
COMMANDS: dict[str, CommandHelp] = {
    "get": CommandHelp(
        "yike_tui.commands.get",
        "fetch jobs once and print them",
        "yike-tui get --demo --json",
        CONNECTION_ENV + FILES_ENV,
    ),
    "info": CommandHelp(
        "yike_tui.commands.info",
        "show version, paths, endpoint and credential source",
        "yike-tui info --profile work",
        CONNECTION_ENV + CREDITS_ENV + FILES_ENV,
    ),
    "watch": CommandHelp(
        "yike_tui.commands.watch",
        "watch jobs without the TUI, one line per event",
        "yike-tui watch --demo --json --until-done",
        CONNECTION_ENV + FILES_ENV,
    ),
    "add": CommandHelp(
        "yike_tui.commands.add",
        "add jobs to the watch list",
        "yike-tui add 0123abcd 4567ef01 --label trailer",
        FILES_ENV,
        local=True,
    ),
    "remove": CommandHelp(
        "yike_tui.commands.remove",
        "remove jobs from the watch list",
        "yike-tui remove 0123abcd",
        FILES_ENV,
        local=True,
    ),
    "list": CommandHelp(
        "yike_tui.commands.list_jobs",
        "list watched jobs with their last known status",
        "yike-tui list --json",
        FILES_ENV,
        local=True,
    ),
    "config": CommandHelp(
        "yike_tui.commands.config",
        "show the settings in effect and where each came from; init writes a default",
        "yike-tui config init",
        ("YIKE_TUI_TRANSPORT", *CREDITS_ENV, *FILES_ENV),
        local=True,
    ),
    "download": CommandHelp(
        "yike_tui.commands.download",
        "download jobs' output videos",
        "yike-tui download --demo --dir ./videos",
        CONNECTION_ENV + FILES_ENV,
    ),
    "resume": CommandHelp(
        "yike_tui.commands.resume",
        "resume suspended jobs",
        "yike-tui resume 0123abcd",
        CONNECTION_ENV + FILES_ENV,
    ),
    "submit": CommandHelp(
        "yike_tui.commands.submit",
        "upload a novel (or give --file-url) and submit a new storyboard job",
        "yike-tui submit --demo --file-url https://example.com/story.txt --title 'Chapter 1'",
        CONNECTION_ENV + CREDITS_ENV + FILES_ENV,
    ),
    "report": CommandHelp(
        "yike_tui.commands.report",
        "print a report of jobs as Markdown, CSV or JSON",
        "yike-tui report --demo --format csv",
        CONNECTION_ENV + FILES_ENV,
    ),
    "sim": CommandHelp(
        "yike_tui.sim.cli",
        "run the ICE simulator on loopback",
        "yike-tui sim --scenario demo",
    ),
}
