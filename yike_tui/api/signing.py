"""Alibaba Cloud signature V3 (``ACS3-HMAC-SHA256``), as pure functions.

No I/O and no clock: the date and nonce are inputs, so the same inputs always give the
same signature. The client and the simulator both use these functions, the client to sign
and the simulator to verify, so the encoding rules live in exactly one place.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import quote

ALGORITHM = "ACS3-HMAC-SHA256"
EMPTY_BODY_SHA256 = hashlib.sha256(b"").hexdigest()

# RFC 3986 unreserved characters stay as they are; everything else is %XX (upper case).
_SAFE = "-_.~"


def percent_encode(value: str) -> str:
    """Encode one query name or value the way the V3 signature expects.

    ``quote`` already keeps ``A-Za-z0-9-_.~``, writes a space as ``%20`` (never ``+``),
    ``*`` as ``%2A`` and uses upper-case hex, which is exactly the vendor's rule.
    """
    return quote(value, safe=_SAFE, encoding="utf-8")


def canonical_query(params: Iterable[tuple[str, str]] | Mapping[str, str]) -> str:
    """Sorted ``k=v&k=v`` with both sides percent-encoded; an empty value gives ``k=``."""
    items = params.items() if isinstance(params, Mapping) else params
    encoded = sorted((percent_encode(k), percent_encode(v)) for k, v in items)
    return "&".join(f"{k}={v}" for k, v in encoded)


def _signed_header_items(headers: Mapping[str, str]) -> list[tuple[str, str]]:
    """The headers that take part in the signature, lower-cased, trimmed and sorted."""
    picked: dict[str, str] = {}
    for name, value in headers.items():
        lower = name.lower()
        if lower.startswith("x-acs-") or lower in ("host", "content-type"):
            picked[lower] = value.strip()
    return sorted(picked.items())


def canonical_request(
    method: str,
    path: str,
    query: str,
    headers: Mapping[str, str],
    body_sha256: str,
    *,
    names: Iterable[str] | None = None,
) -> tuple[str, str]:
    """Return ``(canonical_request, signed_headers)`` for an already encoded query.

    ``names`` (a verifier's view) takes exactly those headers, as a request's
    ``SignedHeaders`` lists them, instead of the ones a signer picks.
    """
    if names is None:
        items = _signed_header_items(headers)
    else:
        lowered = {k.lower(): v for k, v in headers.items()}
        items = sorted((n.lower(), lowered.get(n.lower(), "").strip()) for n in names)
    canonical_headers = "".join(f"{k}:{v}\n" for k, v in items)
    signed_headers = ";".join(k for k, _ in items)
    text = "\n".join(
        [method.upper(), path or "/", query, canonical_headers, signed_headers, body_sha256]
    )
    return text, signed_headers


def string_to_sign(canonical: str) -> str:
    return f"{ALGORITHM}\n{hashlib.sha256(canonical.encode('utf-8')).hexdigest()}"


def signature(secret: str, to_sign: str) -> str:
    return hmac.new(secret.encode("utf-8"), to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class SignedRequest:
    """Everything a transport needs to send a signed request, byte-for-byte as signed."""

    method: str
    path: str
    query: str  # exactly the encoded query that was signed; append it to the URL verbatim
    headers: dict[str, str]
    body: bytes
    canonical_request: str
    string_to_sign: str


def sign_request(
    *,
    method: str,
    host: str,
    action: str,
    version: str,
    params: Mapping[str, str],
    access_key_id: str,
    access_key_secret: str,
    date: str,
    nonce: str,
    security_token: str | None = None,
    body: bytes = b"",
    content_type: str | None = None,
    path: str = "/",
) -> SignedRequest:
    """Sign one RPC call. ``date`` is ``YYYY-MM-DDTHH:MM:SSZ`` (UTC)."""
    body_hash = hashlib.sha256(body).hexdigest() if body else EMPTY_BODY_SHA256
    headers = {
        "host": host,
        "x-acs-action": action,
        "x-acs-version": version,
        "x-acs-date": date,
        "x-acs-signature-nonce": nonce,
        "x-acs-content-sha256": body_hash,
    }
    if content_type:
        headers["content-type"] = content_type
    if security_token:
        headers["x-acs-security-token"] = security_token
    query = canonical_query(params)
    canonical, signed_headers = canonical_request(method, path, query, headers, body_hash)
    to_sign = string_to_sign(canonical)
    sig = signature(access_key_secret, to_sign)
    headers["Authorization"] = (
        f"{ALGORITHM} Credential={access_key_id},SignedHeaders={signed_headers},Signature={sig}"
    )
    return SignedRequest(
        method=method.upper(),
        path=path,
        query=query,
        headers=headers,
        body=body,
        canonical_request=canonical,
        string_to_sign=to_sign,
    )


@dataclass(frozen=True, slots=True)
class Authorization:
    access_key_id: str
    signed_headers: tuple[str, ...]
    signature: str


def authorization_fields(value: str, algorithm: str) -> dict[str, str] | None:
    """The ``name=value`` fields of an ``Authorization: <algorithm> a=1,b=2`` header (the
    shape ACS V3 and OSS V4 share); None when it names another algorithm."""
    named, _, rest = value.strip().partition(" ")
    if named != algorithm:
        return None
    fields: dict[str, str] = {}
    for part in rest.split(","):
        key, sep, val = part.strip().partition("=")
        if sep:
            fields[key] = val
    return fields


def parse_authorization(value: str) -> Authorization | None:
    """Parse an ``Authorization`` header value; ``None`` when it is not a V3 one."""
    fields = authorization_fields(value, ALGORITHM)
    if fields is None:
        return None
    try:
        return Authorization(
            access_key_id=fields["Credential"],
            signed_headers=tuple(h for h in fields["SignedHeaders"].split(";") if h),
            signature=fields["Signature"],
        )
    except KeyError:
        return None
