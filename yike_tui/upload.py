"""Put a checked novel into Yike's OSS bucket: ``CreateYikeAssetUpload``, then one signed PUT.

The answer to ``CreateYikeAssetUpload`` carries an address (``UploadAddress``: endpoint,
bucket, object key) and temporary STS credentials (``UploadAuth``), both base64 JSON. The
credentials live in local variables for the length of one PUT: never logged, printed,
stored or put in an exception (``UploadError`` texts are scrubbed of them as well).

The PUT is bounded (connect/write/read timeouts and a deadline for the whole of it) and a
redirect is an error, never followed: the signature is for that host. Asking for an upload
address is retried like any read (it creates nothing); the PUT is sent once (a second one
would only overwrite the same object, but an error the user sees is clearer than a wait).
Loopback endpoints (the simulator) take path-style URLs (``/bucket/key``); any other host
takes the bucket as a subdomain, as OSS does.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import logging
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from yike_tui.api.client import IceClient, is_loopback
from yike_tui.api.oss import sign_put
from yike_tui.novel_file import NovelFile
from yike_tui.safe_text import clean, truncate

log = logging.getLogger(__name__)

FILE_TYPE = "StoryboardInput"
DEFAULT_REGION = "cn-shanghai"
PUT_TIMEOUT = httpx.Timeout(connect=10.0, write=30.0, read=60.0, pool=30.0)
PUT_DEADLINE = 300.0  # seconds for the whole PUT: a 5 MB file on a slow line, not forever
CHUNK = 64 * 1024
MAX_FIELD = 4096  # characters of any decoded address/auth field we accept
MAX_ERROR_BODY = 16 * 1024
CONTENT_TYPES = {
    ".txt": "text/plain; charset=utf-8",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")
_XML_FIELD = re.compile(r"<(Code|Message)>([^<]{0,300})</\1>")


class UploadError(Exception):
    """The upload failed; ``str()`` is one line and never holds a credential or a query."""


@dataclass(frozen=True)
class _Target:
    endpoint: str  # scheme://host[:port]
    bucket: str
    key: str
    file_url: str


@dataclass(frozen=True)
class _Auth:
    access_key_id: str
    access_key_secret: str
    security_token: str
    region: str

    def __repr__(self) -> str:  # a traceback or a debugger must not show them
        return "_Auth(<redacted>)"


def _decode_b64_json(value: object, name: str) -> dict[str, Any]:
    if not isinstance(value, str) or not value or len(value) > 4 * MAX_FIELD:
        raise UploadError(f"the upload answer's {name} is missing or too long")
    try:
        decoded = json.loads(base64.b64decode(value, validate=True))
    except (binascii.Error, ValueError, RecursionError):
        raise UploadError(f"the upload answer's {name} is not base64 of JSON") from None
    if not isinstance(decoded, dict):
        raise UploadError(f"the upload answer's {name} is not a JSON object")
    return decoded


def _field(data: dict[str, Any], name: str, where: str) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_FIELD:
        raise UploadError(f"the upload answer's {where} has no usable {name}")
    return value.strip()


def _endpoint(raw: str) -> str:
    url = raw if "://" in raw else f"https://{raw}"
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme not in ("http", "https") or not host or parts.path not in ("", "/"):
        raise UploadError(
            "the upload address's Endpoint "
            f"{truncate(clean(raw, one_line=True), 80)!r} is not a host"
        )
    if parts.scheme == "http" and not is_loopback(host):
        raise UploadError("the upload address is plain http to a remote host; refused")
    return f"{parts.scheme}://{parts.netloc}"


def parse_upload_answer(payload: dict[str, Any]) -> tuple[_Target, _Auth]:
    """Where to PUT and with what: the decoded, checked ``CreateYikeAssetUpload`` answer."""
    file_url = payload.get("FileURL")
    if not isinstance(file_url, str) or not file_url.startswith(("http://", "https://")):
        raise UploadError("the upload answer carried no FileURL")
    address = _decode_b64_json(payload.get("UploadAddress"), "UploadAddress")
    auth = _decode_b64_json(payload.get("UploadAuth"), "UploadAuth")
    bucket = _field(address, "Bucket", "UploadAddress")
    key = _field(address, "FileName", "UploadAddress")
    if not _BUCKET.match(bucket):
        raise UploadError("the upload address's Bucket is not a valid bucket name")
    if (
        key.startswith("/")
        or any(ord(c) < 0x20 or c == "\x7f" for c in key)
        or ".." in key.split("/")
    ):
        raise UploadError("the upload address's FileName is not a valid object key")
    region = auth.get("Region")
    target = _Target(_endpoint(_field(address, "Endpoint", "UploadAddress")), bucket, key, file_url)
    creds = _Auth(
        access_key_id=_field(auth, "AccessKeyId", "UploadAuth"),
        access_key_secret=_field(auth, "AccessKeySecret", "UploadAuth"),
        security_token=_field(auth, "SecurityToken", "UploadAuth"),
        region=region.strip() if isinstance(region, str) and region.strip() else DEFAULT_REGION,
    )
    return target, creds


def object_url(target: _Target) -> str:
    parts = urlsplit(target.endpoint)
    key = quote(target.key, safe="/")
    if is_loopback(parts.hostname or ""):
        return f"{target.endpoint}/{target.bucket}/{key}"
    return f"{parts.scheme}://{target.bucket}.{parts.netloc}/{key}"


def _scrub(text: str, auth: _Auth) -> str:
    for secret in (auth.access_key_secret, auth.security_token):
        if secret:
            text = text.replace(secret, "<redacted>")
    return truncate(clean(text, one_line=True), 300)


def _oss_error(status: int, body: bytes, auth: _Auth) -> UploadError:
    found = dict(_XML_FIELD.findall(body[:MAX_ERROR_BODY].decode("utf-8", "replace")))
    code = found.get("Code", f"HTTP{status}")
    message = found.get("Message", "")
    detail = _scrub(f"{code}: {message}" if message else code, auth)
    if status == 403:
        advice = (
            "the upload permission expired or was refused; run the submit again for a fresh one"
        )
        return UploadError(f"the upload was refused (HTTP 403 {detail}); {advice}")
    return UploadError(f"the upload failed (HTTP {status} {detail})")


async def _chunks(data: bytes, progress: Callable[[int, int], None] | None) -> AsyncIterator[bytes]:
    total = len(data)
    for start in range(0, total, CHUNK):
        piece = data[start : start + CHUNK]
        yield piece
        if progress is not None:
            progress(min(start + CHUNK, total), total)


def _body(novel: NovelFile) -> bytes:
    """The file as read when it was checked: a .txt goes up as UTF-8 whatever it was."""
    if novel.ext == ".txt":
        return novel.text.encode("utf-8")
    from yike_tui.safe_read import read_regular  # the .docx bytes, read again bounded

    data = read_regular(novel.path, novel.size + 1)
    if data is None or len(data) != novel.size:
        raise UploadError(f"{novel.path.name}: changed or went away since it was checked")
    return data


async def put_object(
    http: httpx.AsyncClient,
    target: _Target,
    auth: _Auth,
    data: bytes,
    content_type: str,
    *,
    progress: Callable[[int, int], None] | None = None,
    now: datetime | None = None,
) -> None:
    headers = sign_put(
        bucket=target.bucket,
        key=target.key,
        region=auth.region,
        access_key_id=auth.access_key_id,
        access_key_secret=auth.access_key_secret,
        security_token=auth.security_token,
        now=now or datetime.now(UTC),
        content_type=content_type,
        content_length=len(data),
    )
    url = object_url(target)
    try:
        async with asyncio.timeout(PUT_DEADLINE):
            response = await http.request(
                "PUT",
                url,
                content=_chunks(data, progress),
                headers=headers,
                timeout=PUT_TIMEOUT,
                follow_redirects=False,
                extensions={"idempotent": False},
            )
    except TimeoutError:
        raise UploadError(f"the upload did not finish within {PUT_DEADLINE:g} s") from None
    except httpx.HTTPError as exc:
        kind = type(exc).__name__
        raise UploadError(f"the upload failed: {kind}: {_scrub(str(exc), auth)}") from None
    if 300 <= response.status_code < 400:
        raise UploadError(
            f"the upload was answered with a redirect (HTTP {response.status_code}); not followed"
        )
    if response.status_code >= 400:
        raise _oss_error(response.status_code, response.content, auth)
    log.info("uploaded %d bytes to oss://%s/%s", len(data), target.bucket, target.key)


async def upload_novel(
    client: IceClient,
    novel: NovelFile,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> str:
    """Upload ``novel`` and return the ``FileURL`` a submit takes.

    Raises ApiError when ``CreateYikeAssetUpload`` is refused, UploadError when the answer
    is unusable or the PUT fails.
    """
    payload = await client.call(
        "CreateYikeAssetUpload", {"FileExt": novel.ext.lstrip("."), "FileType": FILE_TYPE}
    )
    target, auth = parse_upload_answer(payload)
    data = _body(novel)
    await put_object(client.http, target, auth, data, CONTENT_TYPES[novel.ext], progress=progress)
    return target.file_url
