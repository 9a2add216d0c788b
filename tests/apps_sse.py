"""Event streams (SSE and NDJSON) for the real-server tests (`serve("tests.apps_sse:app")`),
and the scripted ASGI peer the in-process tests of both share.

As in tests/apps_streaming.py, each generator writes how it ended into the file named by
the `marker` query parameter from its `finally`, and waits for the file named by
`release` where a test must show that the client had an item before the next one was
produced.
"""

from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import anyio
import anyio.to_thread

from egress import EventSourceResponse, NDJSONResponse, ServerSentEvent
from egress.responses import Response
from egress.types import ASGIApp, Message, Receive, Scope, Send
from tests.apps_streaming import capture_logs, serve_lifespan

RELEASE_WAIT = 5.0  # seconds a generator waits for its release file before going on


class Unencodable:
    """A value no encoder is registered for."""


def _mark(marker: str, text: str) -> None:
    if marker:
        Path(marker).write_text(text)


def _released(release: str) -> bool:
    deadline = time.monotonic() + RELEASE_WAIT
    while not os.path.exists(release) and time.monotonic() < deadline:
        time.sleep(0.01)
    return os.path.exists(release)


async def released(marker: str, release: str) -> AsyncIterator[Any]:
    """Item 1 waits until the client, having item 0 (and whatever else it waits for),
    creates `release`."""
    try:
        yield {"n": 0}
        yield {"released": await anyio.to_thread.run_sync(_released, release)}
        yield {"n": 2}
    finally:
        _mark(marker, "closed")


def released_sync(marker: str, release: str) -> Iterator[Any]:
    try:
        yield {"n": 0}
        yield {"released": _released(release)}
        yield {"n": 2}
    finally:
        _mark(marker, "closed")


async def ticks(marker: str) -> AsyncIterator[Any]:
    """An event every 50 ms for up to 30 s: only a disconnect ends it early."""
    try:
        for number in range(600):
            yield ServerSentEvent({"tick": number}, event="tick", id=number)
            await anyio.sleep(0.05)
    finally:
        _mark(marker, f"closed {time.time()}")


def ticks_sync(marker: str) -> Iterator[Any]:
    try:
        for number in range(600):
            yield ServerSentEvent({"tick": number}, event="tick", id=number)
            time.sleep(0.05)
    finally:
        _mark(marker, f"closed {time.time()}")


async def silent(marker: str) -> AsyncIterator[Any]:
    """One event, then nothing but pings for 30 s."""
    try:
        yield "first"
        await anyio.sleep(30)
    finally:
        _mark(marker, f"closed {time.time()}")


async def flood(marker: str) -> AsyncIterator[Any]:
    """One event larger than every buffer between the app and a client that does not
    read, then silence: what follows the event (a ping) waits on the client."""
    try:
        yield "x" * (16 * 1024 * 1024)
        await anyio.sleep(30)
    finally:
        _mark(marker, f"closed {time.time()}")


async def unencodable(marker: str, first: bool) -> AsyncIterator[Any]:
    try:
        if not first:
            yield {"n": 0}
        yield {"bad": Unencodable()}
        yield {"never": True}
    finally:
        _mark(marker, "closed")


def _query(scope: Scope) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(scope["query_string"].decode()).items()}


def _response(scope: Scope) -> Response[Any]:
    kind, _, route = scope["path"].strip("/").partition("/")
    query = _query(scope)
    marker = query.get("marker", "")
    sync = query.get("sync") == "1"
    if route == "released":
        items = (released_sync if sync else released)(marker, query["release"])
    elif route == "ticks":
        items = (ticks_sync if sync else ticks)(marker)
    elif route == "silent":
        items = silent(marker)
    elif route == "flood":
        items = flood(marker)
    elif route in ("unencodable-first", "unencodable-later"):
        items = unencodable(marker, route == "unencodable-first")
    else:
        raise LookupError(route)
    if kind == "ndjson":
        return NDJSONResponse(items)
    return EventSourceResponse(
        items,
        ping=float(query.get("ping", 15)),
        chunk_timeout=float(query.get("chunk_timeout", 0)),
    )


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        await serve_lifespan(receive, send)
        return
    capture_logs()
    await _response(scope)(scope, receive, send)


# -- in process ----------------------------------------------------------------------------


class Peer:
    """A scripted ASGI client for one response: records each message and when it was
    sent, calls `on_body(peer, body)` for each body, and reports a disconnect once
    `leave()` is called."""

    def __init__(self, on_body: Callable[[Peer, bytes], None] | None = None) -> None:
        self.messages: list[Message] = []
        self.times: list[float] = []
        self.on_body = on_body
        self.gone = anyio.Event()

    def leave(self) -> None:
        self.gone.set()

    async def receive(self) -> Message:
        await self.gone.wait()
        return {"type": "http.disconnect"}

    async def send(self, message: Message) -> None:
        self.messages.append(message)
        self.times.append(time.monotonic())
        if self.on_body is not None and message["type"] == "http.response.body":
            self.on_body(self, message.get("body", b""))

    async def run(self, app: ASGIApp, method: str = "GET") -> None:
        scope = {"type": "http", "method": method, "path": "/", "query_string": b"", "headers": []}
        await app(scope, self.receive, self.send)

    @property
    def bodies(self) -> list[bytes]:
        return [
            bytes(m.get("body", b"")) for m in self.messages if m["type"] != "http.response.start"
        ]

    @property
    def body(self) -> bytes:
        return b"".join(self.bodies)

    @property
    def finished(self) -> bool:
        """Whether the response ended cleanly (its last message closes the body)."""
        last = self.messages[-1] if self.messages else {}
        return last.get("type") == "http.response.body" and not last.get("more_body", False)
