"""The lean transport's pool slots and timeouts (the timers are off the common
path: a free slot and a write the kernel takes whole arm none). A full pool still times out
as a pool timeout, a silent server as a read timeout, and a slot freed is used again."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from tests.integration.test_transport import answer
from tests.loopback import listening, read_request
from tests.wait import wait_async
from yike_tui.api.transport import LeanTransport


async def test_a_full_pool_waits_then_times_out_and_a_freed_slot_is_reused() -> None:
    release = asyncio.Event()

    async def slow_then_answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            try:
                await read_request(reader)
            except asyncio.IncompleteReadError:
                return
            await release.wait()
            writer.write(answer(b"{}"))
            await writer.drain()

    async with listening(slow_then_answer) as port:
        url = f"http://127.0.0.1:{port}/"
        transport = LeanTransport(max_connections=1)
        async with httpx.AsyncClient(transport=transport) as client:
            first = asyncio.create_task(client.get(url, timeout=httpx.Timeout(5.0)))
            slots = transport._slots
            assert slots is not None
            await wait_async(slots.locked, "the first request holds the only slot")
            with pytest.raises(httpx.PoolTimeout):
                await client.get(url, timeout=httpx.Timeout(5.0, pool=0.2))
            release.set()
            assert (await first).status_code == 200
            # The slot came back: the next request goes through on the kept-alive connection.
            assert (await client.get(url, timeout=httpx.Timeout(5.0))).status_code == 200


async def test_a_silent_server_is_a_read_timeout_and_its_connection_is_dropped() -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        await asyncio.Event().wait()

    async with listening(silent) as port:
        transport = LeanTransport(max_connections=2)
        async with httpx.AsyncClient(transport=transport) as client:
            with pytest.raises(httpx.ReadTimeout):
                await client.get(f"http://127.0.0.1:{port}/", timeout=httpx.Timeout(0.2))
            assert not transport._open and not any(transport._idle.values())
