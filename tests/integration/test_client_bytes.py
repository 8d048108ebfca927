"""The API calls as the lean transport sends them in bytes (no httpx request or
response objects per call) keep what a server sees and what a user is told: the host and
length of each request, and a redirect or a throttling answer whose headers are still read.
Over both transports."""

from __future__ import annotations

import pytest

from tests.api_transports import api_transport  # noqa: F401 (a fixture)
from tests.loopback import Reply, scripted_server
from yike_tui.api.client import ApiClient
from yike_tui.api.credentials import Credentials
from yike_tui.api.errors import ApiError

JOB = {"RequestId": "r1", "JobId": "j1", "JobStatus": "Running", "JobParams": {"Title": "t"}}

pytestmark = pytest.mark.usefixtures("api_transport")


async def test_request_has_the_host_and_its_length() -> None:
    creds = Credentials("LTAItest00000001", "secret-value-xyz", source="test")
    async with scripted_server([Reply(body=JOB), Reply(body={"JobId": "j2"})]) as server:
        async with ApiClient(creds, endpoint=server.endpoint) as client:
            await client.get_job("j1")
            await client.submit_job({"Title": "t"}, {"NovelText": "once upon a time"})
    get, submit = server.requests
    for request in (get, submit):
        host = server.endpoint.split("//", 1)[1]
        assert request.headers["host"] == host
    assert get.headers["content-length"] == "0"
    assert submit.headers["content-length"] == str(len(submit.body))
    assert submit.body == b"NovelText=once+upon+a+time"


async def test_throttling_wait_and_redirect_target_are_read_from_the_answer() -> None:
    throttled = Reply(
        503, {"Code": "Throttling", "Message": "slow down"}, headers={"x-acs-retry-after": "1500"}
    )
    moved = Reply(302, {"Code": "Moved"}, headers={"location": "https://elsewhere.example/x"})
    async with scripted_server([throttled, moved]) as server:
        async with ApiClient(
            Credentials("LTAItest00000001", "s", source="t"), endpoint=server.endpoint, retries=0
        ) as client:
            with pytest.raises(ApiError) as first:
                await client.get_job("j1")
            with pytest.raises(ApiError) as second:
                await client.get_job("j1")
    assert first.value.retry_after == 1.5
    assert second.value.code == "Redirected"
    assert "elsewhere.example" in second.value.message
