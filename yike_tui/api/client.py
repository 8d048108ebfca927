"""``ApiClient``: the Yike actions, signed (V3) RPC calls to either product API (ICE or the
Yike product, by ``version``), over one pooled async httpx client.

Per request we only sign (a few HMACs) and parse; connection setup, TLS and the pool are
shared for the client's lifetime, which is what keeps a 1,000-job pass cheap.

Every answer is bounded: its size (``MAX_ANSWER_BYTES``, on either transport), the time for
the whole of it (``answer_deadline``), the wait a throttling answer asks for
(``max_retry_after``), and, for a one-shot command, the time left before its deadline
(``give_up_in``). A redirect is an error, never followed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import os
import random
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx

from yike_tui.api.credentials import DEFAULT_REGION, Credentials
from yike_tui.api.endpoints import (
    APIS,
    DEFAULT_API,
    api_for_version,
    other_api_hint,
    validate_endpoint,
)
from yike_tui.api.errors import ACCOUNT_MEANS, ApiError, ErrorKind, api_text
from yike_tui.api.signing import sign_request
from yike_tui.api.transport import (
    AnswerTooLarge,
    LeanTransport,
    UnwantedEncoding,
    chosen_transport,
    proxy_applies,
    read_capped,
)
from yike_tui.core.models import Job, parse_job
from yike_tui.safety.redaction import redact_url
from yike_tui.safety.safe_text import loads_valid

log = logging.getLogger(__name__)

API_VERSION = APIS[DEFAULT_API].version  # ICE's "2020-11-09"
DEFAULT_ENDPOINT = APIS[DEFAULT_API].endpoint(APIS[DEFAULT_API].default_region)
DEFAULT_TIMEOUT = httpx.Timeout(connect=5.0, read=15.0, write=10.0, pool=30.0)
DEFAULT_ANSWER_DEADLINE = 30.0  # seconds for a whole call: a slow drip must not hold it
MAX_RETRY_AFTER = 60.0  # seconds: the longest wait a throttling answer gets honoured
USER_AGENT = "yike-tui"
# Compression was never needed for answers of a few KiB, and a compressed one is a bomb.
_ACCEPT = {"user-agent": USER_AGENT, "accept-encoding": "identity"}


@dataclass(frozen=True, slots=True)
class SubmitAnswer:
    """What a ``SubmitYikeStoryboardJob`` answer held, as the server sent it: untrusted."""

    job_id: object
    request_id: object


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _transport_error(exc: httpx.HTTPError) -> ApiError:
    """Turn a transport failure into words a user can act on."""
    text = str(exc) or type(exc).__name__
    if isinstance(exc, AnswerTooLarge):
        return ApiError(
            "AnswerTooLarge",
            f"{text}; the rest was not read",
            advice="the endpoint sent far more than an API answer; check --endpoint and proxies",
        )
    if isinstance(exc, UnwantedEncoding):
        return ApiError("MalformedResponse", text)
    if isinstance(exc, httpx.LocalProtocolError):
        # Its text quotes the offending header, which may be a credential: never shown.
        return ApiError(
            "RequestInvalid",
            "the request could not be sent: a header value is not valid HTTP",
            kind=ErrorKind.PARAMETER,
        )
    if isinstance(exc, httpx.TimeoutException):
        return ApiError("Timeout", f"no answer in time ({type(exc).__name__})")
    if isinstance(exc, httpx.ConnectError):
        lowered = text.lower()
        if "certificate" in lowered or "ssl" in lowered:
            return ApiError("TLSError", f"TLS failed: {text}", kind=ErrorKind.TLS)
        if any(s in lowered for s in ("name or service", "nodename", "getaddrinfo", "name res")):
            host = _host_of(exc)
            if host and host not in text:  # httpx's own transport does not name it
                text = f"{host}: {text}"
            return ApiError("NameResolutionFailed", f"DNS lookup failed: {text}")
        return ApiError("ConnectionFailed", f"could not connect: {text}")
    if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError):
        return ApiError("ConnectionReset", f"the connection broke: {text}")
    return ApiError("NetworkError", text)


def _host_of(exc: httpx.HTTPError) -> str:
    try:
        return exc.request.url.host
    except RuntimeError:  # an error raised without its request
        return ""


def _retry_after_seconds(headers: httpx.Headers, cap: float) -> float | None:
    """The wait the server asks for, in seconds, at most ``cap``; None (our own backoff)
    when it is missing or not a sane number (``inf``, ``nan``, negative, garbage)."""
    raw = headers.get("x-acs-retry-after")
    if raw is None:
        return None
    try:
        millis = float(raw)  # milliseconds on the wire
    except ValueError:
        return None
    if not math.isfinite(millis) or millis < 0:
        return None
    return min(cap, millis / 1000.0)


def _unknown_job(err: ApiError) -> bool:
    """Not found, or a JobId refused as invalid (how an id of the other product may look).
    An account not enabled for Yike is not: its code says NotFound, but of the account."""
    if err.kind is ErrorKind.NOT_FOUND:
        return True
    text = f"{err.code} {err.message}".lower()
    return err.code.startswith("InvalidParameter") and "jobid" in text.replace(" ", "")


def _account_advice(version: str) -> str:
    """What to do about an account not enabled for Yike, naming the other API to try."""
    api = api_for_version(version)
    if api is None:
        return ""
    other = next(a for a in APIS.values() if a is not api)
    return (
        f"{api.title} says {ACCOUNT_MEANS}: enable Yike for it in the console,"
        f" or use the other API with --api {other.name}"
    )


def _field(payload: dict[str, Any], name: str) -> object:
    """``Code``, ``Message``, ``RequestId``...: as the RPC API spells them, or in lower camel
    case (``code``, ``requestId``) as other gateways do, which the vendor's SDK reads too."""
    value = payload.get(name)
    return value if value else payload.get(name[0].lower() + name[1:])


