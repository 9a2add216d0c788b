"""Serving a 100 MB file and a 1,000-chunk stream through uvicorn on loopback.

egress against Starlette and Lilya (their FileResponse / StreamingResponse) and a
hand-written ASGI limit, each in its own uvicorn process so that each one's peak
memory (VmHWM) is its own. The client is a bare socket reading to EOF, identical
for everyone. The sync-generator table has egress's async generator in the same
interleaved rounds, so the cost of a sync generator is read off one run. Every
case is measured REPEATS times over; the ratios of each repetition, and the load
average around them, show how noisy the machine was.
Run: `python benchmarks/serve.py` (a few minutes).
"""

from __future__ import annotations

import contextlib
import os
import platform
import socket
import sys
import tempfile
from collections.abc import AsyncIterator, Callable, Iterator
from importlib.metadata import version
from pathlib import Path
from typing import Any, NamedTuple

ROOT = Path(__file__).resolve().parent.parent
if __package__ in (None, ""):
    sys.path.insert(0, str(ROOT))

from benchmarks._harness import Contender, measure, table, write  # noqa: E402
from benchmarks._uvicorn import EVENT_LOOP, HTTP_PARSER, uvicorn  # noqa: E402

FILE_SIZE = 100 * 1024 * 1024
CHUNKS = 1000
CHUNK = b"c" * 4096
FRAMEWORKS = ["egress", "starlette", "lilya", "limit"]
FILE_PATH = os.environ.get("BENCH_FILE", "")
REPEATS = 3
ASYNC_EGRESS = "egress (async generator)"
SYNC_EGRESS = "egress (sync generator)"
VERSIONED = ["uvicorn", HTTP_PARSER, "anyio", "starlette", "lilya"]


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


class Case(NamedTuple):
    title: str
    path: str
    size: int
    rounds: int
    baseline: str


CASES = [
    Case("100 MB FileResponse", "/file", FILE_SIZE, 9, "egress"),
    Case("1,000-chunk StreamingResponse (async generator)", "/stream", CHUNKS * 4096, 21, "egress"),
    Case(
        "1,000-chunk StreamingResponse (sync generator), against egress's async generator",
        "/sync-stream",
        CHUNKS * 4096,
        21,
        ASYNC_EGRESS,
    ),
]


def _contenders(case: Case, servers: dict[str, tuple[str, int]]) -> list[Contender]:
    sync = case.path == "/sync-stream"
    contenders = [
        Contender(
            SYNC_EGRESS if sync and name == "egress" else name, _fetch(url + case.path, case.size)
        )
        for name, (url, _) in servers.items()
        if not (sync and name == "limit")
    ]
    if sync:  # the same server's async generator, in the same rounds
        url = servers["egress"][0]
        contenders.append(Contender(ASYNC_EGRESS, _fetch(f"{url}/stream", case.size)))
    return contenders


def _noise(runs: dict[str, list[dict[str, float]]], loads: list[float]) -> str:
    """Each repetition's headline ratio per case, and the load average around them."""
    quoted = {
        "100 MB FileResponse": ("egress", "limit"),
        "1,000-chunk StreamingResponse (async generator)": ("egress", "starlette"),
        CASES[2].title: (SYNC_EGRESS, ASYNC_EGRESS),
    }
    after = ", ".join(f"{load:.2f}" for load in loads[1:])
    lines = [
        "### Repeatability",
        "",
        f"Each case measured {REPEATS} times over (the tables above are the first run), on a "
        "machine whose 2 cores are shared with other work. The 1-minute load average was "
        f"{loads[0]:.2f} before the first run, then {after} after each; the benchmark's own "
        "client and server count for about 2 of that.",
        "",
        "| case | ratio | " + " | ".join(f"run {n + 1}" for n in range(REPEATS)) + " |",
        "|---|---|" + "---:|" * REPEATS,
    ]
    for title, (numerator, denominator) in quoted.items():
        ratios = [medians[numerator] / medians[denominator] for medians in runs[title]]
        cells = " | ".join(f"{ratio:.2f}x" for ratio in ratios)
        lines.append(f"| {title} | {numerator} / {denominator} | {cells} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    with tempfile.TemporaryDirectory() as directory, contextlib.ExitStack() as stack:
        file_path = os.path.join(directory, "payload.bin")
        with open(file_path, "wb") as file:
            block = os.urandom(1024 * 1024)
            for _ in range(FILE_SIZE // len(block)):
                file.write(block)
        servers = {
            name: stack.enter_context(
                uvicorn(
                    "benchmarks.serve:app",
                    {"BENCH_FRAMEWORK": name, "BENCH_FILE": file_path},
                    name,
                )
            )
            for name in FRAMEWORKS
        }
        for url, _ in servers.values():  # warm up: imports, thread pool
            _fetch(f"{url}/stream", CHUNKS * len(CHUNK))()
        idle = {name: _peak_rss_mib(pid) for name, (_, pid) in servers.items()}
        runs: dict[str, list[dict[str, float]]] = {case.title: [] for case in CASES}
        loads = []
        for _ in range(REPEATS):
            loads.append(os.getloadavg()[0])
            for case in CASES:
                medians = measure(_contenders(case, servers), rounds=case.rounds, min_time=0.05)
                runs[case.title].append(medians)
        loads.append(os.getloadavg()[0])
        peak = {name: _peak_rss_mib(pid) for name, (_, pid) in servers.items()}
    sections = [table(case.title, runs[case.title][0], case.baseline) for case in CASES]
    sections.append(_noise(runs, loads))
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
        f"Machine: {platform.system()} {platform.machine()}, {os.cpu_count()} CPUs shared with "
        "other work\n\n"
        f"Versions: {', '.join(f'{name} {version(name)}' for name in VERSIONED)}\n\n"
        f"uvicorn ({HTTP_PARSER}, {EVENT_LOOP}; one process per contender), a bare socket "
        "client on loopback; "
        "time per download, lower is faster. The file is 100 MiB; the stream 1,000 "
        "chunks of 4 KiB. `limit` is a bare ASGI app (blocking 1 MiB reads, no headers). "
        "egress reads a sync generator (and a file) ahead in worker threads, a batch of "
        "chunks per thread hop, at most 64 chunks or 512 KiB ahead of the client; "
        "Starlette runs each `next()` in a worker thread; Lilya iterates a sync generator "
        "on the event loop itself, blocking every other request meanwhile.\n\n"
    )
    write("serve", sections, preamble)
    if peak["egress"] - idle["egress"] > 32:
        raise SystemExit("egress's server grew by more than 32 MiB: is a file being buffered?")


if __name__ == "__main__":
    main()
