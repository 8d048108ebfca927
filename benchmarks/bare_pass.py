"""The floor of a whole run as a process: Python started, each request signed as it goes (as
yike-tui signs it) and written as raw bytes on one of 16 keep-alive connections, each answer
read whole and dropped. No parsing, no diff, no store, no output.

``python -m benchmarks.bare_pass ENDPOINT IDS_FILE``, the key pair from the environment.
``whole_run.py`` times it from spawn to exit as it times ``watch --once``: what is left
between the two is yike-tui's own, and what is left between this and the nominal floor
(jobs × latency ÷ 16) is the interpreter's start, the simulator and the event loop.
"""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

from yike_tui.api.endpoints import APIS, DEFAULT_API
from yike_tui.api.signing import sign_request

CONNECTIONS = 16  # harness.CONCURRENCY, not imported: the harness imports our client


def _request(host: str, job_id: str, key_id: str, secret: str) -> bytes:
    signed = sign_request(
        method="POST",
        host=host,
        action="GetYikeStoryboardJob",
        version=APIS[DEFAULT_API].version,
        params={"JobId": job_id},
        access_key_id=key_id,
        access_key_secret=secret,
        date=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        nonce=os.urandom(16).hex(),
    )
    head = "".join(f"{k}: {v}\r\n" for k, v in signed.headers.items())
    return f"POST /?{signed.query} HTTP/1.1\r\n{head}content-length: 0\r\n\r\n".encode()


async def read_answer(reader: asyncio.StreamReader) -> bytes:
    """One answer read whole (the simulator's: a Content-Length always); returns its head."""
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    await reader.readexactly(length)
    return head


async def _connection(host: str, ids: list[str], key_id: str, secret: str) -> int:
    name, port = host.rsplit(":", 1)
    reader, writer = await asyncio.open_connection(name, int(port))
    ok = 0
    for job_id in ids:
        writer.write(_request(host, job_id, key_id, secret))
        head = await read_answer(reader)
        ok += head.startswith(b"HTTP/1.1 200")
    writer.close()
    return ok


async def _all(host: str, ids: list[str], key_id: str, secret: str) -> int:
    parts = [ids[c::CONNECTIONS] for c in range(CONNECTIONS)]
    counts = await asyncio.gather(*(_connection(host, p, key_id, secret) for p in parts))
    return sum(counts)


def main(endpoint: str, ids_file: str) -> int:
    ids = Path(ids_file).read_text(encoding="utf-8").split()
    host = endpoint.split("//", 1)[1].rstrip("/")
    env = os.environ
    key_id, secret = env["ALIBABA_CLOUD_ACCESS_KEY_ID"], env["ALIBABA_CLOUD_ACCESS_KEY_SECRET"]
    ok = asyncio.run(_all(host, ids, key_id, secret))
    if ok != len(ids):
        print(f"only {ok} of {len(ids)} answered 200", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
