"""How bytes reach the API: a hand-written HTTP/1.1 transport, fenced here with its reason.

A refresh pass is thousands of tiny request/answer pairs to one host, and httpx's default
transport (httpcore over anyio) spends most of each one's CPU in layers this use does not
need. ``lean.LeanTransport`` keeps only what the API calls need (a small asyncio pool,
strict HTTP/1.1 framing read by ``http1``, h11 for anything unusual, httpx's exceptions),
and is measured against httpx's own in benchmarks/. Downloads, the OSS upload and any
proxied endpoint use httpx's transport. ``bounds`` holds the rules every answer is read
under, whichever transport carries it.
"""

from yike_tui.api.transport.bounds import (
    MAX_ANSWER_BYTES,
    AnswerTooLarge,
    UnwantedEncoding,
    check_answer_head,
    content_encoding,
    read_capped,
    read_prefix,
    too_large,
)
from yike_tui.api.transport.lean import (
    TRANSPORT_ENV,
    TRANSPORT_NAMES,
    LeanTransport,
    UnknownTransport,
    chosen_transport,
    proxy_applies,
)

__all__ = [
    "MAX_ANSWER_BYTES",
    "TRANSPORT_ENV",
    "TRANSPORT_NAMES",
    "AnswerTooLarge",
    "LeanTransport",
    "UnknownTransport",
    "UnwantedEncoding",
    "check_answer_head",
    "chosen_transport",
    "content_encoding",
    "proxy_applies",
    "read_capped",
    "read_prefix",
    "too_large",
]
