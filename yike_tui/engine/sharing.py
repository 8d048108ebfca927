"""What processes on one state db share of its engine (``engine/shared.py``): whether a
session can share it at all, whether another process is the engine now, and the engine's
status as its lease row carries it to the followers (bounded, checked when read)."""

from __future__ import annotations

import contextlib
import json
import logging
import sqlite3
from collections.abc import Mapping
from typing import Any

from yike_tui.api.errors import ErrorKind
from yike_tui.engine.status import EngineStatus
from yike_tui.safety.safe_text import truncate
from yike_tui.store import Store
from yike_tui.store.lease import Judge, locks_work

log = logging.getLogger(__name__)

# What a follower mirrors of the engine's status, and the type each must have.
_MIRRORED: dict[str, tuple[type, ...]] = {
    "paused": (bool,),
    "pause_reason": (str,),
    "last_success": (float, int, type(None)),
    "next_pass": (float, int, type(None)),
    "last_error": (str,),
    "history_error": (str,),
    "offline_since": (float, int, type(None)),
    "offline_jobs": (int,),
    "offline_reason": (str,),
    "account_problem": (str,),
    "account_since": (float, int, type(None)),
    "throttled": (bool,),
    "in_flight": (int,),
    "requests": (int,),
    "passes": (int,),
}
MAX_STATE_TEXT = 300  # characters of each text of the status published


def published_state(status: EngineStatus) -> str:
    """The engine's status as the lease row carries it (bounded JSON)."""
    state: dict[str, Any] = {}
    for name in _MIRRORED:
        value = getattr(status, name)
        state[name] = truncate(value, MAX_STATE_TEXT) if isinstance(value, str) else value
    state["pause_kind"] = status.pause_kind.value if status.pause_kind else None
    return json.dumps(state, allow_nan=False)


def mirror(status: EngineStatus, state: Mapping[str, Any]) -> None:
    """The engine's status, from its lease row: a field of the wrong type is left as is."""
    for name, types in _MIRRORED.items():
        value = state.get(name)
        if (
            name in state
            and isinstance(value, types)
            and not (isinstance(value, bool) and bool not in types)
        ):
            if isinstance(value, str):
                value = truncate(value, MAX_STATE_TEXT)
            setattr(status, name, value)
    kind = state.get("pause_kind")
    status.pause_kind = None
    if isinstance(kind, str):
        with contextlib.suppress(ValueError):
            status.pause_kind = ErrorKind(kind)


def number(settings: Mapping[str, Any], name: str) -> float | None:
    value = settings.get(name)
    if isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= 1e6:
        return float(value)
    return None


def shares_engine(store: Store | None, notices: list[str]) -> bool:
    """Whether this session shares the state db's one engine with the other processes on
    it; when it cannot, today's way (its own engine), said once."""
    if store is None:  # the demo: a simulator of its own, and history in memory
        log.info("the demo polls its own simulator: no engine is shared")
        return False
    if store.path is None:  # its notice says why the db is in memory, and now this too
        store.notice = f"{store.notice.rstrip('.')}, and this window polls the API on its own."
        return False
    if not locks_work(store.path):
        notices.append(
            f"The state db's filesystem ({store.path.parent}) keeps no locks between "
            "processes: this window polls the API on its own, as does every other."
        )
        return False
    return True


def engine_elsewhere(store: Store) -> bool:
    """Another process is the state db's engine now (its lease held, and alive)."""
    try:
        holder = store.lease_holder()
    except sqlite3.Error:
        return False
    return holder is not None and not Judge().lost(holder)