def _where_it_pointed(location: str | None) -> str:
    """A redirect's target, fit to show: one line, bounded, its query (a signature?) cut."""
    if not location:
        return "nowhere (no Location)"
    return api_text(redact_url(location[:2000]), 200)


class ApiClient:
    """Async client for the Yike actions of the API of ``version`` (ICE or the Yike
    product). Use as ``async with ApiClient(...) as c``."""

    def __init__(
        self,
        credentials: Credentials,
        *,
        endpoint: str = DEFAULT_ENDPOINT,
        version: str = API_VERSION,
        region: str | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        max_connections: int = 32,
        retries: int = 3,
        pacer: Callable[[], Awaitable[None]] | None = None,
        backoff_base: float = 0.5,
        backoff_cap: float = 8.0,
        clock: Callable[[], datetime] = _utc_now,
        transport: httpx.AsyncBaseTransport | None = None,
        answer_deadline: float = DEFAULT_ANSWER_DEADLINE,
        max_retry_after: float = MAX_RETRY_AFTER,
        transport_name: str = "",
        yike_user_id: str = "",
    ) -> None:
        """``transport_name`` is config.toml's ``transport`` ("lean", "httpx"; "" = not set);
        ``YIKE_TUI_TRANSPORT`` overrides it. An explicit ``transport`` wins over both.
        ``yike_user_id``: the Yike user whose credits ICE reads ("" = none)."""
        self.credentials = credentials
        self.yike_user_id = yike_user_id
        self.endpoint = validate_endpoint(endpoint)
        self.version = version
        self.region = region or credentials.region or DEFAULT_REGION
        self.retries = retries
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.answer_deadline = answer_deadline
        self.max_retry_after = max_retry_after
        # Event-loop time after which no retry is started and no wait is honoured: set by
        # one-shot commands (``give_up_in``) so a throttled job fails fast, not at the end.
        self.give_up_at: float | None = None
        self._clock = clock
        self._host = urlsplit(self.endpoint).netloc
        self._limits = httpx.Limits(
            max_connections=max_connections, max_keepalive_connections=max_connections
        )
        self._timeout = timeout
        lean = chosen_transport(transport_name) == "lean" and not proxy_applies(self.endpoint)
        if transport is None and lean:
            # Lean keep-alive transport for the many small API calls (see transport.py);
            # downloads get httpx's own streaming transport from ``http``.
            transport = LeanTransport(max_connections=max_connections)
        self._lean = isinstance(transport, LeanTransport)
        self._lean_transport = transport if isinstance(transport, LeanTransport) else None
        # What carries the API calls: a proxy or an explicit ``transport`` overrule the choice.
        self.transport_name = "lean" if self._lean else "httpx"
        self._timeout_dict = timeout.as_dict()
        url = httpx.URL(self.endpoint)  # the pool's key, parsed once, not per request
        self._key = (url.scheme, url.host, url.port or (443 if url.scheme == "https" else 80))
        self._http = httpx.AsyncClient(
            timeout=timeout,
            limits=self._limits,
            transport=transport,
            trust_env=True,  # proxies and CA bundles from the environment
            headers={"user-agent": USER_AGENT},
        )
        self._downloads: httpx.AsyncClient | None = None
        self.requests_sent = 0
        # Awaited before every retry: the engine's rate limiter, given when the client is
        # built (session.make_client), so retries count against the limit like first tries.
        self.pacer = pacer

    async def __aenter__(self) -> ApiClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()
        if self._downloads is not None:
            await self._downloads.aclose()

    def give_up_in(self, seconds: float) -> None:
        """A one-shot deadline: no retry or server-asked wait reaches past ``seconds``."""
        self.give_up_at = asyncio.get_running_loop().time() + seconds

    def _time_left(self) -> float:
        if self.give_up_at is None:
            return math.inf
        return self.give_up_at - asyncio.get_running_loop().time()

    @property
    def http(self) -> httpx.AsyncClient:
        """An httpx client with streaming and environment proxies, for output files."""
        if not self._lean:
            return self._http
        if self._downloads is None:
            self._downloads = httpx.AsyncClient(
                timeout=self._timeout,
                limits=self._limits,
                trust_env=True,
                headers={"user-agent": USER_AGENT},
            )
        return self._downloads

    # --- actions -------------------------------------------------------------------------

    async def get_job_payload(self, job_id: str) -> dict[str, Any]:
        with self._hint_other_api():
            return await self.call("GetYikeStoryboardJob", {"JobId": job_id})

    async def get_job(self, job_id: str) -> Job:
        payload = await self.get_job_payload(job_id)
        return parse_job(payload, job_id=job_id, fetched_at=time.time())

    async def resume_job(self, job_id: str) -> str:
        """Resume a Suspended job; returns the request id. Both SDKs document the answer's
        JobId: one naming another job means the answer is not about this one."""
        with self._hint_other_api():
            payload = await self.call("ResumeYikeStoryboardJob", {"JobId": job_id}, retries=0)
        answered = payload.get("JobId")
        if answered not in (None, "") and answered != job_id:
            raise ApiError(
                "MalformedResponse",
                f"the answer to the resume names another job: {api_text(answered, 80)}",
            )
        return str(payload.get("RequestId", ""))

    async def submit_job(self, query: Mapping[str, str], form: Mapping[str, str]) -> SubmitAnswer:
        """Submit a job: ``query`` and ``form`` as the API documents them.

        Returns the answer as sent, unchecked: ``submitting.submit_and_keep`` checks the
        JobId and keeps the job, whatever the answer holds. Never retried: a lost answer
        could mean the job was created, and a retry a twin.
        """
        payload = await self.call("SubmitYikeStoryboardJob", query, form=form, retries=0)
        return SubmitAnswer(payload.get("JobId"), payload.get("RequestId"))

    @contextlib.contextmanager
    def _hint_other_api(self) -> Iterator[None]:
        """A JobId this API does not know may be a job of the other product (each sees only
        its own): say so in the error's one-line text, which get, watch and the TUI show."""
        try:
            yield
        except ApiError as err:
            if _unknown_job(err):
                hint = other_api_hint(self.version)
                if hint and hint not in err.message:
                    err.message = f"{err.message.rstrip()} ({hint})" if err.message else hint
            raise

    # --- transport -----------------------------------------------------------------------

    async def call(
        self,
        action: str,
        params: Mapping[str, str],
        *,
        form: Mapping[str, str] | None = None,
        retries: int | None = None,
    ) -> dict[str, Any]:
        """One RPC call with retries for transient failures; returns the decoded JSON body."""
        attempts = 1 + (self.retries if retries is None else retries)
        for attempt in range(attempts):
            try:
                return await self._call_once(action, params, form)
            except ApiError as err:
                left = self._time_left()
                if err.retry_after is not None and err.retry_after > left:
                    # Past the deadline: not waited for here, nor by the engine's limiter
                    # (which would hold the healthy jobs beside this one).
                    more = " or more" if err.retry_after >= self.max_retry_after else ""
                    err.message += (
                        f" (not retried: it asks for a wait of {err.retry_after:g} s{more},"
                        " past the deadline)"
                    )
                    err.retry_after = None
                    raise
                if not err.retryable or attempt == attempts - 1:
                    raise
                delay = self._backoff(attempt, err.retry_after)
                if delay >= left:
                    raise
                await asyncio.sleep(delay)
                if self.pacer is not None:
                    await self.pacer()
        raise AssertionError("unreachable")

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        # Full jitter keeps many clients (or many jobs) from retrying in lockstep.
        delay = random.uniform(0, min(self.backoff_cap, self.backoff_base * 2**attempt))
        return max(delay, retry_after or 0.0)

    async def _call_once(
        self, action: str, params: Mapping[str, str], form: Mapping[str, str] | None
    ) -> dict[str, Any]:
        body = urlencode(form).encode() if form else b""
        signed = sign_request(
            method="POST",
            host=self._host,
            action=action,
            version=self.version,
            params=params,
            access_key_id=self.credentials.access_key_id,
            access_key_secret=self.credentials.access_key_secret,
            security_token=self.credentials.security_token,
            date=self._clock().strftime("%Y-%m-%dT%H:%M:%SZ"),
            nonce=os.urandom(16).hex(),  # as unique as uuid4, without importing uuid
            body=body,
            content_type="application/x-www-form-urlencoded" if form else None,
        )
        # The URL carries byte-for-byte the query that was signed.
        path = f"/?{signed.query}" if signed.query else "/"
        self.requests_sent += 1
        started = time.perf_counter()
        # Only a read may be re-sent on a fresh connection when a kept-alive one turns out
        # closed: a submit must never risk running twice.
        idempotent = action.startswith("Get")
        headers = {**signed.headers, **_ACCEPT}
        try:
            async with asyncio.timeout(self.answer_deadline):
                status, answer_headers, content = await self._send(path, headers, body, idempotent)
        except TimeoutError:
            log.info("%s %s failed: no whole answer in time", action, params.get("JobId", ""))
            raise ApiError(
                "Timeout", f"no whole answer within {self.answer_deadline:g} s", action=action
            ) from None
        except httpx.HTTPError as exc:
            err = _transport_error(exc)
            err.action = action
            log.info("%s %s failed: %s", action, params.get("JobId", ""), err.code)
            raise err from None
        log.debug(
            "%s %s -> %s in %.0f ms",
            action,
            params.get("JobId", ""),
            status,
            (time.perf_counter() - started) * 1000,
        )
        return self._decode(status, answer_headers, content, action)

    async def _send(
        self, path: str, headers: dict[str, str], body: bytes, idempotent: bool
    ) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        """POST ``path`` (its query byte-for-byte as signed); status, raw headers, body."""
        if self._lean_transport is not None:
            # Straight to the transport, in bytes: the client layer's cookies, auth,
            # redirects and header merging, and httpx's request and response objects, are
            # nothing these signed calls need (each request's CPU delays the 15 others).
            try:
                raw = [(b"Content-Length", str(len(body)).encode())]
                raw += [(k.encode("ascii"), v.encode("ascii")) for k, v in headers.items()]
                target = path.encode("ascii")
            except UnicodeEncodeError:  # never shown: the value may be a credential
                raise httpx.LocalProtocolError("a header is not ASCII") from None
            return await self._lean_transport.exchange(
                self._key,
                b"POST",
                target,
                raw,
                body,
                idempotent=idempotent,
                timeouts=self._timeout_dict,
            )
        # httpx's own transport (a proxy applies): streamed, so the size cap holds there too.
        async with self._http.stream(
            "POST",
            f"{self.endpoint}{path}",
            content=body,
            headers=headers,
            extensions={"idempotent": idempotent},
        ) as streamed:
            return streamed.status_code, streamed.headers.raw, await read_capped(streamed)

    def _decode(
        self,
        status: int,
        raw_headers: list[tuple[bytes, bytes]],
        content: bytes,
        action: str = "",
    ) -> dict[str, Any]:
        """The answer's JSON object; an ApiError (naming ``action``) for anything else."""
        if 300 <= status < 400:
            headers = httpx.Headers(raw_headers)
            # Never followed (the signature is for this host) and never read as a job.
            where = _where_it_pointed(headers.get("location"))
            raise ApiError(
                "Redirected",
                f"the endpoint answered with a redirect to {where}; it is not followed",
                http_status=status,
                kind=ErrorKind.PARAMETER,
                advice="use the API's own address in --endpoint (or YIKE_TUI_ENDPOINT)",
                action=action,
            )
        try:
            # Valid from here on: no lone surrogate, no NaN (what the engine keeps and stores).
            payload = loads_valid(content)
        except (ValueError, RecursionError):  # RecursionError: a body nested absurdly deep
            payload = None
        if not isinstance(payload, dict):
            snippet = content[:80].decode("utf-8", "replace")
            raise ApiError(
                "MalformedResponse",
                f"HTTP {status} with a body that is not a JSON object: {snippet!r}",
                http_status=status,
                action=action,
            )
        if status >= 400:
            # API text goes into one-line messages: CR/LF and other controls made visible.
            err = ApiError.from_body(
                code=api_text(_field(payload, "Code") or f"HTTP{status}", 100),
                message=api_text(_field(payload, "Message") or ""),
                http_status=status,
                request_id=api_text(_field(payload, "RequestId") or "", 100),
                recommend=api_text(_field(payload, "Recommend") or ""),
                action=action,
            )
            if err.kind is ErrorKind.ACCOUNT:
                err.advice = _account_advice(self.version)
            err.retry_after = _retry_after_seconds(httpx.Headers(raw_headers), self.max_retry_after)
            raise err
        return payload
