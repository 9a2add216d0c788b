"""cache_rate with its state in a Store (`@endpoint(cache_rate=N, store=...)`), beyond the
rules tests/test_endpoints_cache.py checks for every place the state may live: endpoints
sharing a store count apart, what store= accepts, and failing open, with one warning,
when Redis is gone, sharing again once it is back."""

from __future__ import annotations

import logging
import socket

import anyio
import pytest

from egress import endpoint
from egress.stores import MemoryStore, RedisStore, Store, StoreUnavailable
from tests._asgi_client import client
from tests._redis import redis_server_fixture, running_redis, store_fixture  # noqa: F401 (fixtures)

pytestmark = pytest.mark.timeout(60)


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


class ForgetfulStore(MemoryStore):
    """A MemoryStore whose writes fail, as a Redis going away mid-run would."""

    async def set(self, key: str, value: bytes, *, expires_in: float | None = None) -> None:
        raise StoreUnavailable("gone mid-run (on purpose)")


@pytest.mark.anyio
async def test_a_store_lost_mid_run_still_sends_the_response(
    caplog: pytest.LogCaptureFixture,
) -> None:
    @endpoint(cache_rate=10, store=ForgetfulStore())
    async def page() -> str:
        return "sent"

    with caplog.at_level(logging.WARNING, "egress.stores"):
        async with client(page) as c:
            response = await c.get("/")
    assert (response.status_code, response.text) == (200, "sent")
    assert "gone mid-run" in caplog.text


@pytest.mark.anyio
async def test_a_redis_that_never_answers_delays_requests_by_its_timeout_at_most(
    anyio_backend: str, caplog: pytest.LogCaptureFixture
) -> None:
    if anyio_backend == "trio":
        pytest.skip("redis-py's asyncio client runs on asyncio only")
    runs: list[int] = []
    with socket.socket() as silent:  # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        store = RedisStore(f"redis://127.0.0.1:{silent.getsockname()[1]}/0", timeout=0.5)

        @endpoint(cache_rate=10, store=store)
        async def counted() -> int:
            runs.append(1)
            return len(runs)

        async with store, client(counted) as c:
            with anyio.fail_after(10), caplog.at_level(logging.WARNING, "egress.stores"):
                answers = [(await c.get("/")).json() for _ in range(3)]
    assert answers == [1, 2, 3]  # served, uncached
    assert len([r for r in caplog.records if r.levelno == logging.WARNING]) == 1
