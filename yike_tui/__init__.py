"""yike-tui: a terminal monitor for Alibaba Cloud ICE Yike AI storyboard jobs."""

import sys as _sys

__version__ = "0.1.0"

# httpx's package imports its command-line tool (``httpx._main``: click, pygments and
# rich's syntax and progress, ~90 ms on a slow machine) whenever click happens to be
# installed, as a developer tool may bring it; yike-tui never runs that tool. Marked
# absent, httpx falls back as it does where click is not installed: every start costs the
# same wherever yike-tui is installed.
_sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
