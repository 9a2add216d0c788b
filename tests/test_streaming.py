"""StreamingResponse over in-process ASGI: content forms, encoding, every way a
stream ends (done, error, timeout, disconnect) closing the generator, thread
capacity, middleware that edits messages, and the errors a user can act on."""

from __future__ import annotations

import contextvars
import gzip
import logging
import math
import re
import threading
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread
import httpx
import pytest
from starlette.middleware.gzip import GZipMiddleware

import egress
from egress import Encoder, EncoderRegistry
from egress.responses._background import BackgroundTask
from egress.responses._files import FileResponse
from egress.responses._read_ahead import (
    GENERATOR_THREADS,
    READ_AHEAD_BYTES,
    READ_AHEAD_CHUNKS,
    ThreadedIterator,
    generator_thread_limiter,
)
from egress.responses._streaming import CHECKPOINT_EVERY, StreamingResponse
from egress.types import Message
from tests.apps_streaming import edits_in_place, fetch_raw

pytestmark = pytest.mark.anyio


async def fetch(app: Any) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.get("/stream")


class Client:
    """A scripted ASGI peer: records what is sent; `disconnected.set()` ends the
    request; `run()` sends a response to it."""

    def __init__(self, send_delay: float = 0.0) -> None:
        self.messages: list[Message] = []
        self.send_delay = send_delay
        self.disconnected = anyio.Event()

    async def receive(self) -> Message:
        await self.disconnected.wait()
        return {"type": "http.disconnect"}

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.body" and message.get("more_body"):
            await anyio.sleep(self.send_delay)
        self.messages.append(message)

    @property
    def body(self) -> bytes:
        return b"".join(m.get("body", b"") for m in self.messages[1:])

    @property
    def finished(self) -> bool:
        last = self.messages[-1] if self.messages else {}
        return last.get("type") == "http.response.body" and not last.get("more_body", False)

    async def run(self, response: StreamingResponse, returned: anyio.Event | None = None) -> None:
        await response(SCOPE, self.receive, self.send)
        if returned is not None:
            returned.set()


SCOPE = {"type": "http", "method": "GET", "path": "/stream", "headers": []}


def closing_async(closed: list[str], count: int = 3, delay: float = 0) -> AsyncIterator[str]:
    async def generate() -> AsyncIterator[str]:
        try:
            for number in range(count):
                await anyio.sleep(delay)
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


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf"), -0.5, True, "5"])
@pytest.mark.parametrize("name", ["chunk_timeout", "complete_timeout"])
def test_a_timeout_must_be_a_finite_number(name: str, value: Any) -> None:
    expected = f"{name} must be a finite number of seconds >= 0, or None (0 or None: no limit)"
    with pytest.raises(ValueError, match=rf"^{re.escape(expected)}; got {re.escape(repr(value))}$"):
        StreamingResponse([], **{name: value})


@pytest.mark.parametrize(("value", "kept"), [(None, None), (0, None), (0.25, 0.25), (3, 3.0)])
def test_accepted_timeouts(value: float | None, kept: float | None) -> None:
    response = StreamingResponse([], chunk_timeout=value, complete_timeout=value)
    assert (response.chunk_timeout, response.complete_timeout) == (kept, kept)


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
    returned = anyio.Event()
    async with anyio.create_task_group() as task_group:
        task_group.start_soon(client.run, response, returned)
        for _ in range(400):  # bounded: 2 s
            if len(client.messages) >= 3:
                break
            await anyio.sleep(0.005)
        assert len(client.messages) >= 3
        client.disconnected.set()
        with anyio.fail_after(1):
            await returned.wait()
    assert closed == [kind]
    assert not client.finished
    assert ran == []  # background work is for completed responses only


async def test_a_producer_that_never_awaits_still_notices_a_disconnect() -> None:
    # Rows from memory, and a send that returns at once (a server's send for a socket
    # that is gone): neither side suspends, so only the stream's own checkpoints let the
    # disconnect through. The client leaves on the first body message.
    produced: list[int] = []
    closed = anyio.Event()

    async def rows() -> AsyncIterator[bytes]:
        try:
            for number in range(1_000_000):
                produced.append(number)
                yield b"%d\n" % number
        finally:
            closed.set()

    client = Client()

    async def send(message: Message) -> None:
        client.messages.append(message)
        client.disconnected.set()

    with anyio.fail_after(10):
        await StreamingResponse(rows())(SCOPE, client.receive, send)
    assert closed.is_set()
    assert len(produced) <= 4 * CHECKPOINT_EVERY  # noticed within a few checkpoints
    assert not client.finished


