"""Faults on demand: rates per request, parsed from ``throttle=0.05,error500=0.02,...``;
and the account's state, which is not a rate: an account not enabled for Yike is refused
every call, whatever the job, until it is enabled (``SimConfig.account_enabled``,
``yike-tui sim --account-not-enabled``, ``POST /_sim/account?enabled=0|1``)."""

from __future__ import annotations

import random
from dataclasses import dataclass, fields

FAULT_KINDS = ("throttle", "error500", "error503", "timeout", "reset", "malformed", "slow")


# How the service refuses every call of an account not enabled for Yike (status, code, text).
ACCOUNT_REFUSAL = (
    404,
    "MainAccountUserNotFound",
    "The main account is not a Yike user: activate Yike for this account first.",
)


class FaultSpecError(ValueError):
    pass


@dataclass(frozen=True)
class FaultSpec:
    throttle: float = 0.0  # 400 Throttling.User with x-acs-retry-after
    error500: float = 0.0  # 500 InternalError
    error503: float = 0.0  # 503 ServiceUnavailable
    timeout: float = 0.0  # no answer; the connection is closed after `hang_s`
    reset: float = 0.0  # the connection is reset (RST) instead of answered
    malformed: float = 0.0  # 200 with a truncated JSON body
    slow: float = 0.0  # answered after an extra `slow_ms`

    @classmethod
    def parse(cls, spec: str) -> FaultSpec:
        """``"throttle=0.05,error500=0.02"`` -> FaultSpec; a clear error for anything else."""
        rates: dict[str, float] = {}
        for part in spec.replace(" ", "").split(","):
            if not part:
                continue
            name, sep, value = part.partition("=")
            if name not in FAULT_KINDS:
                raise FaultSpecError(f"unknown fault {name!r}; known: {', '.join(FAULT_KINDS)}")
            try:
                rate = float(value) if sep else -1.0
            except ValueError:
                rate = -1.0
            if not 0.0 <= rate <= 1.0:
                raise FaultSpecError(f"fault {name} needs a rate between 0 and 1, got {value!r}")
            rates[name] = rate
        total = sum(rates.values())
        if total > 1.0:
            raise FaultSpecError(f"fault rates add up to {total:g}, more than 1")
        return cls(**rates)

    def __str__(self) -> str:
        parts = [
            f"{f.name}={getattr(self, f.name):g}" for f in fields(self) if getattr(self, f.name)
        ]
        return ",".join(parts) or "none"

    @property
    def any(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self))

    def pick(self, rng: random.Random) -> str | None:
        """One draw: the fault to inject into this request, or None."""
        if not self.any:
            return None
        draw = rng.random()
        for name in FAULT_KINDS:
            rate: float = getattr(self, name)
            if draw < rate:
                return name
            draw -= rate
        return None
