"""chunk_timeout and complete_timeout cut a stream short, log one warning line that
says which side was slow, and close the generator (its `finally` runs)."""

from __future__ import annotations

import logging
import logging.handlers
import sys
from collections.abc import AsyncIterator
from typing import Any

import anyio

from egress import StreamingResponse

logging.basicConfig(stream=sys.stdout, format="%(levelname)s %(name)s: %(message)s")
warnings = logging.handlers.BufferingHandler(capacity=10)
logging.getLogger("egress.responses").addHandler(warnings)  # to check them below
log: list[str] = []


async def report(delay: float = 0) -> AsyncIterator[bytes]:
    try:
        for number in range(1_000):
            await anyio.sleep(delay)
            yield b"line %d\n" % number
    finally:
        log.append("generator closed")  # release a cursor, a lock, a file...


async def stalled_client(message: dict[str, Any]) -> None:
    """An ASGI `send` that, like a client that stopped reading, never completes."""
    if message["type"] == "http.response.body":
        await anyio.sleep(3600)


async def eager_client(message: dict[str, Any]) -> None:
    """An ASGI `send` that takes every chunk at once."""


async def never_disconnects() -> dict[str, Any]:
    await anyio.sleep(3600)
    return {"type": "http.disconnect"}


async def main() -> None:
    scope = {"type": "http", "method": "GET", "path": "/report", "headers": []}
    # The client stops reading: a chunk is not taken within 0.1 s.
    response = StreamingResponse(report(), chunk_timeout=0.1, complete_timeout=30)
    await response(scope, never_disconnects, stalled_client)  # returns; the server closes
    # The generator is slow: 0.05 s per line, 0.3 s for the whole body.
    response = StreamingResponse(report(delay=0.05), complete_timeout=0.3)
    await response(scope, never_disconnects, eager_client)
    print(log)
    assert log == ["generator closed", "generator closed"]
    slow_sides = [record.getMessage().split("; ")[1] for record in warnings.buffer]
    assert slow_sides[0].startswith("the client is the slow side")  # chunk_timeout's line
    assert slow_sides[1].startswith("the generator is the slow side")


anyio.run(main)
