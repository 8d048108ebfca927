"""parse_job: the vendor example verbatim, every field, and malformed input."""

from __future__ import annotations

import json
from typing import Any

import pytest

from yike_tui.models import JobStatus, parse_job

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
    assert job.credit.total_credit_cost == 12.5
    assert job.credit.video_generation == 10.0


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
        "exception": False,
    }
    json.dumps(out)  # serialisable
