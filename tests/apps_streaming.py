"""Streaming apps for the real-server tests (`serve("tests.apps_streaming:app", ...)`).

Each generator writes how it ended into the file named by the `marker` query
parameter from its `finally`, so a test in another process can see that the
generator was closed, and when.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from egress.responses._base import Receive, Scope, Send
from egress.responses._streaming import StreamingResponse

BIG_CHUNK = b"x" * (256 * 1024)
MAX_BIG_CHUNKS = 400  # 100 MiB: far more than any socket buffer, still bounded


def _query(scope: Scope) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(scope["query_string"].decode()).items()}


def _mark(marker: str | None, text: str) -> None:
    if marker:
        Path(marker).write_text(text)


async def _wait_for_file(path: str, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await asyncio.to_thread(os.path.exists, path):
            return True
        await asyncio.sleep(0.01)
    return False


async def released_async(marker: str, release: str) -> AsyncIterator[bytes]:
    """Chunk 1 waits until the client, having got chunk 0, creates `release`."""
    try:
        yield b"first;"
        yield b"released;" if await _wait_for_file(release, 5) else b"not-released;"
        yield b"last"
    finally:
        _mark(marker, "closed")


def released_sync(marker: str, release: str) -> Iterator[str]:
    try:
        yield "first;"
        deadline = time.monotonic() + 5
        while not os.path.exists(release) and time.monotonic() < deadline:
            time.sleep(0.01)
        yield "released;" if os.path.exists(release) else "not-released;"
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
            await asyncio.sleep(0.05)
    finally:
        _mark(marker, f"closed {time.time()}")


def ticks_sync(marker: str) -> Iterator[bytes]:
    try:
        for number in range(600):
            yield b"tick %d\n" % number
            time.sleep(0.05)
    finally:
        _mark(marker, f"closed {time.time()}")


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
        return StreamingResponse((ticks_sync if sync else ticks)(marker), media_type="text/plain")
    if route == "failing":
        return StreamingResponse(failing(marker), media_type="text/plain")
    raise LookupError(route)


async def serve_lifespan(receive: Receive, send: Send) -> None:
    """Acknowledge startup and shutdown, so every server runs the app quietly."""
    while (await receive())["type"] != "lifespan.shutdown":
        await send({"type": "lifespan.startup.complete"})
    await send({"type": "lifespan.shutdown.complete"})


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        await serve_lifespan(receive, send)
        return
    await _response(scope)(scope, receive, send)
