"""Put a checked novel into Yike's OSS bucket: ``CreateYikeAssetUpload``, then one signed PUT.

The answer to ``CreateYikeAssetUpload`` carries an address (``UploadAddress``: endpoint,
bucket, object key) and temporary STS credentials (``UploadAuth``), both base64 JSON. The
credentials live in local variables for the length of one PUT: never logged, printed,
stored or put in an exception (``UploadError`` texts are scrubbed of them as well).

Every value of the answer is checked before use. The credentials and the region go into
headers, so they must be printable ASCII without spaces: a newline or a non-ASCII character
would make httpx's error message quote the value back. The endpoint, bucket and key go into
the URL: a host, a bucket name, a printable key.

The PUT is bounded like an API answer: one deadline for the whole exchange (connect/write/
read timeouts within it), ``accept-encoding: identity`` and the answer's body read raw, never
decoded, at most ``MAX_ERROR_BODY`` of a refusal and nothing of a success (an endless or
compressed body costs nothing). A redirect is an error, never followed: the signature is
for that host. Asking for an upload address is retried like any read (it creates nothing);
the PUT is sent once (a second one would only overwrite the same object, but an error the
user sees is clearer than a wait). Loopback endpoints (the simulator) take path-style URLs
(``/bucket/key``); any other host takes the bucket as a subdomain, as OSS does.
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

from yike_tui.actions.novel_file import NovelFile
from yike_tui.api.client import ApiClient
from yike_tui.api.endpoints import is_loopback
from yike_tui.api.oss import sign_put
from yike_tui.api.transport import content_encoding, read_prefix
from yike_tui.safety.safe_text import clean, truncate

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
_BUCKET = re.compile(r"[a-z0-9][a-z0-9-]{1,61}[a-z0-9]")
# Printable ASCII, no space: what may go into a header or a URL as it is.
_HEADER_SAFE = re.compile(rf"[\x21-\x7e]{{1,{MAX_FIELD}}}")
_REGION = re.compile(r"[a-z0-9-]{1,64}")
_HOST = re.compile(r"[a-z0-9.-]{1,253}|\[[0-9a-f:.]{2,45}\]")
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


def _credential(auth: dict[str, Any], name: str) -> str:
    """A credential fit for a header. The message names the field, never the value."""
    value = auth.get(name)
    if not isinstance(value, str) or not _HEADER_SAFE.fullmatch(value.strip()):
        raise UploadError(f"the upload answer's UploadAuth has no usable {name}")
    return value.strip()


def _region(auth: dict[str, Any]) -> str:
    value = auth.get("Region")
    if value is None or value == "":
        return DEFAULT_REGION
    if not isinstance(value, str) or not _REGION.fullmatch(value.strip()):
        raise UploadError("the upload answer's UploadAuth has no usable Region")
    return value.strip()


def _endpoint(raw: str) -> str:
    """``scheme://host[:port]`` of the upload address: ASCII, no user info, no path."""
    refused = UploadError("the upload address's Endpoint is not a host")
    if not _HEADER_SAFE.fullmatch(raw):  # urlsplit would silently drop a CR/LF or a tab
        raise refused
    try:
        parts = urlsplit(raw if "://" in raw else f"https://{raw}")
        parts.port  # noqa: B018 - raises on a port that is not a number in range
    except ValueError:  # that, or an unbalanced IPv6 bracket
        raise refused from None
    host = parts.hostname or ""
    if (
        parts.scheme not in ("http", "https")
        or not _HOST.fullmatch(host if ":" not in host else f"[{host}]")
        or "@" in parts.netloc
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
    ):
        raise refused
    if parts.scheme == "http" and not is_loopback(host):
        raise UploadError("the upload address is plain http to a remote host; refused")
    return f"{parts.scheme}://{parts.netloc}"


def _object_key(address: dict[str, Any]) -> str:
    """The object key: printable (no control, format or surrogate character), relative."""
    key = _field(address, "FileName", "UploadAddress")
    if key.startswith("/") or not key.isprintable() or ".." in key.split("/"):
        raise UploadError("the upload address's FileName is not a valid object key")
    return key


def _file_url(payload: dict[str, Any]) -> str:
    """What the submit will take: an http(s) URL, ASCII, without space or control."""
    value = payload.get("FileURL")
    if not isinstance(value, str) or not value:
        raise UploadError("the upload answer carried no FileURL")
    try:
        host = urlsplit(value).hostname
    except ValueError:  # an unbalanced IPv6 bracket
        host = None
    if not (value.startswith(("http://", "https://")) and host and _HEADER_SAFE.fullmatch(value)):
        raise UploadError("the upload answer's FileURL is not a usable URL")
    return value


