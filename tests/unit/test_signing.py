"""V3 signature: the vendor's public vector plus our own encoding cases."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import TypedDict

import pytest

from yike_tui.api.signing import (
    EMPTY_BODY_SHA256,
    canonical_query,
    parse_authorization,
    percent_encode,
    sign_request,
)


class Request(TypedDict):
    """The required arguments of ``sign_request``."""

    method: str
    host: str
    action: str
    version: str
    params: Mapping[str, str]
    access_key_id: str
    access_key_secret: str
    date: str
    nonce: str


VECTOR = Request(
    method="POST",
    host="ecs.cn-shanghai.aliyuncs.com",
    action="RunInstances",
    version="2014-05-26",
    params={
        "ImageId": "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd",
        "RegionId": "cn-shanghai",
    },
    access_key_id="YourAccessKeyId",
    access_key_secret="YourAccessKeySecret",
    date="2023-10-26T10:22:32Z",
    nonce="3156853299f313e23d1673dc12e1703d",
)


def test_vendor_vector_hashed_canonical_request_and_signature() -> None:
    signed = sign_request(**VECTOR)
    hashed = hashlib.sha256(signed.canonical_request.encode()).hexdigest()
    assert hashed == "7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259"
    assert signed.headers["Authorization"] == (
        "ACS3-HMAC-SHA256 Credential=YourAccessKeyId,"
        "SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;"
        "x-acs-signature-nonce;x-acs-version,"
        "Signature=06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0"
    )
    assert signed.headers["x-acs-content-sha256"] == EMPTY_BODY_SHA256


@pytest.mark.parametrize(
    ("raw", "encoded"),
    [
        ("a b", "a%20b"),
        ("*", "%2A"),
        ("~", "~"),
        ("+", "%2B"),
        ("/", "%2F"),
        ("=", "%3D"),
        ("-_.", "-_."),
        ("&", "%26"),
        ("小说", "%E5%B0%8F%E8%AF%B4"),
        ("", ""),
    ],
)
def test_percent_encoding_is_rfc3986(raw: str, encoded: str) -> None:
    assert percent_encode(raw) == encoded


def test_canonical_query_sorts_by_encoded_name_and_keeps_empty_values() -> None:
    query = canonical_query({"b": "2", "a": "", "Title": "我的 小说*"})
    assert query == "Title=%E6%88%91%E7%9A%84%20%E5%B0%8F%E8%AF%B4%2A&a=&b=2"


def test_sts_token_is_sent_and_signed() -> None:
    signed = sign_request(**VECTOR, security_token="tok+/=")
    assert signed.headers["x-acs-security-token"] == "tok+/="
    auth = parse_authorization(signed.headers["Authorization"])
    assert auth is not None
    assert "x-acs-security-token" in auth.signed_headers
    plain = sign_request(**VECTOR)
    assert plain.headers["Authorization"] != signed.headers["Authorization"]


def test_body_and_content_type_are_signed() -> None:
    signed = sign_request(
        **VECTOR, body=b"FileURL=x", content_type="application/x-www-form-urlencoded"
    )
    assert signed.headers["x-acs-content-sha256"] == hashlib.sha256(b"FileURL=x").hexdigest()
    assert "content-type:application/x-www-form-urlencoded\n" in signed.canonical_request


def test_query_returned_is_exactly_the_signed_one() -> None:
    request: Request = {**VECTOR, "params": {"Title": "a b+c"}}
    signed = sign_request(**request)
    assert signed.query == "Title=a%20b%2Bc"
    assert f"\n{signed.query}\n" in signed.canonical_request


def test_parse_authorization_rejects_other_schemes() -> None:
    assert parse_authorization("Basic abc") is None
    assert parse_authorization("ACS3-HMAC-SHA256 Credential=x") is None
