"""Make untrusted strings inert before they reach a terminal.

Job titles, ids and error messages come from the API or the user and may hold anything:
escape sequences that retitle the window or write the clipboard (OSC 52), bidi overrides
that reorder what is shown, zero-width characters. Control characters become visible
stand-ins instead of disappearing, so what was there can still be seen.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

# C0 except tab/newline, DEL, C1; bidi embeddings/overrides/isolates; zero-width and BOM.
# Lone surrogates too (below): they cannot be printed at all.
_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f\x80-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\ud800-\udfff]"
)
_UNSAFE_ONE_LINE = re.compile(
    "[\x00-\x1f\x7f\x80-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\u2028\u2029\ud800-\udfff]"
)


# A surrogate code point on its own is not text: it cannot be encoded as UTF-8, so printing
# or storing it raises. JSON lets a server send one (``"\\ud800"``); argv gets them from
# bytes that are not UTF-8 (``\\xff`` arrives as U+DCFF, Python's surrogate escape).
_SURROGATE = re.compile("[\ud800-\udfff]")


def _stand_in(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:
        return f"\\x{code - 0xDC00:02x}"  # the byte it escapes, as the user would write it
    if 0xD800 <= code <= 0xDFFF:
        return f"<U+{code:04X}>"
    if code < 0x20:
        return chr(0x2400 + code)  # the Unicode "control picture" for C0: ␛ for ESC
    if code == 0x7F:
        return "\u2421"  # ␡
    return f"<U+{code:04X}>"


def clean(text: str, *, one_line: bool = False) -> str:
    """Return ``text`` with every control character replaced by a visible stand-in."""
    pattern = _UNSAFE_ONE_LINE if one_line else _UNSAFE
    return pattern.sub(_stand_in, text)


def has_unsafe(text: str) -> bool:
    """True if ``text`` holds anything ``clean(one_line=True)`` would replace."""
    return _UNSAFE_ONE_LINE.search(text) is not None


def valid_text(text: str) -> str:
    """``text`` with every lone surrogate replaced by U+FFFD, so it encodes as UTF-8."""
    if text.isascii():  # the common case, checked at C speed
        return text
    return _SURROGATE.sub("\ufffd", text)


_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


def has_control(text: str) -> bool:
    """True if ``text`` holds a control character: C0 (newlines and tabs too), DEL or C1.
    The one check for values that must stay on one line as given (ids, labels, titles)."""
    return _CONTROL.search(text) is not None


def is_valid_text(text: str) -> bool:
    return text.isascii() or _SURROGATE.search(text) is None


def _needs_fix(value: object) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if not is_valid_text(item):
                return True
        elif isinstance(item, float):
            if not math.isfinite(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _scalar(value: Any) -> Any:
    if isinstance(value, str):
        return valid_text(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def valid_json(value: Any) -> Any:
    """Decoded JSON made safe to print and to encode again as JSON.

    Every string (dict keys too, at any depth) gets its lone surrogates replaced by U+FFFD;
    every NaN or infinite number (``NaN``, ``1e400``) becomes None, since JSON has no such
    value. Returns ``value`` itself when there is nothing to fix. Walks with a stack, not
    recursion: ``json.loads`` accepts nesting nearly as deep as the recursion limit.
    """
    if not _needs_fix(value):
        return value
    if not isinstance(value, dict | list):
        return _scalar(value)
    root: dict[Any, Any] | list[Any] = {} if isinstance(value, dict) else []
    work: list[tuple[Any, dict[Any, Any] | list[Any]]] = [(value, root)]
    while work:
        source, target = work.pop()
        pairs = source.items() if isinstance(source, dict) else enumerate(source)
        for key, item in pairs:
            new: Any
            if isinstance(item, dict | list):
                new = {} if isinstance(item, dict) else []
                work.append((item, new))  # filled later; already in place in its parent
            else:
                new = _scalar(item)
            if isinstance(target, dict):
                target[_scalar(key)] = new
            else:
                target.append(new)
    return root


# ``\\ud800``-``\\udfff`` escapes: the only way decoded JSON text gets a surrogate that its
# source text did not hold (an escaped backslash before one is a false alarm: the slow path).
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89abcdefABCDEF]")


class _NotFinite(Exception):
    """A NaN or infinite number in JSON text: the slow path fixes it."""


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise _NotFinite
    return number


def _no_constant(text: str) -> Any:
    raise _NotFinite  # NaN, Infinity, -Infinity


_FINITE = json.JSONDecoder(parse_float=_finite_float, parse_constant=_no_constant)


def loads_valid(text: str | bytes) -> Any:
    """``valid_json(json.loads(text))``, the same value and errors, without walking the
    decoded value when its text cannot hold anything to fix: no surrogate in it, no
    surrogate escape, no NaN or infinite number (checked while decoding). Runs on every
    answer and on every JSON list inside one."""
    if isinstance(text, bytes | bytearray):
        text = text.decode(json.detect_encoding(text), "surrogatepass")  # as json.loads does
    if (
        is_valid_text(text)
        and _SURROGATE_ESCAPE.search(text) is None
        and not text.startswith("\ufeff")  # json.loads refuses it: its error, below
    ):
        try:
            return _FINITE.decode(text)
        except _NotFinite:
            pass
    return valid_json(json.loads(text))


def truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(0, limit - 1)] + "…"


def fit(text: str, width: int) -> str:
    """Cut or pad ``text`` to exactly ``width`` terminal cells (CJK and emoji are two)."""
    from rich.cells import set_cell_size  # rich comes with textual; imported only when used

    return set_cell_size(text, width)
