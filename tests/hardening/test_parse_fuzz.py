"""Property tests of ``parse_job``: any JSON shape in any field, JSON-in-strings broken
every way. It never raises, every field of the result has its declared type, and what is
valid next to what is broken is kept. (Worked examples live in tests/unit/test_models.py.)
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yike_tui.core.models import FailedShot, Job, JobStatus, Storyboard, parse_job

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)


def encodings(value: Any) -> st.SearchStrategy[Any]:
    """A value as the API might send it: raw, as JSON text, as JSON text escaped again."""
    text = json.dumps(value)
    return st.sampled_from([value, text, json.dumps(text), json.dumps(text)[1:-1]])


def broken(text: str) -> st.SearchStrategy[str]:
    """A JSON text broken in one of the ways a wire or a vendor breaks it."""
    n = len(text)
    return st.one_of(
        st.integers(0, n).map(lambda i: text[:i]),  # truncated
        st.integers(0, n).map(lambda i: text[:i] + '"' + text[i:]),  # a stray quote
        st.integers(0, n).map(lambda i: text[:i] + "\\" + text[i:]),  # a stray backslash
        st.just(text.replace('"', '\\"', 1)),  # half escaped
        st.just(text.replace('"', '\\\\"')),  # escaped with the wrong depth
        st.just(text + "]" * 3),
        st.just("[" * 5000),  # nesting bombs must not recurse forever
        st.just('"' * 7),
        st.text(max_size=40),
    )


field_values = json_values.flatmap(encodings) | json_values.flatmap(lambda v: broken(json.dumps(v)))
RESULT_KEYS = (
    "OutputUrl",
    "SrtFileUrl",
    "StoryboardInfoList",
    "SuccessStoryboardList",
    "SuccessStoryboardIds",
    "ExceptionStoryboardIds",
    "FailureShotList",
    "JobCredit",
)
TOP_KEYS = ("JobId", "RequestId", "JobStatus", "JobParams", "JobResult", "JobCredit")


def optional_fields(keys: tuple[str, ...]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({}, optional=dict.fromkeys(keys, field_values))


payloads = st.one_of(
    json_values,
    optional_fields(TOP_KEYS),
    st.builds(
        lambda top, result, params, as_text: {
            **top,
            "JobResult": json.dumps(result) if as_text else result,
            "JobParams": params,
        },
        optional_fields(TOP_KEYS),
        optional_fields(RESULT_KEYS),
        st.dictionaries(st.text(max_size=12), field_values, max_size=5)
        | optional_fields(("Title", "ModelParams", "FileURL")),
        st.booleans(),
    ),
)


def check_types(job: Job) -> None:
    assert isinstance(job.status, JobStatus)
    for name in ("id", "status_raw", "output_url", "srt_url", "request_id", "title"):
        assert isinstance(getattr(job, name), str), name
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in job.params.items())
    for sb in job.storyboards:
        assert isinstance(sb, Storyboard)
        assert all(isinstance(x, str) for x in (sb.id, sb.title, sb.status, sb.sub_status))
        assert isinstance(sb.status_text, str) and sb.id
    assert len({sb.id for sb in job.storyboards}) == len(job.storyboards)
    for shot in job.failed_shots:
        assert isinstance(shot, FailedShot)
        assert all(isinstance(x, str) for x in (shot.storyboard_id, shot.shot_id, shot.error_code))
    assert all(isinstance(w, str) for w in job.warnings)
    json.dumps(job.to_json())  # what get --json prints always serialises


@SETTINGS
@given(payloads)
def test_never_raises_and_types_hold(payload: Any) -> None:
    check_types(parse_job(payload, job_id="fallback-id"))


ids = st.text("abcdefghij_0123456789", min_size=1, max_size=10).map(lambda s: "st_" + s)
titles = st.text(max_size=20)
statuses = st.sampled_from(["Configuring", "Editing", "Produced", "", "Weird"])


@SETTINGS
@given(
    infos=st.lists(st.tuples(ids, titles, statuses), max_size=6, unique_by=lambda t: t[0]),
    encode=st.sampled_from(["list", "plain", "double"]),
    title=st.text(max_size=40),
    status=st.sampled_from(["Running", "Succeeded", "Failed", "Suspended", "Queued"]),
    junk_key=st.sampled_from(
        ["FailureShotList", "SuccessStoryboardList", "ExceptionStoryboardIds", "JobCredit"]
    ),
    junk=field_values,
)
def test_keeps_what_is_valid_next_to_junk(
    infos: list[tuple[str, str, str]],
    encode: str,
    title: str,
    status: str,
    junk_key: str,
    junk: Any,
) -> None:
    records = [{"storyboardId": i, "title": t, "status": s} for i, t, s in infos]
    value: Any = records
    if encode != "list":
        value = json.dumps(records)
        if encode == "double":
            value = json.dumps(value)[1:-1]  # the vendor's twice-escaped form
    payload = {
        "JobId": "job-1",
        "JobStatus": status,
        "JobParams": {"Title": title, "Resolution": ["not", "a", "string"]},
        "JobResult": {"StoryboardInfoList": value, junk_key: junk},
    }
    job = parse_job(payload)
    check_types(job)
    assert job.id == "job-1"
    assert job.status_raw == status and job.title == title
    assert "Resolution" not in job.params  # the bad param is dropped...
    assert any(w.startswith("JobParams.Resolution") for w in job.warnings)  # ...and said
    # Every storyboard from the valid list is there, in order, with its fields.
    got = [(sb.id, sb.title, sb.status) for sb in job.storyboards[: len(infos)]]
    assert got == [(i.strip(), t, s) for i, t, s in infos]


@SETTINGS
@given(
    st.lists(st.text("abc_123", min_size=1, max_size=6), min_size=1, max_size=4).flatmap(
        lambda ids: broken(json.dumps([{"storyboardId": i} for i in ids]))
    )
)
def test_a_broken_list_is_a_warning_never_an_exception(text: str) -> None:
    job = parse_job({"JobStatus": "Running", "JobResult": {"StoryboardInfoList": text}})
    check_types(job)
    assert job.status is JobStatus.RUNNING
    try:
        json.loads(text)
        valid = True
    except (ValueError, RecursionError):
        valid = False
    if not valid and '\\"' not in text and text.strip() not in ("", "null"):
        assert any("StoryboardInfoList" in w for w in job.warnings)


async def test_a_nesting_bomb_body_is_a_malformed_answer_not_a_crash() -> None:
    import pytest

    from tests.loopback import Reply, scripted_server
    from yike_tui.api.client import ApiClient
    from yike_tui.api.credentials import Credentials
    from yike_tui.api.errors import ApiError

    creds = Credentials("LTAI5tTestKeyId0001", "not-a-secret", source="test")
    async with scripted_server([Reply(200, b"[" * 200_000)]) as server:
        async with ApiClient(creds, endpoint=server.endpoint, retries=0) as client:
            with pytest.raises(ApiError) as caught:
                await client.get_job_payload("job-1")
    assert caught.value.code == "MalformedResponse"
