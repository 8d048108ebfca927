"""HTTP/1.1 for the simulator: ``h11`` state machines on a bare ``asyncio.Protocol``.

Why this and not ``http.server`` or an ASGI stack: h11 is already installed with httpx
and is a strict, well-tested HTTP/1.1 parser; a Protocol (not streams) has the least
per-request overhead asyncio offers, which keeps the simulator from being the bottleneck
of a benchmark. Each response goes out in one ``write`` with ``TCP_NODELAY`` set, so a
keep-alive client never waits on the 40 ms delayed-ACK stall. Added latency is a timer,
never a sleep, so one slow answer holds up nobody else; it counts from the request's
arrival.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import struct
from typing import Any

import h11

from yike_tui.sim.app import Reply, Simulator

log = logging.getLogger(__name__)
_MAX_BODY = 1 << 20
_MAX_PUT_BODY = 6 << 20  # an upload to the simulator's bucket: a novel of up to 5 MB


class _Connection(asyncio.Protocol):
    def __init__(self, sim: Simulator, server: SimServer) -> None:
        self.sim = sim
        self.server = server
        self.h11 = h11.Connection(h11.SERVER, max_incomplete_event_size=64 * 1024)
        self.transport: asyncio.Transport | None = None
        self.busy = False  # a request is being answered (possibly after a delay)
        self.request: h11.Request | None = None
        self.body = bytearray()
        self.timer: asyncio.TimerHandle | None = None
        self.received_at = 0.0  # loop time the last bytes came in

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        sock = transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.connections.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self.server.connections.discard(self)
        if self.timer is not None:
            self.timer.cancel()
        self.transport = None

    def data_received(self, data: bytes) -> None:
        self.received_at = asyncio.get_running_loop().time()
        self.h11.receive_data(data)
        self._process()

    def eof_received(self) -> bool | None:
        self.h11.receive_data(b"")
        self._process()
        return None

    def _process(self) -> None:
        while not self.busy and self.transport is not None:
            try:
                event = self.h11.next_event()
            except h11.RemoteProtocolError:
                self._bad_request()
                return
            if event is h11.NEED_DATA or event is h11.PAUSED:
                return
            if isinstance(event, h11.Request):
                self.request = event
                self.body = bytearray()
            elif isinstance(event, h11.Data):
                self.body += event.data
                limit = (
                    _MAX_PUT_BODY if self.request and self.request.method == b"PUT" else _MAX_BODY
                )
                if len(self.body) > limit:
                    self._bad_request()
                    return
            elif isinstance(event, h11.EndOfMessage):
                self.busy = True
                self._dispatch()
            elif isinstance(event, h11.ConnectionClosed):
                self.close()
                return

    def _dispatch(self) -> None:
        request = self.request
        assert request is not None
        headers = {
            name.decode("latin-1"): value.decode("utf-8", "replace")
            for name, value in request.headers
        }
        try:
            reply = self.sim.handle(
                request.method.decode("ascii", "replace"),
                request.target.decode("utf-8", "replace"),
                headers,
                bytes(self.body),
            )
        except Exception:  # a simulator bug must not kill the server
            log.exception("simulator failed on %r", request.target)
            reply = Reply(500, b'{"Code":"InternalError","Message":"simulator bug"}')
        loop = asyncio.get_running_loop()
        if reply.behaviour == "reset":
            self._reset()
        elif reply.behaviour == "hang":
            self.timer = loop.call_later(reply.delay, self.close)
        elif reply.delay > 0:
            # The added latency counts from the request's arrival, so the simulator's own
            # work is inside it: a "50 ms" server answers 50 ms after it is asked.
            self.timer = loop.call_at(
                self.received_at + reply.delay, self._send, reply, request.method == b"HEAD"
            )
        else:
            self._send(reply, request.method == b"HEAD")

    def _send(self, reply: Reply, head: bool) -> None:
        self.timer = None
        if self.transport is None:
            return
        headers = [("content-type", reply.content_type), *reply.headers]
        if not any(name == "content-length" for name, _ in reply.headers):
            headers.append(("content-length", str(len(reply.body))))
        try:
            out = self.h11.send(h11.Response(status_code=reply.status, headers=headers))
            if reply.body and not head:
                out += self.h11.send(h11.Data(data=reply.body))
            out += self.h11.send(h11.EndOfMessage())
        except h11.LocalProtocolError:
            self.close()
            return
        assert out is not None
        self.transport.write(out)  # one piece: no delayed-ACK stall
        if self.h11.our_state is h11.MUST_CLOSE:
            self.close()
            return
        try:
            self.h11.start_next_cycle()
        except h11.LocalProtocolError:
            self.close()
            return
        self.busy = False
        self._process()

    def _bad_request(self) -> None:
        if self.transport is not None:
            self.transport.write(
                b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
            )
        self.close()

    def _reset(self) -> None:
        if self.transport is None:
            return
        sock = self.transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                # Linger 0: close() sends RST instead of FIN, a real connection reset.
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.transport.abort()

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


class SimServer:
    """A listening simulator on one event loop."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.connections: set[_Connection] = set()
        self._server: asyncio.AbstractServer | None = None
        self.host = ""
        self.port = 0

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: _Connection(self.sim, self), host, port, backlog=1024, reuse_address=True
        )
        sockname: Any = self._server.sockets[0].getsockname()
        self.host, self.port = sockname[0], sockname[1]
        shown = f"[{self.host}]" if ":" in self.host else self.host
        self.sim.bind(f"http://{shown}:{self.port}")
        return self.sim.base_url

    @property
    def endpoint(self) -> str:
        return self.sim.base_url

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            for conn in list(self.connections):
                conn.close()
            await self._server.wait_closed()
            self._server = None
