"""The project's client against the simulator over real loopback HTTP."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from yike_tui.api.client import ApiClient
from yike_tui.api.credentials import Credentials
from yike_tui.api.errors import ApiError, ErrorKind
from yike_tui.api.signing import sign_request
from yike_tui.core.models import JobStatus, parse_job
from yike_tui.sim import (
    DEMO_ACCESS_KEY_ID,
    DEMO_ACCESS_KEY_SECRET,
    DEMO_INACTIVE_KEY_ID,
    DEMO_NO_PERMISSION_KEY_ID,
    DEMO_STS_KEY_ID,
    DEMO_STS_SECRET,
    DEMO_STS_TOKEN,
    SimConfig,
    SimServer,
    running_simulator,
)
from yike_tui.sim.faults import FaultSpec, FaultSpecError
from yike_tui.sim.scenarios import DEMO_RECIPES

DEMO = Credentials(DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, source="test")


class FakeClock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def client(sim: SimServer, creds: Credentials = DEMO, **kw: object) -> ApiClient:
    kw.setdefault("backoff_base", 0.01)
    return ApiClient(creds, endpoint=sim.endpoint, **kw)  # type: ignore[arg-type]


@pytest.fixture
async def sim() -> AsyncIterator[SimServer]:
    async with running_simulator(scenario="demo", clock=FakeClock()) as server:
        yield server


def demo_id(sim: SimServer, title_start: str) -> str:
    for job in sim.sim.book:
        if job.params["Title"].startswith(title_start):
            return job.id
    raise AssertionError(title_start)


async def test_every_demo_job_parses_with_its_fate(sim: SimServer) -> None:
    async with client(sim) as c:
        jobs = {jid: await c.get_job(jid) for jid in sim.sim.book.ids}
    assert len(jobs) == len(DEMO_RECIPES) >= 12
    statuses = {j.status for j in jobs.values()}
    assert statuses >= {
        JobStatus.RUNNING,
        JobStatus.SUCCEEDED,
        JobStatus.FAILED,
        JobStatus.SUSPENDED,
    }
    for job in jobs.values():
        assert job.warnings == (), (job.title, job.warnings)
        assert job.request_id
    failed = jobs[demo_id(sim, "Midnight Courier")]
    assert {s.error_code for s in failed.failed_shots} >= {"NoMediaData", "VideoGenerationTimeout"}
    assert failed.storyboards_failed == 1
    done = jobs[demo_id(sim, "Harbour Lights")]
    assert done.output_url.startswith(sim.endpoint + "/yike-output/")
    assert done.storyboards_done == len(done.storyboards) == 5


async def test_vendor_twice_escaped_and_sparse_shapes_on_the_wire(sim: SimServer) -> None:
    vendor, sparse = demo_id(sim, "test"), demo_id(sim, "🎬")
    async with client(sim) as c:
        raw_vendor = await c.get_job_payload(vendor)
        raw_sparse = await c.get_job_payload(sparse)
    assert raw_vendor["JobResult"]["SuccessStoryboardList"].startswith('[\\"st_')
    assert parse_job(raw_vendor).failed_shots[0].error_code == "NoMediaData"
    assert "ExceptionStoryboardIds" not in raw_sparse["JobResult"]
    assert parse_job(raw_sparse).status is JobStatus.SUCCEEDED


async def test_new_product_version_adds_subtitles_and_credits(sim: SimServer) -> None:
    async with client(sim, version="2026-03-19") as c:
        job = await c.get_job(demo_id(sim, "Harbour Lights"))
    assert ".srt?" in job.srt_url
    assert job.credit is not None and job.credit.total_credit_cost


async def test_progress_is_deterministic_on_a_fake_clock() -> None:
    clock = FakeClock()
    async with running_simulator(scenario="demo", clock=clock, seed=7) as sim:
        teaser = demo_id(sim, "Quick Teaser")
        async with client(sim) as c:
            first = await c.get_job_payload(teaser)
            assert first["JobStatus"] == "Running"
            clock.t = 10_000
            later = await c.get_job(teaser)
    assert later.status is JobStatus.SUCCEEDED and later.output_url
    async with running_simulator(scenario="demo", clock=FakeClock(), seed=7) as again:
        async with client(again) as c:
            repeat = await c.get_job_payload(teaser)
    first.pop("RequestId"), repeat.pop("RequestId")
    assert first == repeat


@pytest.mark.parametrize(
    ("creds", "code", "kind"),
    [
        (Credentials(DEMO_ACCESS_KEY_ID, "wrong-secret"), "SignatureDoesNotMatch", ErrorKind.CREDENTIALS),
        (Credentials("LTAI5tNobodyKnowsMe", "x"), "InvalidAccessKeyId.NotFound", ErrorKind.CREDENTIALS),
        (Credentials(DEMO_INACTIVE_KEY_ID, DEMO_ACCESS_KEY_SECRET), "InvalidAccessKeyId.Inactive", ErrorKind.CREDENTIALS),
        (Credentials(DEMO_NO_PERMISSION_KEY_ID, DEMO_ACCESS_KEY_SECRET), "Forbidden.RAM", ErrorKind.PERMISSION),
        (Credentials(DEMO_STS_KEY_ID, DEMO_STS_SECRET, "stolen-token"), "InvalidSecurityToken.MismatchWithAccessKey", ErrorKind.CREDENTIALS),
    ],
)  # fmt: skip
async def test_credential_errors_like_the_cloud(
    sim: SimServer, creds: Credentials, code: str, kind: ErrorKind
) -> None:
    async with client(sim, creds) as c:
        with pytest.raises(ApiError) as err:
            await c.get_job(sim.sim.book.ids[0])
    assert err.value.code == code
    assert err.value.kind is kind
    assert err.value.request_id
    assert not err.value.retryable
    if code == "SignatureDoesNotMatch":
        # the line break the service puts there, as a visible stand-in: messages are one line
        assert "server string to sign is:ACS3-HMAC-SHA256␊" in err.value.message


async def test_sts_credentials_work(sim: SimServer) -> None:
    creds = Credentials(DEMO_STS_KEY_ID, DEMO_STS_SECRET, DEMO_STS_TOKEN)
    async with client(sim, creds) as c:
        job = await c.get_job(sim.sim.book.ids[0])
    assert job.status is JobStatus.RUNNING


async def test_clock_skew_is_rejected(sim: SimServer) -> None:
    skewed = lambda: datetime.now(UTC) - timedelta(minutes=20)  # noqa: E731
    async with client(sim, clock=skewed) as c:
        with pytest.raises(ApiError) as err:
            await c.get_job(sim.sim.book.ids[0])
    assert err.value.code == "InvalidTimeStamp.Expired"
    assert err.value.kind is ErrorKind.CLOCK


def _signed(sim: SimServer, params: dict[str, str], **overrides: str) -> tuple[str, dict[str, str]]:
    signed = sign_request(
        method="POST",
        host=sim.endpoint.split("//")[1],
        action=overrides.pop("action", "GetYikeStoryboardJob"),
        version=overrides.pop("version", "2020-11-09"),
        params=params,
        access_key_id=DEMO_ACCESS_KEY_ID,
        access_key_secret=DEMO_ACCESS_KEY_SECRET,
        date=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        nonce=overrides.pop("nonce", uuid.uuid4().hex),
    )
    return f"{sim.endpoint}/?{signed.query}", signed.headers


async def test_replayed_nonce_is_refused(sim: SimServer) -> None:
    url, headers = _signed(sim, {"JobId": sim.sim.book.ids[0]}, nonce="fixed-nonce")
    async with httpx.AsyncClient() as http:
        first = await http.post(url, headers=headers)
        second = await http.post(url, headers=headers)
    assert first.status_code == 200
    assert second.json()["Code"] == "SignatureNonceUsed"


async def test_missing_header_and_plus_for_space(sim: SimServer) -> None:
    url, headers = _signed(sim, {"JobId": "a b"})
    async with httpx.AsyncClient() as http:
        no_date = {k: v for k, v in headers.items() if k != "x-acs-date"}
        missing = await http.post(url, headers=no_date)
        # Sent with '+' but signed with %20, as the vendor SDK does: the cloud accepts it.
        plus_sent = await http.post(url.replace("%20", "+"), headers=headers)
        nothing = await http.post(sim.endpoint + "/?JobId=x")
    # Signed over a form-encoded query ('+' in the canonical query): rejected.
    signed_plus = sign_request(
        method="POST", host=sim.endpoint.split("//")[1], action="GetYikeStoryboardJob",
        version="2020-11-09", params={}, access_key_id=DEMO_ACCESS_KEY_ID,
        access_key_secret=DEMO_ACCESS_KEY_SECRET, nonce=uuid.uuid4().hex,
        date=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), path="/",
    )  # fmt: skip
    assert signed_plus.query == ""
    from yike_tui.api import signing

    canonical, signed_names = signing.canonical_request(
        "POST", "/", "JobId=a+b", signed_plus.headers, signing.EMPTY_BODY_SHA256
    )
    sig = signing.signature(DEMO_ACCESS_KEY_SECRET, signing.string_to_sign(canonical))
    bad_headers = dict(signed_plus.headers)
    bad_headers["Authorization"] = (
        f"ACS3-HMAC-SHA256 Credential={DEMO_ACCESS_KEY_ID},SignedHeaders={signed_names},"
        f"Signature={sig}"
    )
    async with httpx.AsyncClient() as http:
        plus = await http.post(f"{sim.endpoint}/?JobId=a+b", headers=bad_headers)
    assert missing.json()["Code"] == "MissingParameter"
    assert "x-acs-date" in missing.json()["Message"]
    assert plus_sent.json()["Code"] == "JobNotFound"  # authentic; the job just does not exist
    assert plus.json()["Code"] == "SignatureDoesNotMatch"
    assert nothing.status_code == 400 and nothing.json()["Code"] == "MissingParameter"
    for reply in (missing, plus, nothing):
        assert set(reply.json()) == {"RequestId", "HostId", "Code", "Message", "Recommend"}


async def test_unknown_action_version_job(sim: SimServer) -> None:
    async with client(sim, retries=0) as c:
        with pytest.raises(ApiError) as action:
            await c.call("ListYikeStoryboardJobs", {})
        with pytest.raises(ApiError) as missing:
            await c.call("GetYikeStoryboardJob", {})
        with pytest.raises(ApiError) as unknown:
            await c.get_job("0" * 32)
    async with client(sim, version="2019-01-01", retries=0) as c:
        with pytest.raises(ApiError) as version:
            await c.get_job(sim.sim.book.ids[0])
    assert action.value.code == "InvalidAction.NotFound"
    assert missing.value.code == "MissingParameter.JobId"
    assert unknown.value.kind is ErrorKind.NOT_FOUND
    assert version.value.code == "InvalidVersion"


async def test_submit_then_get_and_validation(sim: SimServer) -> None:
    query = {"Title": "雨巷 a*b~c d+e", "AspectRatio": "9:16", "ExecMode": "FullPipeline",
             "ModelParams": '{"AudioEnable": true}'}  # fmt: skip
    form = {"FileURL": "https://bucket.oss-cn-shanghai.aliyuncs.com/n v.txt", "SourceType": "Novel",
            "StyleId": "Ghibli"}  # fmt: skip
    async with client(sim) as c:
        answer = await c.submit_job(query, form)
        assert isinstance(answer.job_id, str) and isinstance(answer.request_id, str)
        job = await c.get_job(answer.job_id)
        with pytest.raises(ApiError) as too_long:
            await c.submit_job({"Title": "长" * 50}, form)
        with pytest.raises(ApiError) as no_file:
            await c.submit_job({"Title": "x"}, {})
    assert job.title == "雨巷 a*b~c d+e"
    assert job.params["FileURL"] == form["FileURL"]
    assert job.params["StyleId"] == "Ghibli" and job.params["AspectRatio"] == "9:16"
    assert job.status is JobStatus.RUNNING
    assert too_long.value.code == "InvalidParameter.Title"
    assert no_file.value.code == "MissingParameter.FileURL"


async def test_resume_a_suspended_job(sim: SimServer) -> None:
    suspended = demo_id(sim, "Paper Cranes")
    async with client(sim) as c:
        assert (await c.get_job(suspended)).status is JobStatus.SUSPENDED
        assert await c.resume_job(suspended)
        assert (await c.get_job(suspended)).status is JobStatus.RUNNING
        with pytest.raises(ApiError) as again:
            await c.resume_job(suspended)
    assert again.value.code == "InvalidStatus"


async def test_fault_injection_reaches_the_client_typed() -> None:
    cases = {
        "throttle=1": ("Throttling.User", ErrorKind.THROTTLED),
        "error500=1": ("InternalError", ErrorKind.TRANSIENT),
        "error503=1": ("ServiceUnavailable", ErrorKind.TRANSIENT),
        "malformed=1": ("MalformedResponse", ErrorKind.TRANSIENT),
        "reset=1": ("ConnectionReset", ErrorKind.TRANSIENT),
        "timeout=1": ("Timeout", ErrorKind.TRANSIENT),
    }
    for spec, (code, kind) in cases.items():
        async with running_simulator(
            scenario="demo", faults=FaultSpec.parse(spec), hang_s=5
        ) as sim:
            async with client(sim, retries=0, timeout=httpx.Timeout(0.5)) as c:
                with pytest.raises(ApiError) as err:
                    await c.get_job(sim.sim.book.ids[0])
            assert (err.value.code, err.value.kind) == (code, kind), spec
            assert sim.sim.stats.faults[spec.split("=")[0]] == 1
            if spec == "throttle=1":
                assert err.value.retry_after is not None and err.value.retry_after > 0


async def test_retries_ride_out_transient_faults() -> None:
    faults = FaultSpec.parse("error500=0.2,error503=0.1,reset=0.1,malformed=0.1")
    async with running_simulator(scenario="load", jobs=40, faults=faults, seed=3) as sim:
        async with client(sim, retries=6, backoff_cap=0.05) as c:
            jobs = [await c.get_job(jid) for jid in sim.sim.book.ids]
        stats = sim.sim.stats.to_json()
    assert len(jobs) == 40
    assert sum(stats["faults_injected"].values()) > 0


def test_fault_spec_parsing() -> None:
    spec = FaultSpec.parse("throttle=0.05, error500=0.02,slow=0.05")
    assert (spec.throttle, spec.error500, spec.slow) == (0.05, 0.02, 0.05)
    assert str(spec) == "throttle=0.05,error500=0.02,slow=0.05"
    for bad in ("explode=0.1", "throttle=lots", "throttle=2", "error500=0.6,error503=0.6"):
        with pytest.raises(FaultSpecError):
            FaultSpec.parse(bad)


async def test_output_download_range_and_expiry() -> None:
    wall = [1_800_000_000.0]
    async with running_simulator(
        scenario="demo", clock=FakeClock(), wall=lambda: wall[0], url_ttl=600
    ) as sim:
        async with client(sim, clock=lambda: datetime.fromtimestamp(wall[0], UTC)) as c:
            job = await c.get_job(demo_id(sim, "Harbour Lights"))
            full = await c.http.get(job.output_url)
            part = await c.http.get(job.output_url, headers={"Range": "bytes=100-"})
            past = await c.http.get(
                job.output_url, headers={"Range": f"bytes={len(full.content)}-"}
            )
            wall[0] += 3600
            expired = await c.http.get(job.output_url)
            fresh = await c.get_job(job.id)
            renewed = await c.http.head(fresh.output_url)
    assert full.status_code == 200
    assert full.content[4:8] == b"ftyp"
    assert int(full.headers["content-length"]) == len(full.content) > 100_000
    assert part.status_code == 206 and part.content == full.content[100:]
    assert part.headers["content-range"] == f"bytes 100-{len(full.content) - 1}/{len(full.content)}"
    assert past.status_code == 416
    assert expired.status_code == 403 and b"expired" in expired.content
    assert fresh.output_url != job.output_url and renewed.status_code == 200


async def test_stats_count_actions_and_polls_after_terminal(sim: SimServer) -> None:
    done = demo_id(sim, "Harbour Lights")
    async with client(sim) as c:
        for _ in range(3):
            await c.get_job(done)
        await c.get_job(sim.sim.book.ids[0])
    async with httpx.AsyncClient() as http:
        stats = (await http.get(f"{sim.endpoint}/_sim/stats?detail=1")).json()
        truth = (await http.get(f"{sim.endpoint}/_sim/truth?ids={done}")).json()
        changed = await http.post(f"{sim.endpoint}/_sim/faults?spec=throttle%3D0.5")
    assert stats["by_action"] == {"GetYikeStoryboardJob": 4}
    assert stats["gets_after_terminal"] == 2
    assert stats["by_job"][done] == 3
    assert truth[done]["JobStatus"] == "Succeeded"
    assert changed.json() == {"faults": "throttle=0.5"}


async def test_latency_does_not_serialise_requests() -> None:
    import asyncio
    import time

    async with running_simulator(scenario="load", jobs=20, latency_ms=200) as sim:
        async with client(sim) as c:
            started = time.perf_counter()
            await asyncio.gather(*(c.get_job(j) for j in sim.sim.book.ids))
            elapsed = time.perf_counter() - started
    # 20 requests of 200 ms each, concurrently: far less than the 4 s they would take in turn.
    assert elapsed < 2.0


def test_config_rejects_unknown_scenario() -> None:
    from yike_tui.sim import build_simulator

    with pytest.raises(ValueError, match="unknown scenario"):
        build_simulator(SimConfig(scenario="nope"))


def test_truth_json_is_the_api_shape() -> None:
    from yike_tui.sim import build_simulator

    sim = build_simulator(SimConfig(scenario="load", jobs=5, clock=FakeClock()))
    reply = sim.handle("GET", "/_sim/truth", {}, b"")
    truth = json.loads(reply.body)
    assert len(truth) == 5
    assert all(parse_job(p).warnings == () for p in truth.values())
