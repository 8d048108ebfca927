"""Find credentials the way Alibaba Cloud's own tools do, and never show the secret.

The rules are those of the vendor's ``alibabacloud-credentials`` default chain (pinned and
checked against it in tests/unit/test_credentials_chain.py): the ``ALIBABA_CLOUD_*``
environment keys (both id and secret, else passed over), then ``~/.aliyun/config.json``
(profile ``ALIBABA_CLOUD_PROFILE``, else the file's ``current``), then
``~/.alibabacloud/credentials.ini`` or ``ALIBABA_CLOUD_CREDENTIALS_FILE`` (section
``ALIBABA_CLOUD_PROFILE``, else ``default``). An explicit ``--profile`` (aliyun CLI
profile) comes before all of them. A secret is never taken from the command line, where
it would land in shell history and ``ps``.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from yike_tui.safety import safe_read

DEFAULT_REGION = "cn-shanghai"

# aliyun CLI modes and credentials.ini types that Alibaba Cloud's library turns into
# credentials through a token service (STS, ECS metadata, OIDC, SSO...). yike-tui does not
# call one: it names the mode and says what to do instead, rather than use another source.
_TOKEN_SERVICE_MODES = {
    "RamRoleArn": "assume the role yourself and use an StsToken profile or env vars",
    "EcsRamRole": "export ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET/SECURITY_TOKEN from the metadata",
    "ChainableRamRoleArn": "assume the role yourself and use an StsToken profile",
    "OIDC": "exchange the OIDC token for STS credentials and use an StsToken profile",
    "CloudSSO": "run `aliyun configure` for an StsToken profile, or export env vars",
    "External": "export the credentials the external program prints as env vars",
    "OAuth": "use an AK or StsToken profile",
}
_TOKEN_SERVICE_TYPES = {
    "ram_role_arn": _TOKEN_SERVICE_MODES["RamRoleArn"],
    "oidc_role_arn": _TOKEN_SERVICE_MODES["OIDC"],
    "ecs_ram_role": _TOKEN_SERVICE_MODES["EcsRamRole"],
    "rsa_key_pair": "use type = access_key, or export env vars",
}
# aliyun CLI modes the vendor's library does not know: it skips them, so do we, with advice.
_UNKNOWN_MODES = {
    "RsaKeyPair": "use an AK or StsToken profile",
    "CredentialsURI": "export the credentials the URI returns as env vars",
}


# What Alibaba Cloud's default chain would try that yike-tui does not, for `info` (one line).
NOT_USED = (
    "token services (RamRoleArn, EcsRamRole and ECS metadata, OIDC, CloudSSO, OAuth, "
    "External, a credentials URI): named with what to do, never passed over"
)


class CredentialsError(Exception):
    """No usable credentials; the message says what was tried and what to do."""


# The longest value of each part we accept: ids are ~30 characters, secrets ~30, STS tokens
# a few hundred to a couple of thousand.
_MAX_LENGTH = {"AccessKey id": 128, "AccessKey secret": 256, "security token": 8192}


def _check_value(what: str, value: str, source: str) -> None:
    """Refuse a credential that cannot be one: it would go into a header (where CR/LF
    splits it and non-ASCII breaks the request) and be retried as a network error. The
    message never quotes the value, only where it came from."""
    where = f" from {source}" if source else ""
    if not value:
        raise CredentialsError(f"the {what}{where} is empty")
    if len(value) > _MAX_LENGTH[what]:
        raise CredentialsError(
            f"the {what}{where} is {len(value)} characters long (at most "
            f"{_MAX_LENGTH[what]}): not a credential; copy it again"
        )
    bad = next((i for i, ch in enumerate(value) if not "!" <= ch <= "~"), None)
    if bad is not None:
        raise CredentialsError(
            f"the {what}{where} has a character that is not visible ASCII (a line break, a "
            f"space, a control or non-ASCII character) at position {bad + 1}: copy it again"
        )


def mask(value: str) -> str:
    """``LTAI5tAbCdEfGh1234`` -> ``LTAI****1234``: enough to recognise, not to use."""
    if len(value) <= 8:
        return "****"
    return f"{value[:4]}****{value[-4:]}"


@dataclass(frozen=True)
class Credentials:
    access_key_id: str
    access_key_secret: str = field(repr=False)
    security_token: str | None = field(default=None, repr=False)
    source: str = ""  # where they came from, for `yike-tui info` and the status bar
    region: str | None = None
    # Sources before this one that were there but unusable, one line each, for `info`.
    passed_over: tuple[str, ...] = field(default=(), compare=False)

    def __post_init__(self) -> None:
        _check_value("AccessKey id", self.access_key_id, self.source)
        _check_value("AccessKey secret", self.access_key_secret, self.source)
        if self.security_token is not None:
            _check_value("security token", self.security_token, self.source)

    def __repr__(self) -> str:
        token = ", security_token=****" if self.security_token else ""
        return (
            f"Credentials(access_key_id={mask(self.access_key_id)!r}, "
            f"access_key_secret=****{token}, source={self.source!r})"
        )

    __str__ = __repr__

    @property
    def masked_id(self) -> str:
        return mask(self.access_key_id)

    def describe(self) -> str:
        kind = "STS" if self.security_token else "AccessKey"
        return f"{kind} {self.masked_id} from {self.source}"


def _home() -> Path:
    return Path(os.path.expanduser("~"))


class _PassOver(Exception):
    """A source is there but not usable; like the vendor's chain we go on to the next one,
    and keep this one-line reason for the final error and for ``info``."""


def _deliberate(where: str, what: str, advice: str) -> CredentialsError:
    """A source the vendor's tools would use through a token service yike-tui does not
    implement: we stop here rather than fall through to another (possibly other) account."""
    return CredentialsError(
        f"{where} uses {what}, which needs a token service yike-tui does not call: {advice}"
    )


def _from_env(env: Mapping[str, str]) -> Credentials | None:
    key_id = env.get("ALIBABA_CLOUD_ACCESS_KEY_ID", "").strip()
    secret = env.get("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "").strip()
    if not key_id and not secret:
        return None
    if not key_id or not secret:
        missing, present = _ENV_PAIR if key_id else _ENV_PAIR[::-1]
        raise _PassOver(f"environment: {missing} is not set (only {present} is)")
    return Credentials(
        access_key_id=key_id,
        access_key_secret=secret,
        security_token=env.get("ALIBABA_CLOUD_SECURITY_TOKEN", "").strip() or None,
        source="environment (ALIBABA_CLOUD_ACCESS_KEY_ID)",
        region=env.get("ALIBABA_CLOUD_REGION_ID", "").strip() or None,
    )


_ENV_PAIR = ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "ALIBABA_CLOUD_ACCESS_KEY_ID")
_OIDC_VARS = (
    "ALIBABA_CLOUD_OIDC_TOKEN_FILE",
    "ALIBABA_CLOUD_ROLE_ARN",
    "ALIBABA_CLOUD_OIDC_PROVIDER_ARN",
)


def _check_oidc_env(env: Mapping[str, str]) -> None:
    """The vendor's chain tries an OIDC role right after the env keys when all three are set."""
    if all(env.get(name, "").strip() for name in _OIDC_VARS):
        raise _deliberate(
            "the environment",
            "an OIDC role (" + ", ".join(_OIDC_VARS) + ")",
            _TOKEN_SERVICE_MODES["OIDC"],
        )


