"""CompressionMiddleware and negotiated representations on real servers (uvicorn,
hypercorn with its asyncio and trio workers, granian), read by httpx with its gzip,
brotli and zstd decoders.

Per-event delivery: tick i+1 is produced only once the client, having decoded tick i,
creates its release file (tests/apps_compression.py); a compressor that held an event
back would leave the client waiting for it and the generator waiting for the client,
until the generator gives up and marks the next tick stalled.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import msgspec
import pytest

from tests._servers import SERVERS, serve
from tests._sse_parser import EventStreamParser

pytestmark = pytest.mark.timeout(90)

RELEASES = "releases"


@pytest.fixture(scope="module", params=SERVERS)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Path]]:
    releases = tmp_path_factory.mktemp(RELEASES)
    env = {"EGRESS_TEST_RELEASE": str(releases)}
    with serve("tests.apps_compression:app", request.param, env=env) as url:
        yield url, releases


@pytest.mark.parametrize("coding", ["zstd", "br", "gzip"])
def test_each_event_arrives_before_the_next_is_produced(
    server: tuple[str, Path], coding: str
) -> None:
    url, releases = server
    run = f"{coding}-{id(server)}"
    parser = EventStreamParser()
    with (
        httpx.Client(timeout=20) as client,
        client.stream(
            "GET", f"{url}/events", params={"n": 5, "run": run}, headers={"accept-encoding": coding}
        ) as response,
    ):
        assert response.headers["content-encoding"] == coding
        assert "content-length" not in response.headers
        for chunk in response.iter_bytes():  # decoded as it arrives
            for event in parser.feed(chunk):
                if event.type == "tick":
                    (releases / f"{run}-{json.loads(event.data)['tick']}").touch()
    ticks = [json.loads(e.data) for e in parser.events if e.type == "tick"]
    assert ticks == [{"tick": n, "of": 5, "stalled": False} for n in range(1, 6)]
    assert parser.events[-1].type == "done"


@pytest.mark.parametrize(
    ("accept_encoding", "coding"),
    [("gzip, deflate, br, zstd", "zstd"), ("gzip;q=0, br", "br"), ("identity", None)],
)
def test_a_page_compressed_as_negotiated(
    server: tuple[str, Path], accept_encoding: str, coding: str | None
) -> None:
    url, _ = server
    response = httpx.get(f"{url}/page", headers={"accept-encoding": accept_encoding})
    assert response.headers.get("content-encoding") == coding
    assert response.headers["vary"] == "Accept-Encoding"
    assert response.text == "The quick brown fox jumps over the lazy dog. " * 100
    if coding is not None:
        assert int(response.headers["content-length"]) < 200


def test_head_is_never_encoded(server: tuple[str, Path]) -> None:
    url, _ = server
    response = httpx.head(f"{url}/page", headers={"accept-encoding": "gzip"})
    assert "content-encoding" not in response.headers
    assert response.headers["content-length"] == "4500"


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        ("application/json", "application/json"),
        ("application/msgpack", "application/vnd.msgpack"),
        ("application/x-ndjson", "application/x-ndjson"),
        ("text/event-stream", "text/event-stream; charset=utf-8"),
    ],
)
def test_negotiated_and_compressed(server: tuple[str, Path], accept: str, media_type: str) -> None:
    url, _ = server
    response = httpx.get(
        f"{url}/readings", params={"n": 40}, headers={"accept": accept, "accept-encoding": "br"}
    )
    assert response.headers["content-type"] == media_type
    assert response.headers["content-encoding"] == "br"
    assert response.headers["vary"] == "accept, Accept-Encoding"
    body = response.content
    if accept == "application/json":
        readings = json.loads(body)
    elif accept == "application/msgpack":
        readings = msgspec.msgpack.decode(body)
    elif accept == "application/x-ndjson":
        readings = [json.loads(line) for line in body.splitlines()]
    else:
        parser = EventStreamParser()
        parser.feed(body)
        readings = [json.loads(event.data) for event in parser.events]
    assert len(readings) == 40
    assert readings[1] == {"sensor": "a", "at": "2024-05-01T12:01:00Z", "celsius": 20.5}