def parse_upload_answer(payload: dict[str, Any]) -> tuple[_Target, _Auth]:
    """Where to PUT and with what: the decoded, checked ``CreateYikeAssetUpload`` answer."""
    file_url = _file_url(payload)
    address = _decode_b64_json(payload.get("UploadAddress"), "UploadAddress")
    auth = _decode_b64_json(payload.get("UploadAuth"), "UploadAuth")
    bucket = _field(address, "Bucket", "UploadAddress")
    if not _BUCKET.fullmatch(bucket):
        raise UploadError("the upload address's Bucket is not a valid bucket name")
    endpoint = _endpoint(_field(address, "Endpoint", "UploadAddress"))
    target = _Target(endpoint, bucket, _object_key(address), file_url)
    creds = _Auth(
        access_key_id=_credential(auth, "AccessKeyId"),
        access_key_secret=_credential(auth, "AccessKeySecret"),
        security_token=_credential(auth, "SecurityToken"),
        region=_region(auth),
    )
    return target, creds


def object_url(target: _Target) -> str:
    parts = urlsplit(target.endpoint)
    key = quote(target.key, safe="/")
    if is_loopback(parts.hostname or ""):
        return f"{target.endpoint}/{target.bucket}/{key}"
    return f"{parts.scheme}://{target.bucket}.{parts.netloc}/{key}"


def _forms(secret: str) -> set[str]:
    """How an exception's text may quote ``secret``: as is, escaped, or in a bytes repr."""
    return {
        secret,
        repr(secret)[1:-1],
        secret.encode("unicode_escape").decode("ascii"),
        str(secret.encode("utf-8", "backslashreplace"))[2:-1],
    }


def _scrub(text: str, auth: _Auth) -> str:
    for secret in (auth.access_key_id, auth.access_key_secret, auth.security_token):
        for form in sorted(_forms(secret) if secret else (), key=len, reverse=True):
            text = text.replace(form, "<redacted>")
    return truncate(clean(text, one_line=True), 300)


def _oss_error(status: int, body: bytes, auth: _Auth) -> UploadError:
    """The refusal in words: OSS's ``<Code>`` and ``<Message>`` when its body has them."""
    found = dict(_XML_FIELD.findall(body[:MAX_ERROR_BODY].decode("utf-8", "replace")))
    code, message = found.get("Code", ""), found.get("Message", "")
    said = f"{code}: {message}" if code and message else code or message
    detail = f"HTTP {status} {_scrub(said, auth)}" if said else f"HTTP {status}"
    if status == 403:
        advice = (
            "the upload permission expired or was refused; run the submit again for a fresh one"
        )
        return UploadError(f"the upload was refused ({detail}); {advice}")
    return UploadError(f"the upload failed ({detail})")


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
    from yike_tui.safety.safe_read import read_regular  # the .docx bytes, read again bounded

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
    """PUT ``data`` to ``target``; raises ``UploadError`` (one line, no credential)."""
    try:
        async with asyncio.timeout(PUT_DEADLINE):  # the whole exchange, answer included
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
            async with http.stream(
                "PUT",
                object_url(target),
                content=_chunks(data, progress),
                headers={**headers, "accept-encoding": "identity"},
                timeout=PUT_TIMEOUT,
                follow_redirects=False,
                extensions={"idempotent": False},
            ) as response:
                await _check_answer(response, auth)
    except TimeoutError:
        raise UploadError(f"the upload did not finish within {PUT_DEADLINE:g} s") from None
    except (UnicodeError, ValueError, httpx.LocalProtocolError, httpx.InvalidURL):
        # The text of these quotes the offending header value: a credential, maybe.
        raise UploadError(
            "the upload address or permission holds a value that cannot be sent"
        ) from None
    except httpx.HTTPError as exc:
        detail = _scrub(str(exc), auth)  # a reset has no text: the kind alone says it
        kind = f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
        raise UploadError(f"the upload failed: {kind}") from None
    log.info("uploaded %d bytes to oss://%s/%s", len(data), target.bucket, target.key)


async def _check_answer(response: httpx.Response, auth: _Auth) -> None:
    """Raise for anything but a 2xx. A success's body is never read (OSS sends none); a
    refusal's is read raw up to ``MAX_ERROR_BODY``, and not at all when it is compressed."""
    status = response.status_code
    if 300 <= status < 400:
        raise UploadError(f"the upload was answered with a redirect (HTTP {status}); not followed")
    if status >= 400:
        encoded = content_encoding(response.headers.raw)
        body = b"" if encoded else await read_prefix(response, MAX_ERROR_BODY)
        raise _oss_error(status, body, auth)


async def upload_novel(
    client: ApiClient,
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
