"""cache_rate=N: the handler runs on requests 1, N+1, 2N+1, ...; replayed in between.

Each test runs with the state in the endpoint (the default), in a MemoryStore and in a
RedisStore on a real redis-server (the `where` fixture; Redis on asyncio only).

Also: what outer middleware does to the messages in place never reaches the cache, and
concurrent requests share one run (single flight).
"""

from __future__ import annotations

import copy
import gzip
import itertools
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware

from egress import EventSourceResponse, FileResponse
from egress._cache import ResponseCache
from egress.endpoints import Endpoint, endpoint
from egress.pipeline import HTTPError
from egress.responses import PlainText, Response
from egress.stores import Store
from egress.types import Message
from tests._redis import redis_server_fixture, where_fixture  # noqa: F401 (fixtures)
from tests.apps_sse import Peer

ASGIApp = Callable[[Message, Any, Any], Awaitable[None]]
LENGTH_ONE = [(b"content-length", b"1")]
BODY = "a body long enough for gzip to bother with, " * 4


def client(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


async def call(app: ASGIApp, send: Callable[[Message], Awaitable[None]]) -> None:
    """One GET / straight to the ASGI app."""
    scope = {"type": "http", "method": "GET", "path": "/", "query_string": b"", "headers": []}

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    await app(scope, receive, send)


@pytest.mark.anyio
async def test_twenty_requests_with_rate_ten_run_the_handler_twice(where: Store | None) -> None:
    runs: list[int] = []

    @endpoint(cache_rate=10, store=where)
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
async def test_runs_on_requests_one_and_n_plus_one(where: Store | None) -> None:
    runs: list[int] = []

    @endpoint(cache_rate=3, store=where)
    def counter() -> int:
        runs.append(1)
        return len(runs)

    async with client(counter) as c:
        seen = [(await c.get("/")).json() for _ in range(7)]
    assert seen == [1, 1, 1, 2, 2, 2, 3]


@pytest.mark.anyio
async def test_cache_keys_on_method_path_and_query(where: Store | None) -> None:
    runs: list[str] = []

    @endpoint(cache_rate=5, store=where, methods=("GET", "POST"))
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
async def test_set_cookie_responses_are_not_cached(where: Store | None) -> None:
    runs: list[int] = []

    @endpoint(cache_rate=10, store=where)
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
async def test_streaming_responses_are_not_cached(where: Store | None) -> None:
    runs: list[int] = []

    class TwoParts(Response[Any]):
        async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
            await send(self._start_message())
            await send({"type": "http.response.body", "body": b"a", "more_body": True})
            await send({"type": "http.response.body", "body": b"b"})

    @endpoint(cache_rate=10, store=where)
    async def stream() -> Response[Any]:
        runs.append(1)
        return TwoParts(None, headers={"content-type": "text/plain"})

    async with client(stream) as c:
        for _ in range(3):
            assert (await c.get("/")).text == "ab"
    assert len(runs) == 3


@pytest.mark.anyio
async def test_errors_are_not_cached(where: Store | None) -> None:
    runs: list[int] = []

    @endpoint(cache_rate=10, store=where)
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
    runs: list[int] = []

    async def send(message: dict[str, Any]) -> None:
        pass

    async def run(respond: Any) -> None:
        runs.append(1)
        await respond({"type": "http.response.start", "status": 200, "headers": LENGTH_ONE})
        await respond({"type": "http.response.body", "body": b"x"})

    first, second, third = [("GET", "/", str(n).encode()) for n in range(3)]
    for key in (first, second, third):
        await cache.serve(key, send, run)
    await cache.serve(second, send, run)
    await cache.serve(third, send, run)
    assert len(runs) == 3  # both replayed
    await cache.serve(first, send, run)
    assert len(runs) == 4  # the oldest was dropped


@pytest.mark.anyio
@pytest.mark.parametrize("status", [206, 304])
async def test_answers_to_request_headers_are_not_cached(status: int, where: Store | None) -> None:
    runs: list[int] = []

    @endpoint(cache_rate=10, store=where)
    async def conditional() -> Response[Any]:
        runs.append(1)
        return Response(b"" if status == 304 else b"part", status_code=status)

    async with client(conditional) as c:
        for _ in range(3):
            assert (await c.get("/")).status_code == status
    assert len(runs) == 3


# -- snapshots: the cache keeps what egress sent, not what middleware made of it ---------


@pytest.mark.anyio
async def test_a_send_that_edits_every_message_in_place_changes_no_replay(
    where: Store | None,
) -> None:
    runs: list[int] = []

    @endpoint(cache_rate=5, store=where)
    async def page() -> Response[Any]:
        runs.append(1)
        return PlainText(BODY, headers={"x-a": "1"})

    received: list[Message] = []

    async def vandal(message: Message) -> None:
        received.append(copy.deepcopy(message))
        if message["type"] == "http.response.start":
            message["status"] = 500
            message["headers"].append((b"x-added", b"1"))
            message["headers"][0] = (b"x-replaced", b"1")
        else:
            message["body"] = b"replaced"

    for _ in range(5):
        await call(page, vandal)
    assert len(runs) == 1
    starts = [m for m in received if m["type"] == "http.response.start"]
    bodies = [m["body"] for m in received if m["type"] == "http.response.body"]
    assert len(starts) == len(bodies) == 5
    assert all(start == starts[0] for start in starts)
    assert starts[0]["status"] == 200
    assert (b"x-a", b"1") in starts[0]["headers"]
    assert not {b"x-added", b"x-replaced"} & {name for name, _ in starts[0]["headers"]}
    assert bodies == [BODY.encode()] * 5


@pytest.mark.anyio
async def test_behind_gzip_each_client_gets_the_encoding_it_asked_for(where: Store | None) -> None:
    runs: list[int] = []

    @endpoint(cache_rate=10, store=where)
    async def page() -> str:
        runs.append(1)
        return BODY

    async with client(GZipMiddleware(page, minimum_size=10)) as c:
        for accept in ("gzip", "identity", "gzip", "identity"):
            headers = {"accept-encoding": accept}
            async with c.stream("GET", "/", headers=headers) as response:
                raw = b"".join([chunk async for chunk in response.aiter_raw()])
            assert response.headers["content-length"] == str(len(raw))
            if accept == "gzip":
                assert response.headers["content-encoding"] == "gzip"
                assert gzip.decompress(raw) == BODY.encode()
            else:
                assert "content-encoding" not in response.headers
                assert raw == BODY.encode()
    assert len(runs) == 1


@pytest.mark.anyio
async def test_behind_cors_vary_and_origin_are_per_request(where: Store | None) -> None:
    runs: list[int] = []

    @endpoint(cache_rate=10, store=where)
    async def page() -> str:
        runs.append(1)
        return "hi"

    origins = ["https://a.example", "https://b.example"]
    app = CORSMiddleware(page, allow_origins=origins)
    async with client(app) as c:
        for origin in origins * 3:
            response = await c.get("/", headers={"origin": origin})
            assert response.headers.get_list("vary") == ["Origin"]
            assert response.headers["access-control-allow-origin"] == origin
            assert response.text == "hi"
    assert len(runs) == 1


def stamp_request_ids(app: ASGIApp) -> ASGIApp:
    """A middleware that edits the start message in place, as many do."""
    counter = itertools.count(1)

    async def stamped(scope: Message, receive: Any, send: Any) -> None:
        request_id = str(next(counter)).encode()

        async def send_stamped(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"].append((b"x-request-id", request_id))
            await send(message)

        await app(scope, receive, send_stamped)

    return stamped


@pytest.mark.anyio
async def test_a_request_id_stamped_in_place_is_never_replayed(where: Store | None) -> None:
    @endpoint(cache_rate=10, store=where)
    async def page() -> dict[str, str]:
        return {"ok": "yes"}

    async with client(stamp_request_ids(page)) as c:
        for n in range(1, 8):
            response = await c.get("/")
            assert response.headers.get_list("x-request-id") == [str(n)]
            assert response.json() == {"ok": "yes"}


# -- single flight: concurrent requests share one run ------------------------------------


@pytest.mark.anyio
async def test_two_hundred_concurrent_requests_run_the_handler_once_per_n(
    where: Store | None,
) -> None:
    runs = 0

    @endpoint(cache_rate=10, store=where)
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
            assert response.headers["content-length"] == str(len(response.content))
            seen.append(response.json()["run"])

        with anyio.fail_after(60):
            async with anyio.create_task_group() as group:
                for _ in range(200):
                    group.start_soon(one)
    assert runs == 20
    assert Counter(seen) == dict.fromkeys(range(1, 21), 10)


def first_run_kind(kind: str) -> Response[Any] | None:
    """An uncacheable outcome for the first run: raised, crashed or set a cookie."""
    if kind == "error":
        raise HTTPError(503)
    if kind == "crash":
        raise RuntimeError("boom")
    response = PlainText("first")
    response.set_cookie("session", "1")
    return response


@pytest.mark.anyio
@pytest.mark.parametrize(("kind", "status"), [("error", 503), ("crash", 500), ("cookie", 200)])
async def test_requests_waiting_for_an_uncacheable_run_run_the_handler_themselves(
    kind: str, status: int, where: Store | None
) -> None:
    runs = 0
    arrived = 0
    everyone_waits = anyio.Event()

    @endpoint(cache_rate=10, store=where)
    async def flaky() -> Any:
        nonlocal runs
        runs += 1
        if runs == 1:
            await everyone_waits.wait()
            return first_run_kind(kind)
        return "ok"

    def arrive() -> None:
        nonlocal arrived
        arrived += 1
        if arrived == 20:  # the first run ends only once all 20 are in flight
            everyone_waits.set()

    async def counted(scope: Message, receive: Any, send: Any) -> None:
        if where is None:
            arrive()
        await flaky(scope, receive, send)

    if where is not None:  # in flight: counted by the store
        count = where.incr

        async def counting(key: str) -> int:
            number = await count(key)
            arrive()
            return number

        where.incr = counting  # type: ignore[method-assign]

    answers: list[tuple[int, str]] = []
    async with client(counted) as c:

        async def one() -> None:
            response = await c.get("/")
            answers.append((response.status_code, response.text))

        with anyio.fail_after(30):
            async with anyio.create_task_group() as group:
                for _ in range(20):
                    group.start_soon(one)
    statuses = Counter(status for status, _ in answers)
    assert statuses == Counter([status] + [200] * 19)
    assert Counter(text for _, text in answers)["ok"] == 19
    # run 1 (uncacheable), its 9 waiters each on their own, then request 11 starts a
    # new count whose response requests 12-20 replay
    assert runs == 11


# -- streams: a response without a complete body releases the waiters at its head ---------


class HeadPeer(Peer):
    """A peer that says when its response head has arrived."""

    def __init__(self) -> None:
        super().__init__()
        self.head = anyio.Event()

    async def send(self, message: Message) -> None:
        await super().send(message)
        self.head.set()


def endless_events(opened: list[str], closed: list[str], where: Store | None) -> Endpoint:
    """An event stream behind cache_rate=10 whose generator never yields and never ends:
    only a client's disconnect stops it."""

    @endpoint(cache_rate=10, store=where)
    async def feed() -> EventSourceResponse:
        async def forever() -> AsyncIterator[Any]:
            opened.append("feed")
            try:
                await anyio.sleep_forever()
                yield "never"
            finally:
                closed.append("feed")

        return EventSourceResponse(forever())

    return feed


@pytest.mark.anyio
async def test_an_endless_stream_behind_the_cache_does_not_hold_back_the_next_client(
    where: Store | None,
) -> None:
    opened: list[str] = []
    closed: list[str] = []
    feed = endless_events(opened, closed, where)
    peers = [HeadPeer() for _ in range(3)]
    with anyio.fail_after(10):
        async with anyio.create_task_group() as group:
            for peer in peers:
                group.start_soon(peer.run, feed)
                await peer.head.wait()  # each head arrives while the others stream on
            assert all(p.messages[0]["type"] == "http.response.start" for p in peers)
            assert [p.messages[0]["status"] for p in peers] == [200] * 3
            assert len(opened) == 3  # not cacheable: each client ran the handler
            for peer in peers:
                peer.leave()
    assert len(closed) == 3


@pytest.mark.anyio
async def test_waiters_on_a_file_run_the_handler_themselves(
    tmp_path: Path, where: Store | None
) -> None:
    path = tmp_path / "big.bin"
    path.write_bytes(b"x" * 200_000)  # more than one chunk
    runs: list[int] = []

    @endpoint(cache_rate=10, store=where)
    async def download() -> FileResponse:
        runs.append(1)
        return FileResponse(path)

    async with client(download) as c:
        with anyio.fail_after(10):
            async with anyio.create_task_group() as group:
                for _ in range(3):
                    group.start_soon(c.get, "/")
        assert (await c.get("/")).content == path.read_bytes()
    assert len(runs) == 4
