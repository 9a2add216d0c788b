"""The app the multi-worker tests run under `uvicorn --workers 3`
(`tests.apps_workers:app`), sharing the Redis named by EGRESS_REDIS_URL.

Runs are counted in the file named by EGRESS_RUNS (one line each, appended), never in
a worker's memory; every response names the worker that sent it (`x-worker`).
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio
from starlette.applications import Starlette
from starlette.requests import Request as StarletteRequest
from starlette.routing import Mount, Route

from egress import Broadcast, EventSourceResponse, JSONResponse, endpoint
from egress.stores import RedisStore
from egress.types import Receive, Scope, Send
from tests.apps_streaming import capture_logs

store = RedisStore(os.environ.get("EGRESS_REDIS_URL", "redis://127.0.0.1:6379/0"), timeout=1)
broadcast = Broadcast(store, history=1000)
WORKER = str(os.getpid())
ARRIVED = "test:arrived"


def _run() -> str:
    run = uuid.uuid4().hex
    with Path(os.environ["EGRESS_RUNS"]).open("a") as runs:
        runs.write(run + "\n")
    return run


@endpoint(cache_rate=10, store=store)
async def cached() -> JSONResponse:
    return JSONResponse({"run": _run()}, headers={"x-worker": WORKER})


@endpoint(cache_rate=1000, store=store)
async def flight(expected: int) -> JSONResponse:
    """Answers only once `expected` requests have arrived (counted in Redis by
    `counted`), so all of them are in flight, on every worker, while it runs."""
    for _ in range(3000):  # up to 30 s
        if int(await store.get(ARRIVED) or 0) >= expected:
            break
        await anyio.sleep(0.01)
    return JSONResponse({"run": _run()}, headers={"x-worker": WORKER})


async def counted(scope: Scope, receive: Receive, send: Send) -> None:
    await store.incr(ARRIVED)
    await flight(scope, receive, send)


@endpoint(cache_rate=10, store=store)
async def feed() -> EventSourceResponse:
    """An endless stream behind the shared cache: it cannot be kept, so nobody waits on it."""

    async def forever() -> AsyncIterator[str]:
        yield WORKER
        await anyio.sleep_forever()

    return EventSourceResponse(forever())


async def events(request: StarletteRequest) -> EventSourceResponse:
    last_event_id = request.headers.get("last-event-id")
    feed = broadcast.subscribe(request.query_params["channel"], last_event_id)
    return EventSourceResponse(feed, headers={"x-worker": WORKER})


async def publish(request: StarletteRequest) -> JSONResponse:
    value: Any = await request.json()
    event_id = await broadcast.publish(request.query_params["channel"], value)
    return JSONResponse({"id": event_id}, headers={"x-worker": WORKER})


@contextlib.asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    capture_logs()
    async with store, broadcast:
        yield


def served_by(app: Any) -> Any:
    """Stamp each response with the worker that sent it (`x-served-by`); `x-worker` in a
    body's headers names the worker that ran the handler, replayed as it was."""

    async def stamped(scope: Scope, receive: Receive, send: Send) -> None:
        async def stamp(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = [*message.get("headers", ()), (b"x-served-by", WORKER.encode())]
                message = {**message, "headers": headers}
            await send(message)

        await app(scope, receive, stamp)

    return stamped


app = served_by(
    Starlette(
        routes=[
            Mount("/cached", cached),
            Mount("/flight", counted),
            Mount("/feed", feed),
            Route("/events", events),
            Route("/publish", publish, methods=["POST"]),
        ],
        lifespan=lifespan,
    )
)
