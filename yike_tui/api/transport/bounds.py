"""Bounds on every answer read over HTTP, whichever transport carries it: a size cap
(``MAX_ANSWER_BYTES``), no Content-Encoding taken unless asked for (4 MiB of gzip would be
4 GiB once decoded), and a raw prefix read up to a cap. The API client, the OSS upload
and downloads share these rules."""

from __future__ import annotations

import httpx

MAX_ANSWER_BYTES = 4 * 1024 * 1024  # a job's answer is a few KiB; a huge one is hostile


class AnswerTooLarge(httpx.TransportError):
    """An answer larger than ``MAX_ANSWER_BYTES``: the rest is not read."""


class UnwantedEncoding(httpx.DecodingError):
    """A compressed answer though the request said ``accept-encoding: identity``."""


def _encoded(value: bytes) -> bool:
    """A ``Content-Encoding`` value that is not the identity: a body that must be decoded."""
    return value.strip().lower() not in (b"", b"identity")


def content_encoding(headers: list[tuple[bytes, bytes]]) -> str:
    """The answer's ``Content-Encoding`` when it is not the identity, else ``""``.

    Such a body is never decoded here: what it inflates to is not bounded by the bytes
    received (a few MiB of gzip are GiB once decoded). The text is the server's: shown
    only after ``safe_text.clean``.
    """
    found = [value for name, value in headers if name.lower() == b"content-encoding"]
    if not any(_encoded(value) for value in found):
        return ""
    return ", ".join(value.strip().decode("latin-1") for value in found)[:80]


def check_answer_head(headers: list[tuple[bytes, bytes]], request: httpx.Request | None) -> None:
    """Refuse an answer from its headers alone: announced too large, or compressed."""
    for name, value in headers:
        name = name.lower()
        if name == b"content-encoding" and _encoded(value):
            raise UnwantedEncoding(
                "the answer is compressed though no compression was asked for", request=request
            )
        big = (
            name == b"content-length" and value.strip().isdigit() and int(value) > MAX_ANSWER_BYTES
        )
        if big:
            raise too_large(request)


def too_large(request: httpx.Request | None) -> AnswerTooLarge:
    return AnswerTooLarge(
        f"the answer is larger than {MAX_ANSWER_BYTES // (1024 * 1024)} MiB", request=request
    )


async def read_capped(response: httpx.Response) -> bytes:
    """The body of a streamed httpx answer, refused past ``MAX_ANSWER_BYTES``."""
    check_answer_head(response.headers.raw, response.request)
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_raw():
        size += len(chunk)
        if size > MAX_ANSWER_BYTES:
            raise too_large(response.request)
        chunks.append(chunk)
    return b"".join(chunks)


async def read_prefix(response: httpx.Response, limit: int) -> bytes:
    """At most ``limit`` bytes of a streamed answer's body, as sent (never decoded).

    The rest is left unread: closing the answer then drops its connection, so an endless
    body costs nothing more. Memory is ``limit`` plus one network read.
    """
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_raw():
        chunks.append(chunk)
        size += len(chunk)
        if size >= limit:
            break
    return b"".join(chunks)[:limit]
