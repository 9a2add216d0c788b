"""RedisStore: the Store contract over Redis, on redis-py's asyncio client.

Every Redis detail lives here. Counters are INCR; the lock is `SET key token NX PX` and
its release a compare-and-delete Lua script (redis-py re-sends a script a restarted
server no longer has); logs are Streams, trimmed with `XADD MAXLEN ~`. The client is
built to fail fast rather than retry: connecting and each reply are bounded by
`timeout` seconds, and any connection error or timeout is raised as `StoreUnavailable`,
so a caller learns within seconds that Redis is gone and can fail open. The client's
pool reconnects by itself, so once Redis is back the next operation succeeds.

redis-py's asyncio client runs on asyncio only (not trio).
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import AsyncIterator
from typing import Any

from egress.stores._base import Entry, Store, StoreUnavailable

try:
    import redis.asyncio as aioredis
    import redis.exceptions
    from redis.asyncio.retry import Retry
    from redis.backoff import NoBackoff
except ImportError as error:
    raise ImportError(
        "egress.stores.RedisStore needs redis-py: pip install 'egress[redis]'"
    ) from error

__all__ = ["RedisStore"]

_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""
_DOWN = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError)


@contextlib.asynccontextmanager
async def _reaching(url: str) -> AsyncIterator[None]:
    """Raise the client's connection failures as StoreUnavailable, naming the server;
    refuse, clearly, an event loop that redis-py's asyncio client cannot run on."""
    try:  # redis-py's client is asyncio's: asking asyncio is the one way to know
        asyncio.get_running_loop()
    except RuntimeError:
        raise RuntimeError(
            "RedisStore runs on asyncio (redis-py's asyncio client), and this is another "
            "event loop (trio?): serve the app on asyncio, or use MemoryStore"
        ) from None
    try:
        yield
    except _DOWN as error:
        raise StoreUnavailable(f"Redis at {url} is unreachable: {error}") from error


def _ms(seconds: float) -> int:
    return max(1, round(seconds * 1000))


class RedisStore(Store):
    """The Store contract over Redis at `url` (see the module docstring)."""

    def __init__(
        self,
        url: str = "redis://127.0.0.1:6379/0",
        *,
        timeout: float = 2.0,
        max_connections: int = 64,
    ) -> None:
        self.url = url
        self.timeout = timeout
        # At most `max_connections` per process; a request beyond them waits (up to
        # `timeout`) for one to be free rather than failing at once.
        pool = aioredis.BlockingConnectionPool.from_url(
            url,
            max_connections=max_connections,
            timeout=timeout,
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
            retry=Retry(NoBackoff(), 0),
        )
        self._redis: Any = aioredis.Redis.from_pool(pool)
        self._release = self._redis.register_script(_RELEASE)

    def __repr__(self) -> str:
        return f"RedisStore({self.url!r})"

    async def get(self, key: str) -> bytes | None:
        async with _reaching(self.url):
            value: bytes | None = await self._redis.get(key)
        return value

    async def set(self, key: str, value: bytes, *, expires_in: float | None = None) -> None:
        async with _reaching(self.url):
            await self._redis.set(key, value, px=None if expires_in is None else _ms(expires_in))

    async def delete(self, key: str) -> None:
        async with _reaching(self.url):
            await self._redis.delete(key)

    async def expire(self, key: str, seconds: float) -> None:
        async with _reaching(self.url):
            await self._redis.pexpire(key, _ms(seconds))

    async def incr(self, key: str) -> int:
        async with _reaching(self.url):
            return int(await self._redis.incr(key))

    async def acquire(self, key: str, ttl: float) -> str | None:
        token = secrets.token_hex(16)
        async with _reaching(self.url):
            taken = await self._redis.set(key, token, nx=True, px=_ms(ttl))
        return token if taken else None

    async def release(self, key: str, token: str) -> bool:
        async with _reaching(self.url):
            return bool(await self._release(keys=[key], args=[token]))

    async def append(self, key: str, data: bytes, *, history: int) -> str:
        async with _reaching(self.url):
            entry_id = await self._redis.xadd(key, {b"d": data}, maxlen=history, approximate=True)
        return str(entry_id.decode())

    async def last_id(self, key: str) -> str:
        async with _reaching(self.url):
            newest = await self._redis.xrevrange(key, count=1)
        return newest[0][0].decode() if newest else "0-0"

    async def since(self, key: str, event_id: str) -> list[Entry] | None:
        async with _reaching(self.url):
            entries = await self._redis.xrange(key, min=event_id)
        if not entries or entries[0][0].decode() != event_id:
            return None
        return [(entry_id.decode(), fields[b"d"]) for entry_id, fields in entries[1:]]

    async def wait(self, key: str, after: str, block: float) -> list[Entry]:
        # A blocked read must answer before the socket timeout, or the client gives up.
        milliseconds = _ms(min(block, self.timeout / 2))
        async with _reaching(self.url):
            found = await self._redis.xread({key: after}, block=milliseconds)
        return [(i.decode(), fields[b"d"]) for _, entries in found for i, fields in entries]

    async def aclose(self) -> None:
        await self._redis.aclose()
