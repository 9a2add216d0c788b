"""An endless event stream behind cache_rate, for the real-server tests of the cache
(`serve("tests.apps_cache:app")`)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import anyio

from egress import EventSourceResponse, endpoint


@endpoint(cache_rate=10)
async def app() -> EventSourceResponse:
    """One event, then nothing until the client leaves (pings aside)."""

    async def feed() -> AsyncIterator[str]:
        yield "hello"
        await anyio.sleep_forever()

    return EventSourceResponse(feed())
