"""Broadcast: publish events on a channel from any worker; every subscriber, in any
worker sharing the store, gets them in order, ready for EventSourceResponse.

Each channel is a log in the store (a Redis Stream for RedisStore) holding the last
`history` events; an event's id is its log id, so a client that reconnects with
`Last-Event-ID` is given exactly the events after it (`since`), then the live ones,
none twice. When that id is no longer in the history (or was never an id) the client
gets one `reset` event instead, whose id is the newest, and goes on from there.

In each process one listener task per channel reads the log (`Store.wait`) and hands
each event to every local subscriber's queue; the first subscriber starts it, the last
one's leaving stops it. Queues are bounded (`queue_size`): a subscriber that falls that
far behind is ended with a retry hint, and its client, reconnecting with its
Last-Event-ID, catches up from the history. If the store fails, the listener ends every
subscription the same way (one warning per outage) and the next subscriber starts a new
listener, so sharing resumes by itself once the store is back.

Listeners run in the Broadcast's own task group: enter it (`async with broadcast:`,
typically in the application's lifespan) before subscribing.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncGenerator
from types import TracebackType
from typing import Any

import anyio
import msgspec
from anyio.abc import TaskGroup
from anyio.streams.memory import MemoryObjectSendStream

from egress.encoders import dumps
from egress.responses import ServerSentEvent
from egress.stores import Entry, Store, StoreUnavailable
from egress.stores._base import event_id_key
from egress.stores._outage import outage_of

__all__ = ["Broadcast"]

logger = logging.getLogger("egress.broadcast")

RETRY_MS = 1000  # the reconnection delay a subscription ended by a failure suggests
_WAIT = 5.0  # seconds each read of the log blocks before it is repeated


_Live = tuple[tuple[int, int], ServerSentEvent]  # an event and its id's sort key


class _Channel:
    __slots__ = ("key", "queues", "scope")

    def __init__(self, key: str) -> None:
        self.key = key
        self.queues: set[MemoryObjectSendStream[_Live]] = set()
        self.scope = anyio.CancelScope()


class Broadcast:
    """Events over a Store's logs, for Server-Sent Events (see the module docstring)."""

    def __init__(self, store: Store, *, history: int = 1000, queue_size: int = 256) -> None:
        if not isinstance(store, Store):
            raise TypeError(f"Broadcast needs an egress.stores.Store, got {store!r}")
        for name, value in (("history", history), ("queue_size", queue_size)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive int, got {value!r}")
        self.store = store
        self.history = history
        self.queue_size = queue_size
        self._channels: dict[str, _Channel] = {}
        self._joining = anyio.Lock()
        self._group: TaskGroup | None = None
        self._exit = contextlib.AsyncExitStack()

    async def __aenter__(self) -> Broadcast:
        self._group = await self._exit.enter_async_context(anyio.create_task_group())
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        for channel in self._channels.values():
            channel.scope.cancel()
        self._group = None
        await self._exit.aclose()

    @staticmethod
    def _key(channel: str) -> str:
        return f"egress:broadcast:{channel}"

    async def publish(self, channel: str, value: Any, *, event: str | None = None) -> str:
        """Append an event to `channel` and return its id. A str `value` is sent as text,
        anything else as JSON through the default registry (encoded here, so an
        unencodable value fails in the publisher). StoreUnavailable if the store is down."""
        ServerSentEvent(event=event)  # checks the event type now, not in every subscriber
        text = isinstance(value, str)
        data = value.encode() if text else dumps(value)
        payload = msgspec.msgpack.encode((event, text, data))
        return await self.store.append(self._key(channel), payload, history=self.history)

    async def subscribe(
        self, channel: str, last_event_id: str | None = None
    ) -> AsyncGenerator[ServerSentEvent, None]:
        """The events of `channel` from the next one published, or from after
        `last_event_id` (a `reset` event if it is no longer in the history)."""
        if self._group is None:
            raise RuntimeError(
                "enter the Broadcast (`async with broadcast:`, e.g. in the app's lifespan) "
                "before subscribing: its listeners run in its task group"
            )
        sender, receiver = anyio.create_memory_object_stream[_Live](self.queue_size)
        state: _Channel | None = None
        try:
            async with receiver:
                try:
                    state = await self._join(channel, sender)
                    last = await self.store.last_id(state.key)
                    missed = (
                        None
                        if last_event_id is None
                        else await self._since(state.key, last_event_id)
                    )
                except StoreUnavailable as error:
                    outage_of(self.store).failed(error)
                    yield _retry_hint()
                    return
                if last_event_id is not None and missed is None:
                    yield ServerSentEvent({"missed_after": last_event_id}, "reset", last)
                elif missed:
                    for entry in missed:
                        yield _event(entry)
                    last = missed[-1][0]
                elif last_event_id is not None:
                    last = last_event_id
                after = event_id_key(last)
                async for order, event in receiver:
                    if order > after:
                        yield event
                yield _retry_hint()  # the listener failed or this subscriber fell behind
        finally:
            sender.close()
            if state is not None:
                self._leave(channel, state, sender)

    async def _since(self, key: str, last_event_id: str) -> list[Entry] | None:
        try:
            event_id_key(last_event_id)
        except ValueError:
            return None  # not an id this broadcast gave: start over with a reset
        return await self.store.since(key, last_event_id)

    async def _join(self, channel: str, sender: MemoryObjectSendStream[_Live]) -> _Channel:
        async with self._joining:
            state = self._channels.get(channel)
            if state is None:
                state = _Channel(self._key(channel))
                position = await self.store.last_id(state.key)
                assert self._group is not None
                await self._group.start(self._listen, channel, state, position)
                self._channels[channel] = state
            state.queues.add(sender)
            return state

    def _leave(self, channel: str, state: _Channel, sender: MemoryObjectSendStream[_Live]) -> None:
        """The last subscriber of a channel to leave stops its listener."""
        state.queues.discard(sender)
        if not state.queues:
            state.scope.cancel()
            if self._channels.get(channel) is state:
                del self._channels[channel]

    async def _listen(
        self,
        channel: str,
        state: _Channel,
        position: str,
        *,
        task_status: anyio.abc.TaskStatus[None] = anyio.TASK_STATUS_IGNORED,
    ) -> None:
        outage = outage_of(self.store)
        with state.scope:
            task_status.started()
            try:
                while True:
                    entries = await self.store.wait(state.key, position, block=_WAIT)
                    outage.recovered()
                    for entry in entries:
                        position = entry[0]
                        # decoded once for every local subscriber (who only read it)
                        live = (event_id_key(position), _event(entry))
                        for queue in list(state.queues):
                            try:
                                queue.send_nowait(live)
                            except anyio.WouldBlock:  # fell behind: end it, it resumes
                                state.queues.discard(queue)
                                queue.close()
            except StoreUnavailable as error:
                outage.failed(error)
            except Exception:  # the subscribers are told below; the app goes on
                logger.exception("the listener of channel %r failed", channel)
            finally:
                if self._channels.get(channel) is state:
                    del self._channels[channel]
                for queue in state.queues:
                    queue.close()


def _event(entry: Entry) -> ServerSentEvent:
    entry_id, payload = entry
    event, text, data = msgspec.msgpack.decode(payload)
    value = data.decode() if text else msgspec.json.decode(data)
    return ServerSentEvent(value, event, entry_id)


def _retry_hint() -> ServerSentEvent:
    return ServerSentEvent(comment="the event feed was interrupted: reconnect", retry=RETRY_MS)
