"""cache_rate=N: the handler runs on requests 1, N+1, 2N+1, ...; replayed in between."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from egress._cache import ResponseCache
from egress.endpoints import endpoint
from egress.pipeline import HTTPError
from egress.responses import PlainText, Response


def client(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


@pytest.mark.anyio
async def test_twenty_requests_with_rate_ten_run_the_handler_twice() -> None:
    runs: list[int] = []

    @endpoint(cache_rate=10)
    async def counter() -> tuple[str, int, dict[str, str]]:
        runs.append(1)
        return f"run {len(runs)}", 201, {"x-run": str(len(runs))}

    bodies = []
    async with client(counter) as c:
        for _ in range(20):
            response = await c.get("/")
            assert response.status_code == 201
            bodies.append((response.text, response.headers["x-run"]))
    assert len(runs) == 2
    assert bodies == [("run 1", "1")] * 10 + [("run 2", "2")] * 10


@pytest.mark.anyio
async def test_runs_on_requests_one_and_n_plus_one() -> None:
    runs: list[int] = []

    @endpoint(cache_rate=3)
    def counter() -> int:
        runs.append(1)
        return len(runs)

    async with client(counter) as c:
        seen = [(await c.get("/")).json() for _ in range(7)]
    assert seen == [1, 1, 1, 2, 2, 2, 3]


@pytest.mark.anyio
async def test_cache_keys_on_method_path_and_query() -> None:
    runs: list[str] = []

    @endpoint(cache_rate=5)
    async def echo(q: str = "") -> str:
        runs.append(q)
        return q

    async with client(echo) as c:
        for _ in range(2):
            assert (await c.get("/?q=a")).text == "a"
            assert (await c.get("/?q=b")).text == "b"
            assert (await c.get("/other?q=a")).text == "a"
            assert (await c.post("/?q=a")).text == "a"
    assert sorted(runs) == ["a", "a", "a", "b"]  # four keys, each run once


@pytest.mark.anyio
async def test_set_cookie_responses_are_not_cached() -> None:
    runs: list[int] = []

    @endpoint(cache_rate=10)
    async def login() -> Response[Any]:
        runs.append(1)
        response = PlainText("hi")
        response.set_cookie("session", str(len(runs)))
        return response

    async with client(login) as c:
        for _ in range(3):
            await c.get("/")
    assert len(runs) == 3


@pytest.mark.anyio
async def test_streaming_responses_are_not_cached() -> None:
    runs: list[int] = []

    class TwoParts(Response[Any]):
        async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
            await send(self._start_message())
            await send({"type": "http.response.body", "body": b"a", "more_body": True})
            await send({"type": "http.response.body", "body": b"b"})

    @endpoint(cache_rate=10)
    async def stream() -> Response[Any]:
        runs.append(1)
        return TwoParts(None, headers={"content-type": "text/plain"})

    async with client(stream) as c:
        for _ in range(3):
            assert (await c.get("/")).text == "ab"
    assert len(runs) == 3


@pytest.mark.anyio
async def test_errors_are_not_cached() -> None:
    runs: list[int] = []

    @endpoint(cache_rate=10)
    async def flaky() -> str:
        runs.append(1)
        if len(runs) == 1:
            raise HTTPError(503)
        return "ok"

    async with client(flaky) as c:
        assert (await c.get("/")).status_code == 503
        assert (await c.get("/")).text == "ok"
        assert (await c.get("/")).text == "ok"
    assert len(runs) == 2


@pytest.mark.anyio
async def test_rate_one_runs_every_time() -> None:
    runs: list[int] = []

    @endpoint(cache_rate=1)
    async def always() -> int:
        runs.append(1)
        return len(runs)

    async with client(always) as c:
        assert [(await c.get("/")).json() for _ in range(3)] == [1, 2, 3]


@pytest.mark.parametrize("rate", [0, -1, 1.5, True, "10"])
def test_cache_rate_must_be_a_positive_int(rate: Any) -> None:
    with pytest.raises(ValueError, match="cache_rate"):
        endpoint(cache_rate=rate)(lambda: None)


@pytest.mark.anyio
async def test_cache_is_bounded() -> None:
    cache = ResponseCache(10, max_entries=2)
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    def keys() -> Iterator[tuple[str, str, bytes]]:
        for n in range(3):
            yield ("GET", "/", str(n).encode())

    for key in keys():
        record = cache.recording(key, send)
        await record({"type": "http.response.start", "status": 200, "headers": []})
        await record({"type": "http.response.body", "body": b"x"})
    first, second, third = keys()
    assert not await cache.replay(first, send)  # the oldest was dropped
    assert await cache.replay(second, send)
    assert await cache.replay(third, send)


@pytest.mark.anyio
@pytest.mark.parametrize("status", [206, 304])
async def test_answers_to_request_headers_are_not_cached(status: int) -> None:
    runs: list[int] = []

    @endpoint(cache_rate=10)
    async def conditional() -> Response[Any]:
        runs.append(1)
        return Response(b"" if status == 304 else b"part", status_code=status)

    async with client(conditional) as c:
        for _ in range(3):
            assert (await c.get("/")).status_code == status
    assert len(runs) == 3
