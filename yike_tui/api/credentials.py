"""Find credentials the way Alibaba Cloud's own tools do, and never show the secret.

Order: an explicit ``--profile`` (aliyun CLI profile), then the ``ALIBABA_CLOUD_*``
environment variables, then ``~/.aliyun/config.json`` (profile from
``ALIBABA_CLOUD_PROFILE`` or ``current``), then ``~/.alibabacloud/credentials.ini`` (or
``ALIBABA_CLOUD_CREDENTIALS_FILE``). A secret is never taken from the command line, where
it would land in shell history and ``ps``.
"""

from __future__ import annotations

import configparser
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from yike_tui import safe_read

DEFAULT_REGION = "cn-shanghai"

# aliyun CLI modes that need a token service we do not implement, with what to do instead.
_UNSUPPORTED_MODES = {
    "RamRoleArn": "assume the role yourself and use an StsToken profile or env vars",
    "EcsRamRole": "export ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET/SECURITY_TOKEN from the metadata",
    "RsaKeyPair": "use an AK or StsToken profile",
    "ChainableRamRoleArn": "assume the role yourself and use an StsToken profile",
    "OIDC": "exchange the OIDC token for STS credentials and use an StsToken profile",
    "CloudSSO": "run `aliyun configure` for an StsToken profile, or export env vars",
    "External": "export the credentials the external program prints as env vars",
    "CredentialsURI": "export the credentials the URI returns as env vars",
    "OAuth": "use an AK or StsToken profile",
}


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


