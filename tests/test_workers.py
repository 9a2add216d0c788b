"""Many workers, one truth: uvicorn with three worker processes sharing a real Redis.

cache_rate counts over every worker (runs counted in a file, not in any worker's
memory), single flight holds across processes, events published through any worker
reach subscribers on every worker, a client that keeps disconnecting and reconnecting
with Last-Event-ID loses and repeats nothing, and a Redis stopped and restarted under
load costs answers nothing: requests are served meanwhile and sharing resumes.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests._redis import running_redis
from tests._sse_parser import EventStreamParser
from tests._workers import WORKERS, Cluster, uvicorn_workers

pytestmark = pytest.mark.timeout(180)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    with running_redis() as redis, uvicorn_workers(redis, tmp_path_factory.mktemp("w")) as c:
        yield c


def fresh_connections() -> httpx.Client:
    """A client opening a new connection per request, so requests spread over workers."""
    return httpx.Client(timeout=60, limits=httpx.Limits(max_keepalive_connections=0))


def get_json(client: httpx.Client, url: str) -> tuple[dict[str, Any], str]:
    response = client.get(url)
    assert response.status_code == 200, response.text
    return response.json(), response.headers["x-served-by"]


def test_120_requests_with_cache_rate_10_run_the_handler_12_times(cluster: Cluster) -> None:
    before = cluster.run_count()
    with fresh_connections() as client, ThreadPoolExecutor(12) as pool:
        answers = list(pool.map(lambda _: get_json(client, f"{cluster.url}/cached/"), range(120)))
    assert cluster.run_count() - before == 12
    assert sorted(Counter(body["run"] for body, _ in answers).values()) == [10] * 12
    assert len({worker for _, worker in answers}) > 1  # served by several workers


def test_single_flight_holds_across_processes(cluster: Cluster) -> None:
    before = cluster.run_count()
    requests = 30
    with fresh_connections() as client, ThreadPoolExecutor(requests) as pool:
        answers = list(
            pool.map(
                lambda _: get_json(client, f"{cluster.url}/flight/?expected={requests}"),
                range(requests),
            )
        )
    assert cluster.run_count() - before == 1  # all 30 were in flight during the one run
    assert len({body["run"] for body, _ in answers}) == 1
    assert len({worker for _, worker in answers}) > 1  # waiters in other processes too


def test_endless_streams_behind_the_shared_cache_hold_nobody_back(cluster: Cluster) -> None:
    # Held back, a stream would wait for the single-flight lock to expire (30 s): the
    # read timeout of 10 s fails it.
    with httpx.Client(timeout=10, limits=httpx.Limits(max_keepalive_connections=0)) as client:
        streams = []
        try:
            for _ in range(4):  # each gets its head and first event while the others stream
                streams.append(Subscriber(client, f"{cluster.url}/feed/"))
                assert len(streams[-1].read(1)) == 1
        finally:
            for stream in streams:
                stream.close()


class Subscriber:
    """An event stream on a connection of its own (`client` keeps none alive), so on
    some worker, read as needed."""

    def __init__(self, client: httpx.Client, url: str, last_event_id: str | None = None) -> None:
        headers = {} if last_event_id is None else {"last-event-id": last_event_id}
        self._context = client.stream("GET", url, headers=headers)
        self.response = self._context.__enter__()
        assert self.response.status_code == 200
        self.worker = self.response.headers["x-served-by"]
        self.chunks = self.response.iter_raw()
        self.parser = EventStreamParser()

    def read(self, count: int) -> list[Any]:
        """The next `count` events."""
        while len(self.parser.events) < count:
            self.parser.feed(next(self.chunks))
        taken, self.parser.events = self.parser.events[:count], self.parser.events[count:]
        return taken

    def close(self) -> None:
        self._context.__exit__(None, None, None)


def publish(client: httpx.Client, url: str, channel: str, value: Any) -> str:
    response = client.post(f"{url}/publish", params={"channel": channel}, json=value)
    assert response.status_code == 200, response.text
    return str(response.json()["id"])


def test_events_reach_subscribers_on_every_worker(cluster: Cluster) -> None:
    channel = "every-worker"
    url = f"{cluster.url}/events?channel={channel}"
    subscribers: list[Subscriber] = []
    with fresh_connections() as publisher:
        # each subscriber resumes after this event, so it misses nothing published after
        # it, however late its subscription joins
        start = publish(publisher, cluster.url, channel, "start")
        try:
            # connections land on workers as the kernel hands them out: open them until
            # every worker has one
            for _ in range(60):
                subscribers.append(Subscriber(publisher, url, last_event_id=start))
                if len({s.worker for s in subscribers}) == WORKERS:
                    break
            assert len({s.worker for s in subscribers}) == WORKERS
            ids = [publish(publisher, cluster.url, channel, n) for n in range(20)]
            for subscriber in subscribers:
                events = subscriber.read(20)
                assert [e.data for e in events] == [str(n) for n in range(20)]
                assert [e.last_event_id for e in events] == ids
        finally:
            for subscriber in subscribers:
                subscriber.close()


def test_200_random_reconnections_with_last_event_id_lose_and_repeat_nothing(
    cluster: Cluster,
) -> None:
    channel = "reconnections"
    url = f"{cluster.url}/events?channel={channel}"
    rng = random.Random(200)
    with fresh_connections() as publisher:
        last = publish(publisher, cluster.url, channel, "start")
        published: list[int] = []
        received: list[int] = []
        workers: set[str] = set()
        for _ in range(200):
            for _ in range(rng.randrange(4)):  # while the client is away
                published.append(len(published))
                publish(publisher, cluster.url, channel, published[-1])
            subscriber = Subscriber(publisher, url, last_event_id=last)
            workers.add(subscriber.worker)
            try:
                for _ in range(rng.randrange(4)):  # while it is connected
                    published.append(len(published))
                    publish(publisher, cluster.url, channel, published[-1])
                # read what it has not seen, or some of it, then drop the connection
                wanted = len(published) - len(received)
                for event in subscriber.read(rng.randint(min(1, wanted), wanted)):
                    assert event.type == "message"  # never a reset: all is in the history
                    received.append(int(event.data))
                    last = event.last_event_id
            finally:
                subscriber.close()
        final = Subscriber(publisher, url, last_event_id=last)
        try:
            for event in final.read(len(published) - len(received)):
                received.append(int(event.data))
        finally:
            final.close()
    assert received == published
    assert len(workers) > 1


def test_redis_stopped_and_restarted_mid_run(tmp_path: Path) -> None:
    with running_redis() as redis, uvicorn_workers(redis, tmp_path) as cluster:
        events_url = f"{cluster.url}/events?channel=outage"
        with fresh_connections() as client:
            for _ in range(10):
                get_json(client, f"{cluster.url}/cached/")
            assert cluster.run_count() == 1
            start = publish(client, cluster.url, "outage", "start")
            subscriber = Subscriber(client, events_url, last_event_id=start)
            try:
                publish(client, cluster.url, "outage", "before")
                assert [e.data for e in subscriber.read(1)] == ["before"]
                redis.stop()
                # the subscription ends with a retry hint instead of waiting forever
                rest = b"".join(subscriber.chunks)
                assert b"retry: 1000" in rest
            finally:
                subscriber.close()
            # every request is answered while Redis is gone: the handler runs (httpx's
            # 60 s timeout would fail a request that hung)
            runs = cluster.run_count()
            for _ in range(20):
                get_json(client, f"{cluster.url}/cached/")
            assert cluster.run_count() - runs == 20
            redis.start()  # empty, as after a restart without persistence
            for _ in range(100):  # each worker retries the store a second after a failure
                runs = cluster.run_count()
                for _ in range(10):
                    get_json(client, f"{cluster.url}/cached/")
                if cluster.run_count() - runs <= 2:  # shared again: 10 requests, <= 2 runs
                    break
                time.sleep(0.2)
            assert cluster.run_count() - runs <= 2
            subscriber = Subscriber(client, events_url, last_event_id=start)  # history is gone
            try:
                reset = subscriber.read(1)[0]
                assert reset.type == "reset"
                publish(client, cluster.url, "outage", "after")
                assert [e.data for e in subscriber.read(1)] == ["after"]
            finally:
                subscriber.close()
    log = cluster.log.read_text()
    assert 1 <= log.count("unreachable") <= WORKERS  # one warning per outage and worker
    assert "reachable again" in log
