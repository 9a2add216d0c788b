"""Server-Sent Events: `EventSourceResponse` and `ServerSentEvent`.

The wire format is the one the WHATWG HTML standard's EventSource parses (§ Server-sent
events): UTF-8 lines, each `field: value`, a line starting with `:` a comment, and a
blank line ending each event. A parser splits lines on CRLF, LF or CR, so a value that
held a line break would end its field early: text data is therefore split into one
`data:` line per line (the parser joins them back with LF), and `event` and `id` may
hold no line break at all, nor NUL (which makes a parser ignore an `id`).

Pings keep proxies from closing an idle connection: after `ping` seconds in which the
stream waited for its next event and sent nothing, a comment line goes out. A task of
the response's own watches the silence and sends the ping into the same `send` the
events go through, never at the same time as one; the events are read exactly as a
StreamingResponse reads its chunks (an async generator as the client reads, a sync one
a bounded batch ahead).
"""

from __future__ import annotations

import logging
import math
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import anyio

from egress._decoding import quote_input
from egress.encoders import EncodeError, EncoderRegistry
from egress.encoders import registry as default_registry
from egress.responses._background import BackgroundTask, BackgroundTasks
from egress.responses._encoded_stream import EncodedStream, ValueContent, one_line
from egress.responses._headers import HeadersInput
from egress.responses._mistakes import wrong_status_keyword
from egress.responses._streaming import Chunk, ChunkSource, _describe
from egress.types import Message, Receive, Scope, Send

__all__ = ["EventSourceResponse", "ServerSentEvent"]

logger = logging.getLogger("egress.responses")

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_NOT_IN_A_FIELD = re.compile(r"[\r\n\x00]")
_PING = b": ping\n\n"


def _checked_text(field: str, value: object, *, one_line: bool) -> None:
    if not isinstance(value, str):
        raise TypeError(f"ServerSentEvent {field} must be a str, got {type(value).__name__}")
    if one_line and _NOT_IN_A_FIELD.search(value):
        raise ValueError(
            f"ServerSentEvent {field} must not contain CR, LF or NUL (a line break would end "
            f"the field early), got {quote_input(value)}"
        )
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(
            f"ServerSentEvent {field} must be valid text (no lone surrogate), "
            f"got {quote_input(value)}"
        ) from None


def _checked_digits(field: str, value: int) -> None:
    """An int too long for Python to write as text (`sys.get_int_max_str_digits()`,
    4300 digits by default) would fail only as the event is sent: refuse it here."""
    try:
        b"%d" % value
    except ValueError:
        raise ValueError(
            f"ServerSentEvent {field} is an int of {value.bit_length()} bits, too long to write "
            "as decimal text (over sys.get_int_max_str_digits() digits); "
            + ("give the id as a str" if field == "id" else "give a delay in milliseconds")
        ) from None


def _lines(name: bytes, text: str) -> bytes:
    """`name: line` for each line of `text` (split as the parser splits): the parser
    joins `data` lines back with LF; comment lines (`name` empty) it skips."""
    try:
        if "\n" not in text and "\r" not in text:
            return name + b": " + text.encode("utf-8") + b"\n"
        return b"".join(
            name + b": " + line.encode("utf-8") + b"\n" for line in _LINE_BREAK.split(text)
        )
    except UnicodeEncodeError:
        raise EncodeError(
            "a str holding a lone surrogate is not valid UTF-8 text", type_name="str"
        ) from None


def _data(data: Any, registry: EncoderRegistry) -> bytes:
    """The `data:` lines for `data`: a str as text, anything else as one line of JSON
    (`one_line`: pre-encoded JSON may hold line breaks, and a blank line would end the
    event early)."""
    if isinstance(data, str):
        return _lines(b"data", data)
    return b"data: " + one_line(registry.dumps(data)) + b"\n"


