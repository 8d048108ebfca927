"""The account's credit balance: ICE ``GetYikeUserCredit``, Yike ``GetYikeAccountCredit``.

ICE answers ``CreditTotal`` and ``CreditUsage`` (the remaining credit, despite the name) as
strings. The Yike product (API version 2026-03-19) answers ``CreditInfo`` with three pools
(granted, booster pack, membership plan), each a quota and a ``...Usage`` that is again what
is left; the balance is their sum. The vendor warns that jobs can stop below 5,000.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from yike_tui.api.client import IceClient
from yike_tui.api.errors import ApiError

LOW_CREDITS = 5000
YIKE_API_VERSION = "2026-03-19"
_POOLS = ("GrantedCreditQuota", "PackCreditQuota", "ResourceCreditQuota")


@dataclass(frozen=True)
class Credits:
    total: float | None  # None when the answer does not say
    remaining: float

    @property
    def low(self) -> bool:
        return self.remaining < LOW_CREDITS


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str) and value.strip():
        try:
            number = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def parse_ice_credits(payload: dict[str, Any]) -> Credits:
    remaining = _number(payload.get("CreditUsage"))
    if remaining is None:
        raise ApiError("MalformedResponse", "the credit answer carried no CreditUsage number")
    return Credits(total=_number(payload.get("CreditTotal")), remaining=remaining)


def parse_yike_credits(payload: dict[str, Any]) -> Credits:
    info = payload.get("CreditInfo")
    if not isinstance(info, dict):
        raise ApiError("MalformedResponse", "the credit answer carried no CreditInfo")
    totals = [_number(info.get(pool)) for pool in _POOLS]
    lefts = [_number(info.get(f"{pool}Usage")) for pool in _POOLS]
    if all(left is None for left in lefts):
        raise ApiError("MalformedResponse", "the credit answer carried no remaining credit")
    known = [t for t in totals if t is not None]
    return Credits(
        total=sum(known) if known else None,
        remaining=sum(left for left in lefts if left is not None),
    )


async def get_credits(client: IceClient, *, retries: int | None = None) -> Credits:
    """The balance for the account the client signs as; ApiError when it cannot be read.
    ``retries``: None for the client's own; 0 where a warning is not worth a wait."""
    if client.version == YIKE_API_VERSION:
        return parse_yike_credits(await client.call("GetYikeAccountCredit", {}, retries=retries))
    return parse_ice_credits(await client.call("GetYikeUserCredit", {}, retries=retries))


def describe(credits: Credits) -> str:
    """One line for a person: ``12,340 credits left of 50,000``."""
    left = f"{credits.remaining:,.0f} credits left"
    return f"{left} of {credits.total:,.0f}" if credits.total is not None else left
