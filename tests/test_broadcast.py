"""Broadcast over MemoryStore (asyncio and trio) and a real Redis (asyncio): events in
order with their ids, one upstream reader per channel, resumption from Last-Event-ID
with no gap and no duplicate, `reset` once the id has aged out, bounded queues and a
failing store that ends subscriptions with a retry hint instead of leaving them waiting."""

from __future__ import annotations

import logging
import random
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Any

import anyio
import pytest

from egress import Broadcast, EventSourceResponse, ServerSentEvent
from egress.stores import Entry, MemoryStore, Store, StoreUnavailable
from tests._asgi_client import client
from tests._redis import redis_server_fixture, store_fixture  # noqa: F401 (fixtures)
from tests._sse_parser import EventStreamParser

pytestmark = pytest.mark.timeout(60)
WARM_UP = "warm-up"


class Reader:
    """A subscription read by a task of its own, so a test can publish meanwhile."""

    def __init__(self, events: AsyncIterator[ServerSentEvent]) -> None:
        self.events = events
        self.seen: list[ServerSentEvent] = []
        self.arrived = anyio.Event()

    async def run(self) -> None:
        async for event in self.events:
            self.seen.append(event)
            self.arrived.set()
            self.arrived = anyio.Event()

    async def until(self, count: int) -> list[ServerSentEvent]:
        with anyio.fail_after(20):
            while len(self.seen) < count:
                await self.arrived.wait()
        return self.seen


async def first(events: AsyncGenerator[ServerSentEvent, None]) -> ServerSentEvent:
    """The next event; the subscription is joined once this returns."""
    return await events.__anext__()


async def joined(broadcast: Broadcast, channel: str, readers: list[Reader]) -> None:
    """Once every reader has joined: a subscription joins on its first read, so warm-up
    events are published until each reader has had one (tests then skip them)."""
    for _ in range(1000):
        if all(reader.seen for reader in readers):
            return
        await broadcast.publish(channel, WARM_UP)
        await anyio.sleep(0.01)
    raise AssertionError("the readers did not join within 10 s")


def real(events: list[ServerSentEvent]) -> list[ServerSentEvent]:
    return [event for event in events if event.data != WARM_UP]


@pytest.mark.anyio
async def test_subscribers_get_each_event_after_they_joined_in_order(store: Store) -> None:
    async with Broadcast(store) as broadcast:
        await broadcast.publish("news", "before anyone listens")
        readers = [Reader(broadcast.subscribe("news")) for _ in range(3)]
        async with anyio.create_task_group() as group:
            for reader in readers:
                group.start_soon(reader.run)
            await joined(broadcast, "news", readers)
            ids = [await broadcast.publish("news", {"n": n}, event="item") for n in range(5)]
            ids.append(await broadcast.publish("news", "text"))
            await broadcast.publish("other", "elsewhere")
            for reader in readers:
                await reader.until(len(reader.seen) - len(real(reader.seen)) + 6)
                seen = real(reader.seen)
                assert [e.data for e in seen] == [{"n": n} for n in range(5)] + ["text"]
                assert [e.event for e in seen] == ["item"] * 5 + [None]
                assert [e.id for e in seen] == ids
            group.cancel_scope.cancel()


@pytest.mark.anyio
async def test_resuming_from_an_id_gives_what_was_missed_once(store: Store) -> None:
    async with Broadcast(store) as broadcast:
        ids = [await broadcast.publish("c", n) for n in range(10)]
        events = broadcast.subscribe("c", last_event_id=ids[3])
        got = [await first(events) for _ in range(6)]
        assert [e.data for e in got] == [4, 5, 6, 7, 8, 9]
        assert [e.id for e in got] == ids[4:]
        later = await broadcast.publish("c", 10)
        live = await first(events)
        assert (live.data, live.id) == (10, later)
        await events.aclose()


@pytest.mark.anyio
@pytest.mark.parametrize("last_event_id", ["aged-out", "0-1", "not an id", "99999999999999-0"])
async def test_an_id_no_longer_in_the_history_gets_a_reset(
    store: Store, last_event_id: str
) -> None:
    async with Broadcast(store, history=5) as broadcast:
        ids = [await broadcast.publish("c", n) for n in range(300)]
        if last_event_id == "aged-out":
            last_event_id = ids[0]
        events = broadcast.subscribe("c", last_event_id=last_event_id)
        reset = await first(events)
        assert reset.event == "reset"
        assert reset.id == ids[-1]  # the client goes on from the newest
        assert reset.data == {"missed_after": last_event_id}
        new = await broadcast.publish("c", "new")
        assert (await first(events)).id == new
        await events.aclose()