def _read_small(path: Path) -> str:
    """A credentials file's text: a regular file of sane size only (a FIFO would hang us,
    a device or a huge file eat memory), read at its target when it is a symlink."""
    try:
        data = safe_read.read_regular(os.path.realpath(path))
    except (OSError, safe_read.NotReadable) as exc:
        raise _PassOver(f"{path} could not be read: {exc}") from None
    if data is None:
        raise _PassOver(f"{path} could not be read: it went away")
    return data.decode("utf-8", errors="replace")


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _from_aliyun_cli(
    path: Path, env: Mapping[str, str], profile_name: str | None
) -> Credentials | None:
    """The vendor's CLIProfileCredentialsProvider: the profile named by ``--profile``, else
    ``ALIBABA_CLOUD_PROFILE``, else the file's ``current`` (no fallback to "default")."""
    if env.get("ALIBABA_CLOUD_CLI_PROFILE_DISABLED", "").strip().lower() == "true":
        raise _PassOver(f"{path}: turned off by ALIBABA_CLOUD_CLI_PROFILE_DISABLED=true")
    if not path.is_file():
        return None
    try:
        data: Any = json.loads(_read_small(path))
    except ValueError as exc:
        raise _PassOver(f"{path} could not be read as JSON: {exc}") from None
    if not isinstance(data, dict):
        raise _PassOver(f"{path}: expected a JSON object at the top")
    name = (
        profile_name or env.get("ALIBABA_CLOUD_PROFILE", "").strip() or _text(data.get("current"))
    )
    if not name:
        raise _PassOver(f"{path} has no current profile and ALIBABA_CLOUD_PROFILE is not set")
    profiles = data.get("profiles")
    profiles = [p for p in profiles if isinstance(p, dict)] if isinstance(profiles, list) else []
    profile = next((p for p in profiles if p.get("name") == name), None)
    if profile is None:
        names = ", ".join(str(p.get("name")) for p in profiles)
        raise _PassOver(f"profile {name!r} is not in {path} (profiles there: {names or 'none'})")
    mode = profile.get("mode")
    where = f"aliyun CLI profile {name!r} ({path})"
    if mode in ("AK", "StsToken"):
        key_id = _text(profile.get("access_key_id"))
        secret = _text(profile.get("access_key_secret"))
        token = _text(profile.get("sts_token")) or None
        if not key_id or not secret:
            raise _PassOver(f"{where} has mode {mode} but no access_key_id/access_key_secret")
        if mode == "StsToken" and not token:
            raise _PassOver(f"{where} has mode StsToken but no sts_token")
        return Credentials(
            access_key_id=key_id,
            access_key_secret=secret,
            security_token=token if mode == "StsToken" else None,
            source=where,
            region=_text(profile.get("region_id")) or None,
        )
    if mode in _TOKEN_SERVICE_MODES:
        raise _deliberate(where, f"mode {mode}", _TOKEN_SERVICE_MODES[str(mode)])
    # A mode the vendor's library does not know either (or none at all): it moves on.
    advice = _UNKNOWN_MODES.get(str(mode), "use mode AK or StsToken")
    raise _PassOver(f"{where} has mode {mode!r}, which Alibaba Cloud's library skips: {advice}")


