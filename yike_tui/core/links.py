"""Links out of the tool: the Yike web editor for a storyboard, and opening URLs safely."""

from __future__ import annotations

import os
import re
import sys
import webbrowser
from collections.abc import Callable, Mapping
from urllib.parse import quote, urlsplit

from yike_tui.core.models import Storyboard
from yike_tui.safety.redaction import redact_url
from yike_tui.safety.safe_text import has_unsafe

EDITOR_BASE = "https://www.yikeai.com/#/storyboard/"

# Where a storyboard stands decides which editor page can show it (ice-api.md).
_WHITESPACE = re.compile(r"\s")  # one C-level scan: report --cached checks 100,000 links
_PARSED_SUBSTATUSES = frozenset({"ParseSucc", "Creating", "CreateFailed"})
# A link that is plainly well formed, by one linear scan: http(s), a lower-case host of
# letters, digits, dots and dashes, no port, no user, then only characters a URL path and
# query may hold unquoted (no space, control, bidi or anything else a terminal reads
# differently), and the "…" a stored link ends with where its signed query was cut.
# ``check_url`` takes such a link without parsing it; any other link is judged in full.
_PLAIN_URL = re.compile(r"https?://[a-z0-9.-]+(?:/[A-Za-z0-9._~%/?&=+:;,!$'()*#…-]*)?")


def editor_url(storyboard: Storyboard) -> str | None:
    """The editor page for ``storyboard``: editing once created, entities once parsed."""
    if not storyboard.id:
        return None
    sid = quote(storyboard.id, safe="")  # an id from the API must not reshape the URL
    if storyboard.ready_to_edit or storyboard.is_done or storyboard.status == "Produced":
        return f"{EDITOR_BASE}editing?storyboardId={sid}"
    if storyboard.sub_status in _PARSED_SUBSTATUSES:
        return f"{EDITOR_BASE}entitiesManagement?storyboardId={sid}"
    return None


MAX_URL_LENGTH = 8192  # a signed OSS link with an STS token is about 2 KB


def check_url(url: str) -> str:
    """``url`` if it is a well-formed http(s) link; else ValueError saying why, in one line.

    The one rule for every link that leaves the tool (copy, open, report): scheme http or
    https, a host, no user name before the host, a bounded length, and nothing a shell or
    a terminal could read differently from what is shown (whitespace, line breaks, control
    and bidi characters). A link from the API that breaks it is refused, never repaired:
    a pasted link must run nothing but a browser.
    """
    if len(url) <= MAX_URL_LENGTH and _PLAIN_URL.fullmatch(url):
        return url  # plainly well formed: nothing to parse
    return check_url_in_full(url)


def check_url_in_full(url: str) -> str:
    """``check_url`` without its shortcut for plainly well-formed links."""
    if len(url) > MAX_URL_LENGTH:
        raise ValueError(f"the link is {len(url)} characters long; the most is {MAX_URL_LENGTH}")
    if _WHITESPACE.search(url) or has_unsafe(url):
        raise ValueError("the link contains spaces, line breaks or control characters")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 -- raises ValueError for a port that is not a number
    except ValueError:
        raise ValueError("the link is not a well-formed URL") from None
    if parts.scheme not in ("http", "https"):
        raise ValueError("only http and https links are used")
    if not parts.hostname:
        raise ValueError("the link has no host")
    if "@" in parts.netloc:
        raise ValueError("the link names a user before its host")
    return url


def has_gui_browser(env: Mapping[str, str] = os.environ, platform: str = sys.platform) -> bool:
    """False where webbrowser would start a text browser inside our own terminal."""
    if env.get("BROWSER") or platform in ("darwin", "win32"):
        return True
    return bool(env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"))


def open_url(
    url: str,
    *,
    env: Mapping[str, str] = os.environ,
    platform: str = sys.platform,
    opener: Callable[[str], bool] = webbrowser.open,
) -> str:
    """Open ``url`` in the browser; returns a one-line message. ValueError for non-http(s)."""
    check_url(url)
    shown = redact_url(url)
    if not has_gui_browser(env, platform):
        return f"no graphical browser here (over SSH?): copy the link instead ({shown})"
    try:
        opened = opener(url)
    except webbrowser.Error as exc:
        return f"could not start a browser ({exc}): copy the link instead"
    return f"opened {shown} in the browser" if opened else "no browser found: copy the link instead"
