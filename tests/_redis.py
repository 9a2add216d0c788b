"""A real redis-server for the tests: started on 127.0.0.1 on a free port, without
persistence, in a temporary directory, and stopped by its PID. `make services` installs
the binary (Debian's redis-server) on a machine that lacks it.

`stop()` and `start()` again on the same port play an outage and a restart (the data is
gone, as after a real restart without persistence)."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Iterator

import pytest

from egress.stores import MemoryStore, RedisStore, Store
from tests._servers import free_port

STARTUP_TIMEOUT = 20.0


class RedisServer:
    def __init__(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed: run `make services`")
        self.binary = binary
        self.port = free_port()
        self.directory = tempfile.TemporaryDirectory(prefix="egress-redis-")
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                self.directory.name,
                "--loglevel",
                "warning",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not self.answers():
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited with {self.process.returncode}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"redis-server did not answer within {STARTUP_TIMEOUT}s")
            time.sleep(0.02)

    def answers(self) -> bool:
        with (
            contextlib.suppress(OSError),
            socket.create_connection(("127.0.0.1", self.port), 0.5) as sock,
        ):
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
        return False

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.kill()
        self.process.wait(timeout=10)
        self.process = None


@contextlib.contextmanager
def running_redis() -> Iterator[RedisServer]:
    server = RedisServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()
        server.directory.cleanup()


# -- fixtures: importing `redis_server_fixture` and `store_fixture` into a test module
# gives it the `redis_server` and `store` fixtures (pytest registers them by name)


@pytest.fixture(scope="session", name="redis_server")
def redis_server_fixture() -> Iterator[RedisServer]:
    """One redis-server for the session; tests use keys of their own, or flush it."""
    with running_redis() as server:
        yield server


@pytest.fixture(params=["memory", "redis"], name="store")
async def store_fixture(
    request: pytest.FixtureRequest, anyio_backend: str, redis_server: RedisServer
) -> AsyncIterator[Store]:
    """Each store in turn: a MemoryStore, and a RedisStore on a flushed redis-server
    (asyncio only: redis-py's asyncio client does not run on trio)."""
    async with _store(request.param, anyio_backend, redis_server) as store:
        yield store


@contextlib.asynccontextmanager
async def _store(kind: str, anyio_backend: str, redis_server: RedisServer) -> AsyncIterator[Store]:
    if kind == "memory":
        async with MemoryStore() as memory:
            yield memory
    elif anyio_backend == "trio":
        pytest.skip("redis-py's asyncio client runs on asyncio only")
    else:
        async with RedisStore(redis_server.url) as redis:
            await redis._redis.flushdb()
            yield redis


@pytest.fixture(params=["endpoint", "memory", "redis"], name="where")
async def where_fixture(
    request: pytest.FixtureRequest, anyio_backend: str, redis_server: RedisServer
) -> AsyncIterator[Store | None]:
    """Where cache_rate keeps its state: None (in the endpoint, the default), then each
    store of the `store` fixture."""
    if request.param == "endpoint":
        yield None
    else:
        async with _store(request.param, anyio_backend, redis_server) as store:
            yield store
