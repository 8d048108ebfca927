"""The one table of the APIs yike-tui speaks, and the one rule that picks an endpoint.

The storyboard actions are sold twice: inside ICE (``2020-11-09``, cn-shanghai only) and as
the stand-alone Yike product (``2026-03-19``, cn-shanghai and ap-southeast-1, with subtitles
and credits). Which API, which region and which endpoint a run uses are decided here and
nowhere else (``resolve_target``): the flag, else the environment, else config.toml's
``[settings]``, else the default; an explicit endpoint (``--endpoint`` or
``$YIKE_TUI_ENDPOINT``, the simulator's, a proxy's) wins over the region's.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

API_ENV = "YIKE_TUI_API"
REGION_ENV = "YIKE_TUI_REGION"
ENDPOINT_ENV = "YIKE_TUI_ENDPOINT"


@dataclass(frozen=True)
class ApiSpec:
    """One product API: its name on the command line, version, product code and regions."""

    name: str  # "ice" | "yike": --api, [settings] api
    title: str  # how messages name it
    version: str  # the x-acs-version every call carries
    product: str  # the product code in the vendor's endpoint tables
    regions: Mapping[str, str]  # region id -> host
    default_region: str

    def endpoint(self, region: str) -> str:
        return f"https://{self.regions[region]}"


APIS: dict[str, ApiSpec] = {
    "ice": ApiSpec(
        name="ice",
        title="ICE",
        version="2020-11-09",
        product="ICE",
        regions={"cn-shanghai": "ice.cn-shanghai.aliyuncs.com"},
        default_region="cn-shanghai",
    ),
    "yike": ApiSpec(
        name="yike",
        title="the Yike product",
        version="2026-03-19",
        product="yike",
        regions={
            "cn-shanghai": "yike.cn-shanghai.aliyuncs.com",
            "ap-southeast-1": "yike.ap-southeast-1.aliyuncs.com",
        },
        default_region="cn-shanghai",
    ),
}
DEFAULT_API = "ice"


def api_for_version(version: str) -> ApiSpec | None:
    """The API that speaks ``version``; None for a version not in the table."""
    return next((api for api in APIS.values() if api.version == version), None)


def other_api_hint(version: str) -> str:
    """What to add when a JobId is unknown to the API of ``version``: the other one may know
    it (a job of one product is never visible through the other)."""
    api = api_for_version(version)
    if api is None:
        return ""
    other = next(a for a in APIS.values() if a is not api)
    return f"not known to {api.title}; if it is a job of {other.title}, try --api {other.name}"


class TargetError(ValueError):
    """An API, region or combination of them that does not exist; ``str()`` is one line."""


@dataclass(frozen=True)
class Target:
    """What a run talks to, and where each choice came from (for ``info``)."""

    api: ApiSpec
    region: str
    endpoint: str  # not yet validated: see validate_endpoint
    api_from: str
    region_from: str
    endpoint_from: str

    @property
    def version(self) -> str:
        return self.api.version


def _pick(choices: list[tuple[str | None, str]]) -> tuple[str, str]:
    """The first (value, where) with a non-blank value; ("", "") when none."""
    for value, where in choices:
        if value is not None and value.strip():
            return value.strip(), where
    return "", ""


def resolve_target(
    *,
    api: str | None = None,
    region: str | None = None,
    endpoint: str | None = None,
    settings_api: str = "",
    settings_region: str = "",
    credentials_region: str | None = None,
    env: Mapping[str, str] | None = None,
) -> Target:
    """The API, region and endpoint of a run. Each: the flag > the environment
    (``YIKE_TUI_API``, ``YIKE_TUI_REGION``, ``YIKE_TUI_ENDPOINT``) > config.toml's
    ``[settings]`` > (the region only) the credentials' region when that API serves it >
    the default. An unknown API or a region the API does not serve is a TargetError naming
    the valid ones."""
    env = os.environ if env is None else env
    name, api_from = _pick(
        [(api, "--api"), (env.get(API_ENV), API_ENV), (settings_api, "config.toml")]
    )
    if not name:
        name, api_from = DEFAULT_API, "default"
    spec = APIS.get(name.lower())
    if spec is None:
        raise TargetError(f"unknown API {name!r} (from {api_from}): use one of {', '.join(APIS)}")
    chosen, region_from = _pick(
        [(region, "--region"), (env.get(REGION_ENV), REGION_ENV), (settings_region, "config.toml")]
    )
    if chosen and chosen not in spec.regions:
        raise TargetError(
            f"region {chosen!r} (from {region_from}) has no {spec.name} endpoint: "
            f"{spec.name} serves {', '.join(spec.regions)}"
        )
    if not chosen:
        if credentials_region and credentials_region in spec.regions:
            chosen, region_from = credentials_region, "the credentials"
        else:
            chosen, region_from = spec.default_region, "default"
    explicit, endpoint_from = _pick(
        [(endpoint, "--endpoint"), (env.get(ENDPOINT_ENV), ENDPOINT_ENV)]
    )
    if not explicit:
        explicit, endpoint_from = spec.endpoint(chosen), f"{spec.name} in {chosen}"
    return Target(spec, chosen, explicit, api_from, region_from, endpoint_from)


class EndpointError(ValueError):
    """An endpoint URL we refuse to use (bad scheme, plain http to a remote host...)."""


def is_loopback(host: str) -> bool:
    """``localhost`` or a loopback address (bracketed IPv6 too): where plain http may go."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def validate_endpoint(endpoint: str) -> str:
    """Normalise ``endpoint``; plain http is only allowed to loopback (the simulator)."""
    parts = urlsplit(endpoint.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise EndpointError(f"endpoint {endpoint!r} is not an http(s) URL with a host")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise EndpointError(
            f"endpoint {endpoint!r}: plain http is only allowed to loopback; use https"
        )
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise EndpointError(f"endpoint {endpoint!r} must not have a path or query")
    try:
        port = parts.port
    except ValueError:  # not a number, or past 65535
        port = -1
    if port is not None and not 0 < port <= 65535:
        raise EndpointError(f"endpoint {endpoint!r}: the port must be a number from 1 to 65535")
    return f"{parts.scheme}://{parts.netloc}"
