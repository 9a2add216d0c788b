"""Server-Sent Events and NDJSON on real servers (uvicorn, hypercorn with its asyncio and
trio workers, granian), read by a streaming client the way a browser reads them: each
event parsed by the standard's rules as its bytes arrive.

Where it matters that the client had something before the generator went on, the
generator waits for a release file that the client creates only once it has it: a
server or response that buffered the stream would make the generator give up waiting
(and say so in the next item).
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests._servers import SERVERS, Served, serve_logged
from tests._sse_parser import EventStreamParser
from tests.test_streaming_servers import SHIELDED_SEND, SLACK

pytestmark = pytest.mark.timeout(60)


@pytest.fixture(scope="module", params=SERVERS)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    log = tmp_path_factory.mktemp("logs") / "server.log"
    with serve_logged("tests.apps_sse:app", request.param, log) as served:
        yield served


def _wait_for(path: Path, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    return path.exists()


def _logged(server: Served, since: int, expected: str, within: float = SLACK) -> str:
    """What was logged after offset `since`, once `expected` is in it (or `within`
    seconds passed), and a moment more for anything logged right after."""
    deadline = time.monotonic() + within
    while expected not in server.log.read_text()[since:] and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.2)
    return server.log.read_text()[since:]


def _data(parser: EventStreamParser) -> list[Any]:
    return [json.loads(event.data) for event in parser.events]


@pytest.mark.parametrize("sync", [False, True], ids=["async-gen", "sync-gen"])
def test_events_arrive_as_they_are_produced(server: Served, tmp_path: Path, sync: bool) -> None:
    marker, release = tmp_path / "marker", tmp_path / "release"
    params = {"marker": str(marker), "release": str(release), "sync": str(int(sync))}
    parser = EventStreamParser()
    with (
        httpx.Client(timeout=10) as client,
        client.stream("GET", f"{server.url}/events/released", params=params) as response,
    ):
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
        assert response.headers["cache-control"] == "no-cache"
        assert response.headers["x-accel-buffering"] == "no"
        for chunk in response.iter_raw():
            if parser.feed(chunk) and len(parser.events) == 1:
                release.touch()  # event 0 is here: let the generator go on
    assert _data(parser) == [{"n": 0}, {"released": True}, {"n": 2}]
    assert _wait_for(marker, SLACK)


@pytest.mark.parametrize("sync", [False, True], ids=["async-gen", "sync-gen"])
def test_ndjson_lines_arrive_one_by_one(server: Served, tmp_path: Path, sync: bool) -> None:
    marker, release = tmp_path / "marker", tmp_path / "release"
    params = {"marker": str(marker), "release": str(release), "sync": str(int(sync))}
    pending, documents = b"", []
    with (
        httpx.Client(timeout=10) as client,
        client.stream("GET", f"{server.url}/ndjson/released", params=params) as response,
    ):
        assert response.headers["content-type"] == "application/x-ndjson"
        for chunk in response.iter_raw():
            *complete, pending = (pending + chunk).split(b"\n")
            documents += [json.loads(line) for line in complete]
            if documents == [{"n": 0}]:
                release.touch()
    assert pending == b""
    assert documents == [{"n": 0}, {"released": True}, {"n": 2}]
    assert _wait_for(marker, SLACK)


def test_pings_arrive_while_the_generator_is_silent(server: Served, tmp_path: Path) -> None:
    # The generator waits after event 0 until the client has seen two pings.
    release = tmp_path / "release"
    params = {"release": str(release), "ping": "0.2"}
    parser = EventStreamParser()
    with (
        httpx.Client(timeout=10) as client,
        client.stream("GET", f"{server.url}/events/released", params=params) as response,
    ):
        for chunk in response.iter_raw():
            parser.feed(chunk)
            if len(parser.comments) == 2:
                release.touch()
    assert parser.comments == ["ping", "ping"]
    assert _data(parser) == [{"n": 0}, {"released": True}, {"n": 2}]


@pytest.mark.parametrize("route", ["ticks?sync=0", "ticks?sync=1", "silent?ping=0.2"])
def test_a_disconnect_closes_the_generator_soon_after(
    server: Served, tmp_path: Path, route: str
) -> None:
    # Each stream would run for 30 s: ticking, or silent but for pings.
    marker = tmp_path / "marker"
    parser = EventStreamParser()
    with (
        httpx.Client(timeout=10) as client,
        client.stream("GET", f"{server.url}/events/{route}&marker={marker}") as response,
    ):
        for chunk in response.iter_raw():
            parser.feed(chunk)
            if len(parser.events) + len(parser.comments) >= 2:
                break
    left = time.monotonic()
    assert _wait_for(marker, SLACK), "the generator was not closed soon after the disconnect"
    assert time.monotonic() - left < SLACK  # the streams would run for 30 s


def test_a_client_that_stops_reading_is_cut_off_by_chunk_timeout(
    server: Served, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    # One event larger than every buffer, to a client that never reads, then silence.
    # uvicorn and granian take the event into their buffers, so the first ping is what
    # waits on the client: it too must give up after chunk_timeout (1 s). hypercorn
    # waits on the event itself, which gives up as any chunk does.
    if server.name == "hypercorn-trio":
        request.applymarker(pytest.mark.xfail(strict=True, reason=SHIELDED_SEND))
    marker = tmp_path / "marker"
    since = len(server.log.read_text())
    target = f"/events/flood?marker={marker}&ping=0.2&chunk_timeout=1"
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # before connect
        sock.connect(("127.0.0.1", int(server.url.rsplit(":", 1)[1])))
        sock.sendall(f"GET {target} HTTP/1.1\r\nHost: test\r\n\r\n".encode())
        # The stream is silent for 30 s: only the timeout can close it in time.
        assert _wait_for(marker, 10), "the generator was not closed"
    text = _logged(server, since, "stream cut short")
    [warning] = [line for line in text.splitlines() if line.startswith("WARNING egress")]
    assert "(chunk_timeout); the client is the slow side" in warning
    if server.name in ("uvicorn", "granian"):
        assert "did not take a ping within 1.0 s" in warning
    assert "Traceback" not in text


@pytest.mark.parametrize("kind", ["events", "ndjson"])
def test_an_item_that_cannot_be_encoded_cuts_the_stream(
    server: Served, tmp_path: Path, kind: str
) -> None:
    marker = tmp_path / "marker"
    since = len(server.log.read_text())
    chunks: list[bytes] = []
    with (
        httpx.Client(timeout=10) as client,
        client.stream("GET", f"{server.url}/{kind}/unencodable-later?marker={marker}") as response,
    ):
        assert response.status_code == 200
        with pytest.raises(httpx.RemoteProtocolError):  # no clean end of the body
            chunks.extend(response.iter_raw())
    assert b"".join(chunks) == (b'data: {"n":0}\n\n' if kind == "events" else b'{"n":0}\n')
    assert _wait_for(marker, SLACK)
    text = _logged(server, since, "could not be encoded")
    [line] = [line for line in text.splitlines() if line.startswith("ERROR egress.responses")]
    assert "stream cut short: item 1 (counting from 0) could not be encoded" in line
    assert "at $.bad (Unencodable)" in line
    assert "Traceback" not in text


def test_an_ndjson_first_item_that_cannot_be_encoded_is_a_500(
    server: Served, tmp_path: Path
) -> None:
    marker = tmp_path / "marker"
    since = len(server.log.read_text())
    response = httpx.get(f"{server.url}/ndjson/unencodable-first?marker={marker}", timeout=10)
    assert response.status_code == 500
    assert _wait_for(marker, SLACK)
    assert "EncodeError: cannot encode the value at $.bad" in _logged(server, since, "EncodeError")
