"""The egress demo: a Starlette router of egress endpoints, one route per feature.

Run it with `make demo` (or `python examples/app.py`) and try the curl lines in the
README's "Demo" section. tests/test_demo.py serves it and checks every route.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any

import anyio
import anyio.lowlevel
from starlette.routing import Route, Router

from egress import (
    Broadcast,
    EventSourceResponse,
    HTTPError,
    Request,
    ServerSentEvent,
    endpoint,
    to_response,
)
from egress.responses import FileResponse, StreamingResponse
from egress.stores import MemoryStore

HERE = Path(__file__).resolve()
STATIC = HERE.parent / "static"


class Color(Enum):
    BLUE = "blue"
    BLACK = "black"


@dataclass
class Pen:
    name: str
    price: Decimal
    color: Color


PENS = {
    1: Pen("fountain", Decimal("12.50"), Color.BLUE),
    2: Pen("ballpoint", Decimal("1.20"), Color.BLACK),
}


class Greeting:
    """An object with the result protocol: the pipeline converts what it returns."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __response__(self) -> tuple[str, int, dict[str, str]]:
        return f"Hello, {self.name}!", 200, {"x-greeted": self.name}


@endpoint
def home() -> dict[str, Any]:
    """A raw dict (and a sync handler: it runs in a worker thread). GET and HEAD, the
    default methods; `curl -X DELETE` gets 405 with `Allow: GET, HEAD`."""
    return {"message": "Welcome home", "id": 7}


@endpoint(etag=True)
async def pen(pen_id: int) -> Pen:
    """A dataclass, and a path parameter converted to int; an unknown pen is a 404. With
    an ETag: a client that sends it back in If-None-Match gets 304 Not Modified."""
    if pen_id not in PENS:
        raise HTTPError(404, f"no pen {pen_id}")
    return PENS[pen_id]


@endpoint(methods=("POST",))
async def create(name: str = "pen") -> tuple[str, int, dict[str, str]]:
    """A tuple: body, status and headers. Only POST: any other method gets 405 and Allow."""
    return f"created {name}", 201, {"location": f"/pens/{name}"}


@endpoint
async def greet(name: str = "world") -> Greeting:
    return Greeting(name)


@endpoint
async def teapot() -> None:
    raise HTTPError(418)


async def count_to(n: int) -> AsyncIterator[str]:
    for i in range(1, n + 1):
        yield f"{i}\n"
        await anyio.lowlevel.checkpoint()  # let other requests run between lines


@endpoint
async def stream(n: int = 3) -> StreamingResponse:
    return StreamingResponse(count_to(n), media_type="text/plain")


@endpoint
async def source(request: Request) -> FileResponse:
    """This very file, with Range support (`curl -r 0-8`)."""
    return FileResponse(HERE, media_type="text/plain", content_disposition_type="inline")


@endpoint
async def timed() -> dict[str, str]:
    return {"status": "measured"}


@timed.middleware
async def elapsed(call_next: Callable[[], Awaitable[Any]]) -> Any:
    started = time.perf_counter()
    response = to_response(await call_next())
    response.headers["x-time-elapsed"] = f"{(time.perf_counter() - started) * 1000:.3f}ms"
    return response


async def ticks(first: int, n: int) -> AsyncIterator[ServerSentEvent]:
    for number in range(first, n + 1):
        yield ServerSentEvent({"tick": number, "of": n}, event="tick", id=number)
        await anyio.sleep(0.5)
    yield ServerSentEvent({"ticks": n}, event="done")


@endpoint
async def events(request: Request, n: int = 10) -> EventSourceResponse:
    """Server-Sent Events: a counter ticking every 0.5 s, n times, then a "done" event. A
    browser that lost the connection reconnects with the last id it saw (Last-Event-ID)
    and the count resumes after it."""
    resume = request.headers.get("last-event-id", "")
    first = int(resume) + 1 if re.fullmatch(r"[0-9]{1,9}", resume) else 1
    return EventSourceResponse(ticks(first, n))


@endpoint
async def live() -> FileResponse:
    """A page whose browser EventSource shows /events as they arrive."""
    return FileResponse(STATIC / "events.html")


runs = 0


@endpoint(cache_rate=3)
async def cached() -> dict[str, int]:
    """Runs on requests 1, 4, 7, ...; the response is replayed in between."""
    global runs
    runs += 1
    return {"runs": runs}


@endpoint(negotiate=True)
async def readings(n: int = 3) -> Iterator[dict[str, Any]]:
    """One handler, four representations chosen by Accept: a JSON array (the default),
    MessagePack, NDJSON lines or Server-Sent Events, each reading as it is produced."""
    start = datetime(2024, 5, 1, 12, tzinfo=timezone.utc)
    return (
        {"sensor": "a", "at": start + timedelta(minutes=i), "celsius": 20 + i / 2} for i in range(n)
    )


# One process here; with several workers, Broadcast(RedisStore(url)) shares the events.
broadcast = Broadcast(MemoryStore(), history=100)


@endpoint
async def broadcast_page() -> FileResponse:
    """A page to open in several tabs: each shows every message any of them publishes."""
    return FileResponse(STATIC / "broadcast.html")


@endpoint
async def broadcast_events(request: Request) -> EventSourceResponse:
    """Every tab's event stream; a reconnecting tab gets what it missed (Last-Event-ID)."""
    feed = broadcast.subscribe("demo", request.headers.get("last-event-id"))
    return EventSourceResponse(feed)


@endpoint(methods=("POST",))
async def broadcast_say(text: str) -> dict[str, str]:
    return {"id": await broadcast.publish("demo", text)}


@contextlib.asynccontextmanager
async def lifespan(app: object) -> AsyncIterator[None]:
    async with broadcast:  # its listeners run while the app runs
        yield


app = Router(
    [
        Route("/", home),
        Route("/pens/{pen_id}", pen),
        Route("/pens", create),  # the endpoint's methods decide: no methods= needed
        Route("/greet", greet),
        Route("/teapot", teapot),
        Route("/stream", stream),
        Route("/source", source),
        Route("/timed", timed),
        Route("/cached", cached),
        Route("/events", events),
        Route("/live", live),
        Route("/readings", readings),
        Route("/broadcast", broadcast_page),
        Route("/broadcast/events", broadcast_events),
        Route("/broadcast/say", broadcast_say),
    ],
    lifespan=lifespan,
)

if __name__ == "__main__":
    import uvicorn

    uvicorn.run(app, host="127.0.0.1", port=8000)
