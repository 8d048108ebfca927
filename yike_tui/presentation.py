"""Words and symbols shared by the CLI and the TUI, so both say the same thing."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

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


def redact_url(url: str) -> str:
    """The URL without its query string: signed OSS URLs carry their secret there."""
    try:
        parts = urlsplit(url)
    except ValueError:  # not a URL urllib can split (``https://x]y``): cut at '?' by hand
        head, sep, _ = url.partition("?")
        return f"{head}?…" if sep else url
    if not parts.query:
        return url
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "…", ""))


REDACTED_QUERY = "?…"


def is_redacted(url: str) -> bool:
    """A URL whose signed query was cut (as kept on disk): it must be fetched afresh to use."""
    return url.endswith(REDACTED_QUERY)
