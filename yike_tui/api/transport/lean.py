"""A lean HTTP/1.1 keep-alive transport for the API calls, under httpx's client API.

Why: a refresh pass is thousands of tiny request/response pairs to one host. httpx's
default transport (httpcore over anyio) spends most of a request's CPU in layers this use
does not need (a generic pool scanned on every request, anyio stream wrappers, async
library detection). This transport keeps only what the API calls need: a small pool of
asyncio stream connections per host, strict HTTP/1.1 framing (the plain answer read by
``http1``, anything else by h11, on the same bytes), whole bodies read
at once (API answers are small; downloads use httpx's own transport), TLS with httpx's
default verifying context. It raises httpx's own exceptions, so callers cannot tell.

An answer is hostile until bounded: at most ``MAX_ANSWER_BYTES`` are read (an endless
chunked body is cut there, not when the read timeout ends) and a compressed answer, which
was never asked for, is refused (4 MiB of gzip would be 4 GiB once decoded). The same rule
serves the answers read through httpx's streaming transport (the OSS upload, downloads):
``content_encoding`` names a compression never to decode, ``read_prefix`` reads a body raw
up to a cap.

Not used when an environment proxy applies to the endpoint: httpx honours proxies only
with its own transport (see ``ApiClient``), nor when the user picks httpx's: ``transport =
"httpx"`` under ``[settings]`` in config.toml, or ``YIKE_TUI_TRANSPORT=httpx`` for one run.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import ssl
import urllib.request
from collections import deque
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from yike_tui.api.transport import http1
from yike_tui.api.transport.bounds import (
    MAX_ANSWER_BYTES,
    AnswerTooLarge,
    UnwantedEncoding,
    check_answer_head,
    too_large,
)

_READ_CHUNK = 65536


TRANSPORT_NAMES = ("lean", "httpx")  # this module's transport, or httpx's own
TRANSPORT_ENV = "YIKE_TUI_TRANSPORT"


class UnknownTransport(ValueError):
    """A transport name that is neither ``lean`` nor ``httpx``; ``str()`` is one line."""


def chosen_transport(configured: str = "") -> str:
    """``lean`` or ``httpx``: ``YIKE_TUI_TRANSPORT`` when set (an override for one run),
    else ``configured`` (config.toml's ``transport``), else ``lean``."""
    from_env = os.environ.get(TRANSPORT_ENV, "").strip()
    name = from_env or configured or "lean"
    if name not in TRANSPORT_NAMES:
        where = f"{TRANSPORT_ENV}=" if from_env else "transport = "
        # !a: a control or bidi character in the value shows as an escape, on one line
        raise UnknownTransport(f"{where}{name[:40]!a}: the API transport is 'lean' or 'httpx'")
    return name


def proxy_applies(url: str) -> bool:
    """Whether an environment proxy (``HTTPS_PROXY``, ``ALL_PROXY``, minus ``NO_PROXY``)
    covers ``url``: then httpx's own transport must carry it, as only it speaks proxy."""
    parts = urlsplit(url)
    proxies = urllib.request.getproxies_environment()
    if not (proxies.get(parts.scheme) or proxies.get("all")):
        return False
    return not urllib.request.proxy_bypass(parts.hostname or "")


@dataclass(eq=False)  # identity: connections live in a set
class _Conn:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.writer.close()


@dataclass(slots=True)
class _Call:
    """One request's pieces, as sent: bytes, headers in order."""

    method: bytes
    target: bytes  # path + query
    headers: list[tuple[bytes, bytes]]
    body: bytes
    idempotent: bool  # may be re-sent on a new connection when a kept-alive one was closed
    timeouts: dict[str, float | None]
    request: httpx.Request | None  # for the errors, when the caller has one


class _MalformedAnswer(Exception):
    """The answer broke HTTP/1.1 (h11's RemoteProtocolError, or a body cut short)."""


class _RefusedRequest(Exception):
    """h11 refused to send a request (its LocalProtocolError)."""


class _StaleConnection(Exception):
    """A kept-alive connection the server had already closed: safe to retry on a new one."""


class LeanTransport(httpx.AsyncBaseTransport):
    def __init__(self, *, max_connections: int = 16, verify: bool | ssl.SSLContext = True) -> None:
        self._idle: dict[tuple[str, str, int], deque[_Conn]] = {}
        self._slots = asyncio.Semaphore(max_connections) if max_connections > 0 else None
        self._verify = verify
        self._ssl: ssl.SSLContext | None = None
        self._open: set[_Conn] = set()

    def _ssl_context(self) -> ssl.SSLContext:
        if self._ssl is None:
            verify = self._verify
            self._ssl = (
                verify if isinstance(verify, ssl.SSLContext) else httpx.create_ssl_context(verify)
            )
        return self._ssl

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        key = (url.scheme, url.host, url.port or (443 if url.scheme == "https" else 80))
        headers = [(k, v) for k, v in request.headers.raw if k.lower() != b"transfer-encoding"]
        status, resp_headers, content = await self.exchange(
            key,
            request.method.encode("ascii"),
            url.raw_path,  # path + query, byte-for-byte as signed
            headers,
            request.content,  # API requests are built in memory: never a stream
            idempotent=bool(request.extensions.get("idempotent")),
            timeouts=request.extensions.get("timeout", {}),
            request=request,
        )
        return httpx.Response(
            status,
            headers=resp_headers,
            content=content,
            extensions={"http_version": b"HTTP/1.1"},
            request=request,
        )

    async def exchange(
        self,
        key: tuple[str, str, int],
        method: bytes,
        target: bytes,
        headers: list[tuple[bytes, bytes]],
        body: bytes,
        *,
        idempotent: bool,
        timeouts: dict[str, float | None],
        request: httpx.Request | None = None,
    ) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        """One request on a pooled connection to ``key`` (scheme, host, port): the answer's
        status, headers and whole body. No ``httpx.Request`` or ``Response`` is built (the
        client's API calls: their cost is CPU every other request waits for); errors are
        httpx's, carrying ``request`` when one is given."""
        if self._slots is not None:
            if not self._slots.locked():
                await self._slots.acquire()  # free now: no timer to arm (most requests)
            else:
                try:
                    await asyncio.wait_for(self._slots.acquire(), timeouts.get("pool"))
                except TimeoutError:
                    raise httpx.PoolTimeout("no free connection in time", request=request) from None
        call = _Call(method, target, headers, body, idempotent, timeouts, request)
        try:
            return await self._send(key, call)
        finally:
            if self._slots is not None:
                self._slots.release()

    async def _send(
        self, key: tuple[str, str, int], call: _Call
    ) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        request = call.request
        idle = self._idle.setdefault(key, deque())
        while idle:
            conn = idle.pop()
            if conn.reader.at_eof() or conn.writer.is_closing():
                self._forget(conn)
                continue
            try:
                return await self._exchange(conn, key, call, reused=True)
            except _StaleConnection:
                if not call.idempotent:
                    raise httpx.ReadError(
                        "the connection broke before an answer", request=request
                    ) from None
                continue  # the server closed it while idle: try the next one or a new one
        conn = await self._connect(key, request, call.timeouts.get("connect"))
        try:
            return await self._exchange(conn, key, call, reused=False)
        except _StaleConnection:
            raise httpx.RemoteProtocolError(
                "server closed the connection without answering", request=request
            ) from None

    async def _connect(
        self, key: tuple[str, str, int], request: httpx.Request | None, timeout: float | None
    ) -> _Conn:
        scheme, host, port = key
        context = self._ssl_context() if scheme == "https" else None
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection(
                    host, port, ssl=context, server_hostname=host if context else None,
                    limit=_READ_CHUNK * 16,
                ),
                timeout,
            )  # fmt: skip
        except TimeoutError:
            raise httpx.ConnectTimeout(
                f"connecting to {host}:{port} timed out", request=request
            ) from None
        except ssl.SSLError as exc:
            why = getattr(exc, "verify_message", "") or exc.reason or str(exc)
            raise httpx.ConnectError(
                f"TLS failed ({why}) [SSL certificate]", request=request
            ) from None
        except socket.gaierror as exc:
            raise httpx.ConnectError(
                f"name resolution failed for {host}: {exc.strerror} [getaddrinfo]", request=request
            ) from None
        except OSError as exc:
            raise httpx.ConnectError(
                f"{exc.strerror or exc} ({host}:{port})", request=request
            ) from None
        sock = writer.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        conn = _Conn(reader, writer)
        self._open.add(conn)
        return conn

    async def _exchange(
        self,
        conn: _Conn,
        key: tuple[str, str, int],
        call: _Call,
        *,
        reused: bool,
    ) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        request, timeouts = call.request, call.timeouts
        try:
            data = http1.request_bytes(call.method, call.target, call.headers, call.body)
        except http1.BadRequest as exc:
            self._forget(conn)
            raise httpx.LocalProtocolError(str(exc), request=request) from None
        try:
            conn.writer.write(data)  # one write: no delayed-ACK stall between pieces
            if conn.writer.transport.get_write_buffer_size():  # the kernel took it all, usually
                await asyncio.wait_for(conn.writer.drain(), timeouts.get("write"))
            # A timeout scope, not wait_for: no task per request (CPU is the pass's wall time
            # at concurrency 16, each request waiting on the others' CPU).
            async with asyncio.timeout(timeouts.get("read")):
                status, resp_headers, content, reusable = await self._read_response(conn, call)
        except (AnswerTooLarge, UnwantedEncoding):
            self._forget(conn)  # the rest of the answer is still on the wire
            raise
        except TimeoutError:
            self._forget(conn)
            raise httpx.ReadTimeout("no answer in time", request=request) from None
        except _StaleConnection:
            self._forget(conn)
            if reused:
                raise
            raise httpx.RemoteProtocolError(
                "server closed the connection", request=request
            ) from None
        except (ConnectionError, OSError) as exc:
            # A reset is an answer of sorts (the server saw the request): never re-sent here;
            # the client's own retry, paced by the rate limiter, decides.
            self._forget(conn)
            raise httpx.ReadError(f"the connection broke: {exc}", request=request) from None
        except _MalformedAnswer as exc:
            self._forget(conn)
            raise httpx.RemoteProtocolError(
                f"malformed HTTP answer: {exc}", request=request
            ) from None
        except _RefusedRequest as exc:  # h11 refused the request http1 let through
            self._forget(conn)
            raise httpx.LocalProtocolError(str(exc), request=request) from None
        except BaseException:
            self._forget(conn)  # cancelled mid-answer (the caller's deadline): never reused
            raise
        if reusable:
            self._idle.setdefault(key, deque()).append(conn)
        else:
            self._forget(conn)
        return status, resp_headers, content

    async def _read_response(
        self, conn: _Conn, call: _Call
    ) -> tuple[int, list[tuple[bytes, bytes]], bytes, bool]:
        """Status, headers, body, and whether the connection may carry another request."""
        buffer = b""
        eof = False
        end = -1
        while True:
            data = await conn.reader.read(_READ_CHUNK)
            if not data:
                if not buffer:
                    raise _StaleConnection
                eof = True
                break
            buffer += data
            end = buffer.find(http1.HEAD_END, max(0, len(buffer) - len(data) - 3))
            if end >= 0 or len(buffer) > http1.MAX_HEAD:
                break
        plain = http1.simple_head(buffer[:end]) if 0 <= end <= http1.MAX_HEAD else None
        if plain is None:  # not the plain case: h11 reads it, from the same bytes
            return await self._read_with_h11(conn, call, buffer, eof)
        status, headers, length = plain
        check_answer_head(headers, call.request)
        body = buffer[end + len(http1.HEAD_END) :]
        if len(body) < length:
            try:
                body += await conn.reader.readexactly(length - len(body))
            except asyncio.IncompleteReadError:
                raise _MalformedAnswer(
                    "peer closed connection without sending complete message body"
                ) from None
        # Bytes past the answer were never asked for: the connection is not used again.
        return status, headers, body[:length], len(body) == length

    async def _read_with_h11(
        self, conn: _Conn, call: _Call, received: bytes, eof: bool
    ) -> tuple[int, list[tuple[bytes, bytes]], bytes, bool]:
        import h11  # only for an answer that is not the plain case: kept off the start-up

        try:
            return await self._h11_answer(conn, call, received, eof)
        except h11.RemoteProtocolError as exc:
            raise _MalformedAnswer(str(exc)) from None
        except h11.LocalProtocolError as exc:
            raise _RefusedRequest(str(exc)) from None

    async def _h11_answer(
        self, conn: _Conn, call: _Call, received: bytes, eof: bool
    ) -> tuple[int, list[tuple[bytes, bytes]], bytes, bool]:
        import h11  # imported by _read_with_h11 already: a lookup

        machine = h11.Connection(h11.CLIENT)  # told of the request already sent
        machine.send(h11.Request(method=call.method, target=call.target, headers=call.headers))
        if call.body:
            machine.send(h11.Data(data=call.body))
        machine.send(h11.EndOfMessage())
        machine.receive_data(received)
        if eof:
            machine.receive_data(b"")
        request = call.request
        status = 0
        headers: list[tuple[bytes, bytes]] = []
        chunks: list[bytes] = []
        size = 0
        while True:
            event = machine.next_event()
            if event is h11.NEED_DATA:
                machine.receive_data(await conn.reader.read(_READ_CHUNK))  # b"": closed
                continue
            if isinstance(event, h11.InformationalResponse):
                continue
            if isinstance(event, h11.Response):
                status, headers = event.status_code, list(event.headers)
                check_answer_head(headers, request)
            elif isinstance(event, h11.Data):
                size += len(event.data)
                if size > MAX_ANSWER_BYTES:
                    raise too_large(request)
                chunks.append(bytes(event.data))
            elif isinstance(event, h11.EndOfMessage):
                reusable = (
                    machine.our_state is h11.DONE
                    and machine.their_state is h11.DONE
                    and not machine.trailing_data[0]  # more bytes than the answer: not reused
                )
                return status, headers, b"".join(chunks), reusable
            elif isinstance(event, h11.ConnectionClosed):
                raise h11.RemoteProtocolError("connection closed mid-answer")

    def _forget(self, conn: _Conn) -> None:
        conn.close()
        self._open.discard(conn)

    async def aclose(self) -> None:
        for conn in list(self._open):
            conn.close()
        self._open.clear()
        self._idle.clear()
