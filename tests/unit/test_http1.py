"""``api/http1``: the plain HTTP/1.1 case read by regular expressions must read
exactly what h11 reads, and hand h11 everything else."""

from __future__ import annotations

import h11
import pytest

from yike_tui.api.transport.http1 import BadRequest, request_bytes, simple_head

HEADERS = [
    (b"Content-Length", b"3"),
    (b"host", b"ice.cn-shanghai.aliyuncs.com"),
    (b"x-acs-action", b"GetYikeStoryboardJob"),
    (b"Authorization", b"ACS3-HMAC-SHA256 Credential=LTAI,Signature=ab"),
]


def h11_bytes(
    method: bytes, target: bytes, headers: list[tuple[bytes, bytes]], body: bytes
) -> bytes:
    conn = h11.Connection(h11.CLIENT)
    data = conn.send(h11.Request(method=method, target=target, headers=headers)) or b""
    if body:
        data += conn.send(h11.Data(data=body)) or b""
    return data + (conn.send(h11.EndOfMessage()) or b"")


def test_request_is_byte_for_byte_what_h11_writes() -> None:
    target = b"/?JobId=a%20b%2A~%2B%2F%3D%E5%B0%8F"
    assert request_bytes(b"POST", target, HEADERS, b"k=v") == h11_bytes(
        b"POST", target, HEADERS, b"k=v"
    )
    empty = [(b"Content-Length", b"0"), *HEADERS[1:]]
    assert request_bytes(b"POST", b"/", empty, b"") == h11_bytes(b"POST", b"/", empty, b"")


@pytest.mark.parametrize(
    ("headers", "body"),
    [
        ([*HEADERS[:3], (b"x-acs-security-token", b"tok\r\nX-Injected: 1")], b"k=v"),  # split
        ([*HEADERS[:3], (b"x-acs-security-token", b"tok\x00")], b"k=v"),
        ([*HEADERS[:3], (b"bad name", b"v")], b"k=v"),
        (HEADERS[:1] + HEADERS[2:], b"k=v"),  # no Host
        (HEADERS, b"four"),  # the length is not the body's
        (HEADERS[1:], b"k=v"),  # a body without a length
        ([*HEADERS, (b"host", b"elsewhere")], b"k=v"),
    ],
)
def test_request_h11_refuses_is_refused_without_quoting_it(
    headers: list[tuple[bytes, bytes]], body: bytes
) -> None:
    with pytest.raises(h11.LocalProtocolError):
        h11_bytes(b"POST", b"/", headers, body)
    with pytest.raises(BadRequest) as caught:
        request_bytes(b"POST", b"/", headers, body)
    assert "tok" not in str(caught.value) and "Injected" not in str(caught.value)


def test_plain_answer_head_is_read_as_h11_reads_it() -> None:
    head = (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\ncontent-length: 12\r\n"
        b"X-Acs-Request-Id:  r1 \t"
    )
    conn = h11.Connection(h11.CLIENT)
    conn.send(h11.Request(method=b"GET", target=b"/", headers=[(b"host", b"x")]))
    conn.send(h11.EndOfMessage())
    conn.receive_data(head + b"\r\n\r\n")
    event = conn.next_event()
    assert isinstance(event, h11.Response)
    assert simple_head(head) == (200, list(event.headers), 12)


@pytest.mark.parametrize(
    "head",
    [
        b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked",
        b"HTTP/1.1 200 OK\r\ncontent-length: 3\r\nconnection: close",
        b"HTTP/1.1 200 OK",  # close-delimited
        b"HTTP/1.0 200 OK\r\ncontent-length: 3",
        b"HTTP/1.1 100 Continue",
        b"HTTP/1.1 204 No Content\r\ncontent-length: 3",
        b"HTTP/1.1 200 OK\r\ncontent-length: 3\r\ncontent-length: 4",
        b"HTTP/1.1 200 OK\r\ncontent-length: -3",
        b"HTTP/1.1 200 OK\r\ncontent-length: " + b"9" * 40,
        b"HTTP/1.1 200 OK\r\ncontent-length: 3\r\n folded: line",
        b"HTTP/1.1 200 OK\r\ncontent-length: 3\r\nx-bad: a\x00b",
        b"HTTP/1.1 200 OK\r\ncontent-length: 3\r\nno colon",
        b"NOT HTTP AT ALL",
        b"HTTP/1.1 2000 OK\r\ncontent-length: 3",
    ],
)
def test_anything_but_the_plain_case_is_left_to_h11(head: bytes) -> None:
    assert simple_head(head) is None
