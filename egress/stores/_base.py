"""The Store contract: a few async operations over bytes that cache_rate and Broadcast
need to share their state between processes and hosts.

Keys and values are bytes-in, bytes-out; expiry is in seconds. Besides get/set/delete
a store offers the three things plain get/set cannot do safely from many workers at
once: an atomic counter, a lock that only its holder can release (a random token,
compared on release), and an append-only log per key with a bounded history (what
Redis Streams are). A store is an async context manager, so the application's lifespan
opens and closes it; `aclose()` does the same by hand.

Every operation that cannot reach the store's backend raises `StoreUnavailable`: the
callers decide what failing open means for them.
"""

from __future__ import annotations

import abc
from types import TracebackType

__all__ = ["Entry", "Store", "StoreUnavailable", "event_id_key"]

Entry = tuple[str, bytes]  # (id, data) of one log entry; ids grow in append order


class StoreUnavailable(ConnectionError):
    """The store's backend could not be reached (or answered too late)."""


def event_id_key(event_id: str) -> tuple[int, int]:
    """The sort key of a log id ("1718000000000-3"); ValueError if it is not one."""
    milliseconds, _, sequence = event_id.partition("-")
    if not (milliseconds.isdigit() and milliseconds.isascii()):
        raise ValueError(f"not a log id: {event_id!r}")
    if sequence and not (sequence.isdigit() and sequence.isascii()):
        raise ValueError(f"not a log id: {event_id!r}")
    return int(milliseconds), int(sequence or 0)


class Store(abc.ABC):
    """Where state shared between workers lives (see the module docstring)."""

    @abc.abstractmethod
    async def get(self, key: str) -> bytes | None:
        """The value of `key`, or None if it is missing or expired."""

    @abc.abstractmethod
    async def set(self, key: str, value: bytes, *, expires_in: float | None = None) -> None:
        """Store `value` under `key`, for `expires_in` seconds (None: until deleted)."""

    @abc.abstractmethod
    async def delete(self, key: str) -> None:
        """Remove `key` (a counter, a value or a log); missing keys are fine."""

    @abc.abstractmethod
    async def expire(self, key: str, seconds: float) -> None:
        """Make an existing `key` expire `seconds` from now."""

    @abc.abstractmethod
    async def incr(self, key: str) -> int:
        """Add one to the counter at `key` (0 if missing) and return the new value,
        atomically over every process sharing the store."""

    @abc.abstractmethod
    async def acquire(self, key: str, ttl: float) -> str | None:
        """Take the lock `key` for `ttl` seconds: a token to release it with, or None
        if someone else holds it."""

    @abc.abstractmethod
    async def release(self, key: str, token: str) -> bool:
        """Release the lock `key` if `token` still holds it (compare and delete)."""

    @abc.abstractmethod
    async def append(self, key: str, data: bytes, *, history: int) -> str:
        """Append `data` to the log `key`, keeping about `history` entries; its id."""

    @abc.abstractmethod
    async def last_id(self, key: str) -> str:
        """The id of the newest entry of the log `key` ("0-0" when it is empty)."""

    @abc.abstractmethod
    async def since(self, key: str, event_id: str) -> list[Entry] | None:
        """The entries after `event_id`, oldest first, or None if `event_id` is no
        longer (or never was) in the log's history."""

    @abc.abstractmethod
    async def wait(self, key: str, after: str, block: float) -> list[Entry]:
        """The entries after `after`, waiting up to `block` seconds for one."""

    @abc.abstractmethod
    async def aclose(self) -> None:
        """Release what the store holds (connections); it may be used again after."""

    async def __aenter__(self) -> Store:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()
