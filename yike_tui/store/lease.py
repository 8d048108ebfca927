"""One engine per state db: which process polls the API, and how the others reach it.

The first process to start takes the lease: the one row of ``engine_lease``, with its pid,
host, a random token, when it started and a heartbeat (wall clock), and the engine's
settings and state (paused, offline, throttled: what its ``EngineStatus`` says), renewed
every ``RENEW_EVERY`` seconds. Every other process follows (``engine/shared.py``): it reads
what the engine writes, asks it to refresh, pause or resume (``engine_asks``), and lists the
JobIds it watches beyond the watch list for the engine to poll too (``engine_guests``).

A lease is lost when its heartbeat has not moved for ``LOST_AFTER`` seconds as the reader's
own monotonic clock counts them (a heartbeat in the future locks nobody out for longer), or
one older than that by the wall clock, or at once when its holder is on this host and its
process is gone. Taking, renewing and taking over are each one ``BEGIN IMMEDIATE``
transaction that reads the row again, so of two processes that saw the same dead holder one
wins; the engine checks in every write that it still holds the lease (``check_lease``), so
one that slept through a takeover writes nothing more and follows.

Rows are data, like anything read from a file: a field of the wrong type, a string without
end or a pid that is not one makes a row that holds no lease (it is taken over), each text
is read bounded (``substr`` in the query: a 100 MB host is never loaded), and the host is
made safe before it is shown.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import math
import os
import secrets
import socket
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from yike_tui.core.job_ids import InvalidJobId, check_job_id
from yike_tui.safety.safe_text import clean, loads_valid, truncate

RENEW_EVERY = 2.0  # seconds between the engine's heartbeats
LOST_AFTER = 8.0  # seconds without a heartbeat after which the lease is anyone's
STEP_DOWN = 6.0  # seconds: an engine that could not renew this long stops polling
ASK_FRESH = 10.0  # seconds an ask waits for an engine to act on it (one that came later)
ASK_KEPT = 60.0  # seconds after which an ask nobody took is dropped
MAX_TOKEN = 64
MAX_HOST = 255  # characters of a host name kept (and 64 of them shown)
MAX_JSON = 8192  # characters of the settings or state text read
MAX_PID = (1 << 31) - 1
MAX_ROWS = 10_000  # asks or guests read at once
ASK_KINDS = frozenset({"refresh", "pause", "resume"})

# The tokens this process holds or claims: two engines in one process (tests, an app and a
# command in one interpreter) share a pid, so "is its process gone" cannot tell them apart.
_HELD: set[str] = set()
_HELD_LOCK = threading.Lock()


class LeaseLost(Exception):
    """Another process holds the state db's lease now: this one must not write."""


def this_host() -> str:
    return truncate(socket.gethostname(), MAX_HOST)


@dataclass(frozen=True)
class Holder:
    """The lease row as read: checked, bounded; ``host`` may hold anything (``shown``)."""

    token: str
    pid: int
    host: str
    started_at: float
    heartbeat: float
    settings: Mapping[str, Any] = field(default_factory=dict)
    state: Mapping[str, Any] = field(default_factory=dict)

    @property
    def here(self) -> bool:
        return self.host == this_host()

    @property
    def who(self) -> str:
        """``pid 4242 on studio-3``, safe to show."""
        host = truncate(clean(self.host, one_line=True), 64) or "an unnamed host"
        return f"pid {self.pid} on {host}"


@dataclass(frozen=True)
class Claim:
    """What a process writes when it takes the lease."""

    token: str
    pid: int
    host: str
    started_at: float
    settings: Mapping[str, Any]


def new_claim(settings: Mapping[str, Any]) -> Claim:
    token = secrets.token_hex(16)
    with _HELD_LOCK:
        _HELD.add(token)
    return Claim(token, os.getpid(), this_host(), time.time(), dict(settings))


def forget_claim(claim: Claim) -> None:
    with _HELD_LOCK:
        _HELD.discard(claim.token)


def _ours(token: str) -> bool:
    with _HELD_LOCK:
        return token in _HELD


