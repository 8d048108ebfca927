"""What the main screen says without a connection: the first-run text (no jobs: how to add
them, where credentials are looked for, ``--demo``) and, when there are jobs but no usable
credentials, the banner above them. Either way the credential help is said once."""

from __future__ import annotations

import time

from rich.text import Text

from yike_tui.safety.safe_text import clean, truncate
from yike_tui.session import Session

INFO_HINT = "`yike-tui info` shows where credentials are looked for and which are in use."


def text(session: Session | None, problem: str) -> Text:
    out = Text()
    out.append("Welcome to yike-tui\n\n", style="bold")
    if problem:
        out.append(_shown(problem) + "\n\n", style="yellow")
    out.append("No jobs are being watched yet.\n\n")
    out.append("Add jobs\n", style="bold")
    if not problem:
        out.append("  press  a  and paste one or many JobIds (a spreadsheet column works), or\n")
    out.append("  run    yike-tui add JOBID...   or   yike-tui JOBID...\n\n")
    if problem:  # it says where they were looked for, with the user's own paths
        out.append(INFO_HINT + "\n\n")
    else:
        out.append("Credentials are looked for in\n", style="bold")
        out.append("  ALIBABA_CLOUD_ACCESS_KEY_ID / ALIBABA_CLOUD_ACCESS_KEY_SECRET\n")
        out.append("  ~/.aliyun/config.json (aliyun configure; --profile NAME)\n")
        out.append("  ~/.alibabacloud/credentials.ini\n\n")
    out.append("No account? Try the built-in simulator:  yike-tui --demo\n\n", style="cyan")
    out.append("?  all keys    q  quit", style="dim")
    return out


def offline_banner(problem: str, newest: float | None) -> Text:
    """The one place a session without credentials says so, above its watch list: read-only,
    as known when (``newest``: the latest fetch of any of them, None: never), where to look."""
    out = Text()
    out.append(" NO CREDENTIALS ", style="bold black on yellow")
    out.append(" read-only: ", style="bold")
    if newest is None:
        out.append("these jobs were never fetched; nothing is refreshed.")
    else:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(newest))
        out.append(f"the jobs as last fetched (the newest at {when}); nothing is refreshed.")
    out.append(f"\n{INFO_HINT} Once they are set, start yike-tui again.\n")
    out.append(_shown(problem), style="yellow")
    return out


def _shown(problem: str) -> str:
    # Lines as the credentials error has them, each made safe (it names files and profiles).
    return truncate(clean(problem.strip()), 2000)
