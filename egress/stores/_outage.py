"""Failing open, told once: what the users of a store (cache_rate, Broadcast) do when it
cannot be reached.

The first failure logs one warning naming the store; while it stays down, callers skip
it for `RETRY_AFTER` seconds between attempts (so a store that answers with timeouts
costs one timeout per second, not one per request); the first success after that logs
that it is back. One `Outage` per store, shared by everything in the process using it.
"""

from __future__ import annotations

import logging
import time
import weakref

from egress.stores._base import Store, StoreUnavailable

__all__ = ["Outage", "outage_of"]

logger = logging.getLogger("egress.stores")
RETRY_AFTER = 1.0


class Outage:
    __slots__ = ("__weakref__", "down", "retry_at", "store_name")

    def __init__(self, store_name: str) -> None:
        self.store_name = store_name
        self.down = False
        self.retry_at = 0.0

    def skipping(self) -> bool:
        """Whether callers should do without the store for now (it failed a moment ago)."""
        return self.down and time.monotonic() < self.retry_at

    def failed(self, error: StoreUnavailable) -> None:
        self.retry_at = time.monotonic() + RETRY_AFTER
        if not self.down:
            self.down = True
            logger.warning("%s; serving without it until it is back (%s)", error, self.store_name)

    def recovered(self) -> None:
        if self.down:
            self.down = False
            logger.warning("%s is reachable again; sharing resumes", self.store_name)


_outages: weakref.WeakKeyDictionary[Store, Outage] = weakref.WeakKeyDictionary()


def outage_of(store: Store) -> Outage:
    """The Outage that tracks `store` in this process."""
    outage = _outages.get(store)
    if outage is None:
        outage = _outages[store] = Outage(repr(store))
    return outage
