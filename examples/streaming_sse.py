"""EventSourceResponse: Server-Sent Events from a generator, with named events, ids,
multi-line text, JSON data through the registry, and pings while the generator is silent."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timezone

import anyio
import httpx

from egress import EventSourceResponse, ServerSentEvent


async def feed() -> AsyncIterator[object]:
    yield "hello"  # a plain value is the data of a "message" event; a str is sent as text
    yield {"at": datetime(2024, 5, 1, 12, tzinfo=timezone.utc)}  # anything else as JSON
    yield ServerSentEvent("two\nlines", event="note", id=3)  # one data: line per line
    await anyio.sleep(0.25)  # silence: a ": ping" comment goes out after `ping` seconds
    yield ServerSentEvent(comment="the end", retry=5000)


async def main() -> None:
    response = EventSourceResponse(feed(), ping=0.1)
    transport = httpx.ASGITransport(app=response)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        got = await client.get("/events")
    print(got.status_code, got.headers["content-type"], got.headers["cache-control"])
    print(got.text)
    assert got.text.startswith(
        'data: hello\n\ndata: {"at":"2024-05-01T12:00:00'  # the registry's datetime form
    )
    assert "event: note\nid: 3\ndata: two\ndata: lines\n\n" in got.text
    assert ": ping\n\n" in got.text
    assert got.text.endswith(": the end\nretry: 5000\n\n")


anyio.run(main)
