"""Network: TLS verification on, proxies from the environment honoured, DNS failure in words."""

from __future__ import annotations

import asyncio
import shutil
import ssl
import subprocess
from pathlib import Path

import pytest

from tests.loopback import Reply, listening, scripted_server
from yike_tui.api.client import ApiClient
from yike_tui.api.credentials import Credentials
from yike_tui.api.errors import ApiError, ErrorKind

CREDS = Credentials("LTAI5tTestKeyId0001", "not-a-secret", source="test")


async def fetch_error(endpoint: str) -> ApiError:
    async with ApiClient(CREDS, endpoint=endpoint, retries=0) as client:
        with pytest.raises(ApiError) as caught:
            await client.get_job_payload("0123456789abcdef0123456789abcdef")
    return caught.value


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl CLI for a cert")
async def test_an_untrusted_certificate_is_a_clear_error(tmp_path: Path) -> None:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()

    async with listening(answer, context) as port:
        err = await fetch_error(f"https://127.0.0.1:{port}")
    assert err.code == "TLSError" and err.kind is ErrorKind.TLS
    assert "certificate" in err.message.lower()
    assert "not trusted" in err.hint  # what to do, in words
    assert not err.retryable  # polling pauses with the reason instead of hammering


async def test_proxy_from_the_environment_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    async with scripted_server([Reply(502, b"{}", close=True)]) as proxy:
        monkeypatch.setenv("HTTPS_PROXY", proxy.endpoint)
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        await fetch_error("https://ice.cn-shanghai.aliyuncs.com")
    assert proxy.requests, "the proxy was not used"
    assert proxy.requests[0].request_line.startswith("CONNECT ice.cn-shanghai.aliyuncs.com:443")


async def test_dns_failure_in_words() -> None:
    err = await fetch_error("https://nonexistent.invalid")
    assert err.code == "NameResolutionFailed", (err.code, err.message)
    assert "DNS lookup failed" in err.message
