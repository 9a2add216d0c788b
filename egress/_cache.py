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
is not replayed. When a run's head (or first body message) shows such a response, or the
run fails, the requests waiting for it run the handler themselves at once (a stream that
never ends holds nobody up), and the next request after the run starts a new count.

With `etag=True` the endpoint tags the response before it reaches the recorder, so the
stored head carries the ETag; whether a request gets 304 is decided after the replay, for
that request alone, so what is stored is always the full 200.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Awaitable, Callable
from typing import NamedTuple

import anyio
import msgspec

from egress.stores import Store, StoreUnavailable
from egress.stores._outage import outage_of
from egress.types import Message, Scope, Send

__all__ = ["ResponseCache", "SharedCache", "check_rate"]

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


def _verdict(seen: list[Message]) -> bool | None:
    """Whether the response whose messages so far are `seen` can be kept: True once it
    is complete and cacheable, False as soon as anything rules it out, None while the
    head alone allows it. A stream is known by its head (a body status without
    Content-Length) or by its first body message (more to come), so the requests
    waiting on it are released before its body, which may never end, is sent."""
    start = seen[0]
    if start["type"] != "http.response.start" or start["status"] in _ANSWERS_TO_REQUEST_HEADERS:
        return False
    names = {name.lower() for name, _ in start.get("headers", ())}
    if b"set-cookie" in names:
        return False
    if len(seen) == 1:
        status = start["status"]
        return None if b"content-length" in names or status == 204 else False
    body = seen[1]
    return body["type"] == "http.response.body" and not body.get("more_body")


class _Flight:
    """One run of the handler for a key and the requests counted against it."""

    __slots__ = ("landed", "messages", "remaining")

    def __init__(self, remaining: int) -> None:
        self.remaining = remaining  # requests that may still replay this run
        self.messages: tuple[Message, ...] | None = None  # set once a cacheable run is sent
        self.landed = anyio.Event()  # set when the run is over, cacheable or not

    def recorder(self, send: Send) -> Send:
        """`send`, snapshotting each message before passing it on until the response is
        known to be cacheable (kept) or not; either way the waiting requests are released
        then, before the message that decided it is sent."""
        seen: list[Message] = []

        async def record(message: Message) -> None:
            if not self.landed.is_set():
                seen.append(_snapshot(message))
                verdict = _verdict(seen)
                if verdict is not None:
                    if verdict:
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
        if not flight.landed.is_set():  # (waiting on a set Event still yields to the loop)
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


# -- shared: the count, the responses and the lock in a Store ----------------------------

# A run's outcome that cannot be replayed: b"-" and the key's count when it was known.
# Requests counted up to then were waiting for it and run the handler themselves; a
# request counted later starts a new run.
_UNCACHEABLE = b"-"
_COUNT_TTL = 86_400.0  # an idle key's count is forgotten after a day...
_RESPONSE_TTL = 3_600.0  # ...and a run's stored response after an hour


def _pack(messages: list[Message]) -> bytes:
    return msgspec.msgpack.encode(messages)


def _unpack(data: bytes) -> tuple[Message, ...]:
    messages: list[Message] = msgspec.msgpack.decode(data)
    for message in messages:
        if "headers" in message:
            message["headers"] = [(name, value) for name, value in message["headers"]]
    return tuple(messages)


class _Lead(NamedTuple):
    base: str  # the key's counter
    run_key: str
    token: str  # of the run's lock


class SharedCache:
    """cache_rate over a Store, so every process sharing it counts together.

    Request n (from the store's counter) belongs to run `(n - 1) // rate` of its key.
    Whoever of that run's requests takes its lock first runs the handler; its response
    is stored under the run's key before it is sent (or, as soon as the head shows it
    cannot be kept, a marker saying so), then the lock is released. The requests that
    were waiting poll that key (5 ms, doubling to 50 ms) and replay the response, or,
    on the marker, run the handler themselves; a request of that run arriving after the
    marker takes the lock and runs anew (the in-process cache's "new count"). A holder
    that died is replaced when its lock expires (`lock_ttl` seconds). A store that
    cannot be reached fails open, here only: the request runs the handler, and the
    outage is logged once.
    """

    key = staticmethod(ResponseCache.key)

    def __init__(self, rate: int, store: Store, namespace: str, lock_ttl: float = 30.0) -> None:
        self.rate = check_rate(rate)
        self.store = store
        self.namespace = namespace
        self.lock_ttl = lock_ttl

    def _base(self, key: CacheKey) -> str:
        method, path, query = key
        digest = hashlib.sha256(b"\0".join((method.encode(), path.encode(), query)))
        return f"egress:cache:{self.namespace}:{digest.hexdigest()[:32]}"

    async def serve(self, key: CacheKey, send: Send, run: Run) -> None:
        """As ResponseCache.serve, with the state in the store."""
        outage = outage_of(self.store)
        if outage.skipping():
            await run(send)
            return
        try:
            claim = await self._claim(self._base(key))
        except StoreUnavailable as error:
            outage.failed(error)
            await run(send)
            return
        outage.recovered()
        if isinstance(claim, _Lead):
            await self._lead(claim, send, run)
        elif claim is None:
            await run(send)
        else:
            for message in claim:
                await send(_fresh(message))

    async def _claim(self, base: str) -> tuple[Message, ...] | _Lead | None:
        """The stored response to replay, the run's key to lead (its lock is taken), or
        None: run the handler unrecorded."""
        store = self.store
        count = await store.incr(base)
        run_key = f"{base}:{(count - 1) // self.rate}"
        deadline = time.monotonic() + self.lock_ttl
        delay = 0.005
        while True:
            stored = await store.get(run_key)
            if stored is not None and not stored.startswith(_UNCACHEABLE):
                return _unpack(stored)
            if stored is not None and count <= int(stored[1:]):
                return None  # the run this request waited for cannot be replayed
            token = await store.acquire(run_key + ":lock", self.lock_ttl)
            if token is not None:
                # the run may have been stored between the read above and the lock
                stored = await store.get(run_key)
                if stored is not None and not stored.startswith(_UNCACHEABLE):
                    await store.release(run_key + ":lock", token)
                    return _unpack(stored)
                await store.delete(run_key)  # a marker's waiters wait for this run now
                await store.expire(base, _COUNT_TTL)
                return _Lead(base, run_key, token)
            if time.monotonic() > deadline:
                return None
            await anyio.sleep(delay)
            delay = min(delay * 2, 0.05)

    async def _lead(self, lead: _Lead, send: Send, run: Run) -> None:
        """Run the handler, store its outcome as soon as it is known (and release the
        run's lock then: a stream holds it no longer than its head)."""
        base, run_key, token = lead
        store, outage = self.store, outage_of(self.store)
        seen: list[Message] = []
        decided = False

        async def keep(outcome: bytes | None) -> None:
            nonlocal decided
            decided = True
            try:
                if outcome is None:  # not kept: say up to which request it was waited for
                    outcome = _UNCACHEABLE + (await store.get(base) or b"0")
                await store.set(run_key, outcome, expires_in=_RESPONSE_TTL)
                await store.release(run_key + ":lock", token)
            except StoreUnavailable as error:
                outage.failed(error)

        async def record(message: Message) -> None:
            if not decided:
                seen.append(_snapshot(message))
                verdict = _verdict(seen)
                if verdict is not None:
                    await keep(_pack(seen) if verdict else None)
            await send(message)

        try:
            await run(record)
        finally:
            if not decided:
                with anyio.CancelScope(shield=True):
                    await keep(None)
