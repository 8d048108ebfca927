"""Subcommands of ``yike-tui``. Each module has HELP, ``add_arguments`` and ``run``.

Modules are imported only when their command runs, so ``yike-tui --version`` stays fast
and the CLI never imports Textual unless the TUI is what was asked for.
"""

from __future__ import annotations

# name -> (module, one-line help); the order is the order shown in --help.
COMMANDS: dict[str, tuple[str, str]] = {
    "get": ("yike_tui.commands.get", "fetch jobs once and print them"),
    "info": ("yike_tui.commands.info", "show version, paths, endpoint and credential source"),
    "sim": ("yike_tui.sim.cli", "run the ICE simulator on loopback"),
}
