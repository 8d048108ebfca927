"""``python -m benchmarks.sdk_compat``: the vendor's SDK against the simulator.

Submit a job, get it back, get a failed job with its failed shots, resume a suspended
job, and check that a wrong secret is rejected. Prints each result; exits 1 if any
check fails, 0 if all pass (or if the SDK is not installed: then it says how to get it).
"""

from __future__ import annotations

import sys
from typing import Any

from benchmarks.harness import SDK_MISSING, sdk_available, sdk_client
from yike_tui.sim import SimulatorThread


def _check(ok: bool, what: str, detail: str) -> bool:
    print(f"{'ok  ' if ok else 'FAIL'} {what}: {detail}", flush=True)
    return ok


def run_checks(sim: SimulatorThread) -> bool:
    from alibabacloud_ice20201109 import models as m

    assert sim.server is not None
    book = sim.server.sim.book
    client: Any = sdk_client(sim.endpoint)
    results = []

    submitted = client.submit_yike_storyboard_job(
        m.SubmitYikeStoryboardJobRequest(
            file_url="https://b.oss/x y.txt",
            title="SDK 测试 a*b",
            source_type="Novel",
            style_id="Anime",
            aspect_ratio="16:9",
            exec_mode="FullPipeline",
        )
    )
    job_id = submitted.body.job_id
    results.append(_check(submitted.status_code == 200 and bool(job_id), "submit", f"{job_id}"))

    got = client.get_yike_storyboard_job(m.GetYikeStoryboardJobRequest(job_id=job_id))
    params = got.body.job_params
    same = (
        params.title == "SDK 测试 a*b"
        and params.file_url == "https://b.oss/x y.txt"
        and params.style_id == "Anime"
    )
    results.append(
        _check(
            got.status_code == 200 and same,
            "get the submitted job",
            f"{got.body.job_status}, title {params.title!r}, file {params.file_url!r}",
        )
    )

    failed_id = next(j.id for j in book if j.fate.name == "FAIL")
    failed = client.get_yike_storyboard_job(m.GetYikeStoryboardJobRequest(job_id=failed_id))
    shots = str(failed.body.job_result.failure_shot_list if failed.body.job_result else "")
    results.append(
        _check(
            failed.body.job_status == "Failed" and "errorCode" in shots,
            "get a failed job",
            f"{failed.body.job_status}, failed shots {shots[:80]}…",
        )
    )

    suspended_id = next(j.id for j in book if j.fate.name == "SUSPEND")
    resumed = client.resume_yike_storyboard_job(
        m.ResumeYikeStoryboardJobRequest(job_id=suspended_id)
    )
    results.append(
        _check(
            resumed.status_code == 200 and bool(resumed.body.request_id),
            "resume a suspended job",
            f"HTTP {resumed.status_code}, request id {resumed.body.request_id}",
        )
    )

    try:
        sdk_client(sim.endpoint, secret="wrong").get_yike_storyboard_job(
            m.GetYikeStoryboardJobRequest(job_id=job_id)
        )
    except Exception as exc:  # the SDK raises its own TeaException subclasses
        code = getattr(exc, "code", None)
        results.append(
            _check(
                code == "SignatureDoesNotMatch",
                "wrong secret rejected",
                f"{type(exc).__name__} {code}",
            )
        )
    else:
        results.append(_check(False, "wrong secret rejected", "the call succeeded"))

    stats = sim.server.sim.stats.to_json()
    print(f"simulator saw {stats['requests']} requests: {stats['by_action']}")
    return all(results)


def main() -> int:
    if not sdk_available():
        print(f"vendor SDK: {SDK_MISSING}")
        return 0
    with SimulatorThread(scenario="demo") as sim:
        return 0 if run_checks(sim) else 1


if __name__ == "__main__":
    sys.exit(main())
