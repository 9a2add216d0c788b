"""Streaming apps for the real-server tests (`serve("tests.apps_streaming:app", ...)`),
and the ASGI helpers the in-process stream and file tests share.

Each generator writes how it ended into the file named by the `marker` query
parameter from its `finally`, so a test in another process can see that the
generator was closed, and when. With EGRESS_TEST_LOG set, what egress and the
server log goes to that file (from the first request on, once the server has set
up its own logging), so a test can read what was logged, tracebacks included.
"""

from __future__ import annotations

import functools
import logging
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import anyio
import anyio.to_thread
import httpx

from egress.responses._streaming import StreamingResponse
from egress.types import Message, Receive, Scope, Send

App = Callable[[Scope, Receive, Send], Awaitable[None]]

BIG_CHUNK = b"x" * (256 * 1024)
MAX_BIG_CHUNKS = 400  # 100 MiB: far more than any socket buffer, still bounded


def _query(scope: Scope) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(scope["query_string"].decode()).items()}


def _mark(marker: str | None, text: str) -> None:
    if marker:
        Path(marker).write_text(text)


def _appears(path: str, within: float) -> bool:
    deadline = time.monotonic() + within
    while not os.path.exists(path) and time.monotonic() < deadline:
        time.sleep(0.01)
    return os.path.exists(path)


async def released_async(marker: str, release: str) -> AsyncIterator[bytes]:
    """Chunk 1 waits until the client, having got chunk 0, creates `release`."""
    try:
        yield b"first;"
        released = await anyio.to_thread.run_sync(_appears, release, 5)
        yield b"released;" if released else b"not-released;"
        yield b"last"
    finally:
        _mark(marker, "closed")


def released_sync(marker: str, release: str) -> Iterator[str]:
    try:
        yield "first;"
        yield "released;" if _appears(release, 5) else "not-released;"
        yield "last"
    finally:
        _mark(marker, "closed")


async def big_chunks(marker: str) -> AsyncIterator[bytes]:
    try:
        for _ in range(MAX_BIG_CHUNKS):
            yield BIG_CHUNK
    finally:
        _mark(marker, f"closed {time.time()}")


def big_chunks_sync(marker: str) -> Iterator[bytes]:
    try:
        for _ in range(MAX_BIG_CHUNKS):
            yield BIG_CHUNK
    finally:
        _mark(marker, f"closed {time.time()}")


async def ticks(marker: str) -> AsyncIterator[bytes]:
    """A small chunk every 50 ms for up to 30 s: only a disconnect ends it early."""
    try:
        for number in range(600):
            yield b"tick %d\n" % number
            await anyio.sleep(0.05)
    finally:
        _mark(marker, f"closed {time.time()}")


def ticks_sync(marker: str) -> Iterator[bytes]:
    try:
        for number in range(600):
            yield b"tick %d\n" % number
            time.sleep(0.05)
    finally:
        _mark(marker, f"closed {time.time()}")


async def eager(marker: str, count: int) -> AsyncIterator[bytes]:
    """`count` rows from memory: a producer that never awaits, so only the stream's own
    checkpoints let the server notice a disconnect. Its `finally` records how many rows
    were produced."""
    produced = 0
    try:
        for produced in range(1, count + 1):
            yield b"row %08d %s\n" % (produced, b"x" * 100)
    finally:
        _mark(marker, f"closed after {produced} rows")


async def counted(count: int) -> AsyncIterator[bytes]:
    for number in range(count):
        yield b"%d\n" % number


def counted_sync(count: int) -> Iterator[bytes]:
    for number in range(count):
        yield b"%d\n" % number


async def failing(marker: str) -> AsyncIterator[bytes]:
    try:
        yield b"partial"
        raise RuntimeError("the data source broke")
    finally:
        _mark(marker, "closed")


def _response(scope: Scope) -> StreamingResponse:
    route = scope["path"].strip("/")
    query = _query(scope)
    marker = query.get("marker", "")
    sync = query.get("sync") == "1"
    if route == "released":
        maker: Any = released_sync if sync else released_async
        return StreamingResponse(maker(marker, query["release"]), media_type="text/plain")
    if route == "big":
        return StreamingResponse(
            (big_chunks_sync if sync else big_chunks)(marker),
            media_type="application/octet-stream",
            chunk_timeout=float(query.get("chunk_timeout", 0)),
            complete_timeout=float(query.get("complete_timeout", 0)),
        )
    if route == "ticks":
        return StreamingResponse(
            (ticks_sync if sync else ticks)(marker),
            media_type="text/plain",
            complete_timeout=float(query.get("complete_timeout", 0)),
        )
    if route == "counted":
        return StreamingResponse((counted_sync if sync else counted)(int(query["count"])))
    if route == "eager":
        return StreamingResponse(eager(marker, int(query["count"])), media_type="text/plain")
    if route == "failing":
        return StreamingResponse(failing(marker), media_type="text/plain")
    raise LookupError(route)


async def serve_lifespan(receive: Receive, send: Send) -> None:
    """Acknowledge startup and shutdown, so every server runs the app quietly."""
    while (await receive())["type"] != "lifespan.shutdown":
        await send({"type": "lifespan.startup.complete"})
    await send({"type": "lifespan.shutdown.complete"})


@functools.cache
def capture_logs() -> None:
    """Send egress's and the server's log records to the file named by EGRESS_TEST_LOG.

    The root logger gets egress's and hypercorn's records; uvicorn's and granian's
    loggers do not propagate to it, so they get the handler too. Called on each
    request, it acts once: by then the server has configured its own logging.
    """
    path = os.environ.get("EGRESS_TEST_LOG")
    if not path:
        return
    handler = logging.FileHandler(path)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    for name in ("", "uvicorn", "_granian"):
        logging.getLogger(name).addHandler(handler)


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        await serve_lifespan(receive, send)
        return
    capture_logs()
    await _response(scope)(scope, receive, send)


def edits_in_place(app: App) -> App:
    """Middleware at its most careless: once a message has been passed on, it edits it
    in place (a header appended to its list, the body replaced, `more_body` set), as
    GZip edits the message it is given and as a cache holding messages by reference
    would later. Nothing egress sends afterwards may change with it."""

    async def edited(scope: Scope, receive: Receive, send: Send) -> None:
        async def send_then_edit(message: Message) -> None:
            await send(message)
            if "headers" in message:
                message["headers"].append((b"x-edited", b"1"))
            message["body"] = b"edited"
            message["more_body"] = True

        await app(scope, receive, send_then_edit)

    return edited


async def fetch_raw(app: App, headers: dict[str, str]) -> tuple[httpx.Response, bytes]:
    """One GET over httpx's ASGI transport: the response, and its body as it was sent
    (not decoded, so a gzip body is seen as gzip)."""
    transport = httpx.ASGITransport(app=app)
    async with (
        httpx.AsyncClient(transport=transport, base_url="http://test") as client,
        client.stream("GET", "/", headers=headers) as response,
    ):
        raw = b"".join([chunk async for chunk in response.aiter_raw()])
    return response, raw
