"""A small hostile API server on loopback, and the environment that points yike-tui at it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


def reply_json(handler: BaseHTTPRequestHandler, status: int, body: bytes) -> None:
    """Send ``body`` as the whole JSON answer, with its length."""
    handler.send_response(status)
    handler.send_header("content-type", "application/json")
    handler.send_header("content-length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


@contextmanager
def api_endpoint(
    handler: type[BaseHTTPRequestHandler], key_id: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """Serve ``handler`` on 127.0.0.1 and set the credentials and endpoint a user would."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", key_id)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "x")
    monkeypatch.setenv("YIKE_TUI_ENDPOINT", url)
    try:
        yield url
    finally:
        server.shutdown()
        server.server_close()