def _ini_value(raw: str) -> str:
    """As the vendor reads an ini value: cut at the first ``#`` (a trailing comment), strip."""
    return raw.split("#", 1)[0].strip()


def _from_ini(path: Path, env: Mapping[str, str], *, named: bool) -> Credentials | None:
    """The vendor's ProfileCredentialsProvider: section ``ALIBABA_CLOUD_PROFILE`` or
    ``default`` (never another), which must say ``type = access_key``."""
    if not path.is_file():
        if named:
            raise _PassOver(f"ALIBABA_CLOUD_CREDENTIALS_FILE {path} does not exist")
        return None
    import configparser  # only when the file exists: kept off every command's start-up

    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(_read_small(path), source=str(path))
    except configparser.Error as exc:
        reason = " ".join(str(exc).split())  # configparser's messages span lines
        raise _PassOver(f"{path} could not be read: {reason}") from None
    section = env.get("ALIBABA_CLOUD_PROFILE", "").strip() or "default"
    if not parser.has_section(section):
        names = ", ".join(parser.sections())
        raise _PassOver(f"{path} has no [{section}] section (sections there: {names or 'none'})")
    sec = parser[section]
    kind = _ini_value(sec.get("type", ""))
    where = f"credentials file {path} [{section}]"
    if kind == "access_key":
        key_id = _ini_value(sec.get("access_key_id", ""))
        secret = _ini_value(sec.get("access_key_secret", ""))
        if not key_id or not secret:
            raise _PassOver(f"{where} lacks access_key_id or access_key_secret")
        return Credentials(access_key_id=key_id, access_key_secret=secret, source=where)
    if kind in _TOKEN_SERVICE_TYPES:
        raise _deliberate(where, f"type {kind}", _TOKEN_SERVICE_TYPES[kind])
    shown = f"type {kind!r}" if kind else "no type"
    raise _PassOver(
        f"{where} has {shown}, which Alibaba Cloud's library skips: use type = access_key"
    )


