"""One contract, every store: MemoryStore and RedisStore (against a real redis-server
started for this module) pass the same tests. RedisStore runs on asyncio only (redis-py's
asyncio client); MemoryStore on asyncio and trio."""

from __future__ import annotations

import importlib
import socket
import subprocess
import sys
import uuid

import anyio
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import egress.stores
from egress.stores import MemoryStore, RedisStore, Store, StoreUnavailable
from tests._redis import redis_server_fixture, running_redis, store_fixture  # noqa: F401 (fixtures)
from tests._servers import free_port

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def key() -> str:
    return f"test:{uuid.uuid4().hex}"


@pytest.mark.anyio
async def test_get_set_delete(store: Store, key: str) -> None:
    assert await store.get(key) is None
    await store.set(key, b"\x00value")
    assert await store.get(key) == b"\x00value"
    await store.set(key, b"other")
    assert await store.get(key) == b"other"
    await store.delete(key)
    assert await store.get(key) is None
    await store.delete(key)  # missing is fine


@pytest.mark.anyio
async def test_values_expire(store: Store, key: str) -> None:
    await store.set(key, b"short", expires_in=0.05)
    await store.set(key + "b", b"kept", expires_in=60)
    await store.set(key + "c", b"made short")
    await store.expire(key + "c", 0.05)
    for _ in range(500):  # up to 10 s
        if await store.get(key) is None and await store.get(key + "c") is None:
            break
        await anyio.sleep(0.02)
    assert await store.get(key) is None
    assert await store.get(key + "c") is None
    assert await store.get(key + "b") == b"kept"


@pytest.mark.anyio
async def test_the_counter_counts_every_increment_once(store: Store, key: str) -> None:
    seen: list[int] = []

    async def bump() -> None:
        for _ in range(10):
            seen.append(await store.incr(key))

    async with anyio.create_task_group() as group:
        for _ in range(10):
            group.start_soon(bump)
    assert sorted(seen) == list(range(1, 101))


@pytest.mark.anyio
async def test_a_lock_has_one_holder_and_only_its_token_releases_it(store: Store, key: str) -> None:
    tokens = [await store.acquire(key, ttl=30) for _ in range(5)]
    holder = tokens[0]
    assert holder is not None
    assert tokens[1:] == [None] * 4
    assert not await store.release(key, "not-the-token")
    assert await store.acquire(key, ttl=30) is None
    assert await store.release(key, holder)
    assert not await store.release(key, holder)  # once
    assert await store.acquire(key, ttl=30) is not None


@pytest.mark.anyio
async def test_a_lock_expires(store: Store, key: str) -> None:
    old = await store.acquire(key, ttl=0.05)
    assert old is not None
    for _ in range(500):  # up to 10 s
        if (new := await store.acquire(key, ttl=30)) is not None:
            break
        await anyio.sleep(0.02)
    assert new is not None
    assert not await store.release(key, old)  # an expired holder cannot release the new one
    assert await store.release(key, new)


@pytest.mark.anyio
async def test_a_log_keeps_its_history_in_order(store: Store, key: str) -> None:
    assert await store.last_id(key) == "0-0"
    ids = [await store.append(key, b"%d" % n, history=5) for n in range(3)]
    assert await store.last_id(key) == ids[-1]
    assert await store.since(key, ids[0]) == [(ids[1], b"1"), (ids[2], b"2")]
    assert await store.since(key, ids[2]) == []
    assert await store.since(key, "1-999") is None  # never in the log


@pytest.mark.anyio
async def test_a_log_forgets_beyond_its_history(store: Store, key: str) -> None:
    ids = [await store.append(key, b"%d" % n, history=10) for n in range(500)]
    assert await store.since(key, ids[0]) is None  # aged out (Redis trims ~ approximately)
    kept = await store.since(key, ids[-10])
    assert kept == [(i, b"%d" % n) for n, i in enumerate(ids) if n > 490]


