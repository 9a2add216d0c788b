"""Serving a 100 MB file and a 1,000-chunk stream through uvicorn on loopback.

egress against Starlette and Lilya (their FileResponse / StreamingResponse) and a
hand-written ASGI limit, each in its own uvicorn process so that each one's peak
memory (VmHWM) is its own. The client is a bare socket reading to EOF, identical
for everyone. Run: `python benchmarks/serve.py` (about a minute).
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if __package__ in (None, ""):
    sys.path.insert(0, str(ROOT))

from benchmarks._harness import Contender, measure, table, write  # noqa: E402

FILE_SIZE = 100 * 1024 * 1024
CHUNKS = 1000
CHUNK = b"c" * 4096
FRAMEWORKS = ["egress", "starlette", "lilya", "limit"]
FILE_PATH = os.environ.get("BENCH_FILE", "")


async def _chunks() -> AsyncIterator[bytes]:
    for _ in range(CHUNKS):
        yield CHUNK


def _sync_chunks() -> Iterator[bytes]:
    for _ in range(CHUNKS):
        yield CHUNK


def _responses(framework: str) -> tuple[Callable[[], Any], Callable[[bool], Any]]:
    """(file response factory, stream response factory taking `sync`)."""
    if framework == "egress":
        from egress import FileResponse, StreamingResponse
    elif framework == "starlette":
        from starlette.responses import FileResponse, StreamingResponse  # type: ignore[assignment]
    else:
        from lilya.responses import FileResponse, StreamingResponse  # type: ignore[assignment]
    return (
        lambda: FileResponse(FILE_PATH),
        lambda sync: StreamingResponse(_sync_chunks() if sync else _chunks()),
    )


async def _limit(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """The least an ASGI app can do: no headers beyond length, no thread hops."""
    if scope["path"] == "/file":
        await send({"type": "http.response.start", "status": 200, "headers": []})
        with open(FILE_PATH, "rb") as file:  # noqa: ASYNC230 - the blocking limit
            while chunk := file.read(1024 * 1024):
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b""})
        return
    await send({"type": "http.response.start", "status": 200, "headers": []})
    for _ in range(CHUNKS):
        await send({"type": "http.response.body", "body": CHUNK, "more_body": True})
    await send({"type": "http.response.body", "body": b""})


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    framework = os.environ["BENCH_FRAMEWORK"]
    if framework == "limit":
        await _limit(scope, receive, send)
        return
    file_response, stream_response = _responses(framework)
    path = scope["path"]
    response = file_response() if path == "/file" else stream_response(path == "/sync-stream")
    await response(scope, receive, send)


# -- the driver ---------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def _uvicorn(framework: str, file_path: str) -> Iterator[tuple[str, int]]:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "benchmarks.serve:app", "--port", str(port),
         "--host", "127.0.0.1", "--log-level", "warning", "--lifespan", "off"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "BENCH_FRAMEWORK": framework,
             "BENCH_FILE": file_path},
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 20
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                break
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError(f"uvicorn for {framework} did not start")
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}", process.pid
    finally:
        process.terminate()
        process.wait(timeout=10)


def _fetch(url: str, expected_size: int) -> Callable[[], None]:
    """A minimal HTTP/1.1 client: one connection per download, read to EOF, discard.
    Cheaper per request than any library client, so the servers are what is timed."""
    host_port, _, path = url.removeprefix("http://").partition("/")
    port = int(host_port.rsplit(":", 1)[1])
    request = f"GET /{path} HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n".encode()
    buffer = bytearray(1024 * 1024)

    def run() -> None:
        received = 0
        with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
            sock.sendall(request)
            while count := sock.recv_into(buffer):
                received += count
        if received < expected_size:
            raise RuntimeError(f"{url} sent {received} bytes, expected over {expected_size}")

    return run


def _peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    with tempfile.TemporaryDirectory() as directory, contextlib.ExitStack() as stack:
        file_path = os.path.join(directory, "payload.bin")
        with open(file_path, "wb") as file:
            block = os.urandom(1024 * 1024)
            for _ in range(FILE_SIZE // len(block)):
                file.write(block)
        servers = {name: stack.enter_context(_uvicorn(name, file_path)) for name in FRAMEWORKS}
        for url, _ in servers.values():  # warm up: imports, thread pool
            _fetch(f"{url}/stream", CHUNKS * len(CHUNK))()
        idle = {name: _peak_rss_mib(pid) for name, (_, pid) in servers.items()}
        sections = []
        cases = [
            ("100 MB FileResponse", "/file", FILE_SIZE, 9),
            ("1,000-chunk StreamingResponse (async generator)", "/stream", CHUNKS * 4096, 21),
            ("1,000-chunk StreamingResponse (sync generator)", "/sync-stream", CHUNKS * 4096, 21),
        ]
        for title, path, size, rounds in cases:
            contenders = [
                Contender(name, _fetch(f"{url}{path}", size))
                for name, (url, _) in servers.items()
                if not (name == "limit" and path == "/sync-stream")
            ]
            medians = measure(contenders, rounds=rounds, min_time=0.05)
            sections.append(table(title, medians, "egress"))
        peak = {name: _peak_rss_mib(pid) for name, (_, pid) in servers.items()}
    lines = [
        "### Peak memory of each server process (VmHWM)",
        "",
        "| server | after warm-up | after every download | growth |",
        "|---|---:|---:|---:|",
    ]
    for name in FRAMEWORKS:
        growth = peak[name] - idle[name]
        lines.append(f"| {name} | {idle[name]:.1f} MiB | {peak[name]:.1f} MiB | {growth:.1f} MiB |")
    sections.append("\n".join(lines) + "\n")
    preamble = (
        "uvicorn (httptools, one process per contender), a bare socket client on loopback; "
        "time per download, lower is faster. The file is 100 MiB; the stream 1,000 "
        "chunks of 4 KiB. `limit` is a bare ASGI app (blocking reads, no headers). "
        "Lilya iterates a sync generator on the event loop itself, blocking every other "
        "request meanwhile; egress and Starlette run each `next()` in a worker thread.\n\n"
    )
    write("serve", sections, preamble)
    if peak["egress"] - idle["egress"] > 32:
        raise SystemExit("egress's server grew by more than 32 MiB: is a file being buffered?")


if __name__ == "__main__":
    main()
