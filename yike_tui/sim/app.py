"""The simulator's request handling: verify, inject faults, dispatch, shape the answer.

Transport-free: ``Simulator.handle`` takes a parsed request and returns a ``Reply`` that
the HTTP layer (``sim/http.py``) writes. Routes:

- ``/`` — the ICE RPC API, dispatched on ``x-acs-action`` (signed V3 requests only);
- ``/yike-output/<job>/<file>`` — output files behind signed, expiring URLs (Range aware);
- ``PUT /yike-sim-input/<key>`` — the OSS bucket uploads go to, path style (``sim/uploads.py``);
- ``/_sim/stats``, ``/_sim/truth``, ``/_sim/ids`` (GET), ``/_sim/reset-stats``,
  ``/_sim/faults?spec=...`` and ``/_sim/account?enabled=0|1`` (POST) — for benchmarks, soak
  tests and demos of a fault; not part of the API.
"""

from __future__ import annotations

import json
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import formatdate
from typing import Any
from urllib.parse import parse_qsl, unquote

from yike_tui.sim import media
from yike_tui.sim.contract import CONTRACTS, ICE_VERSION, Refusal, check_request, form_pairs
from yike_tui.sim.credits import DEMO_YIKE_USER_ID, CreditBook
from yike_tui.sim.faults import ACCOUNT_REFUSAL, FaultSpec, FaultSpecError
from yike_tui.sim.jobs import SimJob
from yike_tui.sim.payload import get_job_body, job_charge_body
from yike_tui.sim.sample_texts import DEMO_SAMPLE_TITLE, sample_path
from yike_tui.sim.scenarios import JobBook
from yike_tui.sim.stats import Stats
from yike_tui.sim.uploads import BUCKET, UploadDesk, oss_error_xml
from yike_tui.sim.verify import KeyPair, NonceCache, decode_query, verify

API_VERSIONS = tuple(CONTRACTS)
HOST_ID = "ice.cn-shanghai.aliyuncs.com"
JSON_TYPE = "application/json;charset=utf-8"


@dataclass
class Reply:
    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)
    delay: float = 0.0
    behaviour: str = "respond"  # or "hang" (never answer) or "reset" (RST the connection)
    content_type: str = JSON_TYPE


class SimClock:
    """Simulator time in seconds since start, running ``speed`` times faster than real."""

    def __init__(self, speed: float = 1.0) -> None:
        self.speed = speed
        self._t0 = time.monotonic()

    def __call__(self) -> float:
        return (time.monotonic() - self._t0) * self.speed


_ids = random.Random()  # reseeded per simulator: a seeded run gives the same RequestIds
# Credit reads run beside the job polls, at times that depend on the machine: their ids come
# from their own sequence, so a job's RequestId never depends on when the balance was read.
_credit_ids = random.Random()


def _request_id(ids: random.Random = _ids) -> str:
    return str(uuid.UUID(int=ids.getrandbits(128), version=4)).upper()


