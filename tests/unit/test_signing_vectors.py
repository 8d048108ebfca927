"""Signature V3 against vectors computed with the vendor's own SDK, pinned as literals.

The simulator verifies with this project's canonicalisation, so a bug shared by signer and
verifier would pass every other test; these literals come from the vendor's code instead.

How they were made (run ``python -m tests.unit.test_signing_vectors`` to print them again;
it needs the ``bench`` extra: ``pip install 'alibabacloud-ice20201109>=6,<7'``):

- ``SIGNED``: for each input, a request carrying exactly the headers ``ApiClient`` sends
  (host, x-acs-action/version/date/signature-nonce/content-sha256, content-type with a
  form body, x-acs-security-token with STS), the form body encoded by the SDK's
  ``Utils.to_form``, then the SDK's ``alibabacloud_tea_openapi.utils.Utils.get_authorization``
  and ``get_canonical_query_string`` (alibabacloud-tea-openapi 0.4.6).
- ``SDK_SENT``: the request the SDK's own ICE client (alibabacloud-ice20201109 6.20.2)
  builds for ``SubmitYikeStoryboardJob``, caught just before it goes on the wire, with the
  date, nonce and user agent fixed: what the simulator must accept from the vendor's SDK.

The tests need no SDK.
"""

from __future__ import annotations

import contextlib
import hashlib
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import pytest

from yike_tui.api.signing import canonical_query, sign_request
from yike_tui.sim.verify import KeyPair, NonceCache, verify

DATE = "2026-01-02T03:04:05Z"
NONCE = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
KEY_ID = "LTAI5tVectorKeyId0001"
SECRET = "vector-secret/+=~*"
STS_KEY_ID = "STS.NVectorTempKeyId01"
STS_TOKEN = "CAIS+vector/token=="
BASE: dict[str, Any] = dict(
    method="POST",
    host="ice.cn-shanghai.aliyuncs.com",
    action="GetYikeStoryboardJob",
    version="2020-11-09",
    access_key_id=KEY_ID,
    access_key_secret=SECRET,
    date=DATE,
    nonce=NONCE,
)
FORM_URL = "https://b.oss-cn-shanghai.aliyuncs.com/n v/a+b%20c.txt?x=1&y=2"
INPUTS: dict[str, dict[str, Any]] = {
    "reserved": dict(BASE, params={"JobId": "a/b:c=d&e~f*g+h%i j", "Path": "/x/y:z", "Eq": "==&&"}),
    "non_ascii": dict(BASE, params={"Title": "雨巷 — 第1集 🎬", "Note": "Ünïcødé café"}),
    "empty": dict(BASE, params={"UserData": "", "Title": "x", "Empty": ""}),
    "form": dict(
        BASE,
        action="SubmitYikeStoryboardJob",
        params={
            "AspectRatio": "9:16",
            "Title": "雨巷 a*b~c",
            "ModelParams": '{"AudioEnable":true}',
        },
        form={"FileURL": FORM_URL, "SourceType": "Novel", "StyleId": "Anime"},
    ),
    "sts": dict(
        BASE,
        access_key_id=STS_KEY_ID,
        access_key_secret="sts-vector-secret",
        security_token=STS_TOKEN,
        params={"JobId": "0123456789abcdef0123456789abcdef"},
    ),
}

_HEADERS = "host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version"
# name -> (canonical query, form body, Authorization), all from the vendor SDK (see above).
SIGNED: dict[str, tuple[str, bytes, str]] = {
    "reserved": (
        "Eq=%3D%3D%26%26&JobId=a%2Fb%3Ac%3Dd%26e~f%2Ag%2Bh%25i%20j&Path=%2Fx%2Fy%3Az",
        b"",
        f"ACS3-HMAC-SHA256 Credential={KEY_ID},SignedHeaders={_HEADERS},"
        "Signature=af80cffb8daa0f30309c10b0e53106bc6044877909e80b0163a8334c66587f81",
    ),
    "non_ascii": (
        "Note=%C3%9Cn%C3%AFc%C3%B8d%C3%A9%20caf%C3%A9"
        "&Title=%E9%9B%A8%E5%B7%B7%20%E2%80%94%20%E7%AC%AC1%E9%9B%86%20%F0%9F%8E%AC",
        b"",
        f"ACS3-HMAC-SHA256 Credential={KEY_ID},SignedHeaders={_HEADERS},"
        "Signature=f05fd055243a1c09cf074b6ac78588191dd2fa6d6cf478d26a4a99b6ecfb8aa2",
    ),
    "empty": (
        "Empty=&Title=x&UserData=",
        b"",
        f"ACS3-HMAC-SHA256 Credential={KEY_ID},SignedHeaders={_HEADERS},"
        "Signature=5c608aa7219b99db4d153b7ab483066a090d2d06a9653f81e20169d6933c1af5",
    ),
    "form": (
        "AspectRatio=9%3A16&ModelParams=%7B%22AudioEnable%22%3Atrue%7D"
        "&Title=%E9%9B%A8%E5%B7%B7%20a%2Ab~c",
        b"FileURL=https%3A%2F%2Fb.oss-cn-shanghai.aliyuncs.com%2Fn+v%2Fa%2Bb%2520c.txt"
        b"%3Fx%3D1%26y%3D2&SourceType=Novel&StyleId=Anime",
        f"ACS3-HMAC-SHA256 Credential={KEY_ID},SignedHeaders=content-type;{_HEADERS},"
        "Signature=34e30dd84296b5de1a30b69b221e83b212a0da212330e2d87b21647c9fa7767a",
    ),
    "sts": (
        "JobId=0123456789abcdef0123456789abcdef",
        b"",
        f"ACS3-HMAC-SHA256 Credential={STS_KEY_ID},SignedHeaders=host;x-acs-action;"
        "x-acs-content-sha256;x-acs-date;x-acs-security-token;x-acs-signature-nonce;"
        "x-acs-version,"
        "Signature=bc3a94f712f61dc95922daa0afa5234db50f1511d5312a9c2c6f8bf5d5d32536",
    ),
}


