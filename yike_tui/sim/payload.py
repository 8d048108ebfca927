"""Build ``GetYikeStoryboardJob`` answers shaped exactly like the real service's.

Lists go inside strings as JSON (escaped twice for jobs using the vendor example's
form), and sparse jobs leave out what is empty, so a client meets every shape the
documentation shows.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from yike_tui.sim.jobs import Encoding, SimJob

NEW_PRODUCT_VERSION = "2026-03-19"  # the stand-alone "yike" product adds subtitles and credits


def _embed(value: Any, encoding: Encoding) -> str:
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if encoding is Encoding.DOUBLE:
        return json.dumps(text, ensure_ascii=False)[1:-1]  # `[\"st_1\"]`, as in the vendor page
    return text


def job_result(
    job: SimJob, now: float, output_url: Callable[[SimJob], str], version: str
) -> tuple[str, dict[str, Any]]:
    """The job's ``(JobStatus, JobResult)`` at simulator time ``now``."""
    t, status = job.job_time(now)
    infos: list[dict[str, str]] = []
    succeeded: list[str] = []
    exceptions: list[str] = []
    shots: list[dict[str, str]] = []
    for plan in job.storyboards:
        state = plan.state(t, job.storyboard_only)
        if state is None:
            continue
        infos.append(
            {
                "storyboardId": plan.id,
                "title": plan.title,
                "status": state[0],
                "subStatus": state[1],
            }
        )
        if state[1] in ("ProduceSucc",) or (job.storyboard_only and state[1] == "CreateSucc"):
            succeeded.append(plan.id)
        if state[1] == "CreateFailed":
            exceptions.append(plan.id)
        if t >= plan.create_done:
            shots.extend(
                {"errorCode": code, "storyboardId": plan.id, "shotId": shot}
                for shot, code in plan.failed_shots
            )
    enc = job.encoding
    result: dict[str, Any] = {}
    if status == "Succeeded" and not job.storyboard_only:
        result["OutputUrl"] = output_url(job)
    for key, value in (
        ("SuccessStoryboardList", succeeded),
        ("ExceptionStoryboardIds", exceptions),
        ("FailureShotList", shots),
    ):
        if value or enc is not Encoding.SPARSE:
            result[key] = _embed(value, enc)
    if succeeded or enc is not Encoding.SPARSE:
        result["SuccessStoryboardIds"] = ", ".join(succeeded)
    if infos or enc is not Encoding.SPARSE:
        result["StoryboardInfoList"] = _embed(infos, enc)
    if version == NEW_PRODUCT_VERSION:
        if "OutputUrl" in result:
            result["SrtFileUrl"] = result["OutputUrl"].replace(".mp4?", ".srt?", 1)
        done = len(succeeded)
        result["JobCredit"] = {
            "ElementImageGeneration": round(len(infos) * 1.5, 1),
            "VideoGeneration": float(done * 12),
            "VideoComposition": 4.0 if "OutputUrl" in result else 0.0,
            "TotalCreditCost": round(
                len(infos) * 1.5 + done * 12 + (4 if "OutputUrl" in result else 0), 1
            ),
        }
    return status, result


def get_job_body(
    job: SimJob, now: float, request_id: str, output_url: Callable[[SimJob], str], version: str
) -> dict[str, Any]:
    status, result = job_result(job, now, output_url, version)
    params = dict(job.params)
    if job.encoding is Encoding.SPARSE:
        params = {k: v for k, v in params.items() if v}
    body: dict[str, Any] = {
        "RequestId": request_id,
        "JobId": job.id,
        "JobParams": params,
        "JobStatus": status,
        "JobResult": result,
    }
    # The Yike product sends its credit cost beside JobResult, numbers as strings (where the
    # vendor's SDK reads it).
    credit = result.pop("JobCredit", None)
    if credit is not None:
        body["JobCredit"] = {key: f"{value:g}" for key, value in credit.items()}
    return body
