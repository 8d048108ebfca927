"""The API transports over real sockets: keep-alive, stale connections, framing, TLS.

What the client sees is tested over both (``api_transport``: the lean one and httpx's own,
as the ``transport`` setting picks); the stale-connection rule is the lean one's own."""

from __future__ import annotations

import asyncio
import shutil
import ssl
import subprocess
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
import pytest

from tests import api_transports
from tests.api_transports import carried_by
from tests.loopback import listening, read_request
from yike_tui.api.client import ApiClient
from yike_tui.api.credentials import Credentials
from yike_tui.api.errors import ApiError, ErrorKind
from yike_tui.api.transport import LeanTransport, proxy_applies
from yike_tui.sim import DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, running_simulator

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]
api_transport = api_transports.api_transport  # the fixture: each test named runs on both
JOB = b'{"RequestId":"r","JobId":"j","JobStatus":"Running"}'


def answer(body: bytes, *extra: str) -> bytes:
    headers = "".join(f"{h}\r\n" for h in extra)
    return f"HTTP/1.1 200 OK\r\ncontent-length: {len(body)}\r\n{headers}\r\n".encode() + body


async def test_keeps_one_connection_alive_across_requests(api_transport: str) -> None:
    async with running_simulator(scenario="demo") as sim:
        creds = Credentials(DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET)
        async with ApiClient(creds, endpoint=sim.endpoint) as client:
            assert carried_by(client) == api_transport
            for job_id in sim.sim.book.ids:
                await client.get_job(job_id)
            connections = len(sim.connections)
    assert connections == 1  # thirteen requests, one TCP connection


async def test_stale_connection_is_retried_for_reads_only() -> None:
    answered = 0

    async def one_answer_per_connection(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        nonlocal answered
        await read_request(reader)
        answered += 1
        writer.write(answer(JOB))  # keep-alive promised...
        await writer.drain()
        await read_request(reader)
        writer.close()  # ...but the next request on it gets no answer

    async with listening(one_answer_per_connection) as port:
        async with httpx.AsyncClient(transport=LeanTransport()) as http:
            url = f"http://127.0.0.1:{port}/"
            await http.post(url)
            read = await http.post(url, extensions={"idempotent": True})
            assert read.status_code == 200 and answered == 2  # re-sent on a new connection
            # A submit on a connection found dead is not re-sent: it could run twice.
            with pytest.raises(httpx.ReadError):
                await http.post(url, extensions={"idempotent": False})
    assert answered == 2


async def test_chunked_and_close_delimited_answers(api_transport: str) -> None:
    async def chunked(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(
            b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n"
            b'5\r\n{"a":\r\n3\r\n12}\r\n0\r\n\r\n'
        )
        await read_request(reader)
        writer.write(b'HTTP/1.1 200 OK\r\nconnection: close\r\n\r\n{"b":2}')
        await writer.drain()
        writer.close()

    transport = LeanTransport() if api_transport == "lean" else httpx.AsyncHTTPTransport()
    async with listening(chunked) as port, httpx.AsyncClient(transport=transport) as http:
        one = await http.post(f"http://127.0.0.1:{port}/")
        two = await http.post(f"http://127.0.0.1:{port}/")
    assert one.json() == {"a": 12}
    assert two.json() == {"b": 2}


@pytest.mark.usefixtures("api_transport")
async def test_garbage_and_hangups_become_typed_errors() -> None:
    async def garbage(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b"NOT HTTP AT ALL\r\n\r\n")
        await writer.drain()
        writer.close()

    async def hangup(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.close()

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        await asyncio.Event().wait()  # never answers (cancelled when the server closes)

    creds = Credentials("LTAIxxxxxxxxxxxx", "s")
    for handler, code in (
        (garbage, "ConnectionReset"),
        (hangup, "ConnectionReset"),
        (silent, "Timeout"),
    ):
        async with listening(handler) as port:
            client = ApiClient(creds, endpoint=f"http://127.0.0.1:{port}", retries=0,
                               timeout=httpx.Timeout(0.3))  # fmt: skip
            async with client:
                with pytest.raises(ApiError) as err:
                    await client.get_job("j")
            assert err.value.code == code, handler.__name__


@pytest.mark.usefixtures("api_transport")
async def test_untrusted_certificate_is_a_clear_tls_error(tmp_path: Path) -> None:
    if shutil.which("openssl") is None:
        pytest.skip("openssl CLI not available to make a self-signed certificate")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)

    async def never(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()

    async with listening(never, context) as port:
        client = ApiClient(Credentials("LTAIxxxxxxxxxxxx", "s"), endpoint=f"https://127.0.0.1:{port}",
                           retries=0)  # fmt: skip
        async with client:
            with pytest.raises(ApiError) as err:
                await client.get_job("j")
    assert err.value.kind is ErrorKind.TLS
    assert "certificate" in err.value.message.lower()


@pytest.mark.usefixtures("api_transport")
async def test_dns_failure_in_words() -> None:
    client = ApiClient(Credentials("LTAIxxxxxxxxxxxx", "s"), endpoint="https://nonexistent.invalid",
                       retries=0)  # fmt: skip
    async with client:
        with pytest.raises(ApiError) as err:
            await client.get_job("j")
    assert err.value.code == "NameResolutionFailed"
    assert "nonexistent.invalid" in err.value.message


def test_environment_proxy_switches_to_httpx_transport(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    assert not proxy_applies("https://ice.cn-shanghai.aliyuncs.com")
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    assert proxy_applies("https://ice.cn-shanghai.aliyuncs.com")
    client = ApiClient(Credentials("LTAIxxxxxxxxxxxx", "s"))
    assert not isinstance(client._http._transport, LeanTransport)  # httpx carries proxies
    monkeypatch.setenv("NO_PROXY", "aliyuncs.com")
    assert not proxy_applies("https://ice.cn-shanghai.aliyuncs.com")


@pytest.mark.usefixtures("api_transport")
async def test_trusted_certificate_works_end_to_end(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real endpoint is https: a certificate the system trusts (here via SSL_CERT_FILE,
    which httpx's context honours) must give a verified connection that answers."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl CLI not available to make a certificate")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)

    async def answer_twice(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        for _ in range(2):
            await read_request(reader)
            writer.write(answer(JOB, "content-type: application/json"))
            await writer.drain()

    async with listening(answer_twice, context) as port:
        creds = Credentials("LTAIxxxxxxxxxxxx", "s")
        async with ApiClient(creds, endpoint=f"https://localhost:{port}", retries=0) as client:
            first = await client.get_job("j")
            second = await client.get_job("j")  # over the same verified connection
    assert first.status.value == second.status.value == "Running"
