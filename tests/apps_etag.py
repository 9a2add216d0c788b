"""Endpoints with `etag=True` for the real-server tests (`serve("tests.apps_etag:app")`)."""

from __future__ import annotations

from collections.abc import AsyncIterator

from starlette.routing import Route, Router

from egress.endpoints import endpoint
from egress.responses import StreamingResponse

runs = 0


@endpoint(etag=True)
async def page(name: str = "world") -> dict[str, str]:
    return {"hello": name}


@endpoint(etag=True, cache_rate=3)
async def cached() -> dict[str, int]:
    """Runs on requests 1, 4, 7...: the body changes once every three requests."""
    global runs
    runs += 1
    return {"run": runs}


async def _lines() -> AsyncIterator[str]:
    yield "one\n"
    yield "two\n"


@endpoint(etag=True)
async def stream() -> StreamingResponse:
    return StreamingResponse(_lines(), media_type="text/plain")


app = Router([Route("/page", page), Route("/cached", cached), Route("/stream", stream)])
