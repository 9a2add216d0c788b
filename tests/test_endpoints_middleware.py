"""Endpoint middleware: both forms, the order, raw results, errors raised inside."""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest

from egress.endpoints import Request, endpoint
from egress.pipeline import HTTPError, to_response
from egress.types import CallNext
from tests._asgi_client import client


@pytest.mark.anyio
async def test_call_next_returns_the_raw_result_and_to_response_edits_headers() -> None:
    seen: list[Any] = []

    @endpoint
    async def index() -> dict[str, int]:
        return {"n": 1}

    @index.middleware
    async def timing(call_next: CallNext) -> Any:
        started = time.perf_counter()
        result = await call_next()
        seen.append(result)
        response = to_response(result)
        response.headers["x-time-elapsed"] = f"{time.perf_counter() - started:.6f}"
        return response

    async with client(index) as c:
        response = await c.get("/")
    assert seen == [{"n": 1}]
    assert response.json() == {"n": 1}
    assert float(response.headers["x-time-elapsed"]) >= 0


@pytest.mark.anyio
async def test_call_next_of_a_sync_handler_is_awaitable_too() -> None:
    @endpoint
    def index() -> str:
        return "sync"

    @index.middleware
    async def shout(call_next: CallNext) -> Any:
        return str(await call_next()).upper()

    async with client(index) as c:
        assert (await c.get("/")).text == "SYNC"


@pytest.mark.anyio
async def test_middleware_with_the_request() -> None:
    @endpoint
    async def index(n: int) -> int:
        return n

    @index.middleware
    async def tag(request: Request, call_next: CallNext) -> Any:
        return f"{request.method} {request.query_params['n']} -> {await call_next()}"

    async with client(index) as c:
        assert (await c.get("/?n=4")).text == "GET 4 -> 4"


@pytest.mark.anyio
async def test_order_first_registered_is_outermost() -> None:
    trace: list[str] = []

    @endpoint
    async def index() -> list[str]:
        trace.append("handler")
        return ["handler"]

    def layer(name: str) -> Any:
        async def middleware(call_next: CallNext) -> Any:
            trace.append(f"{name} in")
            result = await call_next()
            trace.append(f"{name} out")
            return [*result, name]

        return middleware

    index.middleware(layer("first"))
    index.middleware(layer("second"))

    async with client(index) as c:
        body = (await c.get("/")).json()
    assert trace == ["first in", "second in", "handler", "second out", "first out"]
    assert body == ["handler", "second", "first"]


@pytest.mark.anyio
async def test_middleware_may_answer_without_calling_next() -> None:
    calls: list[str] = []

    @endpoint
    async def index() -> str:
        calls.append("handler")
        return "secret"

    @index.middleware
    async def guard(request: Request, call_next: CallNext) -> Any:
        if "authorization" not in request.headers:
            return "login first", 401
        return await call_next()

    async with client(index) as c:
        denied = await c.get("/")
        allowed = await c.get("/", headers={"authorization": "x"})
    assert (denied.status_code, denied.text) == (401, "login first")
    assert allowed.text == "secret"
    assert calls == ["handler"]


@pytest.mark.anyio
async def test_http_error_in_middleware_is_its_response() -> None:
    @endpoint
    async def index() -> str:
        return "never"

    @index.middleware
    async def refuse(call_next: CallNext) -> Any:
        raise HTTPError(403, headers={"x-why": "policy"})

    async with client(index) as c:
        response = await c.get("/")
    assert response.status_code == 403
    assert response.json() == {"detail": "Forbidden"}
    assert response.headers["x-why"] == "policy"


@pytest.mark.anyio
async def test_exception_in_middleware_is_a_logged_500(caplog: pytest.LogCaptureFixture) -> None:
    @endpoint
    async def index() -> str:
        return "x"

    @index.middleware
    async def broken(call_next: CallNext) -> Any:
        raise KeyError("internal")

    with caplog.at_level(logging.ERROR, logger="egress.endpoints"):
        async with client(index) as c:
            response = await c.get("/")
    assert response.status_code == 500
    assert "internal" not in response.text
    assert "KeyError" in caplog.text


@pytest.mark.anyio
async def test_middleware_sees_handler_errors_and_may_recover() -> None:
    @endpoint
    async def index(n: int) -> int:
        return n

    @index.middleware
    async def fallback(call_next: CallNext) -> Any:
        try:
            return await call_next()
        except HTTPError as error:
            return {"recovered": error.status_code}

    async with client(index) as c:
        assert (await c.get("/?n=x")).json() == {"recovered": 400}
        assert (await c.get("/?n=2")).json() == 2


@pytest.mark.anyio
async def test_middleware_returning_a_coroutine_value() -> None:
    @endpoint
    async def index() -> str:
        return "x"

    async def later() -> tuple[str, int]:
        return "later", 202

    @index.middleware
    async def defer(call_next: CallNext) -> Any:
        await call_next()
        return later()

    async with client(index) as c:
        response = await c.get("/")
    assert (response.status_code, response.text) == (202, "later")


def test_middleware_shape_is_checked_at_registration() -> None:
    @endpoint
    async def index() -> str:
        return "x"

    def not_async(call_next: CallNext) -> Any:
        return call_next()

    async def three(a: Any, b: Any, c: Any) -> Any:
        return None

    with pytest.raises(TypeError, match="async function"):
        index.middleware(not_async)
    with pytest.raises(TypeError, match="takes 3 arguments"):
        index.middleware(three)
