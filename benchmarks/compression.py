"""Compression benchmark: egress's CompressionMiddleware against Starlette's GZipMiddleware.

One run, in-process ASGI (benchmarks/_asgi.py), two measures:
- the mixed payload (1,000 records of every type, benchmarks/_payloads.py, as egress's
  JSON): time per response through each middleware and the bytes on the wire;
- a stream of 200 Server-Sent Events: how long each event waits between being produced
  and being decodable by the client. Starlette's GZip excludes `text/event-stream`, so
  it sends those as they are; it compresses the same events as NDJSON (flushing each
  message, as egress does).

Run: make bench (or .venv/bin/python benchmarks/compression.py [ROUNDS])
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
import zlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import brotli
import zstandard
from starlette.middleware.gzip import GZipMiddleware

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import egress
from benchmarks import _asgi, _harness, _payloads
from egress import EventSourceResponse, NDJSONResponse, Response
from egress.middleware import CompressionMiddleware
from egress.types import ASGIApp, Message, Receive, Scope, Send

IDENTITY = "no compression"
STARLETTE = "Starlette GZipMiddleware (level 9)"
EVENTS = 200


def _body_app(body: bytes) -> ASGIApp:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await Response(body, media_type="application/json")(scope, receive, send)

    return app


def _contenders(body: bytes) -> dict[str, tuple[ASGIApp, str]]:
    """name -> (app, the Accept-Encoding its requests send)."""
    app = _body_app(body)
    return {
        STARLETTE: (GZipMiddleware(app), "gzip"),
        "Starlette GZipMiddleware (level 6)": (GZipMiddleware(app, compresslevel=6), "gzip"),
        "egress gzip (level 6)": (CompressionMiddleware(app, encodings=("gzip",)), "gzip"),
        "egress br (level 4)": (CompressionMiddleware(app, encodings=("br",)), "br"),
        "egress zstd (level 3)": (CompressionMiddleware(app, encodings=("zstd",)), "zstd"),
    }


def _decode(coding: str | None) -> Callable[[bytes], bytes]:
    if coding == "gzip":
        return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress
    if coding == "br":
        return brotli.Decompressor().process  # type: ignore[no-any-return]
    if coding == "zstd":
        return zstandard.ZstdDecompressor().decompressobj().decompress  # type: ignore[no-any-return]
    return bytes


def _scope(accept_encoding: str) -> dict[str, Any]:
    scope = _asgi.scope()
    scope["headers"] = [*scope["headers"], (b"accept-encoding", accept_encoding.encode())]
    return scope


def responses(body: bytes, loop: asyncio.AbstractEventLoop, rounds: int) -> tuple[str, str]:
    contenders = []
    wire: dict[str, int] = {IDENTITY: len(body)}
    for name, (app, accept_encoding) in _contenders(body).items():

        async def one(send: _asgi.Collect, app: ASGIApp = app, ae: str = accept_encoding) -> None:
            await app(_scope(ae), _asgi.receive, send)

        def check(send: _asgi.Collect, name: str = name) -> bool:
            wire[name] = len(send.body)
            return send.status == 200

        contenders.append(_asgi.contender(name, one, loop, check, batch=5))
    medians = _harness.measure(contenders, rounds=rounds)
    timing = _harness.table(
        f"Mixed payload ({_payloads.RECORDS} records, {len(body):,} bytes of JSON), per response",
        medians,
        STARLETTE,
    )
    lines = [
        "### Bytes on the wire, mixed payload",
        "",
        "| middleware | bytes | of the JSON |",
        "|---|---:|---:|",
    ]
    lines += [f"| {name} | {size:,} | {size / len(body):.1%} |" for name, size in wire.items()]
    return timing, "\n".join(lines) + "\n"


Wrap = Callable[[ASGIApp], ASGIApp] | None


async def _stream(wrap: Wrap, accept_encoding: str, ndjson: bool) -> tuple[list[float], float]:
    """Seconds from each event's production until the client can decode all of it, and
    the share of events decodable before the next one was produced."""
    produced: list[float] = []
    decodable: list[float] = []
    decoded = b""
    decode = _decode(None)
    separator = b"\n" if ndjson else b"\n\n"

    async def items() -> AsyncIterator[dict[str, int]]:
        for number in range(EVENTS):
            produced.append(time.perf_counter())
            yield {"id": number, "value": number * 3}

    async def inner(scope: Scope, receive: Receive, send: Send) -> None:
        cls = NDJSONResponse if ndjson else EventSourceResponse
        await cls(items())(scope, receive, send)

    async def send(message: Message) -> None:
        nonlocal decoded, decode
        if message["type"] == "http.response.start":
            coding = dict(message["headers"]).get(b"content-encoding")
            decode = _decode(coding.decode() if coding else None)
            return
        decoded += decode(message.get("body", b""))
        while decoded.count(separator) > len(decodable):
            decodable.append(time.perf_counter())

    async def receive() -> Message:
        await asyncio.sleep(3600)  # the client stays connected
        return {"type": "http.disconnect"}

    app = inner if wrap is None else wrap(inner)
    await app(_scope(accept_encoding), receive, send)
    waits = [done - made for made, done in zip(produced, decodable, strict=True)]
    prompt = sum(1 for done, after in zip(decodable, produced[1:], strict=False) if done < after)
    return waits, prompt / (len(produced) - 1)


def streams(loop: asyncio.AbstractEventLoop, rounds: int) -> str:
    cases: list[tuple[str, Wrap, str, bool]] = [
        ("SSE, no compression", None, "", False),
        ("SSE, Starlette GZip (skips event streams)", GZipMiddleware, "gzip", False),
        (
            "SSE, egress gzip",
            lambda a: CompressionMiddleware(a, encodings=("gzip",)),
            "gzip",
            False,
        ),
        ("SSE, egress br", lambda a: CompressionMiddleware(a, encodings=("br",)), "br", False),
        (
            "SSE, egress zstd",
            lambda a: CompressionMiddleware(a, encodings=("zstd",)),
            "zstd",
            False,
        ),
        ("NDJSON, Starlette GZip", GZipMiddleware, "gzip", True),
        (
            "NDJSON, egress gzip",
            lambda a: CompressionMiddleware(a, encodings=("gzip",)),
            "gzip",
            True,
        ),
    ]
    lines = [
        f"### Per-event latency, {EVENTS} events (median over {rounds} streams)",
        "",
        "| stream | median latency | slowest event | decodable before the next was made |",
        "|---|---:|---:|---:|",
    ]
    for name, wrap, accept_encoding, ndjson in cases:
        medians, worst, prompt = [], [], []
        for _ in range(rounds):
            waits, share = loop.run_until_complete(
                asyncio.wait_for(_stream(wrap, accept_encoding, ndjson), 60)
            )
            medians.append(statistics.median(waits))
            worst.append(max(waits))
            prompt.append(share)
        lines.append(
            f"| {name} | {statistics.median(medians) * 1e6:.0f} us | "
            f"{statistics.median(worst) * 1e3:.2f} ms | {statistics.median(prompt):.0%} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    body = egress.dumps(_payloads.refresh(_payloads.mixed()))
    loop = asyncio.new_event_loop()
    timing, wire = responses(body, loop, rounds)
    latency = streams(loop, rounds)
    loop.close()
    _harness.write(
        "compression",
        [timing, wire, latency],
        preamble=(
            "In-process ASGI. Each middleware compresses what egress sends for the mixed "
            "payload; the streams are egress responses of 200 small events.\n\n"
        ),
    )


if __name__ == "__main__":
    main()
