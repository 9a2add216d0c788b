"""cache_rate: run a handler once every N requests and replay its response in between.

The cache lives in the endpoint, so it is per process (each worker has its own). It keys
on method, path and query string. It records the ASGI messages of a response as they are
sent and keeps them only for a complete single-body response without Set-Cookie that is
not a 206 or 304: a stream, a file, a response that sets a cookie or answers a Range or
conditional request runs the handler every time.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

__all__ = ["ResponseCache"]

Message = dict[str, Any]
Send = Callable[[Message], Coroutine[Any, Any, None]]
CacheKey = tuple[str, str, bytes]
# Partial content and Not Modified depend on the request's Range / If-* headers, which
# are not part of the key: replaying them to another client would be wrong.
_ANSWERS_TO_REQUEST_HEADERS = frozenset({206, 304})


class _Entry:
    __slots__ = ("messages", "remaining")

    def __init__(self, messages: tuple[Message, Message], remaining: int) -> None:
        self.messages = messages
        self.remaining = remaining


def _cacheable(messages: list[Message]) -> bool:
    if len(messages) != 2:
        return False
    start, body = messages
    if start["type"] != "http.response.start" or body["type"] != "http.response.body":
        return False
    if start["status"] in _ANSWERS_TO_REQUEST_HEADERS:
        return False
    return all(name.lower() != b"set-cookie" for name, _ in start.get("headers", ()))


class ResponseCache:
    """Per-key countdown: a stored response is replayed `rate - 1` times, then the handler
    runs again (so it runs on requests 1, N+1, 2N+1, ...). At most `max_entries` keys are
    kept; the oldest is dropped first, so distinct query strings cannot grow it unbounded."""

    def __init__(self, rate: int, max_entries: int = 1024) -> None:
        if isinstance(rate, bool) or not isinstance(rate, int) or rate < 1:
            raise ValueError(f"cache_rate must be a positive int, got {rate!r}")
        self.rate = rate
        self.max_entries = max_entries
        self._entries: dict[CacheKey, _Entry] = {}

    @staticmethod
    def key(scope: dict[str, Any]) -> CacheKey:
        return (scope["method"], scope["path"], scope.get("query_string", b""))

    async def replay(self, key: CacheKey, send: Send) -> bool:
        """Send the stored response for `key` if it is still due; False if the handler must run."""
        entry = self._entries.get(key)
        if entry is None or entry.remaining <= 0:
            return False
        entry.remaining -= 1
        for message in entry.messages:
            await send(dict(message))
        return True

    def recording(self, key: CacheKey, send: Send) -> Send:
        """`send`, which also stores the response once its last body message went out."""
        messages: list[Message] = []

        async def record(message: Message) -> None:
            messages.append(message)
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                self._store(key, messages)

        return record

    def _store(self, key: CacheKey, messages: list[Message]) -> None:
        if self.rate == 1 or not _cacheable(messages):
            self._entries.pop(key, None)
            return
        start, body = messages
        frozen = ({**start, "headers": list(start.get("headers", ()))}, {**body})
        frozen[1]["body"] = bytes(body.get("body", b""))
        if key not in self._entries and len(self._entries) >= self.max_entries:
            del self._entries[next(iter(self._entries))]
        self._entries[key] = _Entry(frozen, self.rate - 1)