def _json(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def _error(
    status: int, code: str, message: str, *, headers: list[tuple[str, str]] | None = None
) -> Reply:
    rid = _request_id()
    body = {
        "RequestId": rid,
        "HostId": HOST_ID,
        "Code": code,
        "Message": message,
        "Recommend": f"https://api.aliyun.com/troubleshoot?q={code}&product=ICE&requestId={rid}",
    }
    return Reply(status, _json(body), headers or [])


class Simulator:
    """All state of one simulated ICE endpoint."""

    def __init__(
        self,
        *,
        book: JobBook,
        keys: dict[str, KeyPair],
        clock: Callable[[], float],
        wall: Callable[[], float] = time.time,
        latency_ms: float = 0.0,
        faults: FaultSpec | None = None,
        seed: int = 0,
        slow_ms: float = 1500.0,
        hang_s: float = 30.0,
        url_ttl: float = 3600.0,
        sample_job: bool = False,
        account_enabled: bool = True,
    ) -> None:
        self.book = book
        self.keys = keys
        self.clock = clock
        self.wall = wall
        self.latency = latency_ms / 1000.0
        self.faults = faults or FaultSpec()
        self.rng = random.Random(seed)
        _ids.seed(seed)
        _credit_ids.seed(f"credits-{seed}")
        self.slow = slow_ms / 1000.0
        self.hang_s = hang_s
        self.url_ttl = url_ttl
        self.nonces = NonceCache()
        self.stats = Stats()
        self.uploads = UploadDesk(wall=wall)
        self.credits = CreditBook()
        self.sample_job = sample_job  # submit the bundled sample once bound (the demo)
        self.account_enabled = account_enabled  # False: every call refused (faults.py)
        self.base_url = "http://127.0.0.1"  # set by the server once bound

    def bind(self, base_url: str) -> None:
        """The address the server listens on; FileURLs and output URLs are made from it."""
        self.base_url = base_url
        if self.sample_job:
            self.sample_job = False
            self.submit_sample()

    def submit_sample(self) -> SimJob:
        """What ``yike-tui submit samples/aesop_fables.txt`` does, played inside: the file put
        in the bucket under a fresh key, then a job submitted from its FileURL."""
        data = sample_path().read_bytes()
        answer = self.uploads.create(self.base_url, "txt", _request_id())
        key = answer["FileURL"][len(f"{self.base_url}/{BUCKET}/") :]
        self.uploads.store(key, data)
        params = {
            "FileURL": answer["FileURL"],
            "Title": DEMO_SAMPLE_TITLE,
            "SourceType": "Novel",
            "StyleId": "Ghibli",
            "NarrationVoiceId": "sys_ClassicYoungWoman",
            "ShotSplitMode": "thirdPersonNarration",
            "AspectRatio": "9:16",
            "Resolution": "720P",
        }
        job = self.book.submit(params, "FullPipeline", self.clock())
        self.credits.jobs.append(job)
        return job

    # --- entry point ---------------------------------------------------------------------

    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Reply:
        path, _, raw_query = target.partition("?")
        if path.startswith("/_sim/"):
            return self._control(method, path, raw_query)
        if path.startswith("/yike-output/"):
            return self._media(method, path, raw_query, headers)
        if path.startswith(f"/{BUCKET}/"):
            return self._oss_put(method, path, raw_query, headers, body)
        return self._api(method, path, raw_query, headers, body)

    # --- the RPC API ---------------------------------------------------------------------

    def _api(
        self, method: str, path: str, raw_query: str, headers: dict[str, str], body: bytes
    ) -> Reply:
        action = headers.get("x-acs-action", "")
        self.stats.count_request(action or "(none)")
        reply = self._api_reply(method, path, raw_query, headers, body, action)
        reply.delay += self.latency
        self.stats.by_status[reply.status] += 1
        return reply

    def _api_reply(
        self,
        method: str,
        path: str,
        raw_query: str,
        headers: dict[str, str],
        body: bytes,
        action: str,
    ) -> Reply:
        if method not in ("GET", "POST") or path != "/":
            return _error(
                404,
                "InvalidAction.NotFound",
                "Specified api is not found, please check your url and method.",
            )
        rejection = verify(
            method=method,
            path=path,
            raw_query=raw_query,
            headers=headers,
            body=body,
            keys=self.keys,
            nonces=self.nonces,
            wall_now=self.wall(),
        )
        if rejection is not None:
            return _error(rejection.status, rejection.code, rejection.message)
        if not self.account_enabled:
            return _error(*ACCOUNT_REFUSAL)
        fault = self.faults.pick(self.rng)
        if fault is not None:
            self.stats.faults[fault] += 1
            injected = self._fault_reply(fault)
            if injected is not None:
                return injected
        version = headers.get("x-acs-version", "")
        if version not in API_VERSIONS:
            return _error(400, "InvalidVersion", "Specified parameter Version is not valid.")
        contract = CONTRACTS[version].get(action)
        if contract is None:
            reply = _error(
                404,
                "InvalidAction.NotFound",
                f"Specified api {action[:60]!r} is not found, please check your url and method.",
            )
        else:
            reply = self._dispatch(action, version, contract, raw_query, headers, body)
        if fault == "malformed":
            reply.body = reply.body[: len(reply.body) // 2]
        elif fault == "slow":
            reply.delay += self.slow
        return reply

    def _fault_reply(self, fault: str) -> Reply | None:
        if fault == "throttle":
            return _error(
                400,
                "Throttling.User",
                "Request was denied due to user flow control.",
                headers=[("x-acs-retry-after", str(self.rng.choice((200, 500, 1000))))],
            )
        if fault == "error500":
            return _error(
                500, "InternalError", "The request processing has failed due to some unknown error."
            )
        if fault == "error503":
            return _error(
                503,
                "ServiceUnavailable",
                "The request has failed due to a temporary failure of the server.",
            )
        if fault == "timeout":
            return Reply(0, behaviour="hang", delay=self.hang_s)
        if fault == "reset":
            return Reply(0, behaviour="reset")
        return None  # malformed and slow change the real answer

    def _dispatch(
        self,
        action: str,
        version: str,
        contract: tuple[Any, ...],
        raw_query: str,
        headers: dict[str, str],
        body: bytes,
    ) -> Reply:
        """The answer to an authentic call of an action this version serves: refused as
        the documentation says (``sim/contract.py``), else played."""
        form = form_pairs(body, headers.get("content-type", ""))
        checked = (
            form
            if isinstance(form, Refusal)
            else check_request(contract, action, version, decode_query(raw_query), form)
        )
        if isinstance(checked, Refusal):
            return _error(checked.status, checked.code, checked.message)
        params = checked
        if action == "GetYikeStoryboardJob":
            return self._get(params, version)
        if action == "ResumeYikeStoryboardJob":
            return self._resume(params)
        if action == "SubmitYikeStoryboardJob":
            return self._submit(params)
        if action == "CreateYikeAssetUpload":
            return self._create_upload(params)
        if action == "GetYikeUserCredit":
            return self._user_credit(params)
        if action == "GetYikeAccountCredit":
            rid = _request_id(_credit_ids)
            return Reply(200, _json(self.credits.yike_body(self.clock(), self.wall(), rid)))
        return self._job_charge(params)  # GetYikeJobCredit: what CONTRACTS leaves

    def _job(self, params: dict[str, str]) -> SimJob | Reply:
        job_id = params["JobId"]  # required: the contract refused its absence
        job = self.book.get(job_id)
        if job is None:
            return _error(404, "JobNotFound", f"The specified job {job_id!r} does not exist.")
        return job

    def _get(self, params: dict[str, str], version: str) -> Reply:
        job = self._job(params)
        if isinstance(job, Reply):
            return job
        body = get_job_body(job, self.clock(), _request_id(), self.output_url, version)
        self.stats.count_get(job.id, body["JobStatus"])
        return Reply(200, _json(body))

    def _resume(self, params: dict[str, str]) -> Reply:
        job = self._job(params)
        if isinstance(job, Reply):
            return job
        if not job.resume(self.clock()):
            _, status = job.job_time(self.clock())
            return _error(
                400, "InvalidStatus", f"The job is {status}; only a Suspended job can be resumed."
            )
        return Reply(200, _json({"RequestId": _request_id(), "JobId": job.id}))

    def _job_charge(self, params: dict[str, str]) -> Reply:
        job = self._job(params)
        if isinstance(job, Reply):
            return job
        rid = _request_id(_credit_ids)
        return Reply(200, _json(job_charge_body(job, self.clock(), rid)))

    def _user_credit(self, params: dict[str, str]) -> Reply:
        if params["YikeUserId"] != DEMO_YIKE_USER_ID:
            return _error(
                404,
                "YikeUserNotFound",
                f"The specified Yike user {params['YikeUserId'][:64]!r} does not exist.",
            )
        rid = _request_id(_credit_ids)
        return Reply(200, _json(self.credits.ice_body(self.clock(), rid)))

    def _submit(self, params: dict[str, str]) -> Reply:
        if self.uploads.was_uploaded(self.base_url, params["FileURL"]) is False:
            return _error(
                400,
                "InvalidParameter.FileURL",
                "The FileURL does not exist: nothing was uploaded there.",
            )
        exec_mode = params.get("ExecMode") or "FullPipeline"
        job = self.book.submit(params, exec_mode, self.clock())
        self.credits.jobs.append(job)
        return Reply(200, _json({"RequestId": _request_id(), "JobId": job.id}))

    def _create_upload(self, params: dict[str, str]) -> Reply:
        answer = self.uploads.create(self.base_url, params["FileExt"].lower(), _request_id())
        return Reply(200, _json(answer))

    # --- the OSS bucket uploads go to ----------------------------------------------------

    def _oss_put(
        self, method: str, path: str, raw_query: str, headers: dict[str, str], body: bytes
    ) -> Reply:
        self.stats.count_request("oss:PutObject")
        rid = _request_id().replace("-", "")[:24]
        common = [("x-oss-request-id", rid), ("date", formatdate(self.wall(), usegmt=True))]
        if method != "PUT":
            status, code, detail = 405, "MethodNotAllowed", "The specified method is not allowed."
        else:
            status, code, detail = self.uploads.put(path, raw_query, headers, body)
        if status != 200:
            xml = oss_error_xml(code, detail, rid)
            reply = Reply(status, xml, common, content_type="application/xml")
        else:
            reply = Reply(200, b"", [("etag", f'"{detail}"'), *common])
        reply.delay += self.latency
        self.stats.by_status[reply.status] += 1
        return reply

    def output_url(self, job: SimJob) -> str:
        return media.signed_url(self.base_url, job.id, "output.mp4", self.wall(), self.url_ttl)

    # --- output files --------------------------------------------------------------------

    def _media(self, method: str, path: str, raw_query: str, headers: dict[str, str]) -> Reply:
        problem = media.check_url(path, raw_query, self.wall())
        if problem is not None:
            return Reply(403, media.oss_error_body(problem), content_type="application/xml")
        parts = path.split("/")
        job = self.book.get(unquote(parts[2])) if len(parts) >= 4 else None
        if job is None:
            return Reply(
                404,
                media.oss_error_body("NoSuchKey: The specified key does not exist."),
                content_type="application/xml",
            )
        data = media.video_bytes(job.id, job.media_size or 1_000_000)
        if path.endswith(".srt"):
            data = b"1\n00:00:00,000 --> 00:00:02,000\nHello from the simulator\n"
        wanted = media.parse_range(headers.get("range", ""), len(data))
        extra = [("accept-ranges", "bytes"), ("etag", f'"{job.id}"')]
        if wanted == "unsatisfiable":
            return Reply(
                416,
                b"",
                [*extra, ("content-range", f"bytes */{len(data)}")],
                content_type="application/xml",
            )
        status = 200
        if isinstance(wanted, media.ByteRange):
            extra.append(("content-range", f"bytes {wanted.start}-{wanted.end}/{len(data)}"))
            data = data[wanted.start : wanted.end + 1]
            status = 206
        self.stats.media_bytes += len(data)
        body = b"" if method == "HEAD" else data
        reply = Reply(status, body, extra, content_type="video/mp4", delay=self.latency)
        if method == "HEAD":
            reply.headers.append(("content-length", str(len(data))))
        return reply

    # --- control endpoints ---------------------------------------------------------------

    def _control(self, method: str, path: str, raw_query: str) -> Reply:
        query = dict(parse_qsl(raw_query))
        if path == "/_sim/stats":
            return Reply(200, _json(self.stats.to_json(detail=query.get("detail") == "1")))
        if path == "/_sim/ids":
            return Reply(200, _json(self.book.ids))
        if path == "/_sim/truth":
            wanted = query.get("ids")
            ids = wanted.split(",") if wanted else list(self.book.ids)
            now = self.clock()
            truth = {}
            for job_id in ids:
                job = self.book.get(job_id)
                if job is not None:
                    truth[job_id] = get_job_body(job, now, "", self.output_url, ICE_VERSION)
            return Reply(200, _json(truth))
        if method == "POST" and path == "/_sim/reset-stats":
            self.stats.reset()
            return Reply(200, _json({"ok": True}))
        if method == "POST" and path == "/_sim/faults":
            try:
                self.faults = FaultSpec.parse(query.get("spec", ""))
            except FaultSpecError as exc:
                return Reply(400, _json({"error": str(exc)}))
            return Reply(200, _json({"faults": str(self.faults)}))
        if method == "POST" and path == "/_sim/account":
            enabled = query.get("enabled", "")
            if enabled not in ("0", "1"):
                return Reply(400, _json({"error": "give enabled=1 or enabled=0"}))
            self.account_enabled = enabled == "1"
            return Reply(200, _json({"account_enabled": self.account_enabled}))
        return Reply(404, _json({"error": f"no such simulator endpoint {path}"}))
