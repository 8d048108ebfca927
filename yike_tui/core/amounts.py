"""Credit amounts, exact: the APIs send most of them as decimal text (``"12345.6"``), and a
float would turn ``"12345678901234567.6"`` into ``1.2345678901234568e+16``.

``amount`` reads one (text, or a number where an SDK types it as one) into a ``Decimal``,
bounded so that hostile text cannot make a million-digit figure; ``amount_text`` is how it
goes back out in JSON (a string, as the API gives it); ``grouped`` is how a person reads it.
"""

from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation
from typing import Any

MAX_TEXT = 40  # characters of a figure's text
MAX_EXPONENT = 40  # |powers of ten| a figure may span: credits are never near 10**40


def amount(value: Any) -> Decimal | None:
    """The figure ``value`` holds, exactly; None when it is missing or not a finite,
    plausibly sized number (a bool, NaN, infinity, ``1e999999``, text that is not one)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        text = str(value) if abs(value) < 10**MAX_EXPONENT else ""
    elif isinstance(value, float):
        text = repr(value) if math.isfinite(value) else ""  # the shortest exact repr
    elif isinstance(value, str):
        text = value.strip()
    else:
        return None
    if not text or len(text) > MAX_TEXT:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    if not number.is_finite() or (number and abs(number.adjusted()) > MAX_EXPONENT):
        return None
    return number


def amount_text(number: Decimal | None) -> str | None:
    """For JSON: the figure as a string (None stays null), never a float."""
    return None if number is None else str(number)


def grouped(number: Decimal) -> str:
    """``12,345,678,901,234,567.6``: every digit kept, thousands grouped."""
    return f"{number:,f}"
