"""What to do about an error names the call that failed, and the codes of the Yike workflow
have advice of their own; an error body in lower camel case (``code``, ``message``,
``requestId``) reads as well as the RPC API's own casing.

Real HTTP: the demo simulator, or a scripted server for answers the simulator never gives."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.integration.engine_rig import DEMO, FakeClock
from tests.loopback import Reply, scripted_server
from yike_tui.api.client import ApiClient
from yike_tui.api.credentials import Credentials
from yike_tui.api.credits import get_credits
from yike_tui.api.errors import ApiError, ErrorKind
from yike_tui.sim import (
    DEMO_ACCESS_KEY_SECRET,
    DEMO_NO_PERMISSION_KEY_ID,
    SimServer,
    running_simulator,
)
from yike_tui.sim.credits import DEMO_YIKE_USER_ID

NO_RAM = Credentials(DEMO_NO_PERMISSION_KEY_ID, DEMO_ACCESS_KEY_SECRET, source="test")


@pytest.fixture
async def sim() -> AsyncIterator[SimServer]:
    async with running_simulator(scenario="demo", clock=FakeClock()) as server:
        yield server


async def test_a_permission_hint_names_the_action_refused(sim: SimServer) -> None:
    async with ApiClient(
        NO_RAM, endpoint=sim.endpoint, retries=0, yike_user_id=DEMO_YIKE_USER_ID
    ) as client:
        calls = {
            "GetYikeStoryboardJob": client.get_job(sim.sim.book.ids[0]),
            "CreateYikeAssetUpload": client.call("CreateYikeAssetUpload", {"FileExt": "txt"}),
            "SubmitYikeStoryboardJob": client.submit_job({}, {"FileURL": "https://e/x.txt"}),
            "GetYikeUserCredit": get_credits(client),
        }
        for action, call in calls.items():
            with pytest.raises(ApiError) as caught:
                await call
            err = caught.value
            assert err.kind is ErrorKind.PERMISSION and err.action == action
            assert f"grant the RAM user {action} " in err.hint, err.hint
            others = [a for a in calls if a != action]
            assert not any(other in err.hint for other in others), err.hint
            # A read is in ICE's read-only policy; an upload or a submit is not.
            policy = "ReadOnly" if action.startswith("Get") else "FullAccess"
            assert f"AliyunICE{policy}" in err.hint


async def test_an_upload_of_a_file_type_yike_does_not_take_says_which_it_takes(
    sim: SimServer,
) -> None:
    async with ApiClient(DEMO, endpoint=sim.endpoint, retries=0) as client:
        with pytest.raises(ApiError) as caught:
            await client.call("CreateYikeAssetUpload", {"FileExt": "pdf"})
    assert caught.value.code == "InvalidFileType"
    assert ".txt or .docx" in caught.value.hint
    assert "JobId" not in caught.value.hint  # not the generic "check the JobId and flags"


async def test_resuming_a_job_that_is_not_suspended_says_its_state(sim: SimServer) -> None:
    running = next(j.id for j in sim.sim.book if j.fate.name == "SUCCEED")
    async with ApiClient(DEMO, endpoint=sim.endpoint, retries=0) as client:
        state = (await client.get_job(running)).status_raw
        with pytest.raises(ApiError) as caught:
            await client.resume_job(running)
    assert state != "Suspended"
    hint = caught.value.hint
    assert hint.startswith(f"the job is {state} and only a Suspended job resumes"), hint


WORKFLOW_CODES = {
    "FileSizeExceed": "split it",
    "InvalidStyleId": "pick a style",
    "InvalidVoiceId": "pick a narration voice",
    "ParseFailed": "could not read the story",
}


async def test_each_code_the_workflow_names_has_its_own_advice() -> None:
    replies = [
        Reply(400, {"Code": code, "Message": "no", "RequestId": "r"}) for code in WORKFLOW_CODES
    ]
    async with scripted_server(replies) as server:
        async with ApiClient(DEMO, endpoint=server.endpoint, retries=0) as client:
            for code, advice in WORKFLOW_CODES.items():
                with pytest.raises(ApiError) as caught:
                    await client.submit_job({}, {"FileURL": "https://e/x.txt"})
                assert caught.value.code == code
                assert advice in caught.value.hint, (code, caught.value.hint)


async def test_a_resume_refused_without_naming_the_state_says_how_to_see_it() -> None:
    body = {"Code": "Forbidden.JobStatus", "Message": "job not in Suspended", "RequestId": "r"}
    async with scripted_server([Reply(400, body)]) as server:
        async with ApiClient(DEMO, endpoint=server.endpoint, retries=0) as client:
            with pytest.raises(ApiError) as caught:
                await client.resume_job("0" * 32)
    hint = caught.value.hint
    assert hint.startswith("only a Suspended job resumes") and "yike-tui get" in hint


LOWER = {"code": "Forbidden.RAM", "message": "User not authorized.", "requestId": "RID-7"}


@pytest.mark.parametrize(
    "body",
    [LOWER, {**LOWER, "recommend": "https://r"}, {"Code": "", **LOWER}],
    ids=["lower", "with recommend", "empty upper Code"],
)
async def test_an_error_body_in_lower_camel_case_is_read(body: dict[str, str]) -> None:
    async with scripted_server([Reply(403, body)]) as server:
        async with ApiClient(DEMO, endpoint=server.endpoint, retries=0) as client:
            with pytest.raises(ApiError) as caught:
                await client.get_job("0" * 32)
    err = caught.value
    assert (err.code, err.message, err.request_id) == (
        "Forbidden.RAM",
        "User not authorized.",
        "RID-7",
    )
    assert err.kind is ErrorKind.PERMISSION and "HTTP403" not in str(err)
    assert str(err) == "Forbidden.RAM (HTTP 403): User not authorized. [RequestId RID-7]"


async def test_an_account_refusal_in_lower_camel_case_is_the_account_state() -> None:
    body = {"code": "MainAccountUserNotFound", "message": "not a Yike user", "requestId": "r"}
    async with scripted_server([Reply(400, body)]) as server:
        async with ApiClient(DEMO, endpoint=server.endpoint, retries=0) as client:
            with pytest.raises(ApiError) as caught:
                await client.get_job("0" * 32)
    assert caught.value.kind is ErrorKind.ACCOUNT
    assert "not known to" not in caught.value.message  # not taken for an unknown job
