"""@endpoint(methods=...): GET and HEAD by default, 405 with Allow for the rest, HEAD as
GET without the body; in-process and inside Starlette and Lilya routers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import anyio
import httpx
import pytest
from lilya.apps import Lilya
from lilya.routing import Path
from starlette.routing import Route, Router

from egress.endpoints import endpoint
from egress.responses import StreamingResponse
from egress.types import ASGIApp, CallNext
from tests._asgi_client import client


@endpoint
async def item() -> dict[str, int]:
    return {"id": 7}


@endpoint(methods=("post", "DELETE"))
async def change() -> str:
    return "changed"


def assert_405(response: httpx.Response, allow: str) -> None:
    assert response.status_code == 405
    assert response.headers["allow"] == allow
    assert response.json()["detail"].endswith(f"this endpoint answers {allow}")


@pytest.mark.anyio
async def test_get_and_head_by_default_and_405_with_allow_for_the_rest() -> None:
    async with client(item) as c:
        get = await c.get("/")
        head = await c.head("/")
        assert get.json() == {"id": 7}
        assert head.status_code == 200
        assert head.content == b""
        assert head.headers == get.headers  # Content-Length included
        for method in ("POST", "PUT", "PATCH", "DELETE", "OPTIONS"):
            response = await c.request(method, "/")
            assert_405(response, "GET, HEAD")
            assert response.json()["detail"].startswith(f"method {method} is not allowed")


@pytest.mark.anyio
async def test_declared_methods_are_upper_cased_and_enforced() -> None:
    assert change.methods == ("POST", "DELETE")
    async with client(change) as c:
        assert (await c.post("/")).text == "changed"
        assert (await c.delete("/")).text == "changed"
        assert_405(await c.get("/"), "POST, DELETE")
        head = await c.head("/")
        assert (head.status_code, head.headers["allow"], head.content) == (405, "POST, DELETE", b"")


def test_get_brings_head_along() -> None:
    assert endpoint(methods=["GET"])(lambda: None).methods == ("GET", "HEAD")
    assert endpoint(methods=["PUT", "GET", "POST"])(lambda: None).methods == (
        "PUT",
        "GET",
        "HEAD",
        "POST",
    )
    assert endpoint(methods=["HEAD", "get", "GET"])(lambda: None).methods == ("HEAD", "GET")


@pytest.mark.parametrize(
    ("methods", "error", "message"),
    [
        ("GET", TypeError, r"sequence of method names such as \('GET', 'POST'\), got 'GET'"),
        (None, TypeError, "sequence of method names"),
        ((), ValueError, "methods= is empty"),
        (("GE T",), ValueError, "'GE T', which is not an HTTP method name"),
        (("GET", b"POST"), ValueError, "b'POST', which is not an HTTP method name"),
        (("",), ValueError, "not an HTTP method name"),
    ],
)
def test_methods_are_checked_at_decoration(methods: Any, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        endpoint(methods=methods)(lambda: None)


@pytest.mark.anyio
async def test_a_refused_method_runs_neither_middleware_nor_handler() -> None:
    calls: list[str] = []

    @endpoint
    async def guarded() -> str:
        calls.append("handler")
        return "x"

    @guarded.middleware
    async def trace(call_next: CallNext) -> Any:
        calls.append("middleware")
        return await call_next()

    async with client(guarded) as c:
        assert_405(await c.delete("/"), "GET, HEAD")
        assert calls == []
        assert (await c.get("/")).text == "x"
        assert calls == ["middleware", "handler"]


@pytest.mark.anyio
async def test_head_sees_no_body_even_from_the_cache_or_a_stream() -> None:
    runs: list[str] = []

    @endpoint(cache_rate=5)
    async def cached() -> str:
        runs.append("run")
        return "cached body"

    async def chunks() -> AsyncIterator[bytes]:
        yield b"one"
        yield b"two"

    @endpoint
    async def streamed() -> StreamingResponse:
        return StreamingResponse(chunks(), media_type="text/plain")

    app = Router([Route("/cached", cached), Route("/streamed", streamed)])
    async with client(app) as c:
        for _ in range(3):
            head = await c.head("/cached")
            assert (head.content, head.headers["content-length"]) == (b"", "11")
        assert (await c.get("/cached")).text == "cached body"
        assert runs == ["run", "run"]  # HEAD and GET count separately
        assert (await c.head("/streamed")).content == b""
        assert (await c.get("/streamed")).text == "onetwo"


@pytest.mark.anyio
async def test_head_ends_an_endless_stream_and_closes_its_generator() -> None:
    closed = anyio.Event()

    async def endless() -> AsyncIterator[bytes]:
        try:
            while True:
                yield b"tick\n"
                await anyio.sleep(0.01)
        finally:
            closed.set()

    @endpoint
    async def ticks() -> StreamingResponse:
        return StreamingResponse(endless(), media_type="text/plain")

    with anyio.fail_after(10):
        async with client(ticks) as c:
            head = await c.head("/")
        await closed.wait()
    assert (head.status_code, head.content) == (200, b"")
    assert head.headers["content-type"].startswith("text/plain")


# -- inside routers ------------------------------------------------------------------------


ROUTERS: dict[str, Callable[[], ASGIApp]] = {
    "Starlette Route": lambda: Router([Route("/item", item), Route("/change", change)]),
    "Lilya Path": lambda: Lilya(routes=[Path("/item", item), Path("/change", change)]),
}


@pytest.mark.anyio
@pytest.mark.parametrize("make", list(ROUTERS.values()), ids=list(ROUTERS))
async def test_a_route_without_methods_leaves_them_to_the_endpoint(
    make: Callable[[], ASGIApp],
) -> None:
    async with client(make()) as c:
        assert (await c.get("/item")).json() == {"id": 7}
        assert (await c.head("/item")).content == b""
        assert_405(await c.delete("/item"), "GET, HEAD")
        assert (await c.post("/change")).text == "changed"
        assert (await c.delete("/change")).text == "changed"
        assert_405(await c.get("/change"), "POST, DELETE")
        assert_405(await c.put("/change"), "POST, DELETE")


@pytest.mark.anyio
async def test_starlette_route_with_methods_and_the_endpoint_both_apply() -> None:
    app = Router([Route("/item", item, methods=["GET", "POST"])])
    async with client(app) as c:
        assert (await c.get("/item")).json() == {"id": 7}
        refused_by_route = await c.delete("/item")  # Starlette answers first, in its words
        assert refused_by_route.status_code == 405
        assert refused_by_route.text == "Method Not Allowed"
        assert_405(await c.post("/item"), "GET, HEAD")  # the route lets it through
