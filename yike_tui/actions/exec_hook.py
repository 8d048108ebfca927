"""``watch --exec CMD``: run a command for each event, the event as one JSON line on stdin.

Bounded in every way, since the hook is the user's code and may hang, fail or be slow:
one at a time, from a queue with a cap (what overflows is dropped and counted in the log);
each run has a timeout after which its whole process group is killed; its stdout is
discarded and the start of its stderr kept for the log line of a failure. Nothing the hook
does is the engine's failure or holds up its polling: ``submit`` never waits.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shlex
import signal
from collections.abc import Callable

from yike_tui.safety.safe_text import clean, truncate

log = logging.getLogger(__name__)

QUEUE_CAP = 100  # events waiting for the hook; beyond this they are dropped (and counted)
TIMEOUT = 30.0  # seconds one run may take
STDERR_KEPT = 400  # bytes of a failing hook's stderr quoted in the log
STDERR_GRACE = 1.0  # seconds to wait for stderr's end once the hook has exited


class HookError(ValueError):
    """CMD cannot be used (empty, or not valid shell-like quoting)."""


def parse_command(text: str) -> list[str]:
    """``CMD`` split as a shell would split words (no shell runs it: no pipes, no $VARS)."""
    try:
        argv = shlex.split(text)
    except ValueError as exc:
        raise HookError(f"--exec: {exc}") from None
    if not argv:
        raise HookError("--exec: the command is empty")
    return argv


class ExecHook:
    """Runs ``argv`` once per submitted line, one run at a time, in the order submitted."""

    def __init__(
        self,
        argv: list[str],
        *,
        timeout: float = TIMEOUT,
        cap: int = QUEUE_CAP,
        warn: Callable[[str], None] | None = None,
    ) -> None:
        self.argv = argv
        self.timeout = timeout
        self._queue: asyncio.Queue[str] = asyncio.Queue(maxsize=cap)
        self._warn = warn or (lambda message: None)
        self.dropped = 0  # since the last time it was said
        self.runs = 0
        self.failures = 0

    @property
    def waiting(self) -> int:
        return self._queue.qsize()

    def submit(self, line: str) -> None:
        """Queue one event line; when the queue is full it is dropped, never waited for."""
        try:
            self._queue.put_nowait(line)
        except asyncio.QueueFull:
            self.dropped += 1

    async def run(self) -> None:
        """Feed the hook until cancelled."""
        while True:
            line = await self._queue.get()
            self._say_dropped()
            try:
                await self._run_one(line)
            except OSError as exc:  # not found, not executable: said each time, never raised
                self.failures += 1
                self._report(f"--exec {self._name}: could not run: {exc.strerror or exc}")
            finally:
                self._queue.task_done()

    async def drain(self, within: float) -> bool:
        """Wait (at most ``within`` seconds) until the hook has run for every queued line;
        False when it had not by then."""
        try:
            async with asyncio.timeout(within):
                await self._queue.join()
        except TimeoutError:
            return False
        return True

    @property
    def _name(self) -> str:
        return clean(os.path.basename(self.argv[0]), one_line=True)

    def _say_dropped(self) -> None:
        if self.dropped:
            count, self.dropped = self.dropped, 0
            self._report(f"--exec {self._name}: {count} events dropped (the hook was too slow)")

    def _report(self, message: str) -> None:
        log.warning("%s", message)
        self._warn(message)

    async def _run_one(self, line: str) -> None:
        proc = await asyncio.create_subprocess_exec(
            *self.argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
            start_new_session=True,  # its own group: a timeout kills what it started too
        )
        self.runs += 1
        assert proc.stderr is not None
        stderr = asyncio.create_task(_keep_start(proc.stderr, STDERR_KEPT))
        try:
            await self._wait_for(proc, line, stderr)
        finally:
            # asyncio never closes a subprocess transport by itself: one left to the garbage
            # collector may be closed after the loop is, which raises in __del__.
            transport = getattr(proc, "_transport", None)
            if transport is not None:
                transport.close()

    async def _wait_for(
        self, proc: asyncio.subprocess.Process, line: str, stderr: asyncio.Task[bytes]
    ) -> None:
        try:
            async with asyncio.timeout(self.timeout):
                await _feed(proc, line)
                code = await proc.wait()
        except TimeoutError:
            _kill_group(proc.pid)
            await proc.wait()
            await _finish(stderr)
            self.failures += 1
            self._report(f"--exec {self._name}: killed after {self.timeout:g} s")
            return
        except asyncio.CancelledError:
            _kill_group(proc.pid)  # watch is stopping: no hook outlives it
            await proc.wait()  # reaped, and its pipes closed before the loop goes
            await _finish(stderr)
            raise
        said = await _finish(stderr)
        if code != 0:
            self.failures += 1
            lines = said.decode("utf-8", "replace").strip().splitlines()
            why = truncate(clean(" | ".join(lines), one_line=True), 200)
            self._report(f"--exec {self._name}: exited with {code}" + (f": {why}" if why else ""))


async def _finish(stderr: asyncio.Task[bytes]) -> bytes:
    """What the stderr reader kept. A child the hook left behind may hold the pipe open:
    it is waited for only briefly."""
    done, _ = await asyncio.wait({stderr}, timeout=STDERR_GRACE)
    if not done:
        stderr.cancel()
        return b""
    return stderr.result()


async def _feed(proc: asyncio.subprocess.Process, line: str) -> None:
    assert proc.stdin is not None
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        proc.stdin.write(line.encode("utf-8", "backslashreplace") + b"\n")
        await proc.stdin.drain()  # a hook that does not read stdin: its exit ends this
    proc.stdin.close()


async def _keep_start(stream: asyncio.StreamReader, keep: int) -> bytes:
    """Read ``stream`` to its end (so the hook never blocks on a full pipe), keeping the
    first ``keep`` bytes."""
    kept = b""
    while chunk := await stream.read(4096):
        if len(kept) < keep:
            kept += chunk[: keep - len(kept)]
    return kept


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
