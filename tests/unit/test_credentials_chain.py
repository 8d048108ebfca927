"""The credentials chain, case by case, against the vendor's own library.

Each case is the environment and the files a user has; its pin is the AccessKey id the
vendor's ``alibabacloud-credentials`` default chain uses there (or ``None``: it finds
none). ``test_yike_tui_gives_the_pinned_answer`` runs always, offline.
``test_the_vendor_chain_gives_the_pinned_answer`` (the `compat` extra installed) runs the
vendor's chain on the same cases, in a child process with its network sources switched
off and sockets refused, so the pins are the oracle's answers and not our guesses.

Left out on purpose (see README, Credentials): modes and ini types that need a token
service (the vendor's chain would call it; yike-tui stops and says what to do), the OIDC
env trio, ECS metadata and a credentials URI.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.hardening.cli_run import run
from yike_tui.api.credentials import CredentialsError, resolve

CLI = "home/.aliyun/config.json"
INI = "home/.alibabacloud/credentials.ini"
OTHER_INI = "other.ini"  # for ALIBABA_CLOUD_CREDENTIALS_FILE, outside HOME
ENV_ID = "LTAIenv000001"
ENV = {"ALIBABA_CLOUD_ACCESS_KEY_ID": ENV_ID, "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "env-secret"}


def ak(name: str, key_id: str, **extra: str) -> dict[str, str]:
    return {"name": name, "mode": "AK", "access_key_id": key_id, "access_key_secret": "s"} | extra


def sts(name: str, key_id: str) -> dict[str, str]:
    return ak(name, key_id, mode="StsToken", sts_token="token-" + name)


def cli(current: str | None, *profiles: dict[str, str]) -> str:
    data: dict[str, object] = {"profiles": list(profiles)}
    if current is not None:
        data["current"] = current
    return json.dumps(data)


def section(name: str, key_id: str, kind: str | None = "access_key") -> str:
    type_line = f"type = {kind}\n" if kind else ""
    return f"[{name}]\n{type_line}access_key_id = {key_id}\naccess_key_secret = s\n"


@dataclass(frozen=True)
class Case:
    id: str
    expect: str | None  # the AccessKey id used, or None: no credentials
    env: dict[str, str] = field(default_factory=dict)  # "{root}" stands for the tmp dir
    files: dict[str, str] = field(default_factory=dict)  # path under the tmp dir -> text
    profile: str | None = None  # yike-tui's --profile


CLI_AB = cli("b", ak("a", "LTAIcliA0001"), sts("b", "STScliB0001"))
INI_DEFAULT = section("default", "LTAIiniDef01")
INI_DEFAULT_P9 = INI_DEFAULT + section("p9", "LTAIiniP9001")

CASES = [
    # The environment: both keys, or it is passed over.
    Case("env", ENV_ID, env=ENV),
    Case("env-with-token", ENV_ID, env=ENV | {"ALIBABA_CLOUD_SECURITY_TOKEN": "t"}),
    Case("env-before-both-files", ENV_ID, env=ENV, files={CLI: CLI_AB, INI: INI_DEFAULT}),
    Case("env-id-only-then-cli", "STScliB0001",
         env={"ALIBABA_CLOUD_ACCESS_KEY_ID": ENV_ID}, files={CLI: CLI_AB}),
    Case("env-secret-only-then-ini", "LTAIiniDef01",
         env={"ALIBABA_CLOUD_ACCESS_KEY_SECRET": "x"}, files={INI: INI_DEFAULT}),
    Case("env-id-only-alone", None, env={"ALIBABA_CLOUD_ACCESS_KEY_ID": ENV_ID}),
    # The aliyun CLI's file: ALIBABA_CLOUD_PROFILE, else current; modes AK and StsToken.
    Case("cli-current-sts", "STScliB0001", files={CLI: CLI_AB}),
    Case("cli-current-ak", "LTAIcliA0001", files={CLI: cli("a", ak("a", "LTAIcliA0001"))}),
    Case("cli-env-profile", "LTAIcliA0001", env={"ALIBABA_CLOUD_PROFILE": "a"},
         files={CLI: CLI_AB}),
    Case("cli-before-ini", "STScliB0001", files={CLI: CLI_AB, INI: INI_DEFAULT}),
    Case("cli-no-current-then-ini", "LTAIiniDef01",
         files={CLI: cli(None, ak("default", "LTAIcliD0001")), INI: INI_DEFAULT}),
    Case("cli-empty-current-then-ini", "LTAIiniDef01",
         files={CLI: cli("", ak("default", "LTAIcliD0001")), INI: INI_DEFAULT}),
    Case("cli-current-missing-then-ini", "LTAIiniDef01",
         files={CLI: cli("gone", ak("a", "LTAIcliA0001")), INI: INI_DEFAULT}),
    Case("cli-ak-without-secret-then-ini", "LTAIiniDef01",
         files={CLI: cli("a", ak("a", "LTAIcliA0001", access_key_secret="")),
                INI: INI_DEFAULT}),
    Case("cli-sts-without-token-then-ini", "LTAIiniDef01",
         files={CLI: cli("b", ak("b", "STScliB0001", mode="StsToken")), INI: INI_DEFAULT}),
    Case("cli-no-mode-then-ini", "LTAIiniDef01",
         files={CLI: cli("a", {"name": "a", "access_key_id": "LTAIcliA0001",
                               "access_key_secret": "s"}), INI: INI_DEFAULT}),
    Case("cli-unknown-mode-then-ini", "LTAIiniDef01",
         files={CLI: cli("a", ak("a", "LTAIcliA0001", mode="Bogus")), INI: INI_DEFAULT}),
    Case("cli-rsa-mode-then-ini", "LTAIiniDef01",
         files={CLI: cli("a", ak("a", "LTAIcliA0001", mode="RsaKeyPair")), INI: INI_DEFAULT}),
    Case("cli-uri-mode-then-ini", "LTAIiniDef01",
         files={CLI: cli("a", ak("a", "LTAIcliA0001", mode="CredentialsURI")), INI: INI_DEFAULT}),
    Case("cli-broken-json-then-ini", "LTAIiniDef01", files={CLI: "{not json", INI: INI_DEFAULT}),
    Case("cli-disabled-then-ini", "LTAIiniDef01",
         env={"ALIBABA_CLOUD_CLI_PROFILE_DISABLED": "true"}, files={CLI: CLI_AB, INI: INI_DEFAULT}),
    Case("cli-env-profile-missing-then-ini-section", "LTAIiniP9001",
         env={"ALIBABA_CLOUD_PROFILE": "p9"}, files={CLI: CLI_AB, INI: INI_DEFAULT_P9}),
    Case("cli-env-profile-missing-alone", None, env={"ALIBABA_CLOUD_PROFILE": "p9"},
         files={CLI: CLI_AB}),
    # credentials.ini: [ALIBABA_CLOUD_PROFILE] else [default], and type = access_key.
    Case("ini-default", "LTAIiniDef01", files={INI: INI_DEFAULT}),
    Case("ini-env-profile", "LTAIiniP9001", env={"ALIBABA_CLOUD_PROFILE": "p9"},
         files={INI: INI_DEFAULT_P9}),
    Case("ini-env-profile-missing", None, env={"ALIBABA_CLOUD_PROFILE": "p7"},
         files={INI: INI_DEFAULT_P9}),
    Case("ini-only-named-section", None, files={INI: section("p9", "LTAIiniP9001")}),
    Case("ini-without-type", None, files={INI: section("default", "LTAIiniDef01", None)}),
    Case("ini-unknown-type", None, files={INI: section("default", "LTAIiniDef01", "bogus")}),
    Case("ini-without-secret", None,
         files={INI: "[default]\ntype = access_key\naccess_key_id = LTAIiniDef01\n"}),
    Case("ini-trailing-comments", "LTAIiniDef01",
         files={INI: "[default]\ntype = access_key # main\n"
                     "access_key_id = LTAIiniDef01 # me\naccess_key_secret = s\n"}),
    Case("ini-file-env", "LTAIother001",
         env={"ALIBABA_CLOUD_CREDENTIALS_FILE": "{root}/" + OTHER_INI},
         files={OTHER_INI: section("default", "LTAIother001"), INI: INI_DEFAULT}),
    Case("ini-file-env-profile", "LTAIotherP91",
         env={"ALIBABA_CLOUD_CREDENTIALS_FILE": "{root}/" + OTHER_INI,
              "ALIBABA_CLOUD_PROFILE": "p9"},
         files={OTHER_INI: section("default", "x") + section("p9", "LTAIotherP91")}),
    Case("ini-file-env-missing-no-fallback", None,
         env={"ALIBABA_CLOUD_CREDENTIALS_FILE": "{root}/missing.ini"}, files={INI: INI_DEFAULT}),
    Case("env-profile-names-both-files", "LTAIcliA0001", env={"ALIBABA_CLOUD_PROFILE": "a"},
         files={CLI: CLI_AB, INI: INI_DEFAULT + section("a", "LTAIiniA0001")}),
    Case("nothing", None),
    # --profile: the CLI file's profile by name, before the environment, never falling back.
    Case("profile-flag-over-env", "LTAIcliA0001", env=ENV, files={CLI: CLI_AB}, profile="a"),
    Case("profile-flag-sts", "STScliB0001", files={CLI: CLI_AB}, profile="b"),
    Case("profile-flag-missing", None, files={CLI: CLI_AB, INI: INI_DEFAULT}, profile="gone"),
    Case("profile-flag-no-file", None, files={INI: INI_DEFAULT}, profile="a"),
]  # fmt: skip


def lay_out(case: Case, root: Path) -> dict[str, str]:
    """Write the case's files under ``root``; its environment, with paths filled in."""
    (root / "home").mkdir(exist_ok=True)
    for relative, text in case.files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return {name: value.replace("{root}", str(root)) for name, value in case.env.items()}


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_yike_tui_gives_the_pinned_answer(case: Case, tmp_path: Path) -> None:
    env = lay_out(case, tmp_path)
    os.environ["HOME"] = str(tmp_path / "home")  # conftest's monkeypatch restores it
    try:
        used: str | None = resolve(profile=case.profile, env=env).access_key_id
    except CredentialsError:
        used = None
    assert used == case.expect


