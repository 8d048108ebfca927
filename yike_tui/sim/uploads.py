"""The simulator's upload desk: ``CreateYikeAssetUpload`` and an OSS-compatible PUT endpoint.

Each ``CreateYikeAssetUpload`` mints one STS key pair (id, secret, token, expiry) good for
one object key in the simulator's bucket, as the real service's policy does. The bucket is
served on the simulator's own address, path style: ``PUT /<bucket>/<key>``. The PUT is
checked as OSS checks it: a V4 (``OSS4-HMAC-SHA256``) header signature over the request,
the ``x-oss-security-token`` matching the key, the credentials not expired, ``x-oss-date``
within 15 minutes, the key the one the credentials were issued for; a refusal is a 403
with OSS's XML error. A ``FileURL`` under the bucket is only accepted by a submit once its
object was PUT (``was_uploaded``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote
from xml.sax.saxutils import escape

from yike_tui.api import oss

BUCKET = "yike-sim-input"
REGION = "cn-shanghai"
MAX_SKEW = 15 * 60  # seconds between x-oss-date and now, as OSS allows
MAX_OBJECT = 6 * 1024 * 1024
FILE_TYPES = ("StoryboardInput", "Media")
FILE_EXTS = ("txt", "docx", "mp4", "mp3", "jpg", "png")


@dataclass(frozen=True)
class Grant:
    access_key_id: str
    secret: str
    token: str
    expires: float  # wall time
    key: str


@dataclass
class UploadDesk:
    wall: Callable[[], float] = time.time
    ttl: float = 3600.0  # seconds an upload permission lives
    grants: dict[str, Grant] = field(default_factory=dict)
    objects: dict[str, bytes] = field(default_factory=dict)  # key -> content
    issued: int = 0

    def file_url(self, base_url: str, key: str) -> str:
        return f"{base_url}/{BUCKET}/{key}"

    def create(self, base_url: str, file_ext: str, request_id: str) -> dict[str, Any]:
        """The answer to ``CreateYikeAssetUpload``: FileURL, UploadAddress, UploadAuth."""
        self.issued += 1
        day = datetime.fromtimestamp(self.wall(), UTC).strftime("%Y%m%d")
        key = f"yike/storyboard-input/{day}/{secrets.token_hex(8)}.{file_ext}"
        grant = Grant(
            access_key_id=f"STS.Sim{secrets.token_hex(10)}",
            secret=secrets.token_urlsafe(24),
            token=f"CAIS{secrets.token_urlsafe(48)}",
            expires=self.wall() + self.ttl,
            key=key,
        )
        self.grants[grant.access_key_id] = grant
        address = {"Endpoint": base_url, "Bucket": BUCKET, "FileName": key}
        expiration = datetime.fromtimestamp(grant.expires, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        auth = {
            "AccessKeyId": grant.access_key_id,
            "AccessKeySecret": grant.secret,
            "SecurityToken": grant.token,
            "Expiration": expiration,
            "Region": REGION,
        }
        return {
            "RequestId": request_id,
            "FileURL": self.file_url(base_url, key),
            "UploadAddress": _b64(address),
            "UploadAuth": _b64(auth),
        }

    def store(self, key: str, data: bytes) -> None:
        self.objects[key] = data

    def was_uploaded(self, base_url: str, file_url: str) -> bool | None:
        """True/False for a URL in the simulator's bucket; None for any other URL."""
        prefix = f"{base_url}/{BUCKET}/"
        if not file_url.startswith(prefix):
            return None
        return unquote(file_url[len(prefix) :].partition("?")[0]) in self.objects

    def put(
        self, path: str, raw_query: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, str, str]:
        """Check and keep one PUT; ``(status, code, message)`` (code "" on success)."""
        bucket, _, key = unquote(path.lstrip("/")).partition("/")
        if bucket != BUCKET:
            return 404, "NoSuchBucket", "The specified bucket does not exist."
        if not key:
            return 400, "InvalidObjectName", "The specified object is not valid."
        auth = oss.parse_authorization(headers.get("authorization", ""))
        if auth is None:
            return 403, "AccessDenied", "You have no right to access this object (no V4 signature)."
        grant = self.grants.get(auth.access_key_id)
        if grant is None:
            return (
                403,
                "InvalidAccessKeyId",
                "The OSS Access Key Id you provided does not exist in our records.",
            )
        if headers.get("x-oss-security-token", "") != grant.token:
            return 403, "InvalidSecurityToken", "The security token you provided is invalid."
        now = self.wall()
        if now >= grant.expires:
            return 403, "SecurityTokenExpired", "The security token you provided has expired."
        stamp = headers.get("x-oss-date", "")
        try:
            signed_at = datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC).timestamp()
        except ValueError:
            return 403, "AccessDenied", "x-oss-date is missing or not valid."
        if abs(now - signed_at) > MAX_SKEW or auth.day != stamp[:8]:
            return (
                403,
                "RequestTimeTooSkewed",
                "The difference between the request time and the current time is too large.",
            )
        canonical = oss.canonical_request(
            "PUT", bucket, key, headers, auth.additional, _canonical_query(raw_query)
        )
        to_sign = oss.string_to_sign(stamp, auth.region, canonical)
        expected = oss.signature(grant.secret, auth.day, auth.region, to_sign)
        if not hmac.compare_digest(expected, auth.signature):
            return (
                403,
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided.",
            )
        if key != grant.key:
            return (
                403,
                "AccessDenied",
                "You have no right to access this object because of bucket acl.",
            )
        declared = headers.get("x-oss-content-sha256", "")
        if (
            declared not in ("", oss.UNSIGNED_PAYLOAD)
            and declared != hashlib.sha256(body).hexdigest()
        ):
            return (
                400,
                "InvalidDigest",
                "The content SHA-256 you specified did not match what we received.",
            )
        md5 = headers.get("content-md5")
        if md5 and md5 != base64.b64encode(hashlib.md5(body).digest()).decode():
            return (
                400,
                "InvalidDigest",
                "The Content-MD5 you specified did not match what we received.",
            )
        if len(body) > MAX_OBJECT:
            return 400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size."
        self.objects[key] = body
        return 200, "", hashlib.md5(body).hexdigest().upper()


def _canonical_query(raw_query: str) -> str:
    """The query as V4 signs it: sorted pairs, a bare name for an empty value."""
    if not raw_query:
        return ""
    pairs = sorted(pair.partition("=")[::2] for pair in raw_query.split("&"))
    return "&".join(f"{k}={v}" if v else k for k, v in pairs)


def _b64(data: dict[str, str]) -> str:
    return base64.b64encode(json.dumps(data, separators=(",", ":")).encode()).decode()


def oss_error_xml(code: str, message: str, request_id: str) -> bytes:
    """OSS's error document (what its SDKs parse): Code, Message, RequestId, HostId."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<Error>\n'
        f"  <Code>{escape(code)}</Code>\n  <Message>{escape(message)}</Message>\n"
        f"  <RequestId>{request_id}</RequestId>\n"
        f"  <HostId>{BUCKET}.oss-{REGION}.aliyuncs.com</HostId>\n</Error>\n"
    ).encode()
