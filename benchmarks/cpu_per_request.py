"""Client CPU per request (sign + send + parse + diff) on each API transport, and against the
vendor SDK's CPU per call.

All run at 0 ms server latency against the same simulator process, so nothing but the
client's own work is on this process's CPU clock (``time.process_time``). Ours is a
steady-state refresh pass of the Monitor (diffs against the previous snapshot, no store),
once over the lean transport (api/transport.py, the default) and once over httpx's own
(``YIKE_TUI_TRANSPORT=httpx``), interleaved run by run so a busy moment hits both; the
SDK's is a sequential loop of ``get_yike_storyboard_job``.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager

from benchmarks.harness import (
    SDK_MISSING,
    Context,
    Figure,
    Results,
    run_passes,
    sdk_available,
    sdk_client,
    sdk_get,
    sim_process,
)
from yike_tui.api.transport import TRANSPORT_ENV, TRANSPORT_NAMES

NAME = "cpu_per_request"


@contextmanager
def transport(name: str) -> Iterator[None]:
    """Every client built inside carries its API calls over ``name`` (what a user sets)."""
    before = os.environ.get(TRANSPORT_ENV)
    os.environ[TRANSPORT_ENV] = name
    try:
        yield
    finally:
        if before is None:
            del os.environ[TRANSPORT_ENV]
        else:
            os.environ[TRANSPORT_ENV] = before


def run(ctx: Context, results: Results) -> None:
    jobs = ctx.pick(1000, 300)
    runs = ctx.pick(5, 1)
    ours: dict[str, list[float]] = {name: [] for name in TRANSPORT_NAMES}
    with sim_process(jobs=jobs) as sim:
        for _ in range(runs):
            for name in TRANSPORT_NAMES:
                with transport(name):
                    timing = run_passes(sim.endpoint, sim.ids, 1)[0]
                ours[name].append(timing.cpu / timing.fetched * 1000)
        sdk: list[float] = []
        if sdk_available():
            client = sdk_client(sim.endpoint)
            sdk_get(client, sim.ids[0])
            calls = ctx.pick(500, 150)
            for _ in range(runs):
                cpu0 = time.process_time()
                for job_id in sim.ids[:calls]:
                    sdk_get(client, job_id)
                sdk.append((time.process_time() - cpu0) / calls * 1000)

    lean, httpx_own = ours["lean"], ours["httpx"]
    results.add(
        Figure(
            "client CPU per request: httpx's own transport ÷ the lean one",
            [h / x for h, x in zip(httpx_own, lean, strict=True)],
            "×",
            reference=(
                f"lean {_ms(lean)}; httpx's own {_ms(httpx_own)} CPU per request, "
                f"a pass over {jobs:,} jobs each"
            ),
        )
    )
    name = "client CPU per request (sign + send + parse + diff)"
    if not sdk:
        results.add(Figure(name, lean, "ms", target="≤ 1.0× the SDK's", reference=SDK_MISSING))
        return
    sdk_median = statistics.median(sdk)
    ratios = [x / sdk_median for x in lean]
    results.add(
        Figure(
            name,
            ratios,
            "× SDK",
            target="≤ 1.0× the SDK's",
            reference=f"ours {_ms(lean)}; SDK {_ms(sdk)} CPU per call",
            passed=statistics.median(ratios) <= 1.0,
        )
    )


def _ms(samples: list[float]) -> str:
    return f"{statistics.median(samples):.2f} ms ({min(samples):.2f}–{max(samples):.2f})"
