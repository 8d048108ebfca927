"""Words and symbols shared by the CLI and the TUI, so both say the same thing."""

from __future__ import annotations

from yike_tui.models import JobStatus, Storyboard

# A symbol and a word for every status: colour is never the only signal.
STATUS_SYMBOL = {
    JobStatus.RUNNING: "▶",
    JobStatus.SUCCEEDED: "✓",
    JobStatus.FAILED: "✗",
    JobStatus.SUSPENDED: "⏸",
    JobStatus.UNKNOWN: "?",
}


def storyboard_symbol(sb: Storyboard) -> str:
    if sb.is_failed:
        return "✗"
    if sb.is_done:
        return "✓"
    return "…"


def ago(seconds: float) -> str:
    """``42s ago``, ``3m ago``, ``5h ago``, ``2d ago``; ``just now`` under a second."""
    if seconds < 1:
        return "just now"
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{int(seconds // size)}{unit} ago"
    return f"{int(seconds)}s ago"
