"""`watch --once` prints each job's line as soon as it and every job before it have answered:
over a long pass the first lines are out while a later job is still unanswered, and the
lines keep the watch list's order."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import pytest

from tests.loopback import RawServerThread, json_answer, read_request, use_endpoint
from tests.wait import DEADLINE


def _answer(job_id: str) -> dict[str, object]:
    return {"RequestId": "r", "JobId": job_id, "JobStatus": "Running", "JobParams": {"Title": "t"}}


def _line_within(stream: object, seconds: float) -> str:
    """The next line the child prints, waited for in a thread (a pipe read has no timeout)."""
    got: list[str] = []
    reader = threading.Thread(target=lambda: got.append(stream.readline()), daemon=True)  # type: ignore[attr-defined]
    reader.start()
    reader.join(seconds)
    assert got, f"no line within {seconds:g} s"
    return got[0]


def test_lines_come_while_a_later_job_is_unanswered(
    isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second job is answered only once the first's line is out, and the third only
    once the second's is: each line must come without waiting for the next answer (a hung
    request must not hold back what the others brought)."""
    first, second, third = (uuid.uuid4().hex for _ in range(3))
    gates = {second: threading.Event(), third: threading.Event()}

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            job_id = (await read_request(reader)).params["JobId"]
            if job_id in gates:
                await asyncio.get_running_loop().run_in_executor(None, gates[job_id].wait, DEADLINE)
            writer.write(json_answer(200, _answer(job_id)))
            await writer.drain()

    with RawServerThread(handle) as server:
        use_endpoint(monkeypatch, server.endpoint)
        child = subprocess.Popen(
            [sys.executable, "-m", "yike_tui", "watch", "--once", "--json", first, second, third],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            assert json.loads(_line_within(child.stdout, DEADLINE))["job_id"] == first
            gates[second].set()
            assert json.loads(_line_within(child.stdout, DEADLINE))["job_id"] == second
            assert child.poll() is None  # the third's answer has not come: the pass goes on
            gates[third].set()
            out, err = child.communicate(timeout=DEADLINE)
        finally:
            for gate in gates.values():
                gate.set()
            if child.poll() is None:
                child.kill()
                child.communicate()
    assert child.returncode == 0, err
    assert [json.loads(text)["job_id"] for text in out.splitlines()] == [third]
