"""Credential resolution order, unsupported modes named, and secrets never shown."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from yike_tui.api.credentials import CredentialsError, mask, resolve

SECRET = "S3cr3tValueThatMustNeverShow"
TOKEN = "STS.TokenThatMustNeverShow"


def write_cli_config(home: Path, profiles: list[dict[str, str]], current: str) -> Path:
    path = home / ".aliyun" / "config.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"current": current, "profiles": profiles}))
    return path


def write_ini(path: Path, body: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(body)
    return path


ENV = {
    "ALIBABA_CLOUD_ACCESS_KEY_ID": "LTAIenvKey0001",
    "ALIBABA_CLOUD_ACCESS_KEY_SECRET": SECRET,
}


def test_environment_first(isolated_home: Path) -> None:
    write_cli_config(
        isolated_home,
        [{"name": "default", "mode": "AK", "access_key_id": "LTAIcli", "access_key_secret": "x"}],
        "default",
    )
    creds = resolve(env=ENV)
    assert creds.access_key_id == "LTAIenvKey0001"
    assert "environment" in creds.source


def test_env_with_sts_token_and_region() -> None:
    env = {**ENV, "ALIBABA_CLOUD_SECURITY_TOKEN": TOKEN, "ALIBABA_CLOUD_REGION_ID": "cn-beijing"}
    creds = resolve(env=env)
    assert creds.security_token == TOKEN
    assert creds.region == "cn-beijing"


def test_half_set_environment_is_passed_over_and_said(isolated_home: Path) -> None:
    # As the vendor's chain: the next source is used, and `info` can say why env was not.
    with pytest.raises(CredentialsError, match="ALIBABA_CLOUD_ACCESS_KEY_SECRET is not set"):
        resolve(env={"ALIBABA_CLOUD_ACCESS_KEY_ID": "LTAIx"})
    write_cli_config(
        isolated_home,
        [{"name": "a", "mode": "AK", "access_key_id": "LTAIcli00001", "access_key_secret": "1"}],
        "a",
    )
    creds = resolve(env={"ALIBABA_CLOUD_ACCESS_KEY_ID": "LTAIx"})
    assert creds.access_key_id == "LTAIcli00001"
    assert creds.passed_over == (
        "environment: ALIBABA_CLOUD_ACCESS_KEY_SECRET is not set (only "
        "ALIBABA_CLOUD_ACCESS_KEY_ID is)",
    )


def test_aliyun_cli_current_profile(isolated_home: Path) -> None:
    write_cli_config(
        isolated_home,
        [
            {"name": "a", "mode": "AK", "access_key_id": "LTAIaaaa1111", "access_key_secret": "1"},
            {
                "name": "b",
                "mode": "StsToken",
                "access_key_id": "STS.bbbb2222",
                "access_key_secret": "2",
                "sts_token": TOKEN,
                "region_id": "cn-shanghai",
            },
        ],
        "b",
    )
    creds = resolve(env={})
    assert creds.access_key_id == "STS.bbbb2222"
    assert creds.security_token == TOKEN
    assert "'b'" in creds.source
    assert resolve(env={"ALIBABA_CLOUD_PROFILE": "a"}).access_key_id == "LTAIaaaa1111"
    # An explicit --profile wins even over the environment.
    assert resolve(profile="a", env=ENV).access_key_id == "LTAIaaaa1111"


def test_unsupported_mode_is_named_never_skipped(isolated_home: Path) -> None:
    write_cli_config(isolated_home, [{"name": "role", "mode": "RamRoleArn"}], "role")
    write_ini(
        isolated_home / ".alibabacloud" / "credentials.ini",
        "[default]\ntype = access_key\naccess_key_id = LTAIini\naccess_key_secret = x\n",
    )
    with pytest.raises(CredentialsError) as info:
        resolve(env={})
    text = str(info.value)
    assert "RamRoleArn" in text and "'role'" in text and "StsToken" in text


def test_unknown_profile_lists_the_known_ones(isolated_home: Path) -> None:
    write_cli_config(
        isolated_home,
        [{"name": "a", "mode": "AK", "access_key_id": "LTAIa", "access_key_secret": "1"}],
        "a",
    )
    with pytest.raises(CredentialsError, match="profiles there: a"):
        resolve(profile="nope", env={})


def test_ini_file_default_and_env_override(isolated_home: Path, tmp_path: Path) -> None:
    write_ini(
        isolated_home / ".alibabacloud" / "credentials.ini",
        "[default]\ntype = access_key\naccess_key_id = LTAIini00001\naccess_key_secret = x\n",
    )
    assert resolve(env={}).access_key_id == "LTAIini00001"
    other = write_ini(
        tmp_path / "other.ini",
        "[default]\ntype = access_key\naccess_key_id = LTAIother001\naccess_key_secret = y\n",
    )
    env = {"ALIBABA_CLOUD_CREDENTIALS_FILE": str(other)}
    assert resolve(env=env).access_key_id == "LTAIother001"


def test_ini_with_unsupported_type(isolated_home: Path) -> None:
    write_ini(
        isolated_home / ".alibabacloud" / "credentials.ini",
        "[default]\ntype = ecs_ram_role\nrole_name = r\n",
    )
    with pytest.raises(CredentialsError, match="ecs_ram_role"):
        resolve(env={})


def test_nothing_found_says_where_it_looked() -> None:
    with pytest.raises(CredentialsError) as info:
        resolve(env={})
    text = str(info.value)
    assert "ALIBABA_CLOUD_ACCESS_KEY_ID" in text and ".aliyun" in text and "--demo" in text


def test_broken_cli_config_is_a_clear_error(isolated_home: Path) -> None:
    path = isolated_home / ".aliyun" / "config.json"
    path.parent.mkdir()
    path.write_text("{not json")
    with pytest.raises(CredentialsError, match="could not be read as JSON"):
        resolve(env={})


def test_secret_and_token_never_in_repr() -> None:
    creds = resolve(env={**ENV, "ALIBABA_CLOUD_SECURITY_TOKEN": TOKEN})
    for text in (repr(creds), str(creds), creds.describe(), f"{creds}"):
        assert SECRET not in text and TOKEN not in text
        assert "LTAIenvKey0001" not in text
    assert "LTAI****0001" in repr(creds)


def test_mask() -> None:
    assert mask("LTAI5tAbCdEfGh1234") == "LTAI****1234"
    assert mask("short") == "****"


# --- values that cannot be credentials: refused before any request, never echoed ----------

BAD_VALUES = {
    "crlf": "tok-PART\r\nX-Injected: yes",
    "non-ascii": "tök-PART-ön",
    "space": "tok PART",
    "escape": "tok-PART\x1b]52;c;eA==\x07",
    "too-long": "PART" * 2100,
}


@pytest.mark.parametrize("value", BAD_VALUES.values(), ids=BAD_VALUES.keys())
def test_a_token_that_cannot_go_into_a_header_is_refused_unechoed(value: str) -> None:
    env = {**ENV, "ALIBABA_CLOUD_SECURITY_TOKEN": value}
    with pytest.raises(CredentialsError) as info:
        resolve(env=env)
    message = str(info.value)
    assert "security token from environment" in message  # where it came from...
    assert "PART" not in message and "\n" not in message  # ...never what it was


def test_bad_values_are_refused_from_every_source(isolated_home: Path, tmp_path: Path) -> None:
    profile = {"name": "default", "mode": "StsToken", "access_key_id": "LTAIcli00001",
               "access_key_secret": "sëcret-PART", "sts_token": "t"}  # fmt: skip
    cli_config = write_cli_config(isolated_home, [profile], "default")
    with pytest.raises(CredentialsError) as info:
        resolve(env={})
    assert "AccessKey secret from aliyun CLI profile 'default'" in str(info.value)
    cli_config.unlink()
    ini = write_ini(
        tmp_path / "c.ini",
        "[default]\ntype = access_key\naccess_key_id = LTAI\u00a0PART\naccess_key_secret = s\n",
    )
    with pytest.raises(CredentialsError) as info:
        resolve(env={"ALIBABA_CLOUD_CREDENTIALS_FILE": str(ini)})
    assert "AccessKey id from credentials file" in str(info.value)
    assert "PART" not in str(info.value)


def test_real_looking_credentials_pass_the_check() -> None:
    token = "CAIS" + "+/=Ab9_-" * 180  # STS tokens run to well over a thousand characters
    found = resolve(env={**ENV, "ALIBABA_CLOUD_SECURITY_TOKEN": token})
    assert found.security_token == token and found.access_key_secret == SECRET


@pytest.mark.parametrize("which", ["cli", "ini"])
def test_a_credentials_file_too_big_to_be_one_is_refused_unread(
    isolated_home: Path, which: str
) -> None:
    # A sparse 64 MiB file: reading it whole would be the memory a /dev/zero link eats.
    path = isolated_home / (
        ".aliyun/config.json" if which == "cli" else ".alibabacloud/credentials.ini"
    )
    path.parent.mkdir(parents=True)
    with path.open("wb") as f:
        f.truncate(64 * 1024 * 1024)
    with pytest.raises(CredentialsError, match="could not be read: it is 67108864 bytes"):
        resolve()


def test_oidc_env_trio_is_named_not_passed_over(isolated_home: Path) -> None:
    # The vendor's chain would exchange the OIDC token here (a token service): we stop and
    # say so rather than use the CLI profile, which may be another account.
    write_cli_config(
        isolated_home,
        [{"name": "a", "mode": "AK", "access_key_id": "LTAIcli00001", "access_key_secret": "1"}],
        "a",
    )
    env = {
        "ALIBABA_CLOUD_OIDC_TOKEN_FILE": "/var/run/token",
        "ALIBABA_CLOUD_ROLE_ARN": "acs:ram::1:role/r",
        "ALIBABA_CLOUD_OIDC_PROVIDER_ARN": "acs:ram::1:oidc-provider/p",
    }
    with pytest.raises(CredentialsError, match=r"OIDC role .* StsToken"):
        resolve(env=env)
    assert resolve(env={**env, **ENV}).access_key_id == "LTAIenvKey0001"  # env keys come first


def test_nothing_found_says_each_reason_on_one_line(isolated_home: Path) -> None:
    write_ini(
        isolated_home / ".alibabacloud" / "credentials.ini",
        "[default]\ntype = access_key\n[default]\n",  # a duplicate section: does not parse
    )
    with pytest.raises(CredentialsError) as info:
        resolve(env={"ALIBABA_CLOUD_CREDENTIALS_URI": "http://127.0.0.1:9/creds"})
    lines = str(info.value).splitlines()
    reason = next(line for line in lines if "credentials.ini could not be read" in line)
    assert "already exists" in reason  # configparser's two-line message, on one line
    assert any(line.startswith("ALIBABA_CLOUD_CREDENTIALS_URI is set") for line in lines)
