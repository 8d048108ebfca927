"""The common case of HTTP/1.1 for the API calls, in a few regular expressions.

Why: h11 spends ~40 µs of Python on each request/response pair (events, state machine,
validation), and at concurrency 16 each request's CPU delays the other fifteen. An API call
is one request we build and, nearly always, one plain answer: ``HTTP/1.1``, a status of
200-599, a ``Content-Length`` and no ``Transfer-Encoding`` or ``Connection``. This module
writes the request (checked as strictly as h11 checks it) and reads such an answer's head;
anything else (chunked, close-delimited, 1xx, HTTP/1.0, a header h11 would refuse) is
handed to h11 by the transport, which decides on the same bytes as before.
"""

from __future__ import annotations

import re

# h11's own grammar (h11/_abnf.py), as bytes.
_TOKEN = re.compile(rb"[-!#$%&'*+.^_`|~0-9a-zA-Z]+")
_FIELD_VALUE = re.compile(rb"(?:[^\x00\s]+(?:[ \t]+[^\x00\s]+)*)?")
_TARGET = re.compile(rb"[^\x00\s]+")
_STATUS_LINE = re.compile(rb"HTTP/1\.1 ([2-5][0-9][0-9])(?: (?:[ \t]|[^\x00\s])*)?")
# ``*+``: the spaces after the colon are never given back to the trailing ``[ \t]*`` (an
# empty value between two long runs of spaces would be tried at every split: quadratic).
_HEADER = re.compile(
    rb"([-!#$%&'*+.^_`|~0-9a-zA-Z]+):[ \t]*+((?:[^\x00\s]+(?:[ \t]+[^\x00\s]+)*)?)[ \t]*"
)
HEAD_END = b"\r\n\r\n"
MAX_HEAD = 16 * 1024  # h11's bound on an answer's head: past it, h11 refuses it
_MAX_LENGTH_DIGITS = 18  # a longer Content-Length is h11's to judge (and refuse)


class BadRequest(ValueError):
    """A request h11 would refuse to send; ``str()`` never quotes a header's value."""


def request_bytes(
    method: bytes, target: bytes, headers: list[tuple[bytes, bytes]], body: bytes
) -> bytes:
    """The request as one buffer: head and body (one write, no delayed-ACK stall)."""
    if not _TOKEN.fullmatch(method) or not _TARGET.fullmatch(target):
        raise BadRequest("the request line is not valid HTTP")
    lines = [b"%s %s HTTP/1.1" % (method, target), b""]  # [1]: Host, first as h11 puts it
    host = False
    length: bytes | None = None
    for name, value in headers:
        if not _TOKEN.fullmatch(name) or not _FIELD_VALUE.fullmatch(value):
            raise BadRequest("a header value is not valid HTTP")
        lowered = name.lower()
        if lowered == b"host":
            if host:
                raise BadRequest("two Host headers")
            host = True
            lines[1] = b"%s: %s" % (name, value)
            continue
        if lowered == b"content-length":
            if length is not None:
                raise BadRequest("two Content-Length headers")
            length = value
        elif lowered == b"transfer-encoding":
            raise BadRequest("a request body is sent whole, never chunked")
        lines.append(b"%s: %s" % (name, value))
    if not host:
        raise BadRequest("a request without a Host header")
    if (length is None and body) or (length is not None and length != b"%d" % len(body)):
        raise BadRequest("the Content-Length is not the body's")
    lines.append(b"")
    lines.append(body)
    return b"\r\n".join(lines)


def simple_head(head: bytes) -> tuple[int, list[tuple[bytes, bytes]], int] | None:
    """``head`` (up to, not including, the blank line) as status, headers (names lower
    case, as h11 gives them) and body length, if it is the plain case; else None."""
    lines = head.split(b"\r\n")
    status_line = _STATUS_LINE.fullmatch(lines[0])
    if status_line is None:
        return None
    status = int(status_line[1])
    if status in (204, 304):  # no body whatever the headers say: h11's to frame
        return None
    headers: list[tuple[bytes, bytes]] = []
    length = -1
    for line in lines[1:]:
        field = _HEADER.fullmatch(line)
        if field is None:
            return None
        name, value = field[1].lower(), field[2]
        if name == b"content-length":
            if length >= 0 or not value.isdigit() or len(value) > _MAX_LENGTH_DIGITS:
                return None
            length = int(value)
        elif name in (b"transfer-encoding", b"connection"):
            return None  # chunked, or the server closing: h11 frames and decides reuse
        headers.append((name, value))  # Content-Length too, as h11 gives it
    if length < 0:
        return None
    return status, headers, length