@pytest.mark.anyio
async def test_wait_returns_what_is_appended_meanwhile(store: Store, key: str) -> None:
    start = await store.last_id(key)
    assert await store.wait(key, start, block=0.05) == []
    found: list[tuple[str, bytes]] = []

    async def reader() -> None:
        found.extend(await store.wait(key, start, block=5))

    with anyio.fail_after(10):
        async with anyio.create_task_group() as group:
            group.start_soon(reader)
            await anyio.sleep(0.05)  # the reader is blocked (or not: it finds it either way)
            entry_id = await store.append(key, b"news", history=10)
    assert found == [(entry_id, b"news")]


@pytest.mark.anyio
async def test_redis_down_is_store_unavailable_within_the_timeout(anyio_backend: str) -> None:
    if anyio_backend == "trio":
        pytest.skip("redis-py's asyncio client runs on asyncio only")
    nobody = f"redis://127.0.0.1:{free_port()}/0"
    async with RedisStore(nobody, timeout=1) as store:
        with anyio.fail_after(5), pytest.raises(StoreUnavailable, match="unreachable"):
            await store.get("anything")


@pytest.mark.anyio
async def test_redis_comes_back_without_a_new_store(anyio_backend: str) -> None:
    if anyio_backend == "trio":
        pytest.skip("redis-py's asyncio client runs on asyncio only")
    with running_redis() as server:
        async with RedisStore(server.url, timeout=1) as store:
            await store.set("k", b"v")
            assert await store.acquire("lock", ttl=30) is not None
            server.stop()
            with pytest.raises(StoreUnavailable):
                await store.get("k")
            server.start()
            assert await store.get("k") is None  # a restart without persistence: empty
            token = await store.acquire("lock", ttl=30)  # the release script is reloaded
            assert token is not None
            assert await store.release("lock", token)


def test_redis_store_needs_no_server_to_be_built() -> None:
    assert repr(RedisStore("redis://127.0.0.1:1/0")) == "RedisStore('redis://127.0.0.1:1/0')"


@settings(max_examples=200, deadline=None)
@given(appended=st.integers(0, 60), history=st.integers(1, 20), asked=st.integers(0, 70))
def test_since_gives_exactly_what_came_after_an_id_in_the_history(
    appended: int, history: int, asked: int
) -> None:
    """MemoryStore's log, as a property: resuming from any id still kept gives every
    later entry once and in order; from an id no longer kept (or never given), None."""

    async def check() -> None:
        store = MemoryStore()
        ids = [await store.append("log", b"%d" % n, history=history) for n in range(appended)]
        event_id = ids[asked] if asked < appended else f"{asked + 1}-0"
        kept = asked < appended and asked >= appended - history
        expected = [(i, b"%d" % n) for n, i in enumerate(ids) if n > asked] if kept else None
        assert await store.since("log", event_id) == expected

    anyio.run(check)


@pytest.mark.anyio
async def test_redis_store_on_trio_says_it_needs_asyncio(anyio_backend: str) -> None:
    if anyio_backend != "trio":
        pytest.skip("the message for trio")
    store = RedisStore("redis://127.0.0.1:1/0")  # nothing to close: it never connected
    with pytest.raises(RuntimeError, match="RedisStore runs on asyncio"):
        await store.get("k")


def test_redis_store_without_redis_py_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("redis", "redis.asyncio", "redis.exceptions", "egress.stores._redis"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    monkeypatch.setitem(sys.modules, "redis", None)  # as if it were not installed
    with pytest.raises(ImportError, match=r"pip install 'egress\[redis\]'"):
        importlib.import_module("egress.stores._redis")


def test_importing_egress_imports_no_redis() -> None:
    code = "import egress, egress.stores, sys; print('redis' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr


def test_stores_name_what_they_lack() -> None:
    with pytest.raises(AttributeError, match="no attribute 'Nothing'"):
        egress.stores.Nothing  # noqa: B018


@pytest.mark.anyio
async def test_a_redis_that_never_answers_is_unavailable_within_the_timeout(
    anyio_backend: str,
) -> None:
    if anyio_backend == "trio":
        pytest.skip("redis-py's asyncio client runs on asyncio only")
    with socket.socket() as silent:  # the kernel accepts connections; nobody ever answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"redis://127.0.0.1:{silent.getsockname()[1]}/0"
        async with RedisStore(url, timeout=0.5) as store:
            with anyio.fail_after(5), pytest.raises(StoreUnavailable):
                await store.incr("k")
