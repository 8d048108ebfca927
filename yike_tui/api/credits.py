"""Credits: the balance (ICE ``GetYikeUserCredit``, Yike ``GetYikeAccountCredit``), the Yike
product's membership, and what one job was charged (Yike ``GetYikeJobCredit``).

ICE reads the balance of one Yike user, whose ``YikeUserId`` it requires: without one it is
not asked (``NoYikeUserId``). It answers ``CreditTotal`` and ``CreditUsage`` (the remaining
credit, despite the name) as strings: kept exact, as ``Decimal``. The Yike product (API
version 2026-03-19) answers ``CreditInfo`` with three pools (granted, booster pack,
membership plan), each a quota and a ``...Usage`` that is again what is left; the balance is
their sum. The vendor warns that jobs can stop below 5,000.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from yike_tui.api.errors import ApiError, ErrorKind, api_text
from yike_tui.core.amounts import amount

if TYPE_CHECKING:
    from yike_tui.api.client import ApiClient


LOW_CREDITS = 5000
YIKE_API_VERSION = "2026-03-19"
MEMBERSHIP_WARN_DAYS = 7  # a membership ending this soon is said with a warning
_POOLS = ("GrantedCreditQuota", "PackCreditQuota", "ResourceCreditQuota")


class NoYikeUserId(ApiError):
    """ICE's balance was not asked for: it needs a Yike user id and none is set."""

    def __init__(self) -> None:
        super().__init__(
            "YikeUserIdNotSet",
            "ICE's GetYikeUserCredit needs the YikeUserId of the Yike user whose credits to read",
            kind=ErrorKind.PARAMETER,
        )


class NotOnThisApi(ApiError):
    """An action the API in use does not have (ICE has no GetYikeJobCredit): not asked."""

    def __init__(self, action: str) -> None:
        message = f"{action} is an action of the Yike product only"
        super().__init__("NotOnThisApi", message, kind=ErrorKind.PARAMETER)


@dataclass(frozen=True)
class Membership:
    """The Yike product's plan: its level (basic, standard, professional, ultra) and term."""

    level: str
    starts: datetime | None
    ends: datetime | None

    def days_left(self, now: datetime) -> float | None:
        return None if self.ends is None else (self.ends - now).total_seconds() / 86400


@dataclass(frozen=True)
class Credits:
    total: Decimal | None  # None when the answer does not say
    remaining: Decimal
    membership: Membership | None = None  # the Yike product's, when it says

    @property
    def low(self) -> bool:
        return self.remaining < LOW_CREDITS


@dataclass(frozen=True)
class JobCharge:
    """``GetYikeJobCredit``: the credits a job was charged and whether they were deducted."""

    job_id: str
    cost: Decimal | None
    status: str  # CreditStatus as the API says it; "" when it does not


def parse_ice_credits(payload: dict[str, Any]) -> Credits:
    remaining = amount(payload.get("CreditUsage"))
    if remaining is None:
        raise ApiError("MalformedResponse", "the credit answer carried no CreditUsage number")
    return Credits(total=amount(payload.get("CreditTotal")), remaining=remaining)


def parse_yike_credits(payload: dict[str, Any]) -> Credits:
    info = payload.get("CreditInfo")
    if not isinstance(info, dict):
        raise ApiError("MalformedResponse", "the credit answer carried no CreditInfo")
    totals = [amount(info.get(pool)) for pool in _POOLS]
    lefts = [amount(info.get(f"{pool}Usage")) for pool in _POOLS]
    known_lefts = [left for left in lefts if left is not None]
    if not known_lefts:
        raise ApiError("MalformedResponse", "the credit answer carried no remaining credit")
    known = [t for t in totals if t is not None]
    return Credits(
        total=sum(known, Decimal(0)) if known else None,
        remaining=sum(known_lefts, Decimal(0)),
        membership=parse_membership(payload.get("MembershipInfo")),
    )


def parse_membership(info: Any) -> Membership | None:
    if not isinstance(info, dict):
        return None
    level = info.get("Membership")
    level = api_text(level, 40) if isinstance(level, str) else ""
    starts, ends = parse_time(info.get("StartTime")), parse_time(info.get("EndTime"))
    if not level and starts is None and ends is None:
        return None
    return Membership(level, starts, ends)


def parse_time(value: Any) -> datetime | None:
    """A time as the API may send it: ISO 8601 (``2026-05-01T00:00:00Z``, with or without a
    zone, which is then UTC), ``2026-05-01 00:00:00``, or epoch seconds or milliseconds.
    None for anything else: an unreadable date is not a reason to fail."""
    if isinstance(value, bool) or value is None or value == "":
        return None
    if isinstance(value, int | float) or (isinstance(value, str) and value.strip().isdigit()):
        number = float(value)
        seconds = number / 1000 if number > 1e11 else number  # milliseconds past 1973
        try:
            return datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def parse_job_charge(job_id: str, payload: dict[str, Any]) -> JobCharge:
    status = payload.get("CreditStatus")
    return JobCharge(
        job_id=job_id,
        cost=amount(payload.get("JobCreditCost")),
        status=api_text(status, 40) if isinstance(status, str) else "",
    )


def is_yike(client: ApiClient) -> bool:
    return client.version == YIKE_API_VERSION


async def get_credits(client: ApiClient, *, retries: int | None = None) -> Credits:
    """The balance for the account the client signs as (on ICE: the Yike user the client
    names); ApiError when it cannot be read, NoYikeUserId (nothing sent) when ICE has no
    user to ask about. ``retries``: None for the client's own; 0 where a warning is not
    worth a wait."""
    if is_yike(client):
        return parse_yike_credits(await client.call("GetYikeAccountCredit", {}, retries=retries))
    if not client.yike_user_id:
        raise NoYikeUserId()
    params = {"YikeUserId": client.yike_user_id}
    return parse_ice_credits(await client.call("GetYikeUserCredit", params, retries=retries))


async def get_job_charge(
    client: ApiClient, job_id: str, *, retries: int | None = None
) -> JobCharge:
    """What a job was charged (the Yike product's ``GetYikeJobCredit``, its JobId in the
    form body as the SDK sends it); NotOnThisApi, nothing sent, on ICE."""
    if not is_yike(client):
        raise NotOnThisApi("GetYikeJobCredit")
    payload = await client.call("GetYikeJobCredit", {}, form={"JobId": job_id}, retries=retries)
    return parse_job_charge(job_id, payload)


def describe(credits: Credits) -> str:
    """One line for a person: ``12,340 credits left of 50,000``."""
    left = f"{credits.remaining:,.0f} credits left"
    return f"{left} of {credits.total:,.0f}" if credits.total is not None else left


def describe_membership(membership: Membership, now: datetime) -> tuple[str, bool]:
    """``(text, ends soon)``: ``professional until 2026-05-01 (12 days left)``."""
    level = membership.level or "membership"
    if membership.ends is None:
        return level, False
    left = membership.days_left(now)
    assert left is not None
    day = membership.ends.strftime("%Y-%m-%d")
    if left < 0:
        return f"{level}, ended {day}", True
    days = int(left)
    soon = left < MEMBERSHIP_WARN_DAYS
    when = "ends today" if days == 0 else f"{days} day{'s' if days != 1 else ''} left"
    return f"{level} until {day} ({when})", soon
