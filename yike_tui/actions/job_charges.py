"""What the jobs looked at were charged (the Yike product's ``GetYikeJobCredit``), for the
detail pane and the TUI's report.

Read only for the job the user is looking at, after it has been looked at for a moment (a
cursor run through 500 rows asks nothing), once per state of the job: a job is asked again
only when its status or its own credit figure moved. One read at a time, bounded by a
deadline, never retried (the next look asks again). The figures of the last ``MAX_JOBS``
jobs are kept. An account or API that refuses the action is not asked again this session.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import TYPE_CHECKING

from yike_tui.api.credits import JobCharge, get_job_charge, is_yike
from yike_tui.api.errors import ApiError, ErrorKind
from yike_tui.core.models import Job

if TYPE_CHECKING:
    from yike_tui.api.client import ApiClient


log = logging.getLogger(__name__)

MAX_JOBS = 512
SETTLE = 0.4  # seconds a job is looked at before its charge is asked for
DEADLINE = 15.0  # seconds one read may take
_REFUSED = frozenset({ErrorKind.PERMISSION, ErrorKind.CREDENTIALS})

Reader = Callable[[str], Awaitable[JobCharge]]


def charge_key(job: Job) -> Hashable:
    """What, when it moves, may move the charge: the job's status and its own figure."""
    total = job.credit.total_credit_cost if job.credit is not None else None
    return (job.status_raw, total)


class ChargeBook:
    def __init__(
        self,
        read: Reader,
        *,
        on_change: Callable[[str], None] | None = None,
        settle: float = SETTLE,
        deadline: float = DEADLINE,
    ) -> None:
        self._read, self._on_change = read, on_change
        self.settle, self.deadline = settle, deadline
        self._known: OrderedDict[str, tuple[Hashable, JobCharge]] = OrderedDict()
        self._asked: dict[str, Hashable] = {}  # the key each job was last asked for
        self.refused = False  # the API said no: not asked again this session
        self.asked = 0  # reads sent

    @classmethod
    def of_client(
        cls, client: ApiClient, *, on_change: Callable[[str], None] | None = None
    ) -> ChargeBook | None:
        """A book for ``client``'s API, or None: only the Yike product has the action."""
        if not is_yike(client):
            return None
        return cls(lambda job_id: get_job_charge(client, job_id, retries=0), on_change=on_change)

    def get(self, job_id: str) -> JobCharge | None:
        known = self._known.get(job_id)
        return None if known is None else known[1]

    def charges(self) -> dict[str, JobCharge]:
        return {job_id: charge for job_id, (_, charge) in self._known.items()}

    def wanted(self, job: Job) -> bool:
        """Whether ``job``'s charge is worth asking for now: never asked in this state."""
        return not self.refused and self._asked.get(job.id) != charge_key(job)

    async def look(self, job: Job) -> None:
        """The user is looking at ``job``: after ``settle`` seconds (cancelled when the
        look moves on), ask for its charge if it is wanted."""
        if not self.wanted(job):
            return
        await asyncio.sleep(self.settle)
        key = charge_key(job)
        self._asked[job.id] = key
        self.asked += 1
        try:
            charge = await asyncio.wait_for(self._read(job.id), self.deadline)
        except ApiError as err:
            if err.kind in _REFUSED or err.code.startswith("InvalidAction"):
                self.refused = True
            elif err.retryable:
                self._asked.pop(job.id, None)  # passing: the next look asks again
            log.info("the charge of %s not read: %s", ascii(job.id)[:40], err.code)
            return
        except (TimeoutError, OSError) as exc:
            self._asked.pop(job.id, None)  # nothing learned: the next look asks again
            log.info("the charge of %s not read: %s", ascii(job.id)[:40], type(exc).__name__)
            return
        self._known[job.id] = (key, charge)
        self._known.move_to_end(job.id)
        while len(self._known) > MAX_JOBS:
            old, _ = self._known.popitem(last=False)
            self._asked.pop(old, None)
        if len(self._asked) > 4 * MAX_JOBS:  # keys of jobs never answered: bounded too
            self._asked = {k: v for k, v in self._asked.items() if k in self._known}
        if self._on_change is not None:
            self._on_change(job.id)