@dataclass(frozen=True, slots=True)
class ServerSentEvent:
    """One event. `data`: a str is sent as text (one `data:` line per line), anything
    else as JSON through the response's registry, None sends no data. `event` (the
    type a browser dispatches; "message" when absent) and `id` (a str or an int, what
    `Last-Event-ID` sends back on reconnection) may not hold CR, LF or NUL. `retry`:
    the reconnection delay in milliseconds, an int >= 0. `comment`: text the client
    ignores, split into lines like data. Checked here (str data too), so a bad event
    fails where it is made rather than cutting the stream it is sent in."""

    data: Any = None
    event: str | None = None
    id: str | int | None = None
    retry: int | None = None
    comment: str | None = None

    def __post_init__(self) -> None:
        if self.event is not None:
            _checked_text("event", self.event, one_line=True)
        if isinstance(self.id, str):
            _checked_text("id", self.id, one_line=True)
        elif self.id is not None and (isinstance(self.id, bool) or not isinstance(self.id, int)):
            raise TypeError(
                f"ServerSentEvent id must be a str or an int, got {type(self.id).__name__}"
            )
        elif self.id is not None:
            _checked_digits("id", self.id)
        if self.retry is not None and (
            isinstance(self.retry, bool) or not isinstance(self.retry, int) or self.retry < 0
        ):
            raise ValueError(
                f"ServerSentEvent retry must be an int of milliseconds >= 0, got {self.retry!r}"
            )
        if self.retry is not None:
            _checked_digits("retry", self.retry)
        if isinstance(self.data, str) and not self.data.isascii():
            _checked_text("data", self.data, one_line=False)
        if self.comment is not None:
            _checked_text("comment", self.comment, one_line=False)

    def encode(self, registry: EncoderRegistry = default_registry) -> bytes:
        """The event as it goes on the wire, ending with its blank line; JSON data is
        encoded by `registry`, and an EncodeError says what could not be."""
        parts = []
        if self.comment is not None:
            parts.append(_lines(b"", self.comment))
        if self.event is not None:
            parts.append(b"event: " + self.event.encode("utf-8") + b"\n")
        if isinstance(self.id, str):
            parts.append(b"id: " + self.id.encode("utf-8") + b"\n")
        elif self.id is not None:
            parts.append(b"id: %d\n" % self.id)  # an IntEnum too: its number
        if self.retry is not None:
            parts.append(b"retry: %d\n" % self.retry)
        if self.data is not None:
            parts.append(_data(self.data, registry))
        parts.append(b"\n")
        return b"".join(parts)


def _ping_interval(ping: object) -> float | None:
    if ping is None:
        return None
    if (
        isinstance(ping, bool)
        or not isinstance(ping, (int, float))
        or not math.isfinite(ping)
        or ping < 0
    ):
        raise ValueError(
            f"ping must be a finite number of seconds >= 0, or None (0 or None: no pings); "
            f"got {ping!r}"
        )
    return float(ping) or None


class _Pinger:
    """Merges pings into a stream: stands between `send_streamed` and both its source
    and its `send`, and `run` (a task of its own) sends a ping whenever the pump has
    waited `interval` seconds for its next chunk with nothing sent meanwhile.

    The pump alone steps the source, as in any stream; a ping goes out only while the
    pump waits on the source (never while it sends, nor once it stopped), and a chunk
    that comes while a ping is being sent waits for that send to finish, so the two
    never write at once. A ping whose send fails stops the stream: `failure` holds the
    error, to be raised as a failed send of the pump's would be. A ping the client does
    not take within `timeout` (the stream's chunk_timeout) stops it too, as a chunk not
    taken in time does: `timed_out` says so."""

    __slots__ = (
        "_awaiting_chunk",
        "_interval",
        "_last_sent",
        "_pinging",
        "_send",
        "_source",
        "_timeout",
        "failure",
        "timed_out",
    )

    def __init__(
        self, source: ChunkSource, send: Send, interval: float, timeout: float | None
    ) -> None:
        self._source = source
        self._send = send
        self._interval = interval
        self._timeout = timeout
        self.timed_out = False
        self._last_sent = time.monotonic()
        self._awaiting_chunk = False
        self._pinging: anyio.Event | None = None  # set once the ping being sent is out
        self.failure: Exception | None = None

    async def __anext__(self) -> Chunk:
        self._awaiting_chunk = True
        try:
            chunk: Chunk = await self._source.__anext__()
            return chunk
        finally:
            self._awaiting_chunk = False

    async def aclose(self) -> None:
        await self._source.aclose()

    async def send(self, message: Message) -> None:
        if self._pinging is not None:
            await self._pinging.wait()
        await self._send(message)
        self._last_sent = time.monotonic()

    async def run(self, stream: anyio.CancelScope) -> None:
        """Ping through every silence until cancelled; if a ping cannot be sent, or is
        not taken in time, cancel `stream` (the pump with it)."""
        due = self._last_sent + self._interval
        while True:
            await anyio.sleep(max(0.0, due - time.monotonic()))  # due may have passed
            now = time.monotonic()
            if now - self._last_sent < self._interval:  # something went out meanwhile
                due = self._last_sent + self._interval
            elif self._awaiting_chunk:
                try:
                    taken = await self._ping()
                except Exception as error:
                    self.failure = error
                    stream.cancel()
                    return
                if not taken:
                    self.timed_out = True
                    stream.cancel()
                    return
                due = self._last_sent + self._interval
            else:  # the client is taking a chunk, or the stream is over: not silence
                due = now + self._interval

    async def _ping(self) -> bool:
        """Send a ping: whether the client took it within the timeout."""
        pinging = self._pinging = anyio.Event()
        try:
            with anyio.move_on_after(self._timeout) as deadline:
                await self._send({"type": "http.response.body", "body": _PING, "more_body": True})
        finally:
            self._pinging = None
            pinging.set()
        self._last_sent = time.monotonic()
        return not deadline.cancelled_caught