# The oracle, run in a child: the vendor's library reads os.environ when imported, so each
# case sets the environment and reloads the two modules that read it. Sockets refuse to
# connect, so a case that reached for the network would fail here rather than go out.
ORACLE = """
import importlib, json, os, socket, sys

def no_network(*args, **kwargs):
    raise OSError("the oracle run must not reach the network")

socket.socket.connect = socket.socket.connect_ex = no_network
socket.create_connection = socket.getaddrinfo = no_network

from alibabacloud_credentials.exceptions import CredentialException
from alibabacloud_credentials.utils import auth_constant, auth_util

answers = []
for case in json.load(sys.stdin):
    os.environ.clear()
    os.environ.update(case["env"])
    importlib.reload(auth_util)
    importlib.reload(auth_constant)
    from alibabacloud_credentials.provider import (
        CLIProfileCredentialsProvider, DefaultCredentialsProvider)
    try:
        if case["profile"]:
            provider = CLIProfileCredentialsProvider(profile_name=case["profile"])
        else:
            provider = DefaultCredentialsProvider()
        answers.append(provider.get_credentials().get_access_key_id())
    except (CredentialException, ValueError):
        answers.append(None)
print(json.dumps(answers))
"""

# Off: the sources that would go to the network (ECS metadata; OIDC and the credentials
# URI are off by not being set, as the child's environment holds only these and the case's).
OFFLINE = {"ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true"}


