"""chunk_timeout and complete_timeout cut off a client that stops reading, and the
generator is closed (its `finally` runs) however the stream ends."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from egress import StreamingResponse
from egress.responses import StreamTimeout

log: list[str] = []


async def report() -> AsyncIterator[bytes]:
    try:
        for number in range(1_000):
            yield b"line %d\n" % number
    finally:
        log.append("generator closed")  # release a cursor, a lock, a file...


async def stalled_client(message: dict[str, Any]) -> None:
    """An ASGI `send` that, like a client that stopped reading, never completes."""
    if message["type"] == "http.response.body":
        await asyncio.sleep(3600)


async def never_disconnects() -> dict[str, Any]:
    await asyncio.sleep(3600)
    return {"type": "http.disconnect"}


async def main() -> None:
    scope = {"type": "http", "method": "GET", "path": "/report", "headers": []}
    response = StreamingResponse(report(), chunk_timeout=0.1, complete_timeout=30)
    try:
        await response(scope, never_disconnects, stalled_client)
    except StreamTimeout as error:  # the server closes the connection
        print("aborted:", error)
    print(log)
    assert log == ["generator closed"]


asyncio.run(main())
