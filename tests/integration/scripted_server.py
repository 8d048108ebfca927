"""A tiny real HTTP server on loopback that answers from a script and records requests.

For client behaviour that needs exact control (retries, Retry-After, garbled bodies, the raw
request line); the simulator covers the protocol end to end.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Reply:
    status: int = 200
    body: bytes | dict[str, Any] = b"{}"
    headers: dict[str, str] = field(default_factory=dict)
    close: bool = False  # drop the connection without answering


@dataclass
class Recorded:
    request_line: str
    headers: dict[str, str]
    body: bytes


class ScriptedServer:
    def __init__(self, replies: list[Reply]) -> None:
        self.replies = list(replies)
        self.requests: list[Recorded] = []
        self.port = 0

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                headers = {}
                for line in lines[1:]:
                    if ":" in line:
                        k, _, v = line.partition(":")
                        headers[k.strip().lower()] = v.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                self.requests.append(Recorded(lines[0], headers, body))
                reply = self.replies.pop(0) if self.replies else Reply(500, b"no more replies")
                if reply.close:
                    writer.close()
                    return
                payload = (
                    json.dumps(reply.body).encode() if isinstance(reply.body, dict) else reply.body
                )
                extra = "".join(f"{k}: {v}\r\n" for k, v in reply.headers.items())
                writer.write(
                    f"HTTP/1.1 {reply.status} X\r\ncontent-type: application/json\r\n"
                    f"content-length: {len(payload)}\r\n{extra}\r\n".encode()
                    + payload
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


@asynccontextmanager
async def scripted_server(replies: list[Reply]) -> AsyncIterator[ScriptedServer]:
    server = ScriptedServer(replies)
    srv = await asyncio.start_server(server.handle, "127.0.0.1", 0)
    server.port = srv.sockets[0].getsockname()[1]
    try:
        yield server
    finally:
        srv.close()
