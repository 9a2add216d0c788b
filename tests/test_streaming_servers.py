"""StreamingResponse on real servers (uvicorn, hypercorn with its asyncio and trio
workers, granian), over loopback.

What the servers do, checked here rather than assumed: all of them make an ASGI
`send` wait while the client is not reading (uvicorn pauses at its transport's
high-water mark, hypercorn awaits the writer's drain, granian awaits its socket
writer), which is what lets `chunk_timeout` and `complete_timeout` fire. After a
timeout egress logs one warning and returns without the final body message; the
server then closes the connection once the bytes already handed to the kernel are
flushed, so a stalled reader that starts reading again sees a truncated chunked
body (no last chunk) and then EOF. Of the servers, only uvicorn logs anything
about it: one line, "ASGI callable returned without completing response.".
hypercorn's trio worker is the exception for a stalled reader (SHIELDED_SEND).
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import httpx
import pytest

from tests._servers import SERVERS, Served, serve_logged

pytestmark = pytest.mark.timeout(60)

# Seconds, beyond a timeout or a disconnect, within which its effect must show: generous,
# so that a busy machine passes, and far less than the 30 s the streams here would run
# (or the never that a stalled one would) without it.
SLACK = 10.0
FULL_BODY = 400 * 256 * 1024  # what /big would send to a client that keeps reading
LAST_CHUNK = b"0\r\n\r\n"  # how a complete chunked body ends
SHIELDED_SEND = (
    "hypercorn's trio worker shields its socket writes from cancellation, so a send "
    "blocked on a client that stopped reading cannot be cut short; the timeout takes "
    "effect once that send returns (the client reads again, or goes away)"
)


@pytest.fixture(scope="module", params=SERVERS)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    log = tmp_path_factory.mktemp("logs") / "server.log"
    with serve_logged("tests.apps_streaming:app", request.param, log) as served:
        yield served


@pytest.fixture
def base_url(server: Served) -> str:
    return server.url


def _port(base_url: str) -> int:
    return int(base_url.rsplit(":", 1)[1])


def _wait_for(path: Path, timeout: float) -> float | None:
    """Seconds until `path` exists, or None if it does not within `timeout`."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if path.exists():
            return time.monotonic() - start
        time.sleep(0.01)
    return None


def _request(base_url: str, target: str, *, rcvbuf: int | None = None) -> socket.socket:
    sock = socket.socket()
    if rcvbuf is not None:  # before connect, so the window advertised stays small
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.settimeout(5)
    sock.connect(("127.0.0.1", _port(base_url)))
    sock.sendall(f"GET {target} HTTP/1.1\r\nHost: test\r\n\r\n".encode())
    return sock


class Read(NamedTuple):
    total: int  # bytes read, head included
    eof: bool  # whether the server closed the connection within the limit
    start: bytes  # the first bytes read (up to 64 KiB)
    tail: bytes  # the last bytes read


def _read_to_eof(sock: socket.socket, limit_seconds: float) -> Read:
    total, start, tail = 0, b"", b""
    deadline = time.monotonic() + limit_seconds
    while time.monotonic() < deadline:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            data = sock.recv(1 << 20)
        except TimeoutError:
            break
        if not data:
            return Read(total, True, start, tail)
        total += len(data)
        start = (start + data)[: 64 * 1024] if len(start) < 64 * 1024 else start
        tail = (tail + data)[-len(LAST_CHUNK) :]
    return Read(total, False, start, tail)


def _logged(server: Served, since: int, expected: list[str], within: float = SLACK) -> str:
    """What was logged after offset `since`, once every `expected` text is in it (or
    `within` seconds passed); then a moment more, for anything logged right after."""
    deadline = time.monotonic() + within
    text = server.log.read_text()[since:]
    while not all(part in text for part in expected) and time.monotonic() < deadline:
        time.sleep(0.02)
        text = server.log.read_text()[since:]
    time.sleep(0.2)
    return server.log.read_text()[since:]


def _expected_server_lines(server: Served) -> list[str]:
    if server.name == "uvicorn":
        return ["ERROR uvicorn.error: ASGI callable returned without completing response."]
    return []


def _assert_logged_one_warning(server: Served, since: int, slow_side: str) -> None:
    """egress's one warning line naming the slow side, what the server itself logs
    about an app that returns mid-body, and nothing else: no traceback anywhere."""
    expected = [f"the {slow_side} is the slow side", *_expected_server_lines(server)]
    lines = _logged(server, since, expected).splitlines()
    [warning] = [line for line in lines if line.startswith("WARNING egress.responses: ")]
    assert f"the {slow_side} is the slow side" in warning
    assert sorted(lines) == sorted([warning, *_expected_server_lines(server)])


@pytest.mark.parametrize("sync", [False, True], ids=["async-gen", "sync-gen"])
def test_chunks_arrive_while_the_generator_is_still_running(
    base_url: str, tmp_path: Path, sync: bool
) -> None:
    # The generator holds chunk 1 until the client has chunk 0 and creates `release`:
    # a server (or response) that buffered the stream would deliver "not-released".
    marker, release = tmp_path / "marker", tmp_path / "release"
    params = {"marker": str(marker), "release": str(release), "sync": "1" if sync else "0"}
    received = b""
    with (
        httpx.Client(timeout=10) as client,
        client.stream("GET", f"{base_url}/released", params=params) as response,
    ):
        assert response.status_code == 200
        assert "content-length" not in response.headers
        for data in response.iter_raw():
            received += data
            if received.startswith(b"first;"):
                release.touch()
    assert received == b"first;released;last"
    assert _wait_for(marker, SLACK) is not None


