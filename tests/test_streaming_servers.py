"""StreamingResponse on real servers (uvicorn, hypercorn, granian), over loopback.

What the servers do, checked here rather than assumed: all three make an ASGI
`send` wait while the client is not reading (uvicorn pauses at its transport's
high-water mark, hypercorn awaits the writer's drain, granian awaits its socket
writer), which is what lets `chunk_timeout` and `complete_timeout` fire. After a
timeout the app raises, and the server closes the connection once the bytes
already handed to the kernel are flushed, so a stalled reader that starts reading
again sees a truncated body and then EOF.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests._servers import serve

pytestmark = pytest.mark.timeout(60)

SERVERS = ["uvicorn", "hypercorn", "granian"]
FULL_BODY = 400 * 256 * 1024  # what /big would send to a client that keeps reading


@pytest.fixture(scope="module", params=SERVERS)
def base_url(request: pytest.FixtureRequest) -> Iterator[str]:
    with serve("tests.apps_streaming:app", request.param) as url:
        yield url


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


def _read_to_eof(sock: socket.socket, limit_seconds: float) -> tuple[int, bool]:
    """Bytes read, and whether the server closed the connection within the limit."""
    total, deadline = 0, time.monotonic() + limit_seconds
    while time.monotonic() < deadline:
        try:
            data = sock.recv(1 << 20)
        except TimeoutError:
            return total, False
        if not data:
            return total, True
        total += len(data)
    return total, False


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
    assert _wait_for(marker, 1) is not None


@pytest.mark.parametrize("sync", [False, True], ids=["async-gen", "sync-gen"])
@pytest.mark.parametrize("timeout", ["chunk_timeout", "complete_timeout"])
def test_a_stalled_reader_is_cut_off(
    base_url: str, tmp_path: Path, timeout: str, sync: bool
) -> None:
    # A tiny receive buffer that is never read: the server's send blocks once the
    # kernel buffers are full, and the timeout (1 s) must end the response.
    marker = tmp_path / "marker"
    target = f"/big?marker={marker}&{timeout}=1&sync={int(sync)}"
    started = time.monotonic()
    with _request(base_url, target, rcvbuf=4096) as sock:
        closed_after = _wait_for(marker, 1 + 1)
        assert closed_after is not None, "the generator was not closed within timeout + 1 s"
        assert closed_after >= 0.9
        # Then the client drains what the kernel already holds: the server's end of the
        # connection must be closed by timeout + 1 s after the request.
        total, eof = _read_to_eof(sock, started + 1 + 1 - time.monotonic())
    assert eof, "the server did not close the connection within timeout + 1 s"
    assert total < FULL_BODY / 4  # cut short, not the whole body


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
    # The stream would run for 30 s; the disconnect must close it within 1 s.
    assert _wait_for(marker, 1) is not None


def test_an_error_after_the_headers_cuts_the_response(base_url: str, tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    with (
        httpx.Client(timeout=10) as client,
        client.stream("GET", f"{base_url}/failing", params={"marker": str(marker)}) as response,
    ):
        assert response.status_code == 200
        with pytest.raises(httpx.RemoteProtocolError):
            response.read()
    assert _wait_for(marker, 1) is not None
