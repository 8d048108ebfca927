"""Output files: signed, expiring URLs served by the simulator itself, with Range support.

The URL looks like an OSS signed URL (``Expires``, ``OSSAccessKeyId``, ``Signature``); its
query string is the secret part, exactly as in the cloud. The file is a small ISO base
media (MP4-style) container with deterministic content, so a download can be checked
byte for byte.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import struct
from dataclasses import dataclass
from urllib.parse import parse_qs, quote

OSS_KEY_ID = "LTAI5tSimOssSigner"
_MEDIA_SECRET = b"yike-sim-media-signing"
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def _sign(path: str, expires: int) -> str:
    digest = hmac.new(_MEDIA_SECRET, f"{path}\n{expires}".encode(), hashlib.sha1).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def signed_url(base: str, job_id: str, name: str, issued: float, ttl: float) -> str:
    # Issue times are rounded so the URL stays the same between two close fetches.
    step = max(1, int(ttl // 2))
    expires = (int(issued) // step) * step + int(ttl)
    path = f"/yike-output/{job_id}/{quote(name)}"
    sig = quote(_sign(path, expires), safe="")
    return f"{base}{path}?Expires={expires}&OSSAccessKeyId={OSS_KEY_ID}&Signature={sig}"


def check_url(path: str, raw_query: str, now: float) -> str | None:
    """None when the URL is valid now; else the OSS error message."""
    query = parse_qs(raw_query)
    try:
        expires = int(query["Expires"][0])
        sig = query["Signature"][0]
    except (KeyError, ValueError, IndexError):
        return "AccessDenied: the URL is not signed."
    if not hmac.compare_digest(sig, _sign(path, expires)):
        return "SignatureDoesNotMatch: the request signature we calculated does not match."
    if now > expires:
        return "AccessDenied: Request has expired."
    return None


def oss_error_body(message: str) -> bytes:
    code, _, text = message.partition(": ")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<Error>\n'
        f"  <Code>{code}</Code>\n  <Message>{text}</Message>\n"
        "  <HostId>yike-sim.oss-cn-shanghai.aliyuncs.com</HostId>\n</Error>\n"
    ).encode()


def video_bytes(job_id: str, size: int) -> bytes:
    """An ``ftyp`` box then one ``mdat`` box of deterministic bytes, ``size`` long in all."""
    ftyp = struct.pack(">I4s4sI8s", 24, b"ftyp", b"isom", 0x200, b"isomiso2")
    seed = hashlib.sha256(job_id.encode()).digest()
    payload_len = max(0, size - len(ftyp) - 8)
    block = hashlib.sha256(seed).digest() * 64  # 2 KiB pattern
    payload = (block * (payload_len // len(block) + 1))[:payload_len]
    return ftyp + struct.pack(">I4s", payload_len + 8, b"mdat") + payload


@dataclass(frozen=True)
class ByteRange:
    start: int
    end: int  # inclusive


def parse_range(header: str, size: int) -> ByteRange | str | None:
    """A ``Range`` header -> ByteRange; None for no range; ``"unsatisfiable"`` for 416."""
    if not header:
        return None
    match = _RANGE.match(header.strip())
    if not match or (not match.group(1) and not match.group(2)):
        return None  # a range we do not understand is ignored, as HTTP allows
    first, last = match.groups()
    if not first:  # suffix range: the last N bytes
        length = int(last)
        if length == 0:
            return "unsatisfiable"
        return ByteRange(max(0, size - length), size - 1)
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or end < start:
        return "unsatisfiable"
    return ByteRange(start, end)
