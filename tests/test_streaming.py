"""StreamingResponse over in-process ASGI: content forms, encoding, every way a
stream ends (done, error, timeout, disconnect) closing the generator, and the
errors a user can act on."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from egress.responses._background import BackgroundTask
from egress.responses._streaming import StreamingResponse, StreamTimeout, ThreadedIterator

pytestmark = pytest.mark.anyio

Message = dict[str, Any]


async def fetch(app: Any) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.get("/stream")


class Client:
    """A scripted ASGI peer: records what is sent; `disconnect()` ends the request."""

    def __init__(self, send_delay: float = 0.0) -> None:
        self.messages: list[Message] = []
        self.send_delay = send_delay
        self.disconnected = asyncio.Event()

    async def receive(self) -> Message:
        await self.disconnected.wait()
        return {"type": "http.disconnect"}

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.body" and message.get("more_body"):
            await asyncio.sleep(self.send_delay)
        self.messages.append(message)

    @property
    def body(self) -> bytes:
        return b"".join(m.get("body", b"") for m in self.messages[1:])

    @property
    def finished(self) -> bool:
        last = self.messages[-1] if self.messages else {}
        return last.get("type") == "http.response.body" and not last.get("more_body", False)


SCOPE = {"type": "http", "method": "GET", "path": "/stream", "headers": []}


def closing_async(closed: list[str], count: int = 3, delay: float = 0) -> AsyncIterator[str]:
    async def generate() -> AsyncIterator[str]:
        try:
            for number in range(count):
                await asyncio.sleep(delay)
                yield f"{number};"
        finally:
            closed.append("async")

    return generate()


def closing_sync(closed: list[str], count: int = 3, delay: float = 0) -> Iterator[str]:
    try:
        for number in range(count):
            time.sleep(delay)
            yield f"{number};"
    finally:
        closed.append("sync")


@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_generators_stream_and_are_closed(kind: str) -> None:
    closed: list[str] = []
    maker = closing_sync if kind == "sync" else closing_async
    response = StreamingResponse(maker(closed), media_type="text/plain")
    result = await fetch(response)
    assert result.text == "0;1;2;"
    assert result.headers["content-type"] == "text/plain; charset=utf-8"
    assert "content-length" not in result.headers
    assert closed == [kind]


async def test_content_forms() -> None:
    async def agen() -> AsyncIterator[bytes]:
        yield b"a"

    class OnlyAnext:  # an async iterator without aclose
        def __init__(self) -> None:
            self.items = [b"x", b"y"]

        def __aiter__(self) -> OnlyAnext:
            return self

        async def __anext__(self) -> bytes:
            if not self.items:
                raise StopAsyncIteration
            return self.items.pop(0)

    assert (await fetch(StreamingResponse([b"a", "b", bytearray(b"c")]))).content == b"abc"
    assert (await fetch(StreamingResponse(lambda: iter(["x"])))).content == b"x"
    assert (await fetch(StreamingResponse(agen))).content == b"a"
    assert (await fetch(StreamingResponse(OnlyAnext()))).content == b"xy"
    assert (await fetch(StreamingResponse(iter([memoryview(b"mv")])))).content == b"mv"


async def test_str_chunks_use_the_charset() -> None:
    class Latin1Stream(StreamingResponse):
        charset = "latin-1"

    response = Latin1Stream(["é"], media_type="text/plain")
    result = await fetch(response)
    assert result.content == "é".encode("latin-1")
    assert result.headers["content-type"] == "text/plain; charset=latin-1"


def test_bad_content_and_timeouts_are_refused_at_construction() -> None:
    with pytest.raises(TypeError, match="iterable or async iterable"):
        StreamingResponse(42)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="chunk_timeout"):
        StreamingResponse([], chunk_timeout=-1)
    with pytest.raises(ValueError, match="complete_timeout"):
        StreamingResponse([], complete_timeout="5")  # type: ignore[arg-type]
    assert StreamingResponse([], chunk_timeout=0).chunk_timeout is None


@pytest.mark.parametrize("body", ["text", b"bytes", memoryview(b"view")])
def test_a_whole_body_is_not_streamed_piece_by_piece(body: Any) -> None:
    with pytest.raises(TypeError, match="for a whole body, use Response or PlainText"):
        StreamingResponse(body)


async def test_a_callable_returning_a_whole_body_fails_before_the_head() -> None:
    client = Client()
    with pytest.raises(TypeError, match="got str"):
        await StreamingResponse(lambda: "text")(SCOPE, client.receive, client.send)  # type: ignore[arg-type, return-value]
    assert client.messages == []


async def test_a_non_bytes_chunk_fails_with_its_type(caplog: pytest.LogCaptureFixture) -> None:
    client = Client()
    with caplog.at_level(logging.ERROR, "egress.responses"), pytest.raises(TypeError, match="int"):
        await StreamingResponse([1])(SCOPE, client.receive, client.send)  # type: ignore[list-item]


@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_disconnect_stops_the_stream_and_closes_the_generator(kind: str) -> None:
    closed: list[str] = []
    maker = closing_sync if kind == "sync" else closing_async
    ran: list[str] = []
    response = StreamingResponse(
        maker(closed, count=1000, delay=0.01), background=BackgroundTask(ran.append, "ran")
    )
    client = Client()
    task = asyncio.ensure_future(response(SCOPE, client.receive, client.send))
    for _ in range(400):  # bounded: 2 s
        if len(client.messages) >= 3:
            break
        await asyncio.sleep(0.005)
    assert len(client.messages) >= 3
    client.disconnected.set()
    await asyncio.wait_for(task, 1)
    assert closed == [kind]
    assert not client.finished
    assert ran == []  # background work is for completed responses only


@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_chunk_timeout(kind: str) -> None:
    closed: list[str] = []
    maker = closing_sync if kind == "sync" else closing_async
    response = StreamingResponse(maker(closed, count=1000), chunk_timeout=0.05)
    client = Client(send_delay=0.2)
    with pytest.raises(StreamTimeout, match=r"GET /stream within 0\.05 s \(chunk_timeout\)"):
        await asyncio.wait_for(response(SCOPE, client.receive, client.send), 2)
    assert closed == [kind]
    assert not client.finished


@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_complete_timeout(kind: str) -> None:
    closed: list[str] = []
    maker = closing_sync if kind == "sync" else closing_async
    response = StreamingResponse(maker(closed, count=1000), complete_timeout=0.2)
    client = Client(send_delay=0.01)
    start = time.monotonic()
    with pytest.raises(StreamTimeout, match="complete_timeout"):
        await asyncio.wait_for(response(SCOPE, client.receive, client.send), 2)
    assert time.monotonic() - start < 1
    assert closed == [kind]
    assert len(client.messages) > 2  # it did stream until the deadline


async def test_timeouts_leave_a_fast_client_alone() -> None:
    closed: list[str] = []
    ran: list[str] = []
    response = StreamingResponse(
        closing_async(closed),
        chunk_timeout=1,
        complete_timeout=5,
        background=BackgroundTask(ran.append, "ran"),
    )
    client = Client()
    await response(SCOPE, client.receive, client.send)
    assert client.body == b"0;1;2;"
    assert client.finished
    assert closed == ["async"]
    assert ran == ["ran"]


@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_an_error_after_the_headers_is_logged_and_raised(
    kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    closed: list[str] = []

    def sync_failing() -> Iterator[bytes]:
        try:
            yield b"partial"
            raise RuntimeError("source broke")
        finally:
            closed.append("sync")

    async def async_failing() -> AsyncIterator[bytes]:
        try:
            yield b"partial"
            raise RuntimeError("source broke")
        finally:
            closed.append("async")

    content = sync_failing() if kind == "sync" else async_failing()
    client = Client()
    with (
        caplog.at_level(logging.ERROR, "egress.responses"),
        pytest.raises(RuntimeError, match="source broke"),
    ):
        await StreamingResponse(content)(SCOPE, client.receive, client.send)
    assert closed == [kind]
    assert client.body == b"partial"
    assert not client.finished
    assert "GET /stream" in caplog.text
    assert "source broke" in caplog.text


async def test_the_generator_is_closed_when_the_head_cannot_be_sent() -> None:
    async def broken_send(message: Message) -> None:
        raise OSError("connection reset")

    generator = closing_async([])
    with pytest.raises(OSError, match="connection reset"):
        await StreamingResponse(generator)(SCOPE, Client().receive, broken_send)
    assert generator.ag_frame is None  # type: ignore[attr-defined]  # closed, never started


async def test_cancellation_closes_the_generator_and_leaves_no_task() -> None:
    closed: list[str] = []
    client = Client()
    before = asyncio.all_tasks()
    response = StreamingResponse(closing_async(closed, count=1000, delay=0.01))
    task = asyncio.ensure_future(response(SCOPE, client.receive, client.send))
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert closed == ["async"]
    assert asyncio.all_tasks() == before


async def test_a_sync_next_in_flight_is_waited_for_before_close() -> None:
    entered, release = threading.Event(), threading.Event()
    events: list[str] = []

    def slow() -> Iterator[bytes]:
        try:
            yield b"one"
            entered.set()
            release.wait(2)
            yield b"two"
        finally:
            events.append("finally")

    iterator = ThreadedIterator(slow())
    assert await iterator.__anext__() == b"one"
    pending = asyncio.ensure_future(iterator.__anext__())
    await asyncio.to_thread(entered.wait, 2)
    pending.cancel()
    closing = asyncio.ensure_future(iterator.aclose())
    await asyncio.sleep(0.05)
    assert not closing.done()  # close() must not run while next() executes
    release.set()
    await asyncio.wait_for(closing, 2)
    assert events == ["finally"]


async def test_a_blocking_sync_generator_does_not_block_the_event_loop() -> None:
    def blocking() -> Iterator[bytes]:
        for _ in range(3):
            time.sleep(0.1)  # blocking I/O, as a database cursor would do
            yield b"row"

    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    ticking = asyncio.ensure_future(ticker())
    client = Client()
    await StreamingResponse(blocking())(SCOPE, client.receive, client.send)
    ticking.cancel()
    await asyncio.wait((ticking,))
    assert client.body == b"rowrowrow"
    assert ticks >= 10  # the loop kept running during the 0.3 s of blocking
