"""`StreamingResponse`, and the body pump that files share with it.

A body is pumped from a chunk source while a second task listens for
`http.disconnect`; whichever ends first cancels the other. Both timeouts, a
disconnect, an error and normal completion all end in the same `finally`, which
closes the source explicitly, so a generator's own `finally` runs right then (not
at garbage collection) and no task outlives the response.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable, Iterator
from typing import Any, Generic, Protocol, TypeVar

from egress.responses._background import BackgroundTask, BackgroundTasks
from egress.responses._base import Message, Receive, Response, Scope, Send
from egress.responses._headers import HeadersInput

__all__ = ["ChunkSource", "StreamTimeout", "StreamingResponse", "ThreadedIterator", "send_streamed"]

logger = logging.getLogger("egress.responses")

T = TypeVar("T")
Chunk = bytes | bytearray | memoryview | str
ChunkIterable = Iterable[Chunk] | AsyncIterable[Chunk]
StreamContent = ChunkIterable | Callable[[], ChunkIterable]

_DONE: Any = object()
# Iterable, but a whole body rather than chunks: streaming one would send a character
# (or an int) at a time.
_WHOLE_BODIES = (str, bytes, bytearray, memoryview)
_FINAL_MESSAGE: Message = {"type": "http.response.body", "body": b"", "more_body": False}


class StreamTimeout(TimeoutError):
    """The client did not take the body in time; the response was aborted so a slow
    (or stalled) reader cannot hold the server's resources open."""


class ChunkSource(Protocol):
    """What the pump reads: an async iterator that can be closed early."""

    def __anext__(self) -> Any: ...

    async def aclose(self) -> None: ...


class ThreadedIterator(Generic[T]):
    """An async view of a sync iterator whose `next()` and `close()` run in a worker
    thread, so a blocking generator never stalls the event loop.

    A `next()` still running when the consumer is cancelled is waited for before
    `close()`: closing a generator while it executes in another thread is an error,
    and the generator's `finally` must run. `read_ahead` fetches the next item while
    the current one is being sent (files: the disk read overlaps the network write);
    user generators are not read ahead, so they advance only as the client reads.
    """

    __slots__ = ("_context", "_iterator", "_pending", "_read_ahead")

    def __init__(self, iterator: Iterator[T], *, read_ahead: bool = False) -> None:
        self._iterator = iterator
        self._read_ahead = read_ahead
        self._context = contextvars.copy_context()
        self._pending: asyncio.Future[T] | None = None

    def __aiter__(self) -> ThreadedIterator[T]:
        return self

    async def __anext__(self) -> T:
        loop = asyncio.get_running_loop()
        pending = self._pending
        if pending is None or not self._read_ahead:
            pending = self._pending = loop.run_in_executor(None, self._next_in_context)
        item = await asyncio.shield(pending)
        if item is _DONE:
            raise StopAsyncIteration
        if self._read_ahead:
            self._pending = loop.run_in_executor(None, self._next_in_context)
        return item

    def _next_in_context(self) -> T:
        return self._context.run(next, self._iterator, _DONE)

    async def aclose(self) -> None:
        pending = self._pending
        if pending is not None and not pending.done():
            await asyncio.wait((pending,))
        if pending is not None and not pending.cancelled():
            pending.exception()  # retrieved: it was raised to the consumer, or is moot
        close = getattr(self._iterator, "close", None)
        if close is not None:
            await asyncio.to_thread(close)


class _AsyncIteratorSource:
    """An async iterator without `aclose` (a plain class), closed if it can be."""

    __slots__ = ("_iterator",)

    def __init__(self, iterator: AsyncIterator[Chunk]) -> None:
        self._iterator = iterator

    def __anext__(self) -> Any:
        return self._iterator.__anext__()

    async def aclose(self) -> None:
        close = getattr(self._iterator, "aclose", None)
        if close is not None:
            await close()


def chunk_source(content: ChunkIterable) -> ChunkSource:
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


async def _until_disconnect(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


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

    Returns True when the body was sent in full, False when the client disconnected.
    Raises `StreamTimeout` on a timeout and re-raises (after logging it with the
    request path) an error from the source: either way the response is cut short
    and the server must close the connection. `source` is closed in every case.
    """
    try:
        await send(start_message)
    except BaseException:
        await source.aclose()
        raise
    sending = asyncio.ensure_future(_send_chunks(source, scope, send, charset, chunk_timeout))
    watching = asyncio.ensure_future(_until_disconnect(receive))
    try:
        done, _ = await asyncio.wait(
            (sending, watching), timeout=complete_timeout, return_when=asyncio.FIRST_COMPLETED
        )
        if sending in done:
            sending.result()
            return True
        if watching in done:
            watching.result()
            return False
        raise StreamTimeout(
            f"the client did not take the whole body of {_describe(scope)} within "
            f"{complete_timeout} s (complete_timeout); the response was aborted"
        )
    finally:
        sending.cancel()
        watching.cancel()
        await asyncio.wait((sending, watching))
        await source.aclose()


async def _send_chunks(
    source: ChunkSource, scope: Scope, send: Send, charset: str, chunk_timeout: float | None
) -> None:
    message: Message = {"type": "http.response.body", "body": b"", "more_body": True}
    while True:
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
        message["body"] = _encode(chunk, charset)
        if chunk_timeout is None:
            await send(message)
        else:
            try:
                await asyncio.wait_for(send(message), chunk_timeout)
            except asyncio.TimeoutError:
                raise StreamTimeout(
                    f"the client did not take a chunk of {_describe(scope)} within "
                    f"{chunk_timeout} s (chunk_timeout); the response was aborted"
                ) from None
        message = {"type": "http.response.body", "body": b"", "more_body": True}
    await send(_FINAL_MESSAGE)


def _encode(chunk: Chunk, charset: str) -> bytes | bytearray | memoryview:
    if isinstance(chunk, str):
        return chunk.encode(charset)
    if isinstance(chunk, (bytes, bytearray, memoryview)):
        return chunk
    raise TypeError(f"a streamed chunk must be bytes or str, got {type(chunk).__name__}")


def _describe(scope: Scope) -> str:
    return f"{scope.get('method', 'GET')} {scope.get('path', '?')}"


def _timeout(name: str, value: float | None) -> float | None:
    if value is None or value == 0:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ValueError(f"{name} must be a positive number of seconds, 0 or None; got {value!r}")
    return float(value)


class StreamingResponse(Response[Any]):
    """A body produced chunk by chunk by a (sync or async) generator; no Content-Length.

    `chunk_timeout`: seconds the client has to take each chunk; `complete_timeout`:
    seconds for the whole body. 0 or None disables each. On a timeout or a client
    disconnect the stream stops and the generator is closed (its `finally` runs).
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
    ) -> None:
        if isinstance(content, _WHOLE_BODIES) or not (
            isinstance(content, (Iterable, AsyncIterable)) or callable(content)
        ):
            chunk_source(content)  # raises the TypeError that explains what is accepted
        self.content = content
        self.chunk_timeout = _timeout("chunk_timeout", chunk_timeout)
        self.complete_timeout = _timeout("complete_timeout", complete_timeout)
        self._init_head(status_code, headers, media_type, background)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        content = self.content
        if not isinstance(content, (Iterable, AsyncIterable)):
            content = content()
        source = chunk_source(content)
        completed = await send_streamed(
            self._start_message(),
            source,
            scope,
            receive,
            send,
            charset=self.charset,
            chunk_timeout=self.chunk_timeout,
            complete_timeout=self.complete_timeout,
        )
        if completed:
            await self._run_background()
