"""The one home of the small servers tests run on loopback beside the simulator.

The simulator plays the vendor end to end; these play what it never will: a refusal on cue, a
reply from a script, a server that misbehaves byte by byte. Three ways to run one, each a
context manager that hands back the endpoint and always stops the server:

- ``threaded(handler_class)``: a ``http.server`` handler in a thread, for code under test that
  is synchronous (the CLI run in-process, the uploader);
- ``listening(handle)``: a raw ``(reader, writer)`` coroutine on the test's own event loop;
- ``RawServerThread(handle)``: the same raw coroutine on an event loop of its own in a thread,
  for synchronous code under test that needs byte-level misbehaviour.

``scripted_server(replies)`` answers from a list and records each request; ``read_request``
and ``json_answer`` are the parsing and the reply every raw handler shares.
"""

from __future__ import annotations

import asyncio
import json
import ssl
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

import pytest

RawHandle = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


def endpoint_of(port: int) -> str:
    return f"http://127.0.0.1:{port}"


# --- the request and the reply, as raw handlers read and write them --------------------------


@dataclass
class Request:
    """One HTTP/1.1 request as a loopback server read it."""

    line: str
    headers: dict[str, str]
    body: bytes

    @property
    def params(self) -> dict[str, str]:
        """The query and a form body together, one value each (the API's parameters)."""
        found = parse_qs(urlsplit(self.line.split(" ")[1]).query)
        found.update(parse_qs(self.body.decode("latin-1")))
        return {name: values[0] for name, values in found.items()}


async def read_request(reader: asyncio.StreamReader) -> Request:
    """Read one request, head and body (raises IncompleteReadError when the client hangs up)."""
    lines = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
    headers = {
        name.strip().lower(): value.strip()
        for name, _, value in (line.partition(":") for line in lines[1:])
        if name
    }
    body = await reader.readexactly(int(headers.get("content-length") or 0))
    return Request(lines[0], headers, body)


def json_answer(
    status: int, body: bytes | dict[str, Any], headers: dict[str, str] | None = None
) -> bytes:
    """A whole HTTP/1.1 answer: status line, JSON content type, length, ``headers``, body."""
    data = json.dumps(body).encode() if isinstance(body, dict) else body
    extra = "".join(f"{name}: {value}\r\n" for name, value in (headers or {}).items())
    head = f"HTTP/1.1 {status} X\r\ncontent-type: application/json\r\n"
    return f"{head}content-length: {len(data)}\r\n{extra}\r\n".encode() + data


def reply_json(handler: BaseHTTPRequestHandler, status: int, body: bytes) -> None:
    """From an ``http.server`` handler: send ``body`` as the whole JSON answer, with its length."""
    handler.send_response(status)
    handler.send_header("content-type", "application/json")
    handler.send_header("content-length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


# --- the three ways to run a server -------------------------------------------------------------


@contextmanager
def threaded(
    handler: type[BaseHTTPRequestHandler],
    server_class: type[ThreadingHTTPServer] = ThreadingHTTPServer,
) -> Iterator[str]:
    """Serve an ``http.server`` handler on 127.0.0.1 in a thread; yields its endpoint."""
    server = server_class(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield endpoint_of(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@asynccontextmanager
async def listening(
    handle: RawHandle, ssl_context: ssl.SSLContext | None = None
) -> AsyncIterator[int]:
    """Serve a raw handler on 127.0.0.1 on the running loop; yields the port."""
    server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=ssl_context)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()
        await server.wait_closed()


class RawServerThread:
    """A raw handler on 127.0.0.1 on an event loop of its own, in a thread."""

    def __init__(self, handle: RawHandle) -> None:
        self.handle = handle
        self.hung_up = threading.Event()  # a client closed a connection we were writing to
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None
        self.port = 0

    @property
    def endpoint(self) -> str:
        return endpoint_of(self.port)

    def __enter__(self) -> Self:
        self._thread.start()
        start = asyncio.start_server(self._serve, "127.0.0.1", 0)
        self._server = asyncio.run_coroutine_threadsafe(start, self._loop).result(10)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def __exit__(self, *exc: object) -> None:
        async def stop() -> None:
            assert self._server is not None
            self._server.close()
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await self.handle(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            self.hung_up.set()
        except asyncio.CancelledError:
            pass  # the server is stopping: this handler ends with it
        finally:
            writer.close()


def use_endpoint(monkeypatch: pytest.MonkeyPatch, url: str, key_id: str = "LTAIkey") -> None:
    """Point yike-tui at ``url`` with credentials, as a user would through the environment."""
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", key_id)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "x")
    monkeypatch.setenv("YIKE_TUI_ENDPOINT", url)


@contextmanager
def api_endpoint(
    handler: type[BaseHTTPRequestHandler], key_id: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """Serve ``handler`` in a thread and point yike-tui at it; yields the endpoint."""
    with threaded(handler) as url:
        use_endpoint(monkeypatch, url, key_id)
        yield url


# --- answers from a script ----------------------------------------------------------------------


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
    """Answers each request with the next reply of its script (a 500 once it runs out)."""

    def __init__(self, replies: list[Reply]) -> None:
        self.replies = list(replies)
        self.requests: list[Recorded] = []
        self.port = 0

    @property
    def endpoint(self) -> str:
        return endpoint_of(self.port)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                request = await read_request(reader)
                self.requests.append(Recorded(request.line, request.headers, request.body))
                reply = self.replies.pop(0) if self.replies else Reply(500, b"no more replies")
                if reply.close:
                    return
                writer.write(json_answer(reply.status, reply.body, reply.headers))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


@asynccontextmanager
async def scripted_server(replies: list[Reply]) -> AsyncIterator[ScriptedServer]:
    server = ScriptedServer(replies)
    async with listening(server.handle) as port:
        server.port = port
        yield server
