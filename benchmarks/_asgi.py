"""In-process ASGI driving for the benchmarks: a minimal receive and send, and a
contender that sends a batch of requests per timed call inside one event-loop run."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from benchmarks._harness import Contender
from egress.types import Message


def scope() -> dict[str, Any]:
    """A new GET / scope, as a server hands an app one per request (apps may change it)."""
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/",
        "raw_path": b"/",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"test"), (b"accept", b"*/*")],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }


async def receive() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}


class Collect:
    """The minimal ASGI `send`: keeps the status and body of the last response."""

    def __init__(self) -> None:
        self.status = 0
        self.body = b""

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.body = b""
        elif message["type"] == "http.response.body":
            self.body += message.get("body", b"")


def contender(
    name: str,
    one: Callable[[Collect], Awaitable[None]],
    loop: asyncio.AbstractEventLoop,
    check: Callable[[Collect], bool],
    batch: int = 100,
) -> Contender:
    """`one(send)` serves one request; it is checked once with `check`, then timed in
    batches (so the event loop's own cost is spread over `batch` requests)."""
    send = Collect()

    async def run() -> None:
        for _ in range(batch):
            await one(send)

    loop.run_until_complete(run())
    if not check(send):
        raise RuntimeError(f"{name} answered {send.status} {send.body[:200]!r}")
    return Contender(name, lambda: loop.run_until_complete(run()))
