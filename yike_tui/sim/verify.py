"""Check a request the way the cloud gateway does, from the request as received.

The signature is recomputed from the raw query string, the headers named in
``SignedHeaders`` and the body, using the same encoding functions the client signs with.
A mismatch answers ``SignatureDoesNotMatch`` carrying the server's string-to-sign, as the
real service does, which is what makes signing bugs debuggable.
"""

from __future__ import annotations

import hashlib
import hmac
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import unquote_plus

from yike_tui.api import signing

MAX_SKEW_S = 15 * 60
REQUIRED_HEADERS = (
    "x-acs-action",
    "x-acs-version",
    "x-acs-date",
    "x-acs-signature-nonce",
    "x-acs-content-sha256",
)


@dataclass(frozen=True)
class KeyPair:
    secret: str
    security_token: str | None = None  # STS keys need their token with every request
    active: bool = True
    can_read: bool = True  # False plays a RAM user without ice:GetYikeStoryboardJob


@dataclass(frozen=True)
class Rejection:
    status: int
    code: str
    message: str


def decode_query(raw: str) -> list[tuple[str, str]]:
    """Split a raw query the way the gateway does: ``+`` on the wire is a space.

    The vendor's own SDK sends spaces as ``+`` while signing them as ``%20``, and the cloud
    accepts it; what breaks is *signing* a form-encoded query (``+`` in the canonical query).
    """
    pairs: list[tuple[str, str]] = []
    for part in raw.split("&"):
        if not part:
            continue
        name, _, value = part.partition("=")
        pairs.append((unquote_plus(name), unquote_plus(value)))
    return pairs


class NonceCache:
    """Nonces seen in the last 15 minutes; a reuse is a replay."""

    def __init__(self, max_entries: int = 1_000_000) -> None:
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._max = max_entries

    def check_and_add(self, nonce: str, now: float) -> bool:
        while self._seen:
            oldest, at = next(iter(self._seen.items()))
            if now - at <= MAX_SKEW_S and len(self._seen) < self._max:
                break
            del self._seen[oldest]
        if nonce in self._seen:
            return False
        self._seen[nonce] = now
        return True


def _parse_date(value: str) -> float | None:
    try:
        return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp()
    except ValueError:
        return None


def verify(
    *,
    method: str,
    path: str,
    raw_query: str,
    headers: dict[str, str],
    body: bytes,
    keys: dict[str, KeyPair],
    nonces: NonceCache,
    wall_now: float,
) -> Rejection | None:
    """None when the request is authentic; else the error the cloud would answer."""
    authorization = headers.get("authorization", "")
    if not authorization:
        return Rejection(400, "MissingParameter", "Authorization is mandatory for this action.")
    auth = signing.parse_authorization(authorization)
    if auth is None:
        return Rejection(
            400,
            "IncompleteSignature",
            "The request signature does not conform to Aliyun standards.",
        )
    for name in REQUIRED_HEADERS:
        if not headers.get(name):
            return Rejection(400, "MissingParameter", f"{name} is mandatory for this action.")
    signed = set(auth.signed_headers)
    unsigned = [h for h in (*REQUIRED_HEADERS, "host") if h not in signed]
    if "x-acs-security-token" in headers and "x-acs-security-token" not in signed:
        unsigned.append("x-acs-security-token")
    if unsigned:
        return Rejection(
            400,
            "IncompleteSignature",
            f"The request signature does not conform to Aliyun standards: "
            f"{', '.join(unsigned)} must be signed.",
        )
    key = keys.get(auth.access_key_id)
    if key is None:
        return Rejection(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
    if not key.active:
        return Rejection(400, "InvalidAccessKeyId.Inactive", "Specified access key is disabled.")
    date = _parse_date(headers["x-acs-date"])
    if date is None:
        return Rejection(
            400,
            "InvalidTimeStamp.Format",
            "Specified time stamp or date value is not well formatted.",
        )
    if abs(wall_now - date) > MAX_SKEW_S:
        return Rejection(
            400,
            "InvalidTimeStamp.Expired",
            f"Specified time stamp or date value is expired. "
            f"Request date {headers['x-acs-date']} differs from server time by more than "
            "15 minutes.",
        )
    if key.security_token is not None:
        token = headers.get("x-acs-security-token")
        if not token:
            return Rejection(
                400, "MissingSecurityToken", "SecurityToken is mandatory for STS access keys."
            )
        if token != key.security_token:
            return Rejection(
                400,
                "InvalidSecurityToken.MismatchWithAccessKey",
                "The security token you provided does not match the access key.",
            )
    body_hash = hashlib.sha256(body).hexdigest()
    if headers["x-acs-content-sha256"] != body_hash:
        return Rejection(
            400,
            "SignatureDoesNotMatch",
            "x-acs-content-sha256 does not match the SHA-256 of the request body.",
        )
    query = signing.canonical_query(decode_query(raw_query))
    canonical, _ = signing.canonical_request(
        method, path, query, headers, headers["x-acs-content-sha256"], names=auth.signed_headers
    )
    to_sign = signing.string_to_sign(canonical)
    expected = signing.signature(key.secret, to_sign)
    if not hmac.compare_digest(expected, auth.signature):
        return Rejection(
            400,
            "SignatureDoesNotMatch",
            f"Specified signature does not match our calculation. "
            f"server string to sign is:{to_sign}",
        )
    if not nonces.check_and_add(headers["x-acs-signature-nonce"], wall_now):
        return Rejection(400, "SignatureNonceUsed", "Specified signature nonce was used already.")
    if not key.can_read:
        return Rejection(
            403,
            "Forbidden.RAM",
            "User not authorized to operate on the specified resource, or this API does not "
            "support RAM.",
        )
    return None