def pid_gone(pid: int) -> bool:
    """The process is certainly gone (on this host): no such pid, or a zombie left unreaped."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except (PermissionError, OverflowError, OSError):
        return False  # someone else's process (alive), or not a pid we can ask about
    try:  # Linux: a process killed but not yet reaped by its parent is gone all the same
        stat = Path(f"/proc/{pid}/stat").read_text(errors="replace")
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[:1] == ["Z"]


def _finite(value: object) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
        return number if math.isfinite(number) else None
    return None


def _json_object(text: object) -> dict[str, Any]:
    if not isinstance(text, str) or len(text) > MAX_JSON:
        return {}
    try:
        value = loads_valid(text)
    except (ValueError, RecursionError):
        return {}
    return value if isinstance(value, dict) else {}


_READ_LEASE = (
    "SELECT substr(token, 1, 65), pid, substr(host, 1, 256), started_at, heartbeat, "
    f"CASE WHEN length(settings) <= {MAX_JSON} THEN settings END, "
    f"CASE WHEN length(state) <= {MAX_JSON} THEN state END "
    "FROM engine_lease WHERE id = 1"
)


def parse_holder(row: tuple[Any, ...] | None) -> Holder | None:
    """The lease in ``row``; None when there is none, or what is there holds none."""
    if row is None:
        return None
    token, pid, host, started_at, heartbeat, settings, state = row
    beat = _finite(heartbeat)
    if not isinstance(token, str) or not 0 < len(token) <= MAX_TOKEN or beat is None:
        return None
    if not isinstance(pid, int) or isinstance(pid, bool) or not 0 < pid <= MAX_PID:
        return None
    host = host if isinstance(host, str) and len(host) <= MAX_HOST else ""
    started = _finite(started_at) or beat
    return Holder(token, pid, host, started, beat, _json_object(settings), _json_object(state))


class Judge:
    """Whether the lease is held by a live engine, as this process sees it: the heartbeat
    must move (counted on this process's monotonic clock: a heartbeat in the future buys
    ``LOST_AFTER`` seconds, never more), not be long past on the wall clock, and a holder
    on this host must still run."""

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.clock, self.wall = clock, wall
        self._seen: tuple[str, float] | None = None
        self._since = 0.0

    def lost(self, holder: Holder | None) -> bool:
        if holder is None:
            return True
        if _ours(holder.token):
            return False  # this process's own (another engine in it: not a dead pid)
        if holder.here and (holder.pid == os.getpid() or pid_gone(holder.pid)):
            return True  # a pid reused by this very process is an engine that ended
        now = self.clock()
        key = (holder.token, holder.heartbeat)
        if key != self._seen:
            self._seen, self._since = key, now
        return now - self._since > LOST_AFTER or self.wall() - holder.heartbeat > LOST_AFTER


@dataclass(frozen=True)
class Ask:
    kind: str  # one of ASK_KINDS
    job_id: str  # "" for every job


def check_lease(conn: sqlite3.Connection, token: str) -> None:
    """In the caller's (write) transaction: LeaseLost unless ``token`` holds the lease."""
    row = conn.execute("SELECT token FROM engine_lease WHERE id = 1").fetchone()
    if row is None or row[0] != token:
        raise LeaseLost("another process holds the state db's engine lease")


def _valid_job_id(value: object) -> str:
    if not isinstance(value, str):
        return ""
    try:
        return check_job_id(value)
    except InvalidJobId:
        return ""


