"""ApiClient over real HTTP against a scripted server: wire format, errors, retries; every
test runs over both API transports (the lean one and httpx's own)."""

from __future__ import annotations

import os

import pytest

from tests.api_transports import api_transport, carried_by  # noqa: F401 (a fixture)
from tests.loopback import Reply, scripted_server
from yike_tui.api.client import ApiClient
from yike_tui.api.credentials import Credentials
from yike_tui.api.errors import ApiError, ErrorKind
from yike_tui.api.signing import canonical_query

CREDS = Credentials("LTAItest00000001", "secret-value-xyz", source="test")
JOB = {"RequestId": "r1", "JobId": "j1", "JobStatus": "Running", "JobParams": {"Title": "t"}}

pytestmark = pytest.mark.usefixtures("api_transport")


def client_for(endpoint: str, **kwargs: object) -> ApiClient:
    client = ApiClient(CREDS, endpoint=endpoint, backoff_base=0.01, **kwargs)  # type: ignore[arg-type]
    assert carried_by(client) == os.environ["YIKE_TUI_TRANSPORT"]  # the setting is obeyed
    return client


async def test_request_carries_exactly_the_signed_query() -> None:
    async with scripted_server([Reply(body=JOB)]) as server:
        async with client_for(server.endpoint) as client:
            await client.call("GetYikeStoryboardJob", {"JobId": "a b*~+/=小"})
    line = server.requests[0].request_line
    expected = canonical_query({"JobId": "a b*~+/=小"})
    assert line == f"POST /?{expected} HTTP/1.1"
    assert expected == "JobId=a%20b%2A~%2B%2F%3D%E5%B0%8F"
    headers = server.requests[0].headers
    assert headers["x-acs-action"] == "GetYikeStoryboardJob"
    assert headers["x-acs-version"] == "2020-11-09"
    assert headers["authorization"].startswith("ACS3-HMAC-SHA256 Credential=LTAItest00000001,")
    assert "secret-value-xyz" not in str(headers)


async def test_sts_token_header_sent() -> None:
    creds = Credentials("STS.x0000001", "s", security_token="tok", source="t")
    async with scripted_server([Reply(body=JOB)]) as server:
        async with ApiClient(creds, endpoint=server.endpoint) as client:
            await client.get_job("j1")
    assert server.requests[0].headers["x-acs-security-token"] == "tok"


async def test_error_body_becomes_typed_error_and_is_not_retried() -> None:
    body = {
        "RequestId": "req-9",
        "HostId": "ice.cn-shanghai.aliyuncs.com",
        "Code": "SignatureDoesNotMatch",
        "Message": "Specified signature is not matched with our calculation.",
        "Recommend": "https://api.aliyun.com/troubleshoot?q=SignatureDoesNotMatch",
    }
    async with scripted_server([Reply(400, body)]) as server:
        async with client_for(server.endpoint) as client:
            with pytest.raises(ApiError) as info:
                await client.get_job("j1")
    err = info.value
    assert err.code == "SignatureDoesNotMatch"
    assert err.kind is ErrorKind.CREDENTIALS and not err.retryable
    assert err.request_id == "req-9" and err.http_status == 400
    assert len(server.requests) == 1
    assert "SignatureDoesNotMatch" in str(err) and "req-9" in str(err)


async def test_throttling_is_retried_honouring_retry_after() -> None:
    throttled = Reply(
        400, {"Code": "Throttling.User", "Message": "slow down"}, {"x-acs-retry-after": "50"}
    )
    async with scripted_server(
        [throttled, Reply(503, {"Code": "ServiceUnavailable"}), Reply(body=JOB)]
    ) as server:
        async with client_for(server.endpoint) as client:
            job = await client.get_job("j1")
    assert job.id == "j1"
    assert len(server.requests) == 3
    nonces = {r.headers["x-acs-signature-nonce"] for r in server.requests}
    assert len(nonces) == 3  # every retry is signed afresh


async def test_retries_give_up_with_the_last_error() -> None:
    replies = [Reply(500, {"Code": "InternalError", "Message": "boom"})] * 3
    async with scripted_server(replies) as server:
        async with client_for(server.endpoint, retries=2) as client:
            with pytest.raises(ApiError) as info:
                await client.get_job("j1")
    assert info.value.code == "InternalError" and info.value.retryable
    assert len(server.requests) == 3


async def test_non_json_body_is_a_clear_transient_error() -> None:
    async with scripted_server([Reply(200, b"<html>gateway</html>")]) as server:
        async with client_for(server.endpoint, retries=0) as client:
            with pytest.raises(ApiError) as info:
                await client.get_job("j1")
    assert info.value.code == "MalformedResponse"
    assert "<html>" in info.value.message
    assert info.value.retryable


async def test_connection_dropped_is_retried_then_reported() -> None:
    async with scripted_server([Reply(close=True), Reply(body=JOB)]) as server:
        async with client_for(server.endpoint) as client:
            assert (await client.get_job("j1")).id == "j1"
    async with scripted_server([Reply(close=True)]) as server:
        async with client_for(server.endpoint, retries=0) as client:
            with pytest.raises(ApiError) as info:
                await client.get_job("j1")
    assert info.value.code == "ConnectionReset"


async def test_refused_connection_is_reported_in_words() -> None:
    async with scripted_server([]) as server:
        endpoint = server.endpoint
    async with client_for(endpoint, retries=0) as client:
        with pytest.raises(ApiError) as info:
            await client.get_job("j1")
    assert info.value.code == "ConnectionFailed"
    assert info.value.http_status == 0


async def test_submit_sends_form_body_and_is_never_retried() -> None:
    async with scripted_server([Reply(500, {"Code": "InternalError"})]) as server:
        async with client_for(server.endpoint) as client:
            with pytest.raises(ApiError):
                await client.submit_job({"Title": "t"}, {"FileURL": "https://x/a b.txt"})
    assert len(server.requests) == 1
    req = server.requests[0]
    assert req.body == b"FileURL=https%3A%2F%2Fx%2Fa+b.txt"
    assert req.headers["content-type"] == "application/x-www-form-urlencoded"