class EventSourceResponse(EncodedStream):
    """Server-Sent Events (`text/event-stream`) from a (sync or async) iterable of
    `ServerSentEvent`s or plain values (each the `data` of an event), or a callable
    returning one.

    `ping`: seconds without an event after which a comment line (`: ping`) is sent, so
    proxies keep the connection; 0 or None sends none. `Cache-Control: no-cache` and
    `X-Accel-Buffering: no` (nginx: do not buffer) are set unless `headers` sets them.
    The head is sent at once, so a browser's EventSource opens before the first event;
    an event that cannot be encoded cuts the stream (logged with its index and JSON
    path). Timeouts, disconnects and the generator's `finally` are as for
    StreamingResponse.
    """

    media_type = "text/event-stream"
    sends_head_at_once = True

    def __init__(
        self,
        content: ValueContent,
        status_code: int = 200,
        headers: HeadersInput = None,
        background: BackgroundTask | BackgroundTasks | None = None,
        *,
        ping: float | None = 15.0,
        encoders: EncoderRegistry | Sequence[Any] | None = None,
        chunk_timeout: float | None = None,
        complete_timeout: float | None = None,
        status: None = None,
    ) -> None:
        if status is not None:
            wrong_status_keyword(type(self))
        self.ping = _ping_interval(ping)
        super().__init__(
            content,
            status_code,
            headers,
            background,
            encoders=encoders,
            chunk_timeout=chunk_timeout,
            complete_timeout=complete_timeout,
        )
        names = {name for name, _ in self.raw_headers}
        if b"cache-control" not in names:
            self.raw_headers.append((b"cache-control", b"no-cache"))
        if b"x-accel-buffering" not in names:
            self.raw_headers.append((b"x-accel-buffering", b"no"))

    def encode_item(self, item: Any) -> bytes:
        if isinstance(item, ServerSentEvent):
            return item.encode(self.encoders)
        return _data(item, self.encoders) + b"\n"

    async def _stream(
        self, source: ChunkSource, scope: Scope, receive: Receive, send: Send
    ) -> bool:
        if self.ping is None:
            return await super()._stream(source, scope, receive, send)
        pinger = _Pinger(source, send, self.ping, self.chunk_timeout)
        completed, failure = False, None
        async with anyio.create_task_group() as task_group:
            task_group.start_soon(pinger.run, task_group.cancel_scope)
            try:
                completed = await super()._stream(pinger, scope, receive, pinger.send)
            except Exception as error:  # raised below: the task group would wrap it
                failure = error
            task_group.cancel_scope.cancel()
        if pinger.failure is not None:
            raise pinger.failure
        if failure is not None:
            raise failure
        if pinger.timed_out:
            logger.warning(
                "%s: stream cut short: the client did not take a ping within %s s "
                "(chunk_timeout); the client is the slow side",
                _describe(scope),
                self.chunk_timeout,
            )
        return completed
