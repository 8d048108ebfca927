"""The 30-second soak: 1,000 jobs through every fault, then the engine must tell the truth.

The long version, with figures, is ``python -m benchmarks.soak`` (README "Reliability").
"""

from __future__ import annotations

from benchmarks.soak import SoakConfig, report, soak, verdict
from yike_tui.sim.faults import FAULT_KINDS


async def test_soak_under_faults_then_truth() -> None:
    cfg = SoakConfig(jobs=1000, fault_seconds=22.0, warmup_s=11.0)
    result = await soak(cfg)
    print(report(cfg, result))  # shown with -s or on failure
    # Every kind of fault was really injected, and the engine kept going through them.
    assert set(result.faults_injected) == set(FAULT_KINDS), result.faults_injected
    assert result.passes >= 3
    assert not result.engine_crashed
    assert not result.jobs_without_answer  # no watched job lost
    assert not result.mismatches  # every job equals the simulator's truth
    # Counted at the limiter's grants, on its clock: a request that bypassed it would show.
    assert result.max_sent_in_1s <= cfg.rate_limit
    assert not result.repolled_after_confirmation
    assert result.confirmed_terminal > 0  # ...and there were confirmed jobs to re-poll
    # Memory growth is machine-dependent: python -m benchmarks.soak judges it, not the suite.
    assert verdict(cfg, result, judge_memory=False) == []