class CountingStore(MemoryStore):
    """A MemoryStore that counts the log reads in progress, and can be made to fail."""

    def __init__(self) -> None:
        super().__init__()
        self.reading = 0
        self.most = 0
        self.broken = False

    async def wait(self, key: str, after: str, block: float) -> list[Entry]:
        if self.broken:
            raise StoreUnavailable("store down (on purpose)")
        self.reading += 1
        self.most = max(self.most, self.reading)
        try:
            return await super().wait(key, after, block)
        finally:
            self.reading -= 1

    async def last_id(self, key: str) -> str:
        if self.broken:
            raise StoreUnavailable("store down (on purpose)")
        return await super().last_id(key)


@pytest.mark.anyio
async def test_one_upstream_read_per_channel_however_many_subscribers() -> None:
    store = CountingStore()
    async with Broadcast(store) as broadcast:
        subscriptions = [broadcast.subscribe("c") for _ in range(20)]
        # each subscription joins on its first read: all of them then get the next event
        async with anyio.create_task_group() as group:
            readers = [Reader(events) for events in subscriptions]
            for reader in readers:
                group.start_soon(reader.run)
            await anyio.wait_all_tasks_blocked()
            await broadcast.publish("c", "all")
            for reader in readers:
                assert (await reader.until(1))[-1].data == "all"
            assert store.most == 1
            group.cancel_scope.cancel()
    assert store.reading == 0  # the last one to leave stopped the listener


@pytest.mark.anyio
async def test_a_failing_store_ends_subscriptions_with_a_retry_hint_and_one_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    store = CountingStore()
    async with Broadcast(store) as broadcast:
        readers = [Reader(broadcast.subscribe("c")) for _ in range(3)]
        with anyio.fail_after(20), caplog.at_level(logging.WARNING, "egress.stores"):
            async with anyio.create_task_group() as group:
                for reader in readers:
                    group.start_soon(reader.run)
                await anyio.wait_all_tasks_blocked()
                store.broken = True
                await broadcast.publish("c", "wakes the listener")
        for reader in readers:
            assert reader.seen[-1].retry == 1000
            assert reader.seen[-1].data is None
        assert len([r for r in caplog.records if r.levelno == logging.WARNING]) == 1
        store.broken = False  # back: a new subscription works again
        events = broadcast.subscribe("c")
        async with anyio.create_task_group() as group:
            reader = Reader(events)
            group.start_soon(reader.run)
            await anyio.wait_all_tasks_blocked()
            await broadcast.publish("c", "again")
            assert (await reader.until(1))[-1].data == "again"
            group.cancel_scope.cancel()


@pytest.mark.anyio
async def test_a_subscriber_that_falls_behind_is_ended_and_resumes_from_history() -> None:
    async with Broadcast(MemoryStore(), queue_size=2) as broadcast:
        events = broadcast.subscribe("c")
        got: list[ServerSentEvent] = []

        async def read_one() -> None:
            got.append(await first(events))

        with anyio.fail_after(20):
            async with anyio.create_task_group() as group:
                group.start_soon(read_one)
                await anyio.wait_all_tasks_blocked()  # joined, waiting for an event
                await broadcast.publish("c", 0)
        # the subscriber now reads nothing while ten more are published
        ids = [await broadcast.publish("c", n) for n in range(1, 11)]
        await anyio.wait_all_tasks_blocked()  # the listener ran: the queue overflowed
        got += [event async for event in events]
        assert [e.data for e in got[:-1]] == [0, 1, 2]  # what fitted in the queue
        assert got[-1].retry == 1000  # then a retry hint, and the end
        resumed = broadcast.subscribe("c", last_event_id=str(got[-2].id))
        rest = [await first(resumed) for _ in range(8)]
        assert [e.data for e in rest] == list(range(3, 11))
        assert [e.id for e in rest] == ids[2:]
        await resumed.aclose()


