"""``python -m benchmarks.sdk_compat``: the vendor's SDKs against the simulator.

For each of the vendor's two SDKs, ICE's (``alibabacloud-ice20201109``, API 2020-11-09)
and the stand-alone Yike product's (``alibabacloud-yike20260319``, API 2026-03-19): submit
a job, get it back, get a failed job with its failed shots, get a finished job (with the
Yike product: its subtitles), resume a suspended job, and check that a wrong secret is
rejected. Prints each result; exits 1 if any check fails, 0 if all pass (an SDK that is not
installed is skipped, saying how to get it).
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

from yike_tui.api.endpoints import APIS
from yike_tui.sim import DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, SimulatorThread

# API name -> the vendor SDK's package (pip name in SDK_PIP); both are in the bench extra.
SDK_PACKAGES = {"ice": "alibabacloud_ice20201109", "yike": "alibabacloud_yike20260319"}
SDK_PIP = {"ice": "alibabacloud-ice20201109", "yike": "alibabacloud-yike20260319"}


def sdk_installed(api: str) -> bool:
    try:
        importlib.import_module(f"{SDK_PACKAGES[api]}.client")
    except ImportError:
        return False
    return True


def sdk_client(api: str, endpoint: str, secret: str = DEMO_ACCESS_KEY_SECRET) -> Any:
    """The vendor's client for ``api``, configured the way its docs show, pointed at the
    simulator (the endpoint given overrides the SDK's own region table)."""
    from alibabacloud_tea_openapi import models as open_api_models

    client_class = importlib.import_module(f"{SDK_PACKAGES[api]}.client").Client
    config = open_api_models.Config(
        access_key_id=DEMO_ACCESS_KEY_ID,
        access_key_secret=secret,
        endpoint=endpoint.split("//", 1)[1],
        protocol="HTTP",
        region_id=APIS[api].default_region,
    )
    return client_class(config)


def _check(ok: bool, what: str, detail: str) -> bool:
    print(f"{'ok  ' if ok else 'FAIL'} {what}: {detail}", flush=True)
    return ok


def run_checks(sim: SimulatorThread, api: str = "ice") -> bool:
    """Every check with ``api``'s SDK against ``sim``; True when all pass."""
    m = importlib.import_module(f"{SDK_PACKAGES[api]}.models")
    assert sim.server is not None
    book = sim.server.sim.book
    client: Any = sdk_client(api, sim.endpoint)
    results = []
    print(f"-- {SDK_PIP[api]} (API {APIS[api].version})", flush=True)

    submitted = client.submit_yike_storyboard_job(
        m.SubmitYikeStoryboardJobRequest(
            file_url="https://b.oss/x y.txt",
            title="SDK 测试 a*b",
            source_type="Novel",
            style_id="Ghibli",
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
        and params.style_id == "Ghibli"
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

    if api == "yike":
        results.append(_check_subtitles_and_credit(client, m, sim))

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
        sdk_client(api, sim.endpoint, secret="wrong").get_yike_storyboard_job(
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


def _check_subtitles_and_credit(client: Any, m: Any, sim: SimulatorThread) -> bool:
    """The Yike product's own fields, read through its SDK: a finished job's SrtFileUrl,
    and JobCredit where the SDK reads it (the body's top level, numbers as strings)."""
    assert sim.server is not None
    done = next(j.id for j in sim.server.sim.book if j.params["Title"].startswith("Harbour"))
    body = client.get_yike_storyboard_job(m.GetYikeStoryboardJobRequest(job_id=done)).body
    srt = str(body.job_result.srt_file_url or "") if body.job_result else ""
    ok = _check(
        body.job_status == "Succeeded" and ".srt" in srt,
        "get a finished job's subtitles",
        f"{body.job_status}, SrtFileUrl {srt.split('?', 1)[0]}",
    )
    credit = body.job_credit
    total = credit.total_credit_cost if credit is not None else None
    return (
        _check(
            total is not None and float(total) > 0,
            "read the job's credit cost",
            f"JobCredit.TotalCreditCost {total!r}",
        )
        and ok
    )


def main() -> int:
    passed = True
    for api in SDK_PACKAGES:
        if not sdk_installed(api):
            print(f"{SDK_PIP[api]}: skipped (pip install -e '.[bench]')")
            continue
        with SimulatorThread(scenario="demo") as sim:
            passed = run_checks(sim, api) and passed
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
