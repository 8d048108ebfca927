"""Where a run connects, and the client it connects with.

``connect`` resolves the API, region, endpoint (``api/endpoints.py``: the one rule) and
credentials (or starts the demo simulator); ``make_client`` builds the API client every
command and the TUI use.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal

from yike_tui.api.credentials import Credentials, CredentialsError, resolve
from yike_tui.api.endpoints import (
    APIS,
    DEFAULT_API,
    ApiSpec,
    EndpointError,
    Target,
    TargetError,
    resolve_target,
    validate_endpoint,
)
from yike_tui.core.config import Config, ConfigError, chosen_yike_user_id, load_config
from yike_tui.core.exits import CredentialsUnusable, UsageError

if TYPE_CHECKING:  # the client (httpx, h11...) is imported when one is made: the TUI's
    # first frame and ``--help`` never need it
    from yike_tui.api.client import ApiClient

COMMAND_RETRIES = 3  # a one-shot command retries a transient failure a few times itself


@dataclass
class Connection:
    endpoint: str
    credentials: Credentials
    demo_job_ids: list[str]
    api: ApiSpec = APIS[DEFAULT_API]  # which product API (version) the client speaks
    region: str = ""  # "" = the API's default region
    target: Target | None = None  # how API, region and endpoint were chosen (for info)
    yike_user_id: str = ""  # whose credits ICE reads ("" = none: ICE shows no balance)
    yike_user_id_from: str = ""  # where it came from (for info)


@dataclass(frozen=True)
class RunOptions:
    """What the command line chose for this run, typed: the CLI turns its flags into this
    (``cli.run_options``) and nothing below it reads a flag."""

    demo: bool = False  # the built-in simulator, not the user's account or files
    profile: str | None = None  # an aliyun CLI profile
    api: str | None = None  # "ice" | "yike"; None: the environment, config.toml, the default
    region: str | None = None
    endpoint: str | None = None
    interval: float | None = None  # seconds between refreshes; None: config.toml's


def chosen_target(
    options: RunOptions, config: Config | None, credentials_region: str | None = None
) -> Target:
    """The API, region and endpoint of this run (``endpoints.resolve_target``: flag >
    environment > config.toml > default); one that does not exist is a UsageError."""

    def from_file(name: str) -> str:  # a setting config.toml sets, else "" (not chosen)
        return str(getattr(config.settings, name)) if config and name in config.from_file else ""

    try:
        return resolve_target(
            api=options.api,
            region=options.region,
            endpoint=options.endpoint,
            settings_api=from_file("api"),
            settings_region=from_file("region"),
            credentials_region=credentials_region,
        )
    except TargetError as exc:
        raise UsageError(str(exc)) from None


def configured() -> Config | None:
    """config.toml for a one-shot command (a session passes its own); None when the file is
    broken (reported where it is used). A missing file gives the defaults."""
    try:
        return load_config()
    except ConfigError:
        return None


@contextlib.contextmanager
def connect(
    options: RunOptions, config: Config | Literal["read"] | None = "read"
) -> Iterator[Connection]:
    """Resolve API, region, endpoint and credentials (or start the demo simulator) for a
    run; ``config``: config.toml (read here by default; None: not usable; the demo uses none).

    An unknown API or region, or a bad endpoint, is a UsageError (before credentials are
    sought); no usable credentials CredentialsUnusable."""
    if options.demo:
        from yike_tui.sim import (
            DEMO_ACCESS_KEY_ID,
            DEMO_ACCESS_KEY_SECRET,
            DEMO_YIKE_USER_ID,
            SimulatorThread,
        )

        target = chosen_target(options, None)  # the demo simulator answers either API
        with SimulatorThread(scenario="demo", sample_job=True) as sim:
            creds = Credentials(
                access_key_id=DEMO_ACCESS_KEY_ID,
                access_key_secret=DEMO_ACCESS_KEY_SECRET,
                source="built-in demo simulator",
            )
            target = replace(target, endpoint=sim.endpoint, endpoint_from="the demo simulator")
            yield Connection(
                sim.endpoint,
                creds,
                list(sim.job_ids),
                target.api,
                target.region,
                target,
                yike_user_id=DEMO_YIKE_USER_ID,  # the simulator's own Yike user
                yike_user_id_from="the demo simulator",
            )
        return

    used = configured() if config == "read" else config
    target = chosen_target(options, used)
    try:
        endpoint = validate_endpoint(target.endpoint)
    except EndpointError as exc:
        raise UsageError(str(exc)) from None
    try:
        creds = resolve(profile=options.profile)
    except CredentialsError as exc:
        raise CredentialsUnusable(str(exc)) from None
    # The credentials' region (ALIBABA_CLOUD_REGION_ID, the profile's) when nothing else
    # chose one and this API serves it; with it may come that region's endpoint.
    target = chosen_target(options, used, creds.region)
    endpoint = validate_endpoint(target.endpoint)
    user_id, user_id_from = chosen_yike_user_id(used)
    yield Connection(endpoint, creds, [], target.api, target.region, target, user_id, user_id_from)


def make_client(
    conn: Connection,
    *,
    retries: int = COMMAND_RETRIES,
    max_connections: int | None = None,
    pacer: Callable[[], Awaitable[None]] | None = None,
    transport_name: str = "",
) -> ApiClient:
    """The API client for ``conn``. ``retries``: transient failures retried inside the
    client (0 for calls that must never repeat); ``pacer``: awaited before every retry, so
    retries count against the engine's rate limit like first tries; ``transport_name``:
    config.toml's ``transport`` ("" = not set)."""
    from yike_tui.api.client import ApiClient
    from yike_tui.api.transport import UnknownTransport

    config = configured() if not transport_name else None
    name = transport_name or (config.settings.transport if config else "")
    options: dict[str, Any] = {
        "retries": retries,
        "pacer": pacer,
        "transport_name": name,
        "yike_user_id": conn.yike_user_id,
    }
    if max_connections is not None:
        options["max_connections"] = max_connections
    try:
        return ApiClient(
            conn.credentials,
            endpoint=conn.endpoint,
            version=conn.api.version,
            region=conn.region or None,
            **options,
        )
    except UnknownTransport as exc:  # $YIKE_TUI_TRANSPORT names no transport: bad usage
        raise UsageError(str(exc)) from None
