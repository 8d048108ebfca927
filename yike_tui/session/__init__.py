"""The one place a connection, a client, a store and an engine are built.

``connection.py``: where a run connects (API, region, endpoint, credentials, or the demo
simulator) and the client it connects with. ``session.py``: a watching session for ``watch``
and the TUI (settings, the watch list, the connection, one client and one engine).
``watchlist.py``: the watch list for the commands that read or change it. Wherever the state
db is opened, config.toml's old ``[[jobs]]`` are imported into it once; config.toml is never
written.
"""

from yike_tui.session.connection import (
    COMMAND_RETRIES,
    Connection,
    RunOptions,
    chosen_target,
    configured,
    connect,
    make_client,
)
from yike_tui.session.session import Session, open_session, session_for
from yike_tui.session.watchlist import (
    WatchListError,
    import_once,
    open_watchlist,
    read_watchlist,
)

__all__ = [
    "COMMAND_RETRIES",
    "Connection",
    "RunOptions",
    "Session",
    "WatchListError",
    "chosen_target",
    "configured",
    "connect",
    "import_once",
    "make_client",
    "open_session",
    "open_watchlist",
    "read_watchlist",
    "session_for",
]
