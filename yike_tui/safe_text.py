"""Make untrusted strings inert before they reach a terminal.

Job titles, ids and error messages come from the API or the user and may hold anything:
escape sequences that retitle the window or write the clipboard (OSC 52), bidi overrides
that reorder what is shown, zero-width characters. Control characters become visible
stand-ins instead of disappearing, so what was there can still be seen.
"""

from __future__ import annotations

import re

# C0 except tab/newline, DEL, C1; bidi embeddings/overrides/isolates; zero-width and BOM.
_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f\x80-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]"
)
_UNSAFE_ONE_LINE = re.compile(
    "[\x00-\x1f\x7f\x80-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\u2028\u2029]"
)


def _stand_in(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    if code < 0x20:
        return chr(0x2400 + code)  # the Unicode "control picture" for C0: ␛ for ESC
    if code == 0x7F:
        return "\u2421"  # ␡
    return f"<U+{code:04X}>"


def clean(text: str, *, one_line: bool = False) -> str:
    """Return ``text`` with every control character replaced by a visible stand-in."""
    pattern = _UNSAFE_ONE_LINE if one_line else _UNSAFE
    return pattern.sub(_stand_in, text)


def truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(0, limit - 1)] + "…"


def fit(text: str, width: int) -> str:
    """Cut or pad ``text`` to exactly ``width`` terminal cells (CJK and emoji are two)."""
    from rich.cells import set_cell_size  # rich comes with textual; imported only when used

    return set_cell_size(text, width)
