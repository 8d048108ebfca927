"""Subcommands of ``yike-tui``. Each module has HELP, ``add_arguments`` and ``run``.

Modules are imported only when their command runs, so ``yike-tui --version`` stays fast
and the CLI never imports Textual unless the TUI is what was asked for.
"""

from __future__ import annotations

# name -> (module, one-line help); the order is the order shown in --help.
COMMANDS: dict[str, tuple[str, str]] = {
    "get": ("yike_tui.commands.get", "fetch jobs once and print them"),
    "info": ("yike_tui.commands.info", "show version, paths, endpoint and credential source"),
    "watch": ("yike_tui.commands.watch", "watch jobs without the TUI, one line per event"),
    "add": ("yike_tui.commands.add", "add jobs to the watch list"),
    "remove": ("yike_tui.commands.remove", "remove jobs from the watch list"),
    "list": ("yike_tui.commands.list_jobs", "list watched jobs with their last known status"),
    "download": ("yike_tui.commands.download", "download jobs' output videos"),
    "resume": ("yike_tui.commands.resume", "resume suspended jobs"),
    "submit": ("yike_tui.commands.submit", "submit a new storyboard job and watch it"),
    "report": ("yike_tui.commands.report", "print a report of jobs as Markdown, CSV or JSON"),
    "sim": ("yike_tui.sim.cli", "run the ICE simulator on loopback"),
}
