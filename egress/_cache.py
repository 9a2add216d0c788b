"""cache_rate: run a handler once every N requests and replay its response in between.

The cache lives in the endpoint, so it is per process (each worker has its own). It keys
on method, path and query string. Request k for a key (1-based, in arrival order) runs
the handler when (k - 1) % N == 0; the N - 1 requests after it replay that run's response.
Requests that arrive while the run is still in flight wait for it (single flight), so a
burst of concurrent clients runs the handler once per N of them, not once each.

What is stored is a snapshot of each ASGI message taken before it is passed to `send`:
outer middleware (GZip, CORS, a request-id stamp) may edit the messages it is given in
place, and none of that may reach the next client. Each replay sends new dicts and lists.

Only a complete single-body response without Set-Cookie that is not a 206 or 304 is kept:
a stream, a file, a response that sets a cookie or answers a Range or conditional request
is not replayed. When a run ends with such a response, or fails, the requests waiting for
it run the handler themselves, and the next request starts a new count.

With `etag=True` the endpoint tags the response before it reaches the recorder, so the
stored head carries the ETag; whether a request gets 304 is decided after the replay, for
that request alone, so what is stored is always the full 200.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import anyio

from egress.types import Message, Scope, Send

__all__ = ["ResponseCache", "check_rate"]

Run = Callable[[Send], Awaitable[None]]
CacheKey = tuple[str, str, bytes]
# Partial content and Not Modified depend on the request's Range / If-* headers, which
# are not part of the key: replaying them to another client would be wrong.
_ANSWERS_TO_REQUEST_HEADERS = frozenset({206, 304})


def check_rate(rate: object) -> int:
    """`rate` if it is a valid cache_rate (a positive int), else a ValueError saying so."""
    if isinstance(rate, bool) or not isinstance(rate, int) or rate < 1:
        raise ValueError(f"cache_rate must be a positive int, got {rate!r}")
    return rate


def _snapshot(message: Message) -> Message:
    """A copy nobody else holds: a new dict, new header pairs, the body as bytes."""
    copy = dict(message)
    if "headers" in copy:
        copy["headers"] = [(bytes(name), bytes(value)) for name, value in copy["headers"]]
    if "body" in copy:
        copy["body"] = bytes(copy["body"])
    return copy


def _fresh(message: Message) -> Message:
    """A stored message to send: a new dict and list (the pairs and body are immutable)."""
    copy = dict(message)
    if "headers" in copy:
        copy["headers"] = list(copy["headers"])
    return copy


def _cacheable(messages: list[Message]) -> bool:
    if len(messages) != 2:
        return False
    start, body = messages
    if start["type"] != "http.response.start" or body["type"] != "http.response.body":
        return False
    if start["status"] in _ANSWERS_TO_REQUEST_HEADERS:
        return False
    return all(name.lower() != b"set-cookie" for name, _ in start.get("headers", ()))


class _Flight:
    """One run of the handler for a key and the requests counted against it."""

    __slots__ = ("landed", "messages", "remaining")

    def __init__(self, remaining: int) -> None:
        self.remaining = remaining  # requests that may still replay this run
        self.messages: tuple[Message, ...] | None = None  # set once a cacheable run is sent
        self.landed = anyio.Event()  # set when the run is over, cacheable or not

    def recorder(self, send: Send) -> Send:
        """`send`, snapshotting each message before passing it on; the response is kept
        (and the waiting requests released) as soon as its last body message is seen."""
        seen: list[Message] = []

        async def record(message: Message) -> None:
            if len(seen) <= 2:  # a third message already makes the response uncacheable
                seen.append(_snapshot(message))
            if message["type"] == "http.response.body" and not message.get("more_body"):
                if _cacheable(seen):
                    self.messages = tuple(seen)
                self.landed.set()
            await send(message)

        return record


class ResponseCache:
    """Per-key single-flight countdown (module docstring). At most `max_entries` keys are
    kept; the oldest is dropped first, so distinct query strings cannot grow it unbounded."""

    def __init__(self, rate: int, max_entries: int = 1024) -> None:
        self.rate = check_rate(rate)
        self.max_entries = max_entries
        self._flights: dict[CacheKey, _Flight] = {}

    @staticmethod
    def key(scope: Scope) -> CacheKey:
        return (scope["method"], scope["path"], scope.get("query_string", b""))

    async def serve(self, key: CacheKey, send: Send, run: Run) -> None:
        """Answer one request for `key`: replay the stored response, wait for the run in
        flight, or be the run. `run(respond)` runs the handler and sends its response
        through `respond` (an error response it may send to `send` directly, unrecorded)."""
        flight = self._flights.get(key)
        if flight is None or flight.remaining == 0:
            await self._run(key, send, run)
            return
        flight.remaining -= 1
        await flight.landed.wait()
        if flight.messages is None:
            await run(send)
            return
        for message in flight.messages:
            await send(_fresh(message))

    async def _run(self, key: CacheKey, send: Send, run: Run) -> None:
        flight = _Flight(self.rate - 1)
        if self._flights.pop(key, None) is None and len(self._flights) >= self.max_entries:
            del self._flights[next(iter(self._flights))]
        self._flights[key] = flight
        try:
            await run(flight.recorder(send))
        finally:
            flight.landed.set()
            if flight.messages is None and self._flights.get(key) is flight:
                del self._flights[key]
