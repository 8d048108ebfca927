"""The API client's tests run over both transports: the lean one and httpx's own.

``api_transport`` sets ``YIKE_TUI_TRANSPORT`` (what a user sets), so every ``ApiClient`` a
test builds, the in-process CLI's included, carries its calls over the transport named.
"""

from __future__ import annotations

import pytest

from yike_tui.api.client import ApiClient
from yike_tui.api.transport import TRANSPORT_ENV, TRANSPORT_NAMES, LeanTransport


@pytest.fixture(params=TRANSPORT_NAMES)
def api_transport(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    name: str = request.param
    monkeypatch.setenv(TRANSPORT_ENV, name)
    return name


def carried_by(client: ApiClient) -> str:
    """The transport that really carries ``client``'s API calls, seen from its httpx client."""
    lean = isinstance(client._http._transport, LeanTransport)
    assert client.transport_name == ("lean" if lean else "httpx")
    return client.transport_name
