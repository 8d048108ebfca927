"""Start the TUI. (The Textual app lands with the TUI issue; until then, point at the CLI.)"""

from __future__ import annotations

import argparse
import sys


def run(args: argparse.Namespace) -> int:
    print(
        "The TUI is not built yet; use `yike-tui get JOBID` or `yike-tui --help`.", file=sys.stderr
    )
    return 2
