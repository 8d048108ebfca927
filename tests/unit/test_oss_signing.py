"""Our OSS V4 signer gives the vendor SDK's signature for the same PUT, byte for byte
(when the compat extra's ``alibabacloud_oss_v2`` is installed)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from yike_tui.api import oss


def test_sign_put_matches_the_vendor_signer() -> None:
    sdk = pytest.importorskip("alibabacloud_oss_v2")
    from alibabacloud_oss_v2.signer.v4 import SignerV4  # type: ignore[import-untyped]

    when = datetime(2026, 11, 25, 17, 45, 5, tzinfo=UTC)
    ours = oss.sign_put(
        bucket="yike-in",
        key="yike/storyboard-input/雨 巷.txt",
        region="cn-shanghai",
        access_key_id="STS.id",
        access_key_secret="secret",
        security_token="CAIStoken",
        now=when,
        content_type="text/plain; charset=utf-8",
        content_length=3,
    )
    request = sdk.types.HttpRequest(
        "PUT",
        "https://yike-in.oss-cn-shanghai.aliyuncs.com/yike/storyboard-input/x",
        headers={"content-type": "text/plain; charset=utf-8"},
    )
    context = sdk.types.SigningContext(
        product="oss",
        region="cn-shanghai",
        bucket="yike-in",
        key="yike/storyboard-input/雨 巷.txt",
        request=request,
        credentials=sdk.credentials.Credentials("STS.id", "secret", "CAIStoken"),
        signing_time=when,
    )
    SignerV4().sign(context)
    assert ours["authorization"] == request.headers["Authorization"]
    assert ours["x-oss-date"] == request.headers["x-oss-date"]


def test_parse_authorization_round_trips_and_refuses_others() -> None:
    headers = oss.sign_put(
        bucket="b-1", key="k", region="cn-shanghai", access_key_id="AK",
        access_key_secret="s", security_token=None, now=datetime(2026, 1, 2, tzinfo=UTC),
        content_type="text/plain", content_length=0,
    )  # fmt: skip
    parsed = oss.parse_authorization(headers["authorization"])
    assert parsed is not None
    assert (parsed.access_key_id, parsed.day, parsed.region) == ("AK", "20260102", "cn-shanghai")
    assert oss.parse_authorization("OSS AK:sig") is None
    assert oss.parse_authorization("OSS4-HMAC-SHA256 Credential=AK/x,Signature=y") is None