class EngineLease:
    """The lease half of ``Store``: it brings the connection, its lock and ``_write_now``."""

    _conn: sqlite3.Connection
    _lock: threading.Lock

    def _write_now(self) -> contextlib.AbstractContextManager[sqlite3.Connection]:
        raise NotImplementedError

    def data_version(self) -> int:
        """A number that moves whenever another connection commits: a cheap "anything new?"."""
        with self._lock:
            return int(self._conn.execute("PRAGMA data_version").fetchone()[0])

    def lease_holder(self) -> Holder | None:
        with self._lock:
            return parse_holder(self._conn.execute(_READ_LEASE).fetchone())

    def take_lease(self, claim: Claim, judge: Judge, state: str = "{}") -> Holder | None:
        """Take the lease unless a live engine holds it (``judge``); None when this process
        holds it now, else the live holder."""
        settings = json.dumps(dict(claim.settings), allow_nan=False)
        with self._write_now() as conn:
            holder = parse_holder(conn.execute(_READ_LEASE).fetchone())
            if holder is not None and holder.token == claim.token:
                conn.execute(
                    "UPDATE engine_lease SET heartbeat = ?, state = ? WHERE id = 1",
                    (time.time(), state),
                )
                return None
            if not judge.lost(holder):
                return holder
            conn.execute("DELETE FROM engine_lease")
            conn.execute(
                "INSERT INTO engine_lease (id, token, pid, host, started_at, heartbeat, "
                "settings, state) VALUES (1, ?, ?, ?, ?, ?, ?, ?)",
                (claim.token, claim.pid, claim.host, time.time(), time.time(), settings, state),
            )
            conn.execute("DELETE FROM engine_guests WHERE token = ?", (claim.token,))
        return None

    def renew_lease(self, token: str, state: str) -> bool:
        """The heartbeat and the engine's state; False when the lease is not ``token``'s."""
        with self._write_now() as conn:
            row = conn.execute("SELECT token FROM engine_lease WHERE id = 1").fetchone()
            if row is None or row[0] != token:
                return False
            now = time.time()
            conn.execute(
                "UPDATE engine_lease SET heartbeat = ?, state = ? WHERE id = 1", (now, state)
            )
            # Guests nobody renews any more (a follower killed), and asks nobody took.
            old = _window(now)
            conn.execute(
                "DELETE FROM engine_guests WHERE NOT coalesce(seen BETWEEN ? AND ?, 0)", old
            )
            conn.execute("DELETE FROM engine_asks WHERE NOT coalesce(ts BETWEEN ? AND ?, 0)", old)
        return True

    def release_lease(self, token: str) -> None:
        """Give the lease up (this process is ending): a follower takes it at once."""
        with self._write_now() as conn:
            conn.execute("DELETE FROM engine_lease WHERE id = 1 AND token = ?", (token,))
            conn.execute("DELETE FROM engine_guests WHERE token = ?", (token,))

    # --- asks --------------------------------------------------------------------------

    def ask_engine(self, kind: str, job_id: str = "") -> None:
        """Ask whichever process holds the lease to ``kind`` (one of ASK_KINDS)."""
        if kind not in ASK_KINDS:
            raise ValueError(f"not an ask: {kind!r}")
        with self._write_now() as conn:
            conn.execute("INSERT INTO engine_asks (ts, kind, job_id) VALUES (?, ?, ?)",
                         (time.time(), kind, job_id))  # fmt: skip

    def take_asks(self) -> list[Ask]:
        """The asks made in the last ``ASK_FRESH`` seconds, oldest first; each is taken once
        (deleted), those too old or unreadable dropped."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT id, ts, substr(kind, 1, 16), substr(job_id, 1, 129) FROM engine_asks "
                f"ORDER BY id LIMIT {MAX_ROWS}"
            ).fetchall()
        if not rows:
            return []
        with self._write_now() as conn:
            conn.execute("DELETE FROM engine_asks WHERE id <= ?", (rows[-1][0],))
        now, asks = time.time(), []
        for _, ts, kind, job_id in rows:
            when = _finite(ts)
            if when is None or abs(now - when) > ASK_FRESH or kind not in ASK_KINDS:
                continue
            wanted = _valid_job_id(job_id)
            if job_id and not wanted:
                continue
            asks.append(Ask(kind, wanted))
        return asks

    # --- guests ------------------------------------------------------------------------

    def set_guests(self, claim: Claim, job_ids: Iterable[str]) -> None:
        """The jobs this follower watches beyond the watch list, for the engine to poll."""
        now = time.time()
        rows = [(claim.token, job_id, claim.pid, claim.host, now) for job_id in job_ids]
        with self._write_now() as conn:
            conn.execute("DELETE FROM engine_guests WHERE token = ?", (claim.token,))
            conn.executemany(
                "INSERT OR REPLACE INTO engine_guests (token, job_id, pid, host, seen) "
                "VALUES (?, ?, ?, ?, ?)",
                rows,
            )

    def touch_guests(self, token: str) -> None:
        with self._write_now() as conn:
            conn.execute("UPDATE engine_guests SET seen = ? WHERE token = ?", (time.time(), token))

    def live_guests(self) -> set[str]:
        """The jobs live followers asked for: renewed lately, their process not gone."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT substr(job_id, 1, 129), pid, substr(host, 1, 256), seen "
                f"FROM engine_guests LIMIT {MAX_ROWS}"
            ).fetchall()
        low, high = _window(time.time(), LOST_AFTER)
        here, wanted, gone = this_host(), set(), {}
        for job_id, pid, host, seen in rows:
            when = _finite(seen)
            valid = _valid_job_id(job_id)
            if when is None or not low <= when <= high or not valid:
                continue
            if host == here and isinstance(pid, int) and 0 < pid <= MAX_PID:
                if pid not in gone:
                    gone[pid] = pid_gone(pid)
                if gone[pid]:
                    continue
            wanted.add(valid)
        return wanted


def _window(now: float, width: float = ASK_KEPT) -> tuple[float, float]:
    return now - width, now + width


def locks_work(db: Path) -> bool:
    """Whether the filesystem under ``db`` keeps locks between two opens (a local disk
    does; some network and FUSE filesystems lock nothing, or refuse): probed on a file of
    its own beside the db (never the db itself: closing a second handle on it would drop
    SQLite's locks), which is removed again."""
    probe = db.with_name(f"{db.name}-lockprobe-{os.getpid()}")
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
    try:
        first = os.open(probe, flags, 0o600)
    except OSError:
        return False
    try:
        second = os.open(probe, flags, 0o600)
        try:
            fcntl.flock(first, fcntl.LOCK_EX | fcntl.LOCK_NB)
            try:
                fcntl.flock(second, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return True  # the second open is refused: locks work
            except OSError as exc:
                return exc.errno in (errno.EAGAIN, errno.EACCES)
            return False  # both got it: nothing is locked here
        except OSError:
            return False  # no locks at all (ENOLCK, EOPNOTSUPP...)
        finally:
            os.close(second)
    finally:
        os.close(first)
        with contextlib.suppress(OSError):
            probe.unlink()
