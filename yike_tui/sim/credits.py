"""The simulator's credit balance: it goes down as the jobs submitted to it run.

A job spends ``RATE`` credits a second of its own running time until it ends (a suspended
job spends nothing while it waits), so the balance is a pure function of the clock like
everything else in the simulator. Jobs of the scenario's book were paid for before it
started; only jobs submitted to it count.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from yike_tui.sim.jobs import SimJob

RATE = 2.0  # credits a second of job time
TOTAL = 100_000.0
START = 60_000.0


@dataclass
class CreditBook:
    total: float = TOTAL
    start: float = START  # the balance before any submitted job ran
    jobs: list[SimJob] = field(default_factory=list)

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

    def yike_body(self, now: float, request_id: str) -> dict[str, Any]:
        """``GetYikeAccountCredit``: all of it in the membership pool, none granted or packed."""
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
            "MembershipInfo": {"Membership": "Simulated", "StartTime": "", "EndTime": ""},
        }
