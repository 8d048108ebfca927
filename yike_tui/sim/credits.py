"""The simulator's credit balance: it goes down as the jobs submitted to it run.

A job spends ``RATE`` credits a second of its own running time until it ends (a suspended
job spends nothing while it waits), so the balance is a pure function of the clock like
everything else in the simulator. Jobs of the scenario's book were paid for before it
started; only jobs submitted to it count.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from yike_tui.sim.jobs import SimJob

RATE = 2.0  # credits a second of job time
TOTAL = 100_000.0
START = 60_000.0
# The one Yike sub-account ICE's GetYikeUserCredit knows here (the demo's own).
DEMO_YIKE_USER_ID = "yk-sim-demo-user-0001"
MEMBERSHIP = "professional"  # one of the levels the Yike SDK documents
DAY = 86_400.0


@dataclass
class CreditBook:
    total: float = TOTAL
    start: float = START  # the balance before any submitted job ran
    jobs: list[SimJob] = field(default_factory=list)
    # The membership plan's term, in days from now (wall clock): a test may bring it near.
    membership_days_left: float = 200.0

    def spent(self, now: float) -> float:
        used = 0.0
        for job in self.jobs:
            t, _ = job.job_time(now)
            end = job.end if math.isfinite(job.end) else t
            used += RATE * min(t, end)
        return used

    def remaining(self, now: float) -> float:
        return max(0.0, self.start - self.spent(now))

    def ice_body(self, now: float, request_id: str) -> dict[str, Any]:
        """``GetYikeUserCredit``: strings, ``CreditUsage`` being what is left."""
        return {
            "RequestId": request_id,
            "CreditTotal": f"{self.total:.0f}",
            "CreditUsage": f"{self.remaining(now):.2f}",
        }

    def yike_body(self, now: float, wall: float, request_id: str) -> dict[str, Any]:
        """``GetYikeAccountCredit``: all of it in the membership pool, none granted or packed;
        the membership began a year ago and runs ``membership_days_left`` more days."""
        return {
            "RequestId": request_id,
            "CreditInfo": {
                "GrantedCreditQuota": 0,
                "GrantedCreditQuotaUsage": 0,
                "PackCreditQuota": 0,
                "PackCreditQuotaUsage": 0,
                "ResourceCreditQuota": self.total,
                "ResourceCreditQuotaUsage": round(self.remaining(now), 2),
            },
            "MembershipInfo": {
                "Membership": MEMBERSHIP,
                "StartTime": _iso(wall - 365 * DAY),
                "EndTime": _iso(wall + self.membership_days_left * DAY),
            },
        }


def _iso(wall: float) -> str:
    return datetime.fromtimestamp(wall, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