@pytest.mark.skipif(
    importlib.util.find_spec("alibabacloud_credentials") is None,
    reason="the vendor's alibabacloud-credentials is not installed (pip install -e '.[compat]')",
)
def test_the_vendor_chain_gives_the_pinned_answer(tmp_path: Path) -> None:
    batch = []
    for number, case in enumerate(CASES):
        root = tmp_path / str(number)
        root.mkdir()
        env = lay_out(case, root) | OFFLINE | {"HOME": str(root / "home")}
        batch.append({"env": env, "profile": case.profile})
    child = subprocess.run(
        [sys.executable, "-c", ORACLE],
        input=json.dumps(batch),
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), **OFFLINE},
        check=False,
    )
    assert child.returncode == 0, child.stderr[-2000:]
    answers = dict(zip([c.id for c in CASES], json.loads(child.stdout), strict=True))
    assert answers == {c.id: c.expect for c in CASES}


def test_info_says_what_was_passed_over_and_what_is_not_used(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The vendor's chain skips a half-set env pair silently; `info` names it, and the
    sources yike-tui does not use."""
    case = next(c for c in CASES if c.id == "env-id-only-then-cli")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for name, value in lay_out(case, tmp_path).items():
        monkeypatch.setenv(name, value)
    code, out, err = run(["info"], capsys)
    assert code == 0, err
    lines = out.splitlines()
    assert "credentials: STS STSc****0001 from aliyun CLI profile 'b'" in out
    assert (
        "passed over: environment: ALIBABA_CLOUD_ACCESS_KEY_SECRET is not set "
        "(only ALIBABA_CLOUD_ACCESS_KEY_ID is)" in lines
    )
    not_used = next(line for line in lines if line.startswith("not used:"))
    assert "RamRoleArn" in not_used and "ECS metadata" in not_used and "OIDC" in not_used


def test_info_without_credentials_says_why_each_source_was_passed_over(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    case = next(c for c in CASES if c.id == "cli-env-profile-missing-alone")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for name, value in lay_out(case, tmp_path).items():
        monkeypatch.setenv(name, value)
    code, out, err = run(["info"], capsys)
    assert code == 3
    assert "credentials: none usable" in out and "not used:" in out
    assert "profile 'p9' is not in" in err and "profiles there: a, b" in err
