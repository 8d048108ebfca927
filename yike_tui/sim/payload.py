"""Build ``GetYikeStoryboardJob`` answers shaped exactly like the real service's.

Lists go inside strings as JSON (escaped twice for jobs using the vendor example's
form), and sparse jobs leave out what is empty, so a client meets every shape the
documentation shows.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from yike_tui.sim.contract import YIKE_VERSION
from yike_tui.sim.jobs import Encoding, SimJob

# What the answer's JobParams holds (the SDKs' JobParams model): what a job was submitted
# with, less what the service does not echo (ExecMode, SkipFailureShot, UserData...).
JOB_PARAM_FIELDS = frozenset(
    {
        "AspectRatio",
        "FileURL",
        "ModelParams",
        "NarrationVoiceId",
        "Resolution",
        "ShotPromptMode",
        "ShotSplitMode",
        "SourceType",
        "StyleId",
        "Title",
        "VideoModel",
    }
)
# Credits a storyboard costs to draw its elements and to film, and the final composition.
ELEMENT_COST = Decimal("1.5")
VIDEO_COST = Decimal("12")
COMPOSITION_COST = Decimal("4")


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
    if version == YIKE_VERSION:
        if "OutputUrl" in result:
            result["SrtFileUrl"] = result["OutputUrl"].replace(".mp4?", ".srt?", 1)
        result["JobCredit"] = job_credit(len(infos), len(succeeded), "OutputUrl" in result)
    return status, result


def job_credit(storyboards: int, done: int, composed: bool) -> dict[str, Decimal]:
    """What a job has cost so far, exact (the API sends decimals as text)."""
    images = storyboards * ELEMENT_COST
    video = done * VIDEO_COST
    composition = COMPOSITION_COST if composed else Decimal(0)
    return {
        "ElementImageGeneration": images,
        "VideoGeneration": video,
        "VideoComposition": composition,
        "TotalCreditCost": images + video + composition,
    }


def get_job_body(
    job: SimJob, now: float, request_id: str, output_url: Callable[[SimJob], str], version: str
) -> dict[str, Any]:
    status, result = job_result(job, now, output_url, version)
    params = {k: v for k, v in job.params.items() if k in JOB_PARAM_FIELDS}
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
        body["JobCredit"] = {key: str(value) for key, value in credit.items()}
    return body


def job_charge_body(job: SimJob, now: float, request_id: str) -> dict[str, Any]:
    """``GetYikeJobCredit``: what the job was charged (a number, as its SDK types it) and
    whether it was deducted, which happens once the job is over."""
    status, result = job_result(job, now, lambda _: "", YIKE_VERSION)  # no URL needed
    cost = result["JobCredit"]["TotalCreditCost"]
    return {
        "RequestId": request_id,
        "JobId": job.id,
        "JobCreditCost": float(cost),
        "CreditStatus": "Deducted" if status in ("Succeeded", "Failed") else "Pending",
    }
