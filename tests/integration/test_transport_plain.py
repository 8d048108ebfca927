"""The lean transport reads the plain answer itself and the rest with h11: over
real sockets, what the client gets and which connections it keeps."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from tests.integration.test_transport import JOB, answer
from tests.loopback import listening, read_request
from yike_tui.api.client import ApiClient
from yike_tui.api.credentials import Credentials
from yike_tui.api.errors import ApiError
from yike_tui.api.transport import LeanTransport

CREDS = Credentials("LTAIxxxxxxxxxxxx", "s")


async def test_stray_bytes_after_an_answer_do_not_spoil_the_next_call() -> None:
    connections = 0

    async def stray(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        try:
            while True:
                await read_request(reader)
                writer.write(answer(JOB) + b"HTTP/1.1 999 stray\r\n\r\n")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    async with listening(stray) as port:
        async with httpx.AsyncClient(transport=LeanTransport()) as http:
            for _ in range(3):  # each on a fresh connection: the stray bytes are never read
                got = await http.post(f"http://127.0.0.1:{port}/")
                assert got.status_code == 200 and got.json()["JobId"] == "j"
    assert connections == 3


async def test_large_plain_answer_whole_and_the_connection_kept() -> None:
    connections = 0
    title = "x" * 100_000  # head and body in one read, far past the 16 KiB head bound
    body = b'{"RequestId":"r","JobId":"j","JobStatus":"Running","JobParams":{"Title":"%s"}}' % (
        title.encode()
    )

    async def big(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        try:
            while True:
                await read_request(reader)
                writer.write(answer(body, "x-acs-request-id: r"))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    async with listening(big) as port:
        async with ApiClient(CREDS, endpoint=f"http://127.0.0.1:{port}", retries=0) as client:
            for _ in range(2):
                job = await client.get_job("j")
                assert job.title == title
    assert connections == 1


@pytest.mark.parametrize(
    "reply",
    [
        answer(JOB)[:-10],  # the body cut short, then the connection closed
        b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\nx-bad: a\x00b\r\n\r\n{}   ",
        b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\ncontent-length: 6\r\n\r\n{}   ",
    ],
)
async def test_a_broken_plain_answer_is_a_typed_error(reply: bytes) -> None:
    async def broken(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(reply)
        await writer.drain()
        writer.close()

    async with listening(broken) as port:
        async with ApiClient(
            CREDS, endpoint=f"http://127.0.0.1:{port}", retries=0, transport_name="lean"
        ) as client:
            with pytest.raises(ApiError) as caught:
                await client.get_job("j")
    assert caught.value.code == "ConnectionReset"
    assert "\n" not in str(caught.value)
