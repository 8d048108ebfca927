"""What the simulator served, so benchmarks and soak tests can judge the client."""

from __future__ import annotations

import time
from collections import Counter, deque
from collections.abc import Callable
from typing import Any


class Stats:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self.reset()

    def reset(self) -> None:
        self.started = self._clock()
        self.requests = 0
        self.by_action: Counter[str] = Counter()
        self.by_status: Counter[int] = Counter()
        self.by_job: Counter[str] = Counter()
        self.faults: Counter[str] = Counter()
        self.by_second: Counter[int] = Counter()
        self.after_terminal: Counter[str] = Counter()  # Gets of a job already seen terminal
        self._terminal_seen: set[str] = set()
        self.media_bytes = 0
        self._window: deque[float] = deque()
        self.max_in_window = 0  # most requests within any sliding one-second window

    def count_request(self, action: str) -> None:
        self.requests += 1
        self.by_action[action] += 1
        now = self._clock()
        self.by_second[int(now - self.started)] += 1
        window = self._window
        window.append(now)
        while now - window[0] >= 1.0:
            window.popleft()
        if len(window) > self.max_in_window:
            self.max_in_window = len(window)

    def count_get(self, job_id: str, status: str) -> None:
        self.by_job[job_id] += 1
        if job_id in self._terminal_seen:
            self.after_terminal[job_id] += 1
        if status in ("Succeeded", "Failed"):
            self._terminal_seen.add(job_id)

    def max_per_second(self) -> int:
        """The most requests started within any one-second window (whole seconds)."""
        return max(self.by_second.values(), default=0)

    def to_json(self, detail: bool = False) -> dict[str, Any]:
        elapsed = max(1e-9, self._clock() - self.started)
        data: dict[str, Any] = {
            "elapsed_s": round(elapsed, 3),
            "requests": self.requests,
            "requests_per_s": round(self.requests / elapsed, 1),
            "max_requests_in_one_second": self.max_per_second(),
            "max_requests_in_any_1s_window": self.max_in_window,
            "by_action": dict(self.by_action),
            "by_status": {str(k): v for k, v in self.by_status.items()},
            "faults_injected": dict(self.faults),
            "jobs_polled": len(self.by_job),
            "gets_after_terminal": sum(self.after_terminal.values()),
            "media_bytes": self.media_bytes,
        }
        if detail:
            data["by_job"] = dict(self.by_job)
            data["after_terminal_by_job"] = dict(self.after_terminal)
            data["by_second"] = {str(k): v for k, v in sorted(self.by_second.items())}
        return data
