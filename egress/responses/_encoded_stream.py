"""Streams of values, each encoded as it is sent: what NDJSON and Server-Sent Events share.

They are StreamingResponses whose items are values rather than chunks: each item of a
(sync or async) iterable becomes one chunk through `encode_item`, and the stream
machinery (`send_streamed`) does the rest, so timeouts, disconnects and the generator
being closed on every ending are exactly those of StreamingResponse.

An item that cannot be encoded ends the stream. Before the first byte (the head waits
for the first encoded item unless a subclass sends it at once) the EncodeError is
raised, as for any response, with nothing sent. After it, the stream is cut as a client
disconnect cuts it: no final body message, so the server closes the connection and the
client sees a truncated body, never a clean end; the generator is closed, and one error
line names the request, the item's index and the JSON path of the value.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterable, Callable, Iterable, Mapping, Sequence
from typing import Any, ClassVar

import anyio

from egress.encoders import EncodeError, EncoderRegistry
from egress.responses._background import BackgroundTask, BackgroundTasks
from egress.responses._headers import HeadersInput
from egress.responses._mistakes import wrong_status_keyword
from egress.responses._streaming import (
    ChunkSource,
    StreamingResponse,
    _describe,
    chunk_source,
)
from egress.types import Message, Receive, Scope, Send

__all__ = ["EncodedStream", "ValueContent", "one_line"]

Values = Iterable[Any] | AsyncIterable[Any]
ValueContent = Values | Callable[[], Values]

logger = logging.getLogger("egress.responses")

# Iterable, but one value rather than a stream of them: streaming one would send a
# character, a byte or a key at a time.
_ONE_VALUE = (str, bytes, bytearray, memoryview, Mapping)


def one_line(json: bytes) -> bytes:
    """`json` with its raw CR and LF bytes removed, so one value is one line (NDJSON) or
    one `data:` line (SSE) whatever wrote it.

    The registry writes compact JSON, but pre-encoded JSON passes through as it was
    written (an `orjson.Fragment`, a `msgspec.Raw`, pydantic's JSON, indented or not).
    In valid JSON a raw CR or LF can only be whitespace between tokens (inside a string
    it must be escaped), so removing them is exact: the value read back is the same.
    The check is a memchr each, so compact JSON costs next to nothing."""
    if b"\n" in json or b"\r" in json:
        return json.translate(None, b"\r\n")
    return json


def _check_items(content: object, owner: str) -> None:
    if isinstance(content, _ONE_VALUE) or not isinstance(content, (Iterable, AsyncIterable)):
        raise TypeError(
            f"{owner} content must be an iterable or async iterable of values (a generator, "
            f"a list...), or a callable returning one; got {type(content).__name__} (for a "
            "single JSON document, use JSONResponse)"
        )


class _Cut:
    """Ends a stream from inside its source the way a client disconnect ends it.

    `receive` is what `send_streamed` listens on for the disconnect: once `cut()` is
    called it reports one, so the pump stops and the source is closed by the same
    path a real disconnect takes, with nothing more sent."""

    __slots__ = ("_listening", "_receive", "error", "index")

    def __init__(self, receive: Receive) -> None:
        self._receive = receive
        self._listening: anyio.CancelScope | None = None
        self.error: EncodeError | None = None
        self.index = 0

    async def receive(self) -> Message:
        if self.error is None:
            with anyio.CancelScope() as self._listening:
                return await self._receive()
        return {"type": "http.disconnect"}

    def cut(self, error: EncodeError, index: int) -> None:
        self.error, self.index = error, index
        if self._listening is not None:
            self._listening.cancel()


class _EncodedItems:
    """The items of `items`, each turned into one chunk by `encode`. An item that fails
    to encode cuts the stream: this step then waits for the cut to cancel it."""

    __slots__ = ("_cut", "_encode", "_index", "_items")

    def __init__(self, items: ChunkSource, encode: Callable[[Any], bytes], cut: _Cut) -> None:
        self._items = items
        self._encode = encode
        self._cut = cut
        self._index = 0

    async def __anext__(self) -> bytes:
        item = await self._items.__anext__()
        try:
            chunk = self._encode(item)
        except EncodeError as error:
            self._cut.cut(error, self._index)
            await anyio.sleep_forever()  # the cut cancels the pump right here
            raise
        self._index += 1
        return chunk

    async def aclose(self) -> None:
        await self._items.aclose()


class _HeldHead:
    """`send`, holding the head back until the first body message goes out with it, so
    an item that cannot be encoded before then leaves nothing sent."""

    __slots__ = ("_head", "_send", "sent")

    def __init__(self, send: Send) -> None:
        self._send = send
        self._head: Message | None = None
        self.sent = False

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self._head = message
            return
        if self._head is not None:
            head, self._head = self._head, None
            self.sent = True
            await self._send(head)
        await self._send(message)


class EncodedStream(StreamingResponse):
    """A StreamingResponse of values (module docstring): subclasses set `media_type`
    and `encode_item`, and `sends_head_at_once` to send the head before the first item."""

    sends_head_at_once: ClassVar[bool] = False

    def __init__(
        self,
        content: ValueContent,
        status_code: int = 200,
        headers: HeadersInput = None,
        background: BackgroundTask | BackgroundTasks | None = None,
        *,
        encoders: EncoderRegistry | Sequence[Any] | None = None,
        chunk_timeout: float | None = None,
        complete_timeout: float | None = None,
        status: None = None,
    ) -> None:
        if status is not None:
            wrong_status_keyword(type(self))
        if isinstance(content, (Iterable, AsyncIterable)) or not callable(content):
            _check_items(content, type(self).__name__)
        super().__init__(
            content,
            status_code,
            headers,
            None,
            background,
            chunk_timeout=chunk_timeout,
            complete_timeout=complete_timeout,
            encoders=encoders,
        )

    def encode_item(self, item: Any) -> bytes:
        """One item as the bytes of one chunk; an EncodeError if it cannot be encoded."""
        raise NotImplementedError

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("method") == "HEAD":
            await self._send_head_only(send)
            return
        content = self.content
        if not isinstance(content, (Iterable, AsyncIterable)):
            content = content()
            _check_items(content, type(self).__name__)
        cut = _Cut(receive)
        source = _EncodedItems(chunk_source(content), self.encode_item, cut)
        held = None if self.sends_head_at_once else _HeldHead(send)
        completed = await self._stream(source, scope, cut.receive, send if held is None else held)
        if cut.error is None:
            if completed:
                await self._run_background()
        elif held is not None and not held.sent:
            raise cut.error  # the first item: nothing was sent
        else:
            logger.error(
                "%s: stream cut short: item %d (counting from 0) could not be encoded: %s",
                _describe(scope),
                cut.index,
                cut.error,
            )

    async def _send_head_only(self, send: Send) -> None:
        """HEAD: the head GET would send and an empty body, without producing a single
        item (an endless stream would otherwise never end); the content is closed."""
        try:
            await send(self._start_message())
            await send({"type": "http.response.body", "body": b""})
        finally:
            if isinstance(self.content, (Iterable, AsyncIterable)):
                with anyio.CancelScope(shield=True):
                    await chunk_source(self.content).aclose()
        await self._run_background()
