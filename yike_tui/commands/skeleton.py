"""The skeleton every command that talks to the API shares: ids → connect → client → run.

Bad ids are a usage error before any network; with ``--demo`` and no ids the demo's jobs
are used; the connection (or the demo simulator) and the client live exactly as long as
the command's work.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable, Iterable
from typing import TypeVar

from yike_tui.api.client import ApiClient
from yike_tui.api.errors import ApiError, account_problem
from yike_tui.core.exits import AccountUnusable, UsageError
from yike_tui.core.job_ids import (
    InvalidJobId,
    looks_like_job_id,
    resolve_prefixes,
    split_job_ids,
)
from yike_tui.session import COMMAND_RETRIES, Connection, connect, make_client, read_watchlist

T = TypeVar("T")

NEED_IDS = "give at least one JobId (or --demo)"


def stop_if_account(*errors: object) -> None:
    """End the command with its one message when one of ``errors`` (other results are
    passed over) is about the account, not the job or call at hand."""
    for err in errors:
        if isinstance(err, ApiError) and (problem := account_problem(err)):
            raise AccountUnusable(problem)


def parse_job_ids(raw: Iterable[str]) -> list[str]:
    """The ids in ``raw`` (spaces, commas, newlines), by the one JobId rule; a bad one is a
    usage error (exit 2) naming it."""
    try:
        return split_job_ids(raw)
    except InvalidJobId as exc:
        raise UsageError(str(exc)) from None


def command_ids(args: argparse.Namespace, *, missing: str | None = NEED_IDS) -> list[str]:
    """The JobIds given; none is a usage error (``missing``) unless --demo or ``missing`` is
    None (the command has another source, e.g. the watch list)."""
    if any(not raw.strip(" \t\n\r,") for raw in args.job_ids):
        # `get ''` is a slip (an empty variable), not a request for the demo's jobs
        raise UsageError("a JobId is empty")
    ids = parse_job_ids(args.job_ids)
    if not ids and missing is not None and not getattr(args, "demo", False):
        raise UsageError(missing)
    if any(not looks_like_job_id(job_id) for job_id in ids) and not getattr(args, "demo", False):
        # The short id the job list shows stands for its watched job (the demo's: later,
        # once its simulator is up).
        with read_watchlist() as (_config, watched, _store):
            ids = _resolved(ids, [job.id for job in watched])
    return ids


def _resolved(ids: list[str], known: list[str]) -> list[str]:
    try:
        return resolve_prefixes(ids, known)
    except InvalidJobId as exc:
        raise UsageError(str(exc)) from None


async def with_client(
    args: argparse.Namespace,
    ids: list[str],
    work: Callable[[ApiClient, list[str], Connection], Awaitable[T]],
    *,
    retries: int = COMMAND_RETRIES,
) -> T:
    """Connect, build the client, and run ``work(client, ids, conn)``; no ids means the
    demo's jobs."""
    with connect(args.options) as conn:
        if conn.demo_job_ids:
            ids = _resolved(ids, conn.demo_job_ids)
        async with make_client(conn, retries=retries) as client:
            return await work(client, ids or list(conn.demo_job_ids), conn)


def run_with_client(
    args: argparse.Namespace,
    ids: list[str],
    work: Callable[[ApiClient, list[str], Connection], Awaitable[T]],
    *,
    retries: int = COMMAND_RETRIES,
) -> T:
    """``with_client`` on a new event loop: a command's whole run."""
    return asyncio.run(with_client(args, ids, work, retries=retries))
