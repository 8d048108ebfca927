"""The one JobId rule: what the CLI, the add dialog, config.toml and the state db accept.

A JobId is 1 to 128 characters of valid text with no whitespace and no control character
(C0, DEL or C1). Anything else cannot be a JobId the API gave out, and would reach a
terminal, a log or a file as something other than an id.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from yike_tui.safety.safe_text import clean, has_control, is_valid_text

MAX_LENGTH = 128
# Between ids: ASCII spaces, tabs, line breaks and commas only. str.split() would also split
# on C1 NEL and the ASCII separators, so "a\x85b" became two ids instead of being refused.
_SEPARATORS = re.compile(r"[ \t\n\r\v\f,]+")


# What the two products hand out: 32 hex characters, or a UUID (the vendor's example).
_USUAL_SHAPE = re.compile(r"[0-9a-fA-F]{32}|[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}")


def looks_like_job_id(job_id: str) -> bool:
    """Whether ``job_id`` has the shape the service's JobIds have. Not a rule (the shape
    may change): a reason to ask before spending a call on a typo."""
    return _USUAL_SHAPE.fullmatch(job_id) is not None


class InvalidJobId(ValueError):
    """Text that cannot be a JobId; ``str()`` is one line that says why."""


def check_job_id(job_id: str) -> str:
    """``job_id`` itself when it is a JobId; InvalidJobId otherwise."""
    if not job_id or not job_id.strip():
        raise InvalidJobId("a JobId is empty")
    if not is_valid_text(job_id):  # argv bytes that are not UTF-8 (surrogate-escaped)
        raise InvalidJobId(f"JobId {clean(job_id, one_line=True)} is not valid UTF-8 text")
    if has_control(job_id):
        raise InvalidJobId(f"JobId {clean(job_id, one_line=True)!r} contains control characters")
    if any(ch.isspace() for ch in job_id):
        raise InvalidJobId(f"JobId {clean(job_id, one_line=True)!r} contains whitespace")
    if len(job_id) > MAX_LENGTH:
        raise InvalidJobId(f"JobId is {len(job_id)} characters long; the most is {MAX_LENGTH}")
    return job_id


def split_job_ids(raw: Iterable[str]) -> list[str]:
    """Ids from text split on spaces, commas and newlines (a pasted spreadsheet column
    works), each checked, duplicates dropped; InvalidJobId on the first bad one."""
    ids: dict[str, None] = {}  # ordered, and a set: a list's `in` made 100,000 ids take 33 s
    for chunk in raw:
        for part in _SEPARATORS.split(chunk):
            if not part:
                continue
            check_job_id(part)
            ids.setdefault(part)
    return list(ids)


MIN_PREFIX = 4  # characters: shorter is too likely a slip to stand for a job


def resolve_prefixes(job_ids: Iterable[str], known: Iterable[str]) -> list[str]:
    """``job_ids`` with each unique prefix of a ``known`` id (the short id the job list
    shows, ``8173a292``) replaced by that id; an id known whole, or matching none, stays as
    given. A prefix of several is InvalidJobId listing them."""
    known = list(known)
    whole = set(known)
    resolved = []
    for job_id in job_ids:
        if job_id in whole or len(job_id) < MIN_PREFIX or looks_like_job_id(job_id):
            resolved.append(job_id)
            continue
        found = [k for k in known if k.startswith(job_id)]
        if len(found) > 1:
            shown = ", ".join(clean(k, one_line=True) for k in found[:5])
            more = f" and {len(found) - 5} more" if len(found) > 5 else ""
            raise InvalidJobId(
                f"{clean(job_id, one_line=True)} is the start of {len(found)} watched jobs "
                f"({shown}{more}): give more of it"
            )
        resolved.append(found[0] if found else job_id)
    return resolved