@pytest.mark.parametrize("sync", [False, True], ids=["async-gen", "sync-gen"])
def test_many_small_chunks_arrive_complete_and_in_order(base_url: str, sync: bool) -> None:
    # 10,000 chunks: a sync generator's are read ahead in batches of many chunks each.
    count = 10_000
    params = {"count": str(count), "sync": "1" if sync else "0"}
    with httpx.Client(timeout=10) as client:
        response = client.get(f"{base_url}/counted", params=params)
    assert response.status_code == 200
    assert response.content == b"".join(b"%d\n" % number for number in range(count))


@pytest.mark.parametrize("sync", [False, True], ids=["async-gen", "sync-gen"])
@pytest.mark.parametrize("timeout", ["chunk_timeout", "complete_timeout"])
def test_a_stalled_reader_is_cut_off(
    server: Served, tmp_path: Path, timeout: str, sync: bool, request: pytest.FixtureRequest
) -> None:
    # A tiny receive buffer that is never read: the server's send blocks once the
    # kernel buffers are full, and the timeout (1 s) must end the response.
    if server.name == "hypercorn-trio":
        request.applymarker(pytest.mark.xfail(strict=True, reason=SHIELDED_SEND))
    marker = tmp_path / "marker"
    target = f"/big?marker={marker}&{timeout}=1&sync={int(sync)}"
    since = len(server.log.read_text())
    started = time.monotonic()
    with _request(server.url, target, rcvbuf=4096) as sock:
        closed_after = _wait_for(marker, 1 + SLACK)
        assert closed_after is not None, "the generator was not closed within timeout + SLACK"
        assert closed_after >= 0.9
        # Then the client drains what the kernel already holds: the server's end of the
        # connection must be closed by timeout + SLACK after the request.
        read = _read_to_eof(sock, started + 1 + SLACK - time.monotonic())
    assert read.eof, "the server did not close the connection within timeout + SLACK"
    assert read.total < FULL_BODY / 4  # cut short, not the whole body
    assert read.tail != LAST_CHUNK  # and it does not pass for a complete chunked body
    _assert_logged_one_warning(server, since, "client")


@pytest.mark.parametrize("sync", [False, True], ids=["async-gen", "sync-gen"])
def test_a_slow_generator_is_cut_off_by_complete_timeout(
    server: Served, tmp_path: Path, sync: bool
) -> None:
    # /ticks yields a chunk every 50 ms for 30 s to a client that reads everything:
    # the generator, not the client, is what makes the body miss its 1 s.
    marker = tmp_path / "marker"
    target = f"/ticks?marker={marker}&complete_timeout=1&sync={int(sync)}"
    since = len(server.log.read_text())
    started = time.monotonic()
    with _request(server.url, target) as sock:
        read = _read_to_eof(sock, 1 + SLACK)
        closed_after = _wait_for(marker, max(0, started + 1 + SLACK - time.monotonic()))
    assert closed_after is not None, "the generator was not closed within timeout + SLACK"
    assert read.eof, "the server did not close the connection within timeout + SLACK"
    assert time.monotonic() - started >= 0.9
    assert b"tick 3\n" in read.start  # it did stream until the deadline
    assert read.tail != LAST_CHUNK
    _assert_logged_one_warning(server, since, "generator")


@pytest.mark.parametrize("sync", [False, True], ids=["async-gen", "sync-gen"])
def test_a_client_disconnect_closes_the_generator(
    base_url: str, tmp_path: Path, sync: bool
) -> None:
    marker = tmp_path / "marker"
    with _request(base_url, f"/ticks?marker={marker}&sync={int(sync)}") as sock:
        received = b""
        while b"tick 2\n" not in received:
            data = sock.recv(4096)
            assert data, "the stream ended early"
            received += data
    # The stream would run for 30 s; the disconnect must close it well before.
    assert _wait_for(marker, SLACK) is not None


def test_a_producer_that_never_awaits_stops_soon_after_a_disconnect(
    server: Served, tmp_path: Path
) -> None:
    # 200,000 rows from memory, the client reads 100 bytes and closes. Every server's
    # send returns without suspending once the socket is gone, so without the stream's
    # checkpoints every row was produced, and asyncio logged each write to the dead
    # socket ("socket.send() raised exception.", once per row).
    marker, count = tmp_path / "marker", 200_000
    since = len(server.log.read_text())
    with _request(server.url, f"/eager?marker={marker}&count={count}") as sock:
        received = b""
        while len(received) < 100:
            data = sock.recv(100)
            assert data, "the stream ended early"
            received += data
    assert _wait_for(marker, 30) is not None, "the generator was not closed"
    rows = int(marker.read_text().split()[2])
    assert rows < count / 10, f"{rows} of {count} rows were produced for a client that left"
    assert len(_logged(server, since, []).splitlines()) <= 1


def test_an_error_after_the_headers_cuts_the_response(base_url: str, tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    with (
        httpx.Client(timeout=10) as client,
        client.stream("GET", f"{base_url}/failing", params={"marker": str(marker)}) as response,
    ):
        assert response.status_code == 200
        with pytest.raises(httpx.RemoteProtocolError):
            response.read()
    assert _wait_for(marker, SLACK) is not None
