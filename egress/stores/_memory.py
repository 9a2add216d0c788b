"""MemoryStore: the Store contract in one process's memory.

Every operation completes without awaiting anything in between, so each is atomic for
the tasks of the event loop that uses the store (asyncio or trio). Expired keys are
dropped when they are next read. Nothing is shared with other processes: this is the
default, and what tests and single-worker applications need.
"""

from __future__ import annotations

import secrets
import time
from collections import deque

import anyio

from egress.stores._base import Entry, Store, event_id_key

__all__ = ["MemoryStore"]


class _Log:
    __slots__ = ("appended", "entries", "sequence")

    def __init__(self) -> None:
        self.entries: deque[Entry] = deque()
        self.sequence = 0
        self.appended: anyio.Event | None = None  # set (and dropped) on the next append


class MemoryStore(Store):
    """The Store contract in this process's memory (see the module docstring)."""

    def __init__(self) -> None:
        self._values: dict[str, tuple[bytes, float | None]] = {}
        self._logs: dict[str, _Log] = {}

    def _live(self, key: str) -> bytes | None:
        item = self._values.get(key)
        if item is None:
            return None
        value, deadline = item
        if deadline is not None and deadline <= time.monotonic():
            del self._values[key]
            return None
        return value

    async def get(self, key: str) -> bytes | None:
        return self._live(key)

    async def set(self, key: str, value: bytes, *, expires_in: float | None = None) -> None:
        deadline = None if expires_in is None else time.monotonic() + expires_in
        self._values[key] = (bytes(value), deadline)

    async def delete(self, key: str) -> None:
        self._values.pop(key, None)
        self._logs.pop(key, None)

    async def expire(self, key: str, seconds: float) -> None:
        value = self._live(key)
        if value is not None:
            self._values[key] = (value, time.monotonic() + seconds)

    async def incr(self, key: str) -> int:
        value = self._live(key)
        count = int(value or b"0") + 1
        deadline = self._values[key][1] if value is not None else None
        self._values[key] = (b"%d" % count, deadline)
        return count

    async def acquire(self, key: str, ttl: float) -> str | None:
        if self._live(key) is not None:
            return None
        token = secrets.token_hex(16)
        self._values[key] = (token.encode(), time.monotonic() + ttl)
        return token

    async def release(self, key: str, token: str) -> bool:
        if self._live(key) != token.encode():
            return False
        del self._values[key]
        return True

    async def append(self, key: str, data: bytes, *, history: int) -> str:
        log = self._logs.setdefault(key, _Log())
        log.sequence += 1
        entry_id = f"{log.sequence}-0"
        log.entries.append((entry_id, bytes(data)))
        while len(log.entries) > history:
            log.entries.popleft()
        if log.appended is not None:
            log.appended.set()
            log.appended = None
        return entry_id

    async def last_id(self, key: str) -> str:
        log = self._logs.get(key)
        return log.entries[-1][0] if log and log.entries else "0-0"

    async def since(self, key: str, event_id: str) -> list[Entry] | None:
        log = self._logs.get(key)
        wanted = event_id_key(event_id)
        if log is None:
            return None
        for index, (entry_id, _) in enumerate(log.entries):
            if event_id_key(entry_id) == wanted:
                return list(log.entries)[index + 1 :]
        return None

    async def wait(self, key: str, after: str, block: float) -> list[Entry]:
        threshold = event_id_key(after)
        with anyio.move_on_after(block):
            while True:
                log = self._logs.setdefault(key, _Log())
                newer: list[Entry] = []
                for entry in reversed(log.entries):
                    if event_id_key(entry[0]) <= threshold:
                        break
                    newer.append(entry)
                newer.reverse()
                if newer:
                    return newer
                if log.appended is None:
                    log.appended = anyio.Event()
                await log.appended.wait()
        return []

    async def aclose(self) -> None:
        """Nothing to release: the data stays for the next use in this process."""