def timeout_warning(caplog: pytest.LogCaptureFixture) -> str:
    """The one record a timed-out stream logs: a warning line, without a traceback."""
    [record] = caplog.records
    assert (record.name, record.levelno, record.exc_info) == (
        "egress.responses",
        logging.WARNING,
        None,
    )
    message = record.getMessage()
    assert "\n" not in message
    return message


@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_chunk_timeout(kind: str, caplog: pytest.LogCaptureFixture) -> None:
    closed: list[str] = []
    maker = closing_sync if kind == "sync" else closing_async
    response = StreamingResponse(maker(closed, count=1000), chunk_timeout=0.05)
    client = Client(send_delay=0.2)
    with caplog.at_level(logging.WARNING, "egress.responses"), anyio.fail_after(2):
        await response(SCOPE, client.receive, client.send)  # returns: no exception
    warning = timeout_warning(caplog)
    assert "GET /stream: stream cut short" in warning
    assert "within 0.05 s (chunk_timeout); the client is the slow side" in warning
    assert closed == [kind]
    assert not client.finished


@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_complete_timeout(kind: str, caplog: pytest.LogCaptureFixture) -> None:
    closed: list[str] = []
    maker = closing_sync if kind == "sync" else closing_async
    response = StreamingResponse(maker(closed, count=1000), complete_timeout=0.2)
    client = Client(send_delay=0.01)
    start = time.monotonic()
    with caplog.at_level(logging.WARNING, "egress.responses"), anyio.fail_after(2):
        await response(SCOPE, client.receive, client.send)
    assert time.monotonic() - start < 1
    assert closed == [kind]
    assert len(client.messages) > 2  # it did stream until the deadline
    assert not client.finished
    warning = timeout_warning(caplog)
    assert "not sent within 0.2 s (complete_timeout); the client is the slow side" in warning


