"""The simulator's own speed: sequential requests at 0 ms latency, and requests per second.

The client is as light as a client gets: requests are signed before the clock starts and
written as raw bytes on keep-alive sockets, from two processes with several connections
each, so the simulator (one process, one core) is the bottleneck. Requests per second is
counted per second of the simulator's CPU (read from /proc), which is its rate on one
core whether or not the clients kept it fully busy.
"""

from __future__ import annotations

import asyncio
import multiprocessing as mp
import statistics
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from multiprocessing.connection import Connection

from benchmarks.bare_pass import read_answer
from benchmarks.harness import Context, Figure, Results, sim_process
from yike_tui.api.client import API_VERSION
from yike_tui.api.signing import sign_request
from yike_tui.sim import DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET

NAME = "sim_speed"
PROCESSES = 2
CONNECTIONS = 8  # per client process


def presigned(host: str, ids: list[str], count: int) -> list[bytes]:
    """``count`` signed GetYikeStoryboardJob requests, each with its own nonce."""
    date = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    out = []
    for i in range(count):
        signed = sign_request(
            method="POST",
            host=host,
            action="GetYikeStoryboardJob",
            version=API_VERSION,
            params={"JobId": ids[i % len(ids)]},
            access_key_id=DEMO_ACCESS_KEY_ID,
            access_key_secret=DEMO_ACCESS_KEY_SECRET,
            date=date,
            nonce=uuid.uuid4().hex,
        )
        head = "".join(f"{k}: {v}\r\n" for k, v in signed.headers.items())
        out.append(f"POST /?{signed.query} HTTP/1.1\r\n{head}content-length: 0\r\n\r\n".encode())
    return out


async def _connection(host: str, requests: list[bytes], latencies: list[float]) -> int:
    name, port = host.rsplit(":", 1)
    reader, writer = await asyncio.open_connection(name, int(port))
    ok = 0
    for request in requests:
        t0 = time.perf_counter()
        writer.write(request)
        head = await read_answer(reader)
        latencies.append(time.perf_counter() - t0)
        ok += head.startswith(b"HTTP/1.1 200")
    writer.close()
    await writer.wait_closed()
    return ok


async def _load(host: str, requests: list[bytes], connections: int) -> int:
    latencies: list[float] = []
    counts = await asyncio.gather(
        *(_connection(host, requests[c::connections], latencies) for c in range(connections))
    )
    return sum(counts)


def _client(host: str, ids: list[str], count: int, ready: Connection, go: Connection) -> None:
    requests = presigned(host, ids, count)
    ready.send(True)
    go.recv()
    ok = asyncio.run(_load(host, requests, CONNECTIONS))
    ready.send(ok)


def sequential_ms(host: str, ids: list[str], count: int) -> float:
    requests = presigned(host, ids, count)
    latencies: list[float] = []
    asyncio.run(_connection(host, requests, latencies))
    return statistics.median(latencies[10:]) * 1000  # the first few warm the connection


def requests_per_cpu_second(
    host: str, ids: list[str], cpu: Callable[[], float], per_process: int
) -> tuple[float, float, float]:
    """(requests per simulator CPU-second, requests per wall second, simulator core use)."""
    ctx = mp.get_context("fork")
    pipes = []
    procs = []
    for _ in range(PROCESSES):
        ready_parent, ready_child = ctx.Pipe()
        go_parent, go_child = ctx.Pipe()
        proc = ctx.Process(target=_client, args=(host, ids, per_process, ready_child, go_child))
        proc.start()
        procs.append(proc)
        pipes.append((ready_parent, go_parent))
    for ready, _ in pipes:
        ready.recv()
    cpu0, t0 = cpu(), time.perf_counter()
    for _, go in pipes:
        go.send(True)
    ok = sum(ready.recv() for ready, _ in pipes)
    wall, used = time.perf_counter() - t0, cpu() - cpu0
    for proc in procs:
        proc.join()
    total = PROCESSES * per_process
    if ok != total:
        raise RuntimeError(f"only {ok} of {total} requests answered 200")
    return total / used, total / wall, used / wall


def run(ctx: Context, results: Results) -> None:
    runs = ctx.pick(3, 1)
    with sim_process(jobs=1000) as sim:
        # Every job once, so the simulator has planned them all before the clock starts.
        sequential_ms(sim.host, sim.ids, len(sim.ids))
        seq = [sequential_ms(sim.host, sim.ids, ctx.pick(1000, 200)) for _ in range(runs)]
        rates = [
            requests_per_cpu_second(sim.host, sim.ids, sim.cpu_seconds, ctx.pick(8000, 2000))
            for _ in range(runs)
        ]
    results.add(
        Figure(
            "simulator: sequential request at 0 ms latency",
            seq,
            "ms",
            target="< 2 ms",
            reference="raw keep-alive socket, pre-signed requests",
            passed=statistics.median(seq) < 2.0,
        )
    )
    per_cpu = [r[0] for r in rates]
    wall_rate = statistics.median(r[1] for r in rates)
    core_use = statistics.median(r[2] for r in rates)
    results.add(
        Figure(
            "simulator: requests per second on one core",
            per_cpu,
            "req/s",
            target="≥ 2,000/s",
            reference=(
                f"requests ÷ simulator CPU-seconds; seen {wall_rate:,.0f} req/s wall "
                f"at {core_use:.0%} of a core, from "
                f"{PROCESSES} client processes × {CONNECTIONS} connections"
            ),
            passed=statistics.median(per_cpu) >= 2000,
        )
    )