@pytest.mark.anyio
async def test_random_disconnects_and_reconnects_lose_and_repeat_nothing(store: Store) -> None:
    rng = random.Random(20)
    async with Broadcast(store) as broadcast:
        published = [await broadcast.publish("c", n) for n in range(1)]
        received: list[Any] = []
        last: str | None = published[0]
        received.append(0)
        for cycle in range(200):
            events = broadcast.subscribe("c", last_event_id=last)
            # publish a few while disconnected, a few while connected
            for _ in range(rng.randrange(3)):
                published.append(await broadcast.publish("c", len(published)))
            for _ in range(rng.randrange(4)):
                published.append(await broadcast.publish("c", len(published)))
            while len(received) < len(published):
                event = await first(events)
                assert event.event != "reset", cycle
                received.append(event.data)
                last = str(event.id)
            await events.aclose()
    assert received == list(range(len(published)))


def test_subscribing_outside_the_broadcast_says_to_enter_it() -> None:
    broadcast = Broadcast(MemoryStore())

    async def main() -> None:
        with pytest.raises(RuntimeError, match="async with broadcast"):
            await first(broadcast.subscribe("c"))

    anyio.run(main)


@pytest.mark.parametrize(("option", "value"), [("history", 0), ("queue_size", True)])
def test_bad_sizes_are_refused(option: str, value: Any) -> None:
    with pytest.raises(ValueError, match=option):
        Broadcast(MemoryStore(), **{option: value})


@pytest.mark.anyio
async def test_events_reach_an_event_source_response_with_their_ids() -> None:
    async with Broadcast(MemoryStore()) as broadcast:
        first_id = await broadcast.publish("c", {"n": 1}, event="tick")
        second_id = await broadcast.publish("c", {"n": 2}, event="tick")
        third_id = await broadcast.publish("c", "three")
        events = broadcast.subscribe("c", last_event_id=first_id)
        response = EventSourceResponse(_take(events, 2))
        parser = EventStreamParser()
        async with client(response) as c:
            parser.feed((await c.get("/")).content)
        seen = [(e.type, e.data, e.last_event_id) for e in parser.events]
        assert seen == [("tick", '{"n":2}', second_id), ("message", "three", third_id)]


async def _take(events: AsyncGenerator[ServerSentEvent, None], count: int) -> AsyncIterator[Any]:
    for _ in range(count):
        yield await events.__anext__()
    await events.aclose()


def test_a_broadcast_needs_a_store() -> None:
    with pytest.raises(TypeError, match="Store"):
        Broadcast("redis://localhost")  # type: ignore[arg-type]


@pytest.mark.anyio
async def test_a_bad_event_type_fails_in_the_publisher() -> None:
    async with Broadcast(MemoryStore()) as broadcast:
        with pytest.raises(ValueError, match="event"):
            await broadcast.publish("c", "x", event="two\nlines")


@pytest.mark.anyio
async def test_subscribing_while_the_store_is_down_ends_with_a_retry_hint() -> None:
    store = CountingStore()
    store.broken = True
    async with Broadcast(store) as broadcast:
        with anyio.fail_after(10):
            events = [event async for event in broadcast.subscribe("c")]
    assert [(e.data, e.retry) for e in events] == [(None, 1000)]


@pytest.mark.anyio
async def test_closing_the_broadcast_ends_its_subscriptions() -> None:
    store = CountingStore()
    with anyio.fail_after(10):
        async with anyio.create_task_group() as group, Broadcast(store) as broadcast:
            reader = Reader(broadcast.subscribe("c"))
            group.start_soon(reader.run)
            await joined(broadcast, "c", [reader])
            # the app shuts down: the listener is stopped, the subscriber told to retry
    assert reader.seen[-1].retry == 1000
    assert store.reading == 0


class GarbledStore(MemoryStore):
    """A MemoryStore whose log holds something no Broadcast wrote."""

    async def wait(self, key: str, after: str, block: float) -> list[Entry]:
        await super().wait(key, after, block)
        return [("99-0", b"not msgpack of an event")]


@pytest.mark.anyio
async def test_a_listener_that_fails_otherwise_ends_its_subscriptions_and_nothing_else(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with Broadcast(GarbledStore()) as broadcast:
        reader = Reader(broadcast.subscribe("c"))
        with anyio.fail_after(10), caplog.at_level(logging.ERROR, "egress.broadcast"):
            async with anyio.create_task_group() as group:
                group.start_soon(reader.run)
                await anyio.wait_all_tasks_blocked()
                await broadcast.publish("c", "wakes the listener")
        assert reader.seen[-1].retry == 1000
        assert "the listener of channel 'c' failed" in caplog.text
        assert await broadcast.publish("c", "the broadcast still works")
