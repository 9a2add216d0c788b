"""cache_rate on real servers: a response that is not cacheable (here an endless event
stream) releases the requests waiting for it as soon as its head is sent, so a client
arriving while the first one still reads gets its own stream at once."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests._servers import SERVERS, serve
from tests._sse_parser import EventStreamParser

pytestmark = pytest.mark.timeout(60)


@pytest.fixture(scope="module", params=SERVERS)
def url(request: pytest.FixtureRequest) -> Iterator[str]:
    with serve("tests.apps_cache:app", request.param) as base:
        yield base


def first_event(chunks: Iterator[bytes]) -> str:
    """The first event's data. `chunks` is the caller's, so the connection stays open
    after (dropping httpx's iterator closes the response)."""
    parser = EventStreamParser()
    for chunk in chunks:
        if parser.feed(chunk):
            return parser.events[0].data
    raise AssertionError("the stream ended before its first event")


def test_a_second_client_gets_its_stream_while_the_first_still_reads(url: str) -> None:
    # Before the fix the second and third clients waited for the first stream to end:
    # forever here, so the read timeout failed them.
    timeout = httpx.Timeout(10)
    with (
        httpx.Client(timeout=timeout) as one,
        httpx.Client(timeout=timeout) as two,
        one.stream("GET", url) as first,
    ):
        reading = first.iter_raw()
        assert first_event(reading) == "hello"
        for _ in range(2):
            with two.stream("GET", url) as second:
                assert second.status_code == 200
                assert first_event(second.iter_raw()) == "hello"
        assert not first.is_closed
