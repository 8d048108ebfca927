"""diff.same_answer: "the last answer again" only when parsing would give the same job but
for its RequestId."""

from __future__ import annotations

from typing import Any

import pytest

from yike_tui.core.models import parse_job
from yike_tui.engine.diff import diff, same_answer


def answer(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "RequestId": "req-1",
        "JobId": "j1",
        "JobStatus": "Running",
        "JobParams": {"Title": "Episode 1", "ExecMode": "FullPipeline"},
        "JobResult": {
            "StoryboardInfoList": '[{"storyboardId": "st_1", "status": "Editing"}]',
            "SuccessStoryboardIds": "",
        },
        "JobCredit": {"TotalCreditCost": 12.5},
    }
    return {**base, **over}


def test_a_new_request_id_is_the_same_answer_and_parses_to_the_same_job() -> None:
    old, new = answer(), answer(RequestId="req-2")
    assert same_answer(old, new)
    a, b = parse_job(old, job_id="j1"), parse_job(new, job_id="j1")
    assert diff(a, b, ts=1.0) == [] and b.request_id == "req-2"


@pytest.mark.parametrize(
    "new",
    [
        answer(JobStatus="Succeeded"),
        answer(JobParams={"Title": "Episode 1", "ExecMode": "StoryboardOnly"}),
        answer(JobParams={"ExecMode": "FullPipeline", "Title": "Episode 1"}),  # key order
        answer(JobCredit={"TotalCreditCost": 12}),  # 12 == 12.5? no; and int is not float
        answer(JobCredit={"TotalCreditCost": 12.50001}),
        answer(JobResult={"StoryboardInfoList": "[]", "SuccessStoryboardIds": ""}),
        answer(Extra=1),
        answer(RequestId=7),  # not text: parsed differently
        answer(RequestId=None),
    ],
)
def test_anything_else_is_not_the_same(new: dict[str, Any]) -> None:
    assert not same_answer(answer(), new)
    assert not same_answer(new, answer())


@pytest.mark.parametrize(
    ("a", "b"),
    [(1, 1.0), (1, True), (0.0, -0.0), (0, False), ("1", 1), ([1], (1,)), ({}, [])],
)
def test_equal_values_of_another_type_are_not_the_same(a: Any, b: Any) -> None:
    # Python says 1 == 1.0 == True and 0.0 == -0.0; their text in a row differs.
    assert not same_answer(answer(JobCredit={"x": a}), answer(JobCredit={"x": b}))


def test_no_request_id_on_either_side_is_the_same_one_side_only_is_not() -> None:
    bare = {k: v for k, v in answer().items() if k != "RequestId"}
    assert same_answer(bare, dict(bare))
    assert not same_answer(bare, answer())
