"""CompressionMiddleware around a Starlette router, for the real-server tests and the
browser test (`serve("tests.apps_compression:app")`).

`/events?n=N&run=R`: the demo's tick events, where tick i+1 is produced only once the
file `R-i` exists in the directory named by EGRESS_TEST_RELEASE: the client creates it
when it has tick i, so a stream held back anywhere on the way stalls the generator,
which then says so in the next tick (`"stalled": true`) instead of waiting forever.
`/live` is the demo's page, which listens to `/events?n=10` (run `live`); `/readings` the
demo's negotiated route; `/page` a compressible text.
"""

from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import anyio.to_thread
from starlette.routing import Route, Router

from egress import EventSourceResponse, Request, ServerSentEvent, endpoint
from egress.middleware import CompressionMiddleware
from examples.app import live, readings

RELEASE_WAIT = 10.0  # seconds a tick waits for the client to have the one before


def _released(path: Path) -> bool:
    deadline = time.monotonic() + RELEASE_WAIT
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    return path.exists()


async def gated_ticks(n: int, run: str) -> AsyncIterator[ServerSentEvent]:
    releases = Path(os.environ.get("EGRESS_TEST_RELEASE", "."))
    for number in range(1, n + 1):
        stalled = False
        if number > 1:
            stalled = not await anyio.to_thread.run_sync(
                _released, releases / f"{run}-{number - 1}"
            )
        yield ServerSentEvent(
            {"tick": number, "of": n, "stalled": stalled}, event="tick", id=number
        )
    yield ServerSentEvent({"ticks": n}, event="done")


@endpoint
async def events(request: Request, n: int = 10, run: str = "live") -> EventSourceResponse:
    return EventSourceResponse(gated_ticks(n, run), ping=None)


@endpoint
async def page() -> str:
    return "The quick brown fox jumps over the lazy dog. " * 100


app = CompressionMiddleware(
    Router(
        [
            Route("/events", events),
            Route("/live", live),
            Route("/readings", readings),
            Route("/page", page),
        ]
    )
)