def _from_env(env: Mapping[str, str]) -> Credentials | None:
    key_id = env.get("ALIBABA_CLOUD_ACCESS_KEY_ID", "").strip()
    secret = env.get("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "").strip()
    if not key_id and not secret:
        return None
    if not key_id or not secret:
        missing = "ALIBABA_CLOUD_ACCESS_KEY_SECRET" if key_id else "ALIBABA_CLOUD_ACCESS_KEY_ID"
        raise CredentialsError(f"{missing} is not set, but its pair is: set both, or neither")
    return Credentials(
        access_key_id=key_id,
        access_key_secret=secret,
        security_token=env.get("ALIBABA_CLOUD_SECURITY_TOKEN", "").strip() or None,
        source="environment (ALIBABA_CLOUD_ACCESS_KEY_ID)",
        region=env.get("ALIBABA_CLOUD_REGION_ID", "").strip() or None,
    )


def _read_small(path: Path) -> str:
    """A credentials file's text: a regular file of sane size only (a FIFO would hang us,
    a device or a huge file eat memory), read at its target when it is a symlink."""
    try:
        data = safe_read.read_regular(os.path.realpath(path))
    except (OSError, safe_read.NotReadable) as exc:
        raise CredentialsError(f"{path} could not be read: {exc}") from None
    if data is None:
        raise CredentialsError(f"{path} could not be read: it went away")
    return data.decode("utf-8", errors="replace")


def _from_aliyun_cli(path: Path, profile_name: str | None, *, explicit: bool) -> Credentials | None:
    if not path.is_file():
        if explicit:
            raise CredentialsError(f"--profile {profile_name}: {path} does not exist")
        return None
    try:
        data: Any = json.loads(_read_small(path))
    except ValueError as exc:
        raise CredentialsError(f"{path} could not be read as JSON: {exc}") from None
    if not isinstance(data, dict):
        raise CredentialsError(f"{path}: expected a JSON object at the top")
    name = profile_name or data.get("current") or "default"
    profiles = data.get("profiles") or []
    profile = next((p for p in profiles if isinstance(p, dict) and p.get("name") == name), None)
    if profile is None:
        if explicit or profile_name:
            names = ", ".join(str(p.get("name")) for p in profiles if isinstance(p, dict))
            raise CredentialsError(
                f"profile {name!r} is not in {path} (profiles there: {names or 'none'})"
            )
        return None
    mode = str(profile.get("mode") or "AK")
    where = f"aliyun CLI profile {name!r} ({path})"
    if mode in ("AK", "StsToken"):
        key_id = str(profile.get("access_key_id") or "").strip()
        secret = str(profile.get("access_key_secret") or "").strip()
        token = str(profile.get("sts_token") or "").strip() or None
        if not key_id or not secret:
            raise CredentialsError(f"{where} has mode {mode} but no access_key_id/secret")
        if mode == "StsToken" and not token:
            raise CredentialsError(f"{where} has mode StsToken but no sts_token")
        return Credentials(
            access_key_id=key_id,
            access_key_secret=secret,
            security_token=token if mode == "StsToken" else None,
            source=where,
            region=str(profile.get("region_id") or "").strip() or None,
        )
    advice = _UNSUPPORTED_MODES.get(mode, "use an AK or StsToken profile, or env vars")
    raise CredentialsError(
        f"{where} uses mode {mode}, which yike-tui does not support yet: {advice}"
    )


def _from_ini(path: Path, *, explicit: bool) -> Credentials | None:
    if not path.is_file():
        if explicit:
            raise CredentialsError(f"ALIBABA_CLOUD_CREDENTIALS_FILE {path} does not exist")
        return None
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(_read_small(path), source=str(path))
    except configparser.Error as exc:
        raise CredentialsError(f"{path} could not be read: {exc}") from None
    section = "default" if parser.has_section("default") else None
    if section is None:
        sections = parser.sections()
        if not sections:
            return None
        section = sections[0]
    sec = parser[section]
    kind = sec.get("type", "access_key").strip()
    where = f"credentials file {path} [{section}]"
    if kind != "access_key":
        raise CredentialsError(
            f"{where} has type {kind}, which yike-tui does not support: use type = access_key"
        )
    key_id = sec.get("access_key_id", "").strip()
    secret = sec.get("access_key_secret", "").strip()
    if not key_id or not secret:
        raise CredentialsError(f"{where} lacks access_key_id or access_key_secret")
    return Credentials(access_key_id=key_id, access_key_secret=secret, source=where)


def search_locations(env: Mapping[str, str] | None = None) -> list[str]:
    """Where credentials are looked for, in order, for help screens and errors."""
    env = os.environ if env is None else env
    ini = env.get("ALIBABA_CLOUD_CREDENTIALS_FILE") or str(
        _home() / ".alibabacloud" / "credentials.ini"
    )
    return [
        "ALIBABA_CLOUD_ACCESS_KEY_ID / ALIBABA_CLOUD_ACCESS_KEY_SECRET "
        "(+ ALIBABA_CLOUD_SECURITY_TOKEN)",
        f"{_home() / '.aliyun' / 'config.json'} (aliyun CLI; --profile or ALIBABA_CLOUD_PROFILE)",
        ini,
    ]


def resolve(profile: str | None = None, env: Mapping[str, str] | None = None) -> Credentials:
    """Return the first usable credentials, or raise ``CredentialsError`` saying why not."""
    env = os.environ if env is None else env
    cli_config = _home() / ".aliyun" / "config.json"
    if profile:
        found = _from_aliyun_cli(cli_config, profile, explicit=True)
        assert found is not None  # explicit lookups raise instead of returning None
        return found
    found = _from_env(env)
    if found:
        return found
    found = _from_aliyun_cli(cli_config, env.get("ALIBABA_CLOUD_PROFILE") or None, explicit=False)
    if found:
        return found
    ini_env = env.get("ALIBABA_CLOUD_CREDENTIALS_FILE")
    ini = Path(ini_env) if ini_env else _home() / ".alibabacloud" / "credentials.ini"
    found = _from_ini(ini, explicit=bool(ini_env))
    if found:
        return found
    tried = "\n  ".join(search_locations(env))
    raise CredentialsError(
        "no Alibaba Cloud credentials found. Looked in:\n  "
        + tried
        + "\nSet the environment variables, run `aliyun configure`, or try `yike-tui --demo`."
    )
