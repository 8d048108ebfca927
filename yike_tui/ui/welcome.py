"""The first-run screen: how to add jobs, where credentials are looked for, ``--demo``."""

from __future__ import annotations

from rich.text import Text

from yike_tui.session import Session


def text(session: Session | None, problem: str) -> Text:
    out = Text()
    out.append("Welcome to yike-tui\n\n", style="bold")
    if problem:
        out.append(problem.strip() + "\n\n", style="yellow")
    out.append("No jobs are being watched yet.\n\n")
    out.append("Add jobs\n", style="bold")
    if not problem:
        out.append("  press  a  and paste one or many JobIds (a spreadsheet column works), or\n")
    out.append("  run    yike-tui add JOBID...   or   yike-tui JOBID...\n\n")
    out.append("Credentials are looked for in\n", style="bold")
    out.append("  ALIBABA_CLOUD_ACCESS_KEY_ID / ALIBABA_CLOUD_ACCESS_KEY_SECRET\n")
    out.append("  ~/.aliyun/config.json (aliyun configure; --profile NAME)\n")
    out.append("  ~/.alibabacloud/credentials.ini\n\n")
    out.append("No account? Try the built-in simulator:  yike-tui --demo\n\n", style="cyan")
    out.append("?  all keys    q  quit", style="dim")
    return out
