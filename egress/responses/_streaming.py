"""`StreamingResponse`, and the body pump that files (and every other streamed body)
share with it.

A body is pumped from a chunk source while a second task listens for
`http.disconnect`, which cancels the pump. Every ending (complete, disconnect,
timeout, error) closes the source explicitly afterwards, so a generator's `finally`
runs right then (not at garbage collection) and no task outlives the response. A sync
iterable (a generator, a file's chunks) is read ahead in worker threads, batch by
batch into a small bounded buffer (`ThreadedIterator`), so it costs a thread hop per
batch rather than per chunk.

All concurrency is anyio's (task groups, cancel scopes, worker threads), so streams
run on asyncio and on trio alike. Every message sent is a new dict: middleware may
edit what it is given in place without reaching anything egress keeps.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import (
    AsyncIterable,
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Sequence,
)
from typing import Any, Protocol

import anyio
import anyio.lowlevel

from egress.encoders import EncoderRegistry
from egress.encoders._scoped import registry_for
from egress.responses._background import BackgroundTask, BackgroundTasks
from egress.responses._base import Response
from egress.responses._headers import HeadersInput
from egress.responses._mistakes import wrong_status_keyword
from egress.responses._read_ahead import (
    GENERATOR_THREADS,
    ThreadedIterator,
    generator_thread_limiter,
    tasks_for_reading_ahead,
)
from egress.types import Message, Receive, Scope, Send

__all__ = [
    "GENERATOR_THREADS",
    "ChunkSource",
    "StreamingResponse",
    "ThreadedIterator",
    "chunk_source",
    "generator_thread_limiter",
    "send_streamed",
]

logger = logging.getLogger("egress.responses")

Chunk = bytes | bytearray | memoryview | str
ChunkIterable = Iterable[Chunk] | AsyncIterable[Chunk]
StreamContent = ChunkIterable | Callable[[], ChunkIterable]

CHECKPOINT_EVERY = 5
"""The pump lets the event loop run after this many chunks, even when neither the
source nor `send` suspended. A producer that never awaits (rows from memory) and a
server whose `send` returns at once for a connection that is gone would otherwise hold
the loop: the disconnect is never noticed and every row is produced. Under uvicorn and
hypercorn, asyncio also logs each write to the dead socket from the fifth on (until the
loop runs their connection-lost callback), so 5 is the most that logs nothing. A loop
pass costs a few microseconds, and more on a real server (writes are flushed in smaller
pieces): see the streaming tables of benchmarks/serve.py."""

# Iterable, but a whole body rather than chunks: streaming one would send a character
# (or an int) at a time.
_WHOLE_BODIES = (str, bytes, bytearray, memoryview)


class ChunkSource(Protocol):
    """What the pump reads: an async iterator that can be closed early."""

    def __anext__(self) -> Awaitable[Any]: ...

    async def aclose(self) -> None: ...


class _AsyncIteratorSource:
    """An async iterator without `aclose` (a plain class), closed if it can be."""

    __slots__ = ("_iterator",)

    def __init__(self, iterator: AsyncIterator[Chunk]) -> None:
        self._iterator = iterator

    def __anext__(self) -> Awaitable[Chunk]:
        return self._iterator.__anext__()

    async def aclose(self) -> None:
        close = getattr(self._iterator, "aclose", None)
        if close is not None:
            await close()


def chunk_source(content: ChunkIterable) -> ChunkSource:
    """The source the pump reads for `content`: an async iterable as it is, a sync one
    through `ThreadedIterator`. A whole body (str, bytes) or a non-iterable is a
    TypeError that says what is accepted."""
    if isinstance(content, AsyncIterable):
        iterator = aiter(content)
        return iterator if hasattr(iterator, "aclose") else _AsyncIteratorSource(iterator)  # type: ignore[return-value]
    if isinstance(content, Iterable) and not isinstance(content, _WHOLE_BODIES):
        return ThreadedIterator(iter(content))
    raise TypeError(
        f"StreamingResponse content must be an iterable or async iterable of bytes/str chunks, "
        f"or a callable returning one; got {type(content).__name__} (for a whole body, use "
        "Response or PlainText)"
    )


class _Pump:
    """Sends the chunks of a source as body messages, keeping the tally a timeout
    report needs: what was sent, and how long was spent waiting on each side."""

    __slots__ = (
        "bytes_sent",
        "charset",
        "chunk_timeout",
        "chunks_sent",
        "client_seconds",
        "send",
        "source_seconds",
    )

    def __init__(self, send: Send, charset: str, chunk_timeout: float | None) -> None:
        self.send = send
        self.charset = charset
        self.chunk_timeout = chunk_timeout
        self.chunks_sent = self.bytes_sent = 0
        self.client_seconds = self.source_seconds = 0.0

    async def run(self, source: ChunkSource, scope: Scope) -> bool:
        """Send every chunk, then the final message: True. A chunk the client did not
        take within `chunk_timeout`: False, and nothing more is sent."""
        while True:
            started = time.monotonic()
            try:
                chunk = await source.__anext__()
            except StopAsyncIteration:
                break
            except Exception:
                logger.exception(
                    "the body of %s failed after its headers were sent; closing the connection",
                    _describe(scope),
                )
                raise
            finally:
                self.source_seconds += time.monotonic() - started
            body = _encode(chunk, self.charset)
            message = {"type": "http.response.body", "body": body, "more_body": True}
            started = time.monotonic()
            try:
                if self.chunk_timeout is None:
                    await self.send(message)
                else:
                    with anyio.move_on_after(self.chunk_timeout) as deadline:
                        await self.send(message)
                    if deadline.cancelled_caught:
                        return False
            finally:
                self.client_seconds += time.monotonic() - started
            self.chunks_sent += 1
            self.bytes_sent += body.nbytes if isinstance(body, memoryview) else len(body)
            if not self.chunks_sent % CHECKPOINT_EVERY:
                await anyio.lowlevel.checkpoint()
        await self.send({"type": "http.response.body", "body": b"", "more_body": False})
        return True

    def log_timeout(self, scope: Scope, limit: str, seconds: float | None) -> None:
        """One warning line: the request, the limit, the slow side, what was sent.
        A chunk not taken in time is the client's doing; for the whole body, the side
        that was waited on longer is named, with both times."""
        client, source = self.client_seconds, self.source_seconds
        if limit == "chunk_timeout":
            missed = f"the client did not take a chunk within {seconds} s (chunk_timeout)"
            slow = "the client is the slow side"
        else:
            missed = f"the body was not sent within {seconds} s (complete_timeout)"
            if client >= source:
                slow = f"the client is the slow side ({client:.3f} s waiting for it to take "
                slow += f"chunks, {source:.3f} s for the generator to produce them)"
            else:
                slow = f"the generator is the slow side ({source:.3f} s waiting for it to "
                slow += f"produce chunks, {client:.3f} s for the client to take them)"
        logger.warning(
            "%s: stream cut short: %s; %s; %d chunks (%d bytes) had been sent",
            _describe(scope),
            missed,
            slow,
            self.chunks_sent,
            self.bytes_sent,
        )


async def send_streamed(
    start_message: Message,
    source: ChunkSource,
    scope: Scope,
    receive: Receive,
    send: Send,
    *,
    charset: str = "utf-8",
    chunk_timeout: float | None = None,
    complete_timeout: float | None = None,
) -> bool:
    """Send the head, then every chunk of `source` as body messages, then the final one.

    Returns True when the body was sent in full, False when it was cut short: the
    client disconnected, or a timeout fired (logged as one warning that says which
    side was slow). After a timeout the final body message is never sent, so the
    server closes the connection and the client sees a truncated body, never a
    clean end. An error from the source (logged first, with the request) or from
    `send` is raised. `source` is closed in every case, once any step in flight has
    returned. The next chunk is asked for only once the previous one was handed to
    `send`; a source may read ahead on its own in a task of the stream's task group,
    as a `ThreadedIterator` does, and is closed before that group ends.
    """
    try:
        await send(start_message)
    except BaseException:
        with anyio.CancelScope(shield=True):
            await source.aclose()
        raise
    pump = _Pump(send, charset, chunk_timeout)
    disconnected = anyio.Event()
    completed = False
    failure: Exception | None = None  # raised below: a task group would wrap it
    async with anyio.create_task_group() as task_group:
        task_group.start_soon(_cancel_on_disconnect, receive, disconnected, task_group.cancel_scope)
        try:
            with (
                tasks_for_reading_ahead(task_group),
                anyio.move_on_after(complete_timeout) as deadline,
            ):
                try:
                    completed = await pump.run(source, scope)
                except Exception as error:
                    failure = error
        finally:
            # Closed before the task group ends: a source reading ahead in one of its
            # tasks stops there, rather than filling its buffer for nobody.
            with anyio.CancelScope(shield=True):
                try:
                    await source.aclose()
                except Exception as error:
                    failure = failure or error
        task_group.cancel_scope.cancel()
    if failure is not None:
        raise failure
    if completed or disconnected.is_set():
        return completed
    if deadline.cancelled_caught:
        pump.log_timeout(scope, "complete_timeout", complete_timeout)
    else:
        pump.log_timeout(scope, "chunk_timeout", chunk_timeout)
    return False


async def _cancel_on_disconnect(
    receive: Receive, disconnected: anyio.Event, pumping: anyio.CancelScope
) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass
    disconnected.set()
    pumping.cancel()


def _encode(chunk: Chunk, charset: str) -> bytes | bytearray | memoryview:
    if isinstance(chunk, str):
        return chunk.encode(charset)
    if isinstance(chunk, (bytes, bytearray, memoryview)):
        return chunk
    raise TypeError(f"a streamed chunk must be bytes or str, got {type(chunk).__name__}")


def _describe(scope: Scope) -> str:
    """`GET /path` for a log line; control characters in the path are escaped, so the
    record stays one line whatever the client sent."""
    path = str(scope.get("path", "?"))
    if not path.isprintable():
        path = path.encode("unicode_escape").decode("ascii")
    return f"{scope.get('method', 'GET')} {path}"


def _timeout(name: str, value: float | None) -> float | None:
    """A finite number of seconds >= 0, or None; 0 and None mean no limit."""
    if value is None:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or value < 0
    ):
        raise ValueError(
            f"{name} must be a finite number of seconds >= 0, or None (0 or None: no limit); "
            f"got {value!r}"
        )
    return float(value) or None


class StreamingResponse(Response[Any]):
    """A body produced chunk by chunk by a (sync or async) generator; no Content-Length.

    `chunk_timeout`: seconds the client has to take each chunk; `complete_timeout`:
    seconds for the whole body. 0 or None disables each. On a timeout or a client
    disconnect the stream stops and the generator is closed (its `finally` runs); a
    timeout is logged as one warning naming the slow side. `encoders`: a registry,
    or encoders layered over the default, kept for subclasses that encode their items.
    """

    def __init__(
        self,
        content: StreamContent,
        status_code: int = 200,
        headers: HeadersInput = None,
        media_type: str | None = None,
        background: BackgroundTask | BackgroundTasks | None = None,
        *,
        chunk_timeout: float | None = None,
        complete_timeout: float | None = None,
        encoders: EncoderRegistry | Sequence[Any] | None = None,
        status: None = None,
    ) -> None:
        if status is not None:
            wrong_status_keyword(type(self))
        if isinstance(content, _WHOLE_BODIES) or not (
            isinstance(content, (Iterable, AsyncIterable)) or callable(content)
        ):
            chunk_source(content)  # raises the TypeError that explains what is accepted
        self.content = content
        self.chunk_timeout = _timeout("chunk_timeout", chunk_timeout)
        self.complete_timeout = _timeout("complete_timeout", complete_timeout)
        if encoders is not None:
            self.encoders = registry_for(encoders)
        self._init_head(status_code, headers, media_type, background)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        content = self.content
        if not isinstance(content, (Iterable, AsyncIterable)):
            content = content()
        if await self._stream(chunk_source(content), scope, receive, send):
            await self._run_background()

    async def _stream(
        self, source: ChunkSource, scope: Scope, receive: Receive, send: Send
    ) -> bool:
        """Send the head and the chunks of `source`: True if the body was sent in full.
        Subclasses that send something beside the chunks (pings) extend this."""
        return await send_streamed(
            self._start_message(),
            source,
            scope,
            receive,
            send,
            charset=self.charset,
            chunk_timeout=self.chunk_timeout,
            complete_timeout=self.complete_timeout,
        )
