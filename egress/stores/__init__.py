"""Where state shared between workers lives: `MemoryStore` (one process, the default)
and `RedisStore(url)` (every process and host sharing a Redis). `cache_rate` keeps its
count, its responses and its single-flight lock in one (`@endpoint(store=...)`), and
`Broadcast` its event history."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from egress.stores._base import Entry, Store, StoreUnavailable
from egress.stores._memory import MemoryStore

if TYPE_CHECKING:
    from egress.stores._redis import RedisStore

__all__ = ["Entry", "MemoryStore", "RedisStore", "Store", "StoreUnavailable"]


def __getattr__(name: str) -> Any:
    """RedisStore imports redis-py, so only when it is asked for."""
    if name == "RedisStore":
        from egress.stores._redis import RedisStore

        return RedisStore
    raise AttributeError(f"module 'egress.stores' has no attribute {name!r}")
