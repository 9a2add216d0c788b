"""An endpoint with typed parameters, the request, middleware and cache_rate, one that
takes a JSON body by POST only, mounted in a Starlette router and driven in-process
(docs/endpoints.md)."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import httpx
from starlette.routing import Route, Router

from egress import HTTPError, Request, endpoint, to_response

CallNext = Callable[[], Awaitable[Any]]
runs = 0


@endpoint(cache_rate=10)
async def index(request: Request, number: int, verbose: bool = False) -> Any:
    global runs
    runs += 1
    if number < 0:
        raise HTTPError(422, "number must not be negative")
    body = {"number": number, "double": number * 2}
    if verbose:
        body["agent"] = request.headers.get("user-agent", "")
    return body


@index.middleware
async def timing(call_next: CallNext) -> Any:
    """Outermost (registered first): sees the final result last."""
    started = time.perf_counter()
    response = to_response(await call_next())
    response.headers["x-time-elapsed"] = f"{time.perf_counter() - started:.6f}"
    return response


@index.middleware
async def tag(request: Request, call_next: CallNext) -> Any:
    """Inner: gets the handler's raw result (a dict) and may return anything."""
    result = await call_next()
    if isinstance(result, dict):
        result["path"] = request.path
    return result


@endpoint(methods=("POST",), max_body_size=1_000)
async def total(request: Request) -> dict[str, float]:
    """A JSON body: take the request and await request.json()."""
    numbers = await request.json()
    return {"total": sum(numbers)}


app = Router([Route("/numbers/{number}", index), Route("/total", total)])


async def main() -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        ok = await client.get("/numbers/21?verbose=yes", headers={"user-agent": "demo"})
        print(ok.status_code, ok.json(), "x-time-elapsed" in ok.headers)
        assert ok.json() == {"number": 21, "double": 42, "agent": "demo", "path": "/numbers/21"}

        bad = await client.get("/numbers/many")
        print(bad.status_code, bad.json())
        assert bad.status_code == 400
        assert (bad.json()["parameter"], bad.json()["expected"]) == ("number", "int")

        negative = await client.get("/numbers/-1")
        print(negative.status_code, negative.json())
        assert negative.json() == {"detail": "number must not be negative"}

        before = runs
        for _ in range(20):
            await client.get("/numbers/5")
        print("handler runs for 20 requests with cache_rate=10:", runs - before)
        assert runs - before == 2

        summed = await client.post("/total", json=[1, 2, 3.5])
        print(summed.status_code, summed.json())
        assert summed.json() == {"total": 6.5}

        wrong_method = await client.get("/total")
        print(wrong_method.status_code, wrong_method.headers["allow"])
        assert (wrong_method.status_code, wrong_method.headers["allow"]) == (405, "POST")

        too_large = await client.post("/total", json=list(range(1_000)))
        print(too_large.status_code, too_large.json()["detail"])
        assert too_large.status_code == 413


anyio.run(main)
