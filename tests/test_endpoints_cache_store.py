"""cache_rate with its state in a Store (`@endpoint(cache_rate=N, store=...)`): the same
rules as in one process (runs on requests 1, N+1, 2N+1..., single flight, only complete
responses kept, snapshots before send), over MemoryStore and a real Redis; and failing
open, with one warning, when Redis is gone, sharing again once it is back."""

from __future__ import annotations

import copy
import logging
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from typing import Any

import anyio
import pytest

from egress import EventSourceResponse, PlainText, Response, endpoint
from egress.pipeline import HTTPError
from egress.stores import MemoryStore, RedisStore, Store
from egress.types import Message
from tests._asgi_client import client
from tests._redis import RedisServer, running_redis
from tests.test_endpoints_cache import HeadPeer, call

pytestmark = pytest.mark.timeout(60)


@pytest.fixture(scope="module")
def redis_server() -> Iterator[RedisServer]:
    with running_redis() as server:
        yield server


@pytest.fixture(params=["memory", "redis"])
async def store(
    request: pytest.FixtureRequest, anyio_backend: str, redis_server: RedisServer
) -> AsyncIterator[Store]:
    if request.param == "memory":
        yield MemoryStore()
    elif anyio_backend == "trio":
        pytest.skip("redis-py's asyncio client runs on asyncio only")
    else:
        async with RedisStore(redis_server.url) as redis:
            await redis._redis.flushdb()  # each test counts from one
            yield redis


@pytest.mark.anyio
async def test_runs_on_requests_one_and_n_plus_one(store: Store) -> None:
    runs: list[int] = []

    @endpoint(cache_rate=3, store=store)
    def counter() -> int:
        runs.append(1)
        return len(runs)

    async with client(counter) as c:
        seen = [(await c.get("/")).json() for _ in range(7)]
    assert seen == [1, 1, 1, 2, 2, 2, 3]


@pytest.mark.anyio
async def test_two_endpoints_sharing_a_store_count_apart(store: Store) -> None:
    @endpoint(cache_rate=5, store=store)
    async def first() -> str:
        return "first"

    @endpoint(cache_rate=5, store=store)
    async def second() -> str:
        return "second"

    async with client(first) as a, client(second) as b:
        assert (await a.get("/")).text == "first"
        assert (await b.get("/")).text == "second"


@pytest.mark.anyio
async def test_two_hundred_concurrent_requests_run_the_handler_once_per_n(store: Store) -> None:
    runs = 0

    @endpoint(cache_rate=10, store=store)
    async def slow() -> dict[str, int]:
        nonlocal runs
        runs += 1
        run = runs
        await anyio.sleep(0.05)
        return {"run": run}

    seen: list[int] = []
    async with client(slow) as c:

        async def one() -> None:
            response = await c.get("/")
            assert response.status_code == 200
            seen.append(response.json()["run"])

        with anyio.fail_after(60):
            async with anyio.create_task_group() as group:
                for _ in range(200):
                    group.start_soon(one)
    assert runs == 20
    assert Counter(seen) == dict.fromkeys(range(1, 21), 10)


@pytest.mark.anyio
async def test_errors_are_not_kept(store: Store) -> None:
    runs: list[int] = []

    @endpoint(cache_rate=10, store=store)
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
async def test_set_cookie_responses_are_not_kept(store: Store) -> None:
    runs: list[int] = []

    @endpoint(cache_rate=10, store=store)
    async def login() -> Response[Any]:
        runs.append(1)
        response = PlainText("hi")
        response.set_cookie("session", str(len(runs)))
        return response

    async with client(login) as c:
        for n in range(1, 4):
            assert (await c.get("/")).cookies["session"] == str(n)
    assert len(runs) == 3


@pytest.mark.anyio
async def test_an_endless_stream_holds_nobody_back(store: Store) -> None:
    opened: list[int] = []

    @endpoint(cache_rate=10, store=store)
    async def feed() -> EventSourceResponse:
        async def forever() -> AsyncIterator[Any]:
            opened.append(1)
            await anyio.sleep_forever()
            yield "never"

        return EventSourceResponse(forever())

    peers = [HeadPeer() for _ in range(3)]
    with anyio.fail_after(10):
        async with anyio.create_task_group() as group:
            for peer in peers:
                group.start_soon(peer.run, feed)
                await peer.head.wait()
            for peer in peers:
                peer.leave()
    assert len(opened) == 3


@pytest.mark.anyio
async def test_what_middleware_edits_in_place_is_never_replayed(store: Store) -> None:
    @endpoint(cache_rate=5, store=store)
    async def page() -> Response[Any]:
        return PlainText("body", headers={"x-a": "1"})

    received: list[Message] = []

    async def vandal(message: Message) -> None:
        received.append(copy.deepcopy(message))
        if message["type"] == "http.response.start":
            message["headers"].append((b"x-added", b"1"))
        else:
            message["body"] = b"replaced"

    for _ in range(5):
        await call(page, vandal)
    starts = [m for m in received if m["type"] == "http.response.start"]
    assert all(start == starts[0] for start in starts)
    assert (b"x-added", b"1") not in starts[0]["headers"]
    assert [m["body"] for m in received if m["type"] == "http.response.body"] == [b"body"] * 5


def test_store_needs_a_store_and_a_rate() -> None:
    with pytest.raises(TypeError, match=r"egress\.stores\.Store"):
        endpoint(cache_rate=10, store="redis://localhost")(lambda: None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="cache_rate"):
        endpoint(store=MemoryStore())(lambda: None)


# -- Redis gone, Redis back -------------------------------------------------------------


@pytest.mark.anyio
async def test_redis_down_fails_open_with_one_warning_and_shares_again_when_back(
    anyio_backend: str, caplog: pytest.LogCaptureFixture
) -> None:
    if anyio_backend == "trio":
        pytest.skip("redis-py's asyncio client runs on asyncio only")
    runs: list[int] = []
    with running_redis() as server:
        store = RedisStore(server.url, timeout=1)

        @endpoint(cache_rate=10, store=store)
        async def counted() -> int:
            runs.append(1)
            return len(runs)

        async with store, client(counted) as c:
            assert [(await c.get("/")).json() for _ in range(3)] == [1, 1, 1]
            server.stop()
            with anyio.fail_after(20), caplog.at_level(logging.WARNING, "egress.stores"):
                down = [(await c.get("/")).json() for _ in range(5)]
            assert down == [2, 3, 4, 5, 6]  # every request answered by running the handler
            warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
            assert len(warnings) == 1
            assert "unreachable" in warnings[0].getMessage()
            server.start()
            with anyio.fail_after(20):
                while True:  # the store is skipped for a second after a failure
                    first, second = [(await c.get("/")).json() for _ in range(2)]
                    if first == second:
                        break
                    await anyio.sleep(0.1)
            # a new count in the restarted (empty) Redis: the run is replayed again
            assert [(await c.get("/")).json() for _ in range(3)] == [first] * 3
    assert "reachable again" in caplog.text
