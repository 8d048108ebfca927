"""Redaction: signed URL queries cut out of anything shown in logs or stored, whatever its shape.

``redact_url`` cuts one URL's query (for logs, notifications and events); ``unsign`` walks
any value about to be stored.

The API hands out signed OSS URLs (``OutputUrl``, ``SrtFileUrl``, ``JobParams.FileURL`` and
whatever comes next) directly, as JSON text inside a field, or escaped once more, and may echo
one inside an error message. Their query is a secret: nothing on disk may keep it. So every
string is looked at, JSON text is walked into, and a URL anywhere keeps only its head.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlsplit, urlunsplit

REDACTED_QUERY = "?…"


def redact_url(url: str) -> str:
    """The URL without its query string: signed OSS URLs carry their secret there."""
    try:
        parts = urlsplit(url)
    except ValueError:  # not a URL urllib can split (``https://x]y``): cut at '?' by hand
        head, sep, _ = url.partition("?")
        return f"{head}{REDACTED_QUERY}" if sep else url
    if not parts.query:
        return url
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "…", ""))


def is_redacted(url: str) -> bool:
    """A URL whose signed query was cut (as kept on disk): it must be fetched afresh to use."""
    return url.endswith(REDACTED_QUERY)


MAX_DEPTH = 64  # nesting kept on disk; deeper parts of a hostile answer are dropped

# A URL, plain or JSON-escaped (``https:\/\/h\/p?...``), with its query if it has one; the
# query ends where the text or a JSON string would. A URL without a query matches too (and is
# kept as it is): were it not matched, every ``http`` inside it would rescan it to its end.
_URL_WITH_QUERY = re.compile(r"(?i)\bhttps?:(?:\\*/){2}[^\s\"'<>?]*(?:\?[^\s\"'<>\\]*)?")
_WHOLE_URL = re.compile(r"(?i)https?://\S*")
# Query parameters that sign a request (OSS V1/V4, STS, S3-style), in any text.
_SIGNED_PARAM = re.compile(
    r"(?i)(?:[?&]|\\u0026|\\u003f)(?:Signature|OSSAccessKeyId|Expires|security-token"
    r"|x-oss-(?:signature|credential|security-token|date|expires)|x-amz-[a-z-]+)="
)


def unsign(value: Any, depth: int = 0) -> Any:
    """``value`` with the query cut from every http(s) URL in it; the same object when
    there was nothing to cut (so callers copy nothing in the usual case)."""
    if isinstance(value, str):
        return _unsign_text(value, depth)
    if isinstance(value, dict | list) and depth >= MAX_DEPTH:
        return None
    if isinstance(value, dict):
        out = {key: unsign(item, depth + 1) for key, item in value.items()}
        same = all(out[key] is item for key, item in value.items())
        return value if same else out
    if isinstance(value, list):
        items = [unsign(item, depth + 1) for item in value]
        return value if all(a is b for a, b in zip(items, value, strict=True)) else items
    return value


def has_signed_query(text: str) -> bool:
    """A last check on text about to be stored: does it still hold a signing parameter?"""
    return _SIGNED_PARAM.search(text) is not None


def _unsign_text(text: str, depth: int) -> str:
    if "?" not in text and "\\u003f" not in text.lower():  # no query: nothing to cut (fast)
        return text
    head = text.lstrip()[:1]
    if head in ("{", "[", '"') and depth < MAX_DEPTH:
        try:
            decoded = json.loads(text)
        except (ValueError, RecursionError):
            pass  # not JSON after all (or broken): treated as free text below
        else:
            cleaned = unsign(decoded, depth + 1)
            if cleaned is decoded:
                return text
            return json.dumps(cleaned, ensure_ascii=False, separators=(",", ":"))
    if _WHOLE_URL.fullmatch(text):
        return _cut_signed(redact_url(text))
    return _cut_signed(_URL_WITH_QUERY.sub(_cut_query, text))


def _cut_query(match: re.Match[str]) -> str:
    head, mark, _ = match.group().partition("?")
    return f"{head}?…" if mark else head


def _cut_signed(text: str) -> str:
    """Text still holding a signing parameter (a URL the patterns missed) ends before it."""
    found = _SIGNED_PARAM.search(text)
    return text if found is None else text[: found.start()] + "?…"