@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_complete_timeout_names_a_slow_generator(
    kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    closed: list[str] = []
    maker = closing_sync if kind == "sync" else closing_async
    response = StreamingResponse(maker(closed, count=1000, delay=0.02), complete_timeout=0.2)
    client = Client()  # takes every chunk at once
    with caplog.at_level(logging.WARNING, "egress.responses"), anyio.fail_after(2):
        await response(SCOPE, client.receive, client.send)
    assert closed == [kind]
    assert not client.finished
    warning = timeout_warning(caplog)
    assert "(complete_timeout); the generator is the slow side" in warning
    assert "chunks (" in warning


async def test_a_timeout_report_escapes_control_characters_in_the_path(
    caplog: pytest.LogCaptureFixture,
) -> None:
    response = StreamingResponse(closing_async([], count=1000), chunk_timeout=0.05)
    client = Client(send_delay=0.2)
    scope = {**SCOPE, "path": "/a\nb\x1b"}
    with caplog.at_level(logging.WARNING, "egress.responses"), anyio.fail_after(2):
        await response(scope, client.receive, client.send)
    assert timeout_warning(caplog).startswith("GET /a\\nb\\x1b: stream cut short")


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


@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_cancellation_closes_the_generator_and_leaves_no_task(kind: str) -> None:
    closed: list[str] = []
    client = Client()
    before = {task.id for task in anyio.get_running_tasks()}
    maker = closing_sync if kind == "sync" else closing_async
    response = StreamingResponse(maker(closed, count=1000, delay=0.01))
    with anyio.move_on_after(0.05) as scope:
        await response(SCOPE, client.receive, client.send)
    assert scope.cancelled_caught  # the cancellation went through the response
    assert closed == [kind]
    assert {task.id for task in anyio.get_running_tasks()} == before


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
    closed = anyio.Event()

    async def close() -> None:
        await iterator.aclose()
        closed.set()

    async with anyio.create_task_group() as task_group:
        stepping = anyio.CancelScope()

        async def step() -> None:
            with stepping:
                await iterator.__anext__()

        task_group.start_soon(step)
        assert await anyio.to_thread.run_sync(entered.wait, 2)
        stepping.cancel()
        task_group.start_soon(close)
        await anyio.sleep(0.05)
        assert not closed.is_set()  # close() must not run while next() executes
        release.set()
        with anyio.fail_after(2):
            await closed.wait()
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
            await anyio.sleep(0.01)
            ticks += 1

    client = Client()
    async with anyio.create_task_group() as task_group:
        task_group.start_soon(ticker)
        await StreamingResponse(blocking())(SCOPE, client.receive, client.send)
        task_group.cancel_scope.cancel()
    assert client.body == b"rowrowrow"
    assert ticks >= 10  # the loop kept running during the 0.3 s of blocking


REQUEST_ID: contextvars.ContextVar[str] = contextvars.ContextVar("REQUEST_ID")
STEP: contextvars.ContextVar[int] = contextvars.ContextVar("STEP", default=0)


async def test_a_sync_generator_runs_in_the_request_context() -> None:
    count = 3 * READ_AHEAD_CHUNKS  # several batches, in several worker threads

    def steps() -> Iterator[str]:
        for _ in range(count):
            STEP.set(STEP.get() + 1)  # lasts from one step to the next, as in one thread
            yield f"{REQUEST_ID.get()}:{STEP.get()}:{threading.get_ident() != loop_thread};"

    loop_thread = threading.get_ident()
    REQUEST_ID.set("req-7")
    client = Client()
    await StreamingResponse(steps)(SCOPE, client.receive, client.send)
    expected = "".join(f"req-7:{step}:True;" for step in range(1, count + 1))
    assert client.body == expected.encode()
    assert STEP.get() == 0  # the generator's changes stay in its own context


class HoldsTheFirstChunk(Client):
    """A client that takes the first chunk only once `taken` is set: the stream waits
    in `send` meanwhile, as it does for a client that stopped reading."""

    def __init__(self, taken: anyio.Event) -> None:
        super().__init__()
        self.taken = taken

    async def send(self, message: Message) -> None:
        if message.get("more_body") and len(self.messages) == 1:
            await self.taken.wait()
        await super().send(message)


async def test_an_async_generator_is_not_read_ahead() -> None:
    produced: list[int] = []

    async def numbers() -> AsyncIterator[bytes]:
        for number in range(3):
            produced.append(number)
            yield b"%d" % number

    client = HoldsTheFirstChunk(anyio.Event())
    async with anyio.create_task_group() as task_group:
        task_group.start_soon(client.run, StreamingResponse(numbers()))
        await anyio.sleep(0.1)
        assert produced == [0]  # it advances only as the client reads
        client.taken.set()
    assert client.body == b"012"


@pytest.mark.parametrize(
    ("chunk", "ahead"),
    [
        (b"x", READ_AHEAD_CHUNKS),
        (b"x" * 100_000, math.ceil(READ_AHEAD_BYTES / 100_000)),
    ],
    ids=["small chunks: bounded in chunks", "large chunks: bounded in bytes"],
)
async def test_a_sync_generator_runs_ahead_by_a_bounded_buffer(chunk: bytes, ahead: int) -> None:
    produced = 0

    def chunks() -> Iterator[bytes]:
        nonlocal produced
        for _ in range(200):
            produced += 1
            yield chunk

    client = HoldsTheFirstChunk(anyio.Event())
    async with anyio.create_task_group() as task_group:
        task_group.start_soon(client.run, StreamingResponse(chunks()))
        for _ in range(200):  # bounded: 2 s
            if produced >= ahead:
                break
            await anyio.sleep(0.01)
        await anyio.sleep(0.1)  # had it not stopped at the bound, it would go on now
        # A full buffer, and the chunk in `send` unless the buffer filled up before the
        # pump took that chunk out of it.
        assert ahead <= produced <= 1 + ahead
        client.taken.set()
    assert client.body == chunk * 200


async def test_a_sync_generator_delivers_a_chunk_before_blocking_for_the_next() -> None:
    # The generator holds chunk 1 until the client has chunk 0: a batch that kept
    # chunk 0 until the buffer was full would see "not-released" after 5 s.
    received = threading.Event()

    def released() -> Iterator[bytes]:
        yield b"first;"
        yield b"released;" if received.wait(5) else b"not-released;"

    class Signals(Client):
        async def send(self, message: Message) -> None:
            await super().send(message)
            if message.get("body") == b"first;":
                received.set()

    client = Signals()
    with anyio.fail_after(10):
        await client.run(StreamingResponse(released()))
    assert client.body == b"first;released;"
    assert client.finished


async def test_thread_hops_are_paid_per_batch_not_per_chunk(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    hops = 0
    run_sync = anyio.to_thread.run_sync

    async def counted(*args: Any, **kwargs: Any) -> Any:
        nonlocal hops
        hops += 1
        return await run_sync(*args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counted)
    client = Client()
    await client.run(StreamingResponse(b"%d;" % number for number in range(1000)))
    assert client.body == b"".join(b"%d;" % number for number in range(1000))
    # The first batch fills the buffer; each later one refills at least its empty half.
    assert hops <= 2 + 1000 // (READ_AHEAD_CHUNKS // 2)


async def test_a_disconnect_waits_for_a_blocked_next_then_closes_the_generator() -> None:
    entered, release = threading.Event(), threading.Event()
    events: list[str] = []

    def slow() -> Iterator[bytes]:
        try:
            yield b"one"
            entered.set()
            release.wait(5)
            events.append("next returned")
            yield b"two"
        finally:
            events.append("finally")

    client = Client()
    returned = anyio.Event()
    async with anyio.create_task_group() as task_group:
        task_group.start_soon(client.run, StreamingResponse(slow()), returned)
        assert await anyio.to_thread.run_sync(entered.wait, 2)
        client.disconnected.set()
        await anyio.sleep(0.1)
        assert not returned.is_set()  # closing it while next() runs would be an error
        assert events == []
        release.set()
        with anyio.fail_after(2):
            await returned.wait()  # and the response ends once next() has returned
    assert events == ["next returned", "finally"]
    assert client.body == b"one"  # "two" was produced, never sent
    assert not client.finished


async def test_blocked_sync_generators_leave_threads_for_files_and_background_tasks(
    tmp_path: Path,
) -> None:
    # More blocked generators than either limiter holds: had they shared anyio's
    # default limiter with everything else, the file and the task below would wait.
    default_threads = anyio.to_thread.current_default_thread_limiter().total_tokens
    blocked_count = int(max(GENERATOR_THREADS, default_threads)) + 4
    release = threading.Event()

    def blocked() -> Iterator[bytes]:
        release.wait(30)
        yield b"late"

    (tmp_path / "data.txt").write_bytes(b"file body")
    ran_in_background: list[str] = []
    clients = [Client() for _ in range(blocked_count)]
    async with anyio.create_task_group() as task_group:
        for client in clients:
            task_group.start_soon(client.run, StreamingResponse(blocked()))
        try:
            for _ in range(500):  # bounded: 5 s
                if generator_thread_limiter().borrowed_tokens == GENERATOR_THREADS:
                    break
                await anyio.sleep(0.01)
            task = BackgroundTask(ran_in_background.append, "ran")
            with anyio.fail_after(5):
                file = await fetch(FileResponse(tmp_path / "data.txt", background=task))
            assert generator_thread_limiter().borrowed_tokens == GENERATOR_THREADS
            assert file.content == b"file body"
            assert ran_in_background == ["ran"]
        finally:
            release.set()
    assert all(client.body == b"late" for client in clients)


def counted_chunks() -> Iterator[bytes]:
    for number in range(6):
        yield b"%d" % number * 100


async def test_messages_edited_in_place_change_nothing_sent_later() -> None:
    expected = await fetch(StreamingResponse(counted_chunks, headers={"x-a": "1"}))
    response = StreamingResponse(counted_chunks, headers={"x-a": "1"})
    await fetch(edits_in_place(response))
    await fetch(edits_in_place(StreamingResponse(counted_chunks(), headers={"x-a": "1"})))
    again = await fetch(response)  # the same object, sent again
    other = await fetch(StreamingResponse(counted_chunks(), headers={"x-a": "1"}))
    for result in (again, other):
        assert result.status_code == 200
        assert result.headers.multi_items() == expected.headers.multi_items()
        assert result.content == expected.content == b"".join(counted_chunks())


async def test_behind_gzip_middleware_every_body_is_exact() -> None:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await StreamingResponse(counted_chunks(), media_type="text/plain")(scope, receive, send)

    body = b"".join(counted_chunks())
    wrapped = GZipMiddleware(app, minimum_size=10)
    for encoding in ["gzip", "identity"] * 2:
        response, raw = await fetch_raw(wrapped, {"accept-encoding": encoding})
        assert response.status_code == 200
        if encoding == "gzip":
            assert response.headers["content-encoding"] == "gzip"
            assert gzip.decompress(raw) == body
        else:
            assert "content-encoding" not in response.headers
            assert raw == body


class ComplexEncoder(Encoder[complex]):
    __type__ = complex

    def serialize(self, value: complex) -> list[float]:
        return [value.real, value.imag]


def test_encoders_are_accepted_and_kept() -> None:
    registry = EncoderRegistry()
    assert StreamingResponse([], encoders=registry).encoders is registry
    assert StreamingResponse([]).encoders is egress.registry
    layered = StreamingResponse([], encoders=[ComplexEncoder()]).encoders
    assert layered.dumps([1 + 2j]) == b"[[1.0,2.0]]"