def search_locations(env: Mapping[str, str] | None = None) -> list[str]:
    """Where credentials are looked for, in order, for help screens and errors."""
    env = os.environ if env is None else env
    ini = env.get("ALIBABA_CLOUD_CREDENTIALS_FILE") or str(
        _home() / ".alibabacloud" / "credentials.ini"
    )
    return [
        "ALIBABA_CLOUD_ACCESS_KEY_ID / ALIBABA_CLOUD_ACCESS_KEY_SECRET "
        "(+ ALIBABA_CLOUD_SECURITY_TOKEN)",
        f"{_home() / '.aliyun' / 'config.json'} (aliyun CLI; --profile, ALIBABA_CLOUD_PROFILE "
        "or current)",
        f"{ini} ([ALIBABA_CLOUD_PROFILE] or [default])",
    ]


def _cli_config() -> Path:
    return _home() / ".aliyun" / "config.json"


def resolve(profile: str | None = None, env: Mapping[str, str] | None = None) -> Credentials:
    """Return the first usable credentials, or raise ``CredentialsError`` saying why not.

    The order and the rules are those of the vendor's ``alibabacloud-credentials`` default
    chain (tests/unit/test_credentials_chain.py runs it as the oracle): a source that is
    there but unusable is passed over, not fatal. Where we differ on purpose we stop with
    a message: a value that cannot be a credential, a token-service mode or type, and an
    explicit ``--profile`` (which the vendor's chain has no notion of) that is unusable.
    """
    env = os.environ if env is None else env
    if profile:
        try:
            found = _from_aliyun_cli(_cli_config(), env, profile)
        except _PassOver as exc:
            raise CredentialsError(f"--profile {profile}: {exc}") from None
        if found is None:
            raise CredentialsError(f"--profile {profile}: {_cli_config()} does not exist")
        return found
    ini_env = env.get("ALIBABA_CLOUD_CREDENTIALS_FILE", "").strip()
    ini = Path(ini_env) if ini_env else _home() / ".alibabacloud" / "credentials.ini"
    sources: list[Callable[[], Credentials | None]] = [
        lambda: _from_env(env),
        lambda: _check_oidc_env(env),
        lambda: _from_aliyun_cli(_cli_config(), env, None),
        lambda: _from_ini(ini, env, named=bool(ini_env)),
    ]
    passed_over: list[str] = []
    for source in sources:
        try:
            found = source()
        except _PassOver as exc:
            passed_over.append(str(exc))
            continue
        if found is not None:
            return dataclasses.replace(found, passed_over=tuple(passed_over))
    lines = ["no Alibaba Cloud credentials found. Looked in:"]
    lines += [f"  {where}" for where in search_locations(env)]
    if passed_over:
        lines += ["Passed over:"] + [f"  {reason}" for reason in passed_over]
    if env.get("ALIBABA_CLOUD_CREDENTIALS_URI", "").strip():
        lines.append(
            "ALIBABA_CLOUD_CREDENTIALS_URI is set: yike-tui does not fetch credentials from "
            "a URI; export what it returns as ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET/SECURITY_TOKEN."
        )
    lines.append("Set the environment variables, run `aliyun configure`, or try `yike-tui --demo`.")
    raise CredentialsError("\n".join(lines))