def client_body(form: dict[str, str] | None) -> bytes:
    """The form body as ``ApiClient._call_once`` encodes it."""
    return urlencode(form).encode() if form else b""


@pytest.mark.parametrize("name", list(SIGNED))
def test_signature_matches_the_vendor_sdk(name: str) -> None:
    inputs = dict(INPUTS[name])
    form = inputs.pop("form", None)
    query, sdk_body, authorization = SIGNED[name]
    body = client_body(form)
    assert body == sdk_body  # the same bytes on the wire as the SDK's form encoding
    signed = sign_request(
        **inputs,
        body=body,
        content_type="application/x-www-form-urlencoded" if form else None,
    )
    assert signed.query == query  # what goes in the URL is the vendor's canonical query
    assert signed.headers["x-acs-content-sha256"] == hashlib.sha256(sdk_body).hexdigest()
    assert signed.headers["Authorization"] == authorization
    if "security_token" in inputs:
        assert signed.headers["x-acs-security-token"] == STS_TOKEN


# What the SDK's own client sent for one submit: (raw URL query, headers, body).
_SDK_QUERY = "AspectRatio=9%3A16&Title=%E9%9B%A8%E5%B7%B7+a%2Ab~c%2F%3A%3D%26%2B%25&UserData="
_SDK_BODY = SIGNED["form"][1]
_SDK_COMMON = {
    "host": "ice.cn-shanghai.aliyuncs.com",
    "x-acs-version": "2020-11-09",
    "x-acs-action": "SubmitYikeStoryboardJob",
    "user-agent": "AlibabaCloud (vector) TeaDSL/2",
    "x-acs-date": DATE,
    "x-acs-signature-nonce": NONCE,
    "accept": "application/json",
    "content-type": "application/x-www-form-urlencoded",
    "x-acs-content-sha256": "104fcafebb0752e19d0c99a8c6d0fc7e538db3c35418683ea6999f42427aea86",
}
SDK_SENT: dict[str, tuple[dict[str, str], str, str | None]] = {
    # name -> (headers, secret, security token)
    "access_key": (
        {
            **_SDK_COMMON,
            "x-acs-credentials-provider": "static_ak",
            "Authorization": f"ACS3-HMAC-SHA256 Credential={KEY_ID},SignedHeaders=accept;"
            "content-type;host;user-agent;x-acs-action;x-acs-content-sha256;"
            "x-acs-credentials-provider;x-acs-date;x-acs-signature-nonce;x-acs-version,"
            "Signature=344dff7393309c2293ea94b318a637c9c2d066913414db1599a1e23e6d56543c",
        },
        SECRET,
        None,
    ),
    "sts": (
        {
            **_SDK_COMMON,
            "x-acs-credentials-provider": "static_sts",
            "x-acs-accesskey-id": STS_KEY_ID,
            "x-acs-security-token": STS_TOKEN,
            "Authorization": f"ACS3-HMAC-SHA256 Credential={STS_KEY_ID},SignedHeaders=accept;"
            "content-type;host;user-agent;x-acs-accesskey-id;x-acs-action;"
            "x-acs-content-sha256;x-acs-credentials-provider;x-acs-date;"
            "x-acs-security-token;x-acs-signature-nonce;x-acs-version,"
            "Signature=a4fcf508c28a3d457d048962cd7bfc90c131be1c8ef9a7f90ebd8a9d664687dd",
        },
        SECRET,
        STS_TOKEN,
    ),
}


