"""parse_job: the vendor example verbatim, every field, and malformed input."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from yike_tui.core.models import JobStatus, parse_job

# The vendor page's example response, byte for byte (its lists are escaped twice).
VENDOR_EXAMPLE = r"""{
"RequestId": "******3B-0E1A-586A-AC29-742247******",
"JobId": "****a046-263c-3560-978a-fb287782****",
"JobParams": {
"FileURL": "https://test.oss-cn-shanghai.aliyuncs.com/test.mp4",
"ShotPromptMode": "multi",
"SourceType": "Novel",
"ModelParams": "{\n \"AudioEnable\": false\n}",
"ShotSplitMode": "firstPersonNarration",
"NarrationVoiceId": "sys_YoungGracefulWoman",
"VideoModel": "wan2.6-r2v-flash",
"StyleId": "RealisticPhotography",
"Resolution": "1K",
"Title": "test-title",
"AspectRatio": "16:9"
},
"JobStatus": "Succeeded",
"JobResult": {
"OutputUrl": "https://test.oss-cn-shanghai.aliyuncs.com/test.mp4",
"SuccessStoryboardList": "[\\\"st_2118280473\\\"]",
"ExceptionStoryboardIds": "[\\\"st_2053348871\\\"]",
"FailureShotList": "[{\\\"errorCode\\\":\\\"NoMediaData\\\",\\\"storyboardId\\\":\\\"st_2118280473\\\",\\\"shotId\\\":\\\"54\\\"}]",
"SuccessStoryboardIds": "st_2118280473, st_2118280471",
"StoryboardInfoList": "[{\\\"storyboardId\\\":\\\"st_1541525214\\\",\\\"title\\\":\\\"test_1\\\",\\\"status\\\":\\\"Produced\\\",\\\"subStatus\\\":\\\"ProduceSucc\\\"},{\\\"storyboardId\\\":\\\"st_1633435355\\\",\\\"title\\\":\\\"test_2\\\",\\\"status\\\":\\\"Produced\\\",\\\"subStatus\\\":\\\"ProduceSucc\\\"}]"
}
}"""


def vendor() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(VENDOR_EXAMPLE)
    return data


def test_vendor_example_parses_completely() -> None:
    job = parse_job(vendor())
    assert job.warnings == ()
    assert job.id == "****a046-263c-3560-978a-fb287782****"
    assert job.status is JobStatus.SUCCEEDED
    assert job.title == "test-title"
    assert job.request_id == "******3B-0E1A-586A-AC29-742247******"
    assert job.output_url == "https://test.oss-cn-shanghai.aliyuncs.com/test.mp4"
    assert job.model_params == {"AudioEnable": False}
    assert job.params["AspectRatio"] == "16:9"
    ids = [sb.id for sb in job.storyboards]
    # Every storyboard named anywhere appears once, StoryboardInfoList first.
    assert ids == [
        "st_1541525214",
        "st_1633435355",
        "st_2118280473",
        "st_2118280471",
        "st_2053348871",
    ]
    named_by_shot = job.storyboard("st_2118280473")
    assert named_by_shot is not None and named_by_shot.succeeded
    assert [s.error_code for s in named_by_shot.failed_shots] == ["NoMediaData"]
    assert named_by_shot.failed_shots[0].shot_id == "54"
    exception = job.storyboard("st_2053348871")
    assert exception is not None and exception.exception and exception.is_failed
    produced = job.storyboard("st_1541525214")
    assert produced is not None and produced.title == "test_1" and produced.is_done


def test_singly_encoded_lists_parse_too() -> None:
    payload = vendor()
    payload["JobResult"]["SuccessStoryboardList"] = '["st_1"]'
    payload["JobResult"]["FailureShotList"] = json.dumps(
        [{"errorCode": "X", "storyboardId": "st_9", "shotId": "3"}]
    )
    job = parse_job(payload)
    assert job.warnings == ()
    assert job.storyboard("st_1") is not None
    sb9 = job.storyboard("st_9")
    assert sb9 is not None and sb9.failed_shots[0].error_code == "X"


@pytest.mark.parametrize("value", [None, "", "null", "[]"])
def test_empty_list_fields_are_empty_without_warning(value: Any) -> None:
    payload = vendor()
    payload["JobResult"]["StoryboardInfoList"] = value
    job = parse_job(payload)
    assert not [w for w in job.warnings if "StoryboardInfoList" in w]


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("[{broken", "not valid JSON"),
        ('{"a": 1}', "expected a JSON array"),
        (42, "expected a JSON string"),
        ('["ok", {"x": 1}]', "non-object"),
    ],
)
def test_malformed_storyboard_list_warns_and_keeps_the_rest(value: Any, fragment: str) -> None:
    payload = vendor()
    payload["JobResult"]["StoryboardInfoList"] = value
    job = parse_job(payload)
    assert any("JobResult.StoryboardInfoList" in w and fragment in w for w in job.warnings)
    # Everything else still parsed.
    assert job.title == "test-title"
    assert job.storyboard("st_2118280473") is not None


def test_missing_everything_still_gives_a_job() -> None:
    job = parse_job({}, job_id="abc")
    assert job.id == "abc"
    assert job.status is JobStatus.UNKNOWN
    assert any("JobStatus: missing" in w for w in job.warnings)


def test_non_object_payload() -> None:
    job = parse_job(["not", "an", "object"], job_id="abc")
    assert job.id == "abc"
    assert any("response" in w for w in job.warnings)


def test_unknown_status_kept_raw_and_not_terminal() -> None:
    payload = vendor()
    payload["JobStatus"] = "Queuing"
    job = parse_job(payload)
    assert job.status is JobStatus.UNKNOWN
    assert job.status_raw == "Queuing"
    assert not job.status.is_terminal
    assert job.to_json()["status"] == "Queuing"


def test_suspended_is_known() -> None:
    payload = vendor()
    payload["JobStatus"] = "Suspended"
    assert parse_job(payload).status is JobStatus.SUSPENDED


def test_bad_model_params_warns() -> None:
    payload = vendor()
    payload["JobParams"]["ModelParams"] = "{nope"
    job = parse_job(payload)
    assert job.model_params is None
    assert any(w.startswith("JobParams.ModelParams") for w in job.warnings)
    assert job.params["ModelParams"] == "{nope"  # the raw text is still shown


def test_newer_product_fields_kept() -> None:
    payload = vendor()
    payload["JobResult"]["SrtFileUrl"] = "https://x/sub.srt"
    payload["JobCredit"] = {"TotalCreditCost": 12.5, "VideoGeneration": "10"}
    job = parse_job(payload)
    assert job.srt_url == "https://x/sub.srt"
    assert job.credit is not None
    assert job.credit.total_credit_cost == Decimal("12.5")
    assert job.credit.video_generation == Decimal(10)


def test_comma_ids_tolerate_spaces_and_empties() -> None:
    payload = vendor()
    payload["JobResult"]["SuccessStoryboardIds"] = " st_a ,, st_b,"
    job = parse_job(payload)
    assert job.storyboard("st_a") is not None and job.storyboard("st_b") is not None


def test_to_json_shape() -> None:
    out = parse_job(vendor()).to_json()
    assert set(out) >= {
        "job_id",
        "status",
        "title",
        "output_url",
        "request_id",
        "storyboards",
        "failed_shots",
        "params",
        "warnings",
    }
    assert out["failed_shots"] == [
        {"storyboard_id": "st_2118280473", "shot_id": "54", "error_code": "NoMediaData"}
    ]
    assert out["storyboards"][0] == {
        "id": "st_1541525214",
        "title": "test_1",
        "status": "Produced",
        "sub_status": "ProduceSucc",
        "succeeded": False,
        "exception": False,
    }
    json.dumps(out)  # serialisable


def test_a_storyboard_named_only_in_the_success_lists_reads_succeeded() -> None:
    """The vendor's own example names st_2118280473 in SuccessStoryboardList and
    st_2118280471 in SuccessStoryboardIds only, never in StoryboardInfoList: their status
    says what those lists say, not "" (and st_2053348871, only an exception, says that)."""
    boards = {sb["id"]: sb for sb in parse_job(vendor()).to_json()["storyboards"]}
    for only_succeeded in ("st_2118280473", "st_2118280471"):
        assert boards[only_succeeded]["status"] == "Succeeded"
        assert boards[only_succeeded]["succeeded"] is True
        assert boards[only_succeeded]["sub_status"] == ""
    assert boards["st_2053348871"]["status"] == "Exception"
    assert boards["st_2053348871"]["exception"] is True
    assert boards["st_2053348871"]["succeeded"] is False
    assert boards["st_1541525214"]["status"] == "Produced"  # StoryboardInfoList's own word


def test_credits_stay_exact_in_the_model_and_its_json() -> None:
    """JobCredit's figures are strings in both SDKs: a float would print
    "12345678901234567.6" as 1.2345678901234568e+16."""
    payload = vendor()
    payload["JobCredit"] = {"TotalCreditCost": "12345678901234567.6", "VideoGeneration": "0.10"}
    job = parse_job(payload)
    assert job.credit is not None
    assert job.credit.total_credit_cost == Decimal("12345678901234567.6")
    credit = json.loads(json.dumps(job.to_json()))["credit"]
    assert credit["total_credit_cost"] == "12345678901234567.6"
    assert credit["video_generation"] == "0.10"  # as the API gave it, trailing zero too
    assert credit["element_image_generation"] is None


# --- text and numbers made valid on parse ---------------------------


def test_lone_surrogates_become_u_fffd_everywhere_nested_too() -> None:
    # Each escape below is valid JSON; the inner lists are JSON inside strings, where a
    # surrogate only appears once the string itself is decoded.
    raw = (
        r'{"JobId": "j\udc00", "JobStatus": "Running\ud800", "RequestId": "r\udfff",'
        r' "JobParams": {"Title": "T\ud800x", "K\ud800": "v",'
        r' "ModelParams": "{\"a\": [\"\\ud800\"]}"},'
        r' "JobResult": {"StoryboardInfoList":'
        r' "[{\"storyboardId\": \"st_\\ud800\", \"title\": \"S\\udbff\"}]",'
        r' "FailureShotList": "[{\"errorCode\": \"E\\ud800\", \"storyboardId\": \"st_1\"}]"}}'
    )
    job = parse_job(json.loads(raw))
    assert job.id == "j\ufffd" and job.status_raw == "Running\ufffd"
    assert job.title == "T\ufffdx" and job.params["K\ufffd"] == "v"
    assert job.request_id == "r\ufffd"
    assert job.model_params == {"a": ["\ufffd"]}
    assert (job.storyboards[0].id, job.storyboards[0].title) == ("st_\ufffd", "S\ufffd")
    assert job.failed_shots[0].error_code == "E\ufffd"
    # Everything the job holds now encodes: printing or storing it cannot raise.
    json.dumps(job.to_json(), ensure_ascii=False, allow_nan=False).encode("utf-8")


def test_an_emoji_sent_as_a_surrogate_pair_is_kept() -> None:
    job = parse_job(json.loads(r'{"JobStatus": "Running", "JobParams": {"Title": "\ud83c\udfac"}}'))
    assert job.title == "🎬"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ('"NaN"', None),
        ('"Infinity"', None),
        ('"-inf"', None),
        ("1e400", None),
        ("-1e400", None),
        ("NaN", None),  # Python's json accepts the bare literal
        ("1" + "0" * 400, None),  # an integer too big for a float: no OverflowError
        ('"12.5"', Decimal("12.5")),
        ("3", Decimal(3)),
        ('"1e999999"', None),  # finite, but a million digits on screen
    ],
)
def test_credits_are_finite_numbers_or_none(raw: str, expected: Decimal | None) -> None:
    job = parse_job(
        json.loads(f'{{"JobStatus": "Running", "JobCredit": {{"TotalCreditCost": {raw}}}}}')
    )
    assert job.credit is not None and job.credit.total_credit_cost == expected
    if expected is None and (raw.startswith('"') or len(raw) > 100):  # text, a huge integer
        warning = "JobCredit.TotalCreditCost: not a finite number"
        assert any(w.startswith(warning) for w in job.warnings)
    json.dumps(job.to_json(), allow_nan=False)  # valid JSON, whatever came in


def test_nan_inside_model_params_becomes_null() -> None:
    payload = {"JobStatus": "Running", "JobParams": {"ModelParams": '{"s": NaN, "t": [1e400, 2]}'}}
    job = parse_job(payload)
    assert job.model_params == {"s": None, "t": [None, 2]}


def test_a_clean_payload_is_not_copied() -> None:
    from yike_tui.safety.safe_text import valid_json

    payload = vendor()
    assert valid_json(payload) is payload  # the common case costs one walk, no copy


def test_valid_json_survives_nesting_as_deep_as_json_allows() -> None:
    from yike_tui.safety.safe_text import valid_json

    deep: Any = "\ud800"
    for _ in range(5000):  # deeper than the recursion limit: the walk uses a stack
        deep = [deep]
    fixed = valid_json(deep)
    for _ in range(5000):
        fixed = fixed[0]
    assert fixed == "\ufffd"