@pytest.mark.parametrize("name", list(SDK_SENT))
def test_the_simulator_accepts_what_the_vendor_sdk_sends(name: str) -> None:
    headers, secret, token = SDK_SENT[name]
    key_id = STS_KEY_ID if token else KEY_ID
    when = datetime.strptime(DATE, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp()

    def check(query: str, body: bytes) -> object:
        return verify(
            method="POST",
            path="/",
            raw_query=query,
            headers={k.lower(): v for k, v in headers.items()},
            body=body,
            keys={key_id: KeyPair(secret, security_token=token)},
            nonces=NonceCache(),
            wall_now=when,
        )

    assert check(_SDK_QUERY, _SDK_BODY) is None
    # ...and the same request with one character of the title changed is refused.
    tampered = check(_SDK_QUERY.replace("a%2Ab", "a%2Bb"), _SDK_BODY)
    assert getattr(tampered, "code", None) == "SignatureDoesNotMatch"


def test_the_sdk_query_decodes_to_the_params_it_signed() -> None:
    # The SDK sends a space as "+" but signs it as "%20"; our canonical form of its wire
    # query must be the vendor's canonical query for the same params.
    from yike_tui.sim.verify import decode_query

    params = {"AspectRatio": "9:16", "Title": "雨巷 a*b~c/:=&+%", "UserData": ""}
    assert dict(decode_query(_SDK_QUERY)) == params
    assert canonical_query(decode_query(_SDK_QUERY)) == canonical_query(params)


# --- regenerating the literals (needs the vendor SDK) -------------------------------------


def _sdk_signed(inputs: dict[str, Any]) -> tuple[str, bytes, str]:  # pragma: no cover
    from alibabacloud_tea_openapi.utils import Utils, get_canonical_query_string
    from darabonba.request import DaraRequest  # type: ignore[import-untyped]

    algorithm = "ACS3-HMAC-SHA256"
    form = inputs.get("form")
    body = Utils.to_form(form).encode() if form else b""
    payload = Utils.hash(body, algorithm).hex()
    request = DaraRequest()
    request.method, request.pathname, request.query = inputs["method"], "/", dict(inputs["params"])
    request.headers = {
        "host": inputs["host"],
        "x-acs-action": inputs["action"],
        "x-acs-version": inputs["version"],
        "x-acs-date": inputs["date"],
        "x-acs-signature-nonce": inputs["nonce"],
        "x-acs-content-sha256": payload,
    }
    if form:
        request.headers["content-type"] = "application/x-www-form-urlencoded"
    if inputs.get("security_token"):
        request.headers["x-acs-security-token"] = inputs["security_token"]
    auth = Utils.get_authorization(
        request, algorithm, payload, inputs["access_key_id"], inputs["access_key_secret"]
    )
    return get_canonical_query_string(request.query), body, auth


def _sdk_sent(token: str | None) -> tuple[str, dict[str, str], bytes]:  # pragma: no cover
    from alibabacloud_ice20201109 import models
    from alibabacloud_ice20201109.client import Client
    from alibabacloud_tea_openapi import models as openapi
    from alibabacloud_tea_openapi import utils as openapi_utils
    from darabonba.core import DaraCore  # type: ignore[import-untyped]

    caught: list[Any] = []

    def catch(request: Any, runtime: Any) -> Any:
        caught.append(request)
        raise RuntimeError("caught before sending")

    DaraCore.do_action = staticmethod(catch)  # type: ignore[method-assign]
    utils = openapi_utils.Utils
    utils.get_timestamp = staticmethod(lambda: DATE)  # type: ignore[method-assign]
    utils.get_nonce = staticmethod(lambda: NONCE)  # type: ignore[method-assign]
    utils.get_user_agent = staticmethod(  # type: ignore[method-assign]
        lambda user_agent=None: "AlibabaCloud (vector) TeaDSL/2"
    )
    config = openapi.Config(
        access_key_id=STS_KEY_ID if token else KEY_ID,
        access_key_secret=SECRET,
        security_token=token,
        endpoint="ice.cn-shanghai.aliyuncs.com",
        protocol="HTTPS",
        region_id="cn-shanghai",
    )
    request = models.SubmitYikeStoryboardJobRequest(
        file_url=FORM_URL,
        title="雨巷 a*b~c/:=&+%",
        source_type="Novel",
        style_id="Anime",
        aspect_ratio="9:16",
        user_data="",
    )
    with contextlib.suppress(Exception):  # the catch above ends the call
        Client(config).submit_yike_storyboard_job(request)
    sent = caught[0]
    query = DaraCore.compose_url(sent).partition("?")[2]
    return query, dict(sent.headers), sent.body.encode()


if __name__ == "__main__":  # pragma: no cover
    for vector, inputs in INPUTS.items():
        print(vector, _sdk_signed(inputs))
    for token in (None, STS_TOKEN):
        print("sdk sent", "sts" if token else "access_key", _sdk_sent(token))
