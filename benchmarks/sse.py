"""10,000 small Server-Sent Events through uvicorn: egress against sse-starlette.

Both stream the same dicts from an async generator: as the data of plain events, and
as events with an `id` and an `event` name. egress encodes the data with its registry
(orjson); sse-starlette with its JSON event (`JSONServerSentEvent`, json.dumps) or
with `json.dumps` for the named events. Each contender runs in its own uvicorn process,
which imports only its own library (sse-starlette patches uvicorn's exit handler when
imported), with its default ping (15 s, so none is sent); "egress, ping off" shows
what the ping costs. The client is a bare socket reading to EOF, identical for
everyone; before timing, each stream is parsed once to check both send the same events.
Run: `python benchmarks/sse.py` (about a minute).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if __package__ in (None, ""):
    sys.path.insert(0, str(ROOT))

from benchmarks._harness import Contender, measure, table, write  # noqa: E402
from benchmarks._uvicorn import HTTP_PARSER, uvicorn  # noqa: E402

EVENTS = 10_000
CONTENDERS = ["egress", "egress, ping off", "sse-starlette"]


def _rows() -> Iterator[dict[str, Any]]:
    for number in range(EVENTS):
        yield {"id": number, "value": number * 0.5, "label": f"item {number}"}


def _egress(path: str, ping: float | None) -> Any:
    from egress import EventSourceResponse, ServerSentEvent

    async def plain() -> AsyncIterator[Any]:
        for row in _rows():
            yield row

    async def named() -> AsyncIterator[Any]:
        for row in _rows():
            yield ServerSentEvent(row, event="tick", id=row["id"])

    return EventSourceResponse(plain() if path == "/plain" else named(), ping=ping)


def _sse_starlette(path: str) -> Any:
    from sse_starlette import EventSourceResponse, JSONServerSentEvent, ServerSentEvent

    async def plain() -> AsyncIterator[Any]:
        for row in _rows():
            yield JSONServerSentEvent(row)

    async def named() -> AsyncIterator[Any]:
        for row in _rows():
            yield ServerSentEvent(
                json.dumps(row, separators=(",", ":")), event="tick", id=str(row["id"])
            )

    return EventSourceResponse(plain() if path == "/plain" else named())


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    contender = os.environ["BENCH_SSE"]
    if contender == "sse-starlette":
        response = _sse_starlette(scope["path"])
    else:
        response = _egress(scope["path"], None if contender == "egress, ping off" else 15.0)
    await response(scope, receive, send)


# -- the driver ---------------------------------------------------------------------------


def _request(url: str) -> tuple[int, bytes]:
    """The port and the bytes of a GET for `url`, on a connection the server closes."""
    host_port, _, path = url.removeprefix("http://").partition("/")
    request = f"GET /{path} HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n"
    return int(host_port.rsplit(":", 1)[1]), request.encode()


def _download(url: str) -> bytes:
    """The raw response (head and chunked body) from one connection, read to EOF."""
    port, request = _request(url)
    received = bytearray()
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(request)
        while data := sock.recv(1 << 20):
            received += data
    return bytes(received)


def _body(raw: bytes) -> bytes:
    """The body of a raw HTTP/1.1 response with a chunked body."""
    head, _, rest = raw.partition(b"\r\n\r\n")
    if b"transfer-encoding: chunked" not in head.lower():
        raise SystemExit(f"not a chunked response: {head!r}")
    body = bytearray()
    while True:
        size_line, _, rest = rest.partition(b"\r\n")
        size = int(size_line, 16)
        if size == 0:
            return bytes(body)
        body += rest[:size]
        rest = rest[size + 2 :]


def _events(raw: bytes) -> list[tuple[str, str, Any]]:
    """(event, id, data as JSON) of each event of a raw response: enough of the
    parsing rules for these streams, to check that the contenders agree."""
    events = []
    text = re.sub(r"\r\n|\r", "\n", _body(raw).decode())
    for block in text.split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.split("\n") if line)
        if "data" in fields:
            event = (fields.get("event", ""), fields.get("id", ""), json.loads(fields["data"]))
            events.append(event)
    return events


def _fetch(url: str) -> Callable[[], None]:
    """One timed download: read to EOF into a reused buffer, keeping only the count."""
    buffer = bytearray(1 << 20)
    port, request = _request(url)

    def run() -> None:
        received = 0
        with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
            sock.sendall(request)
            while count := sock.recv_into(buffer):
                received += count
        if received < EVENTS * 20:
            raise RuntimeError(f"{url} sent only {received} bytes")

    return run


def main() -> None:
    with contextlib.ExitStack() as stack:
        servers = {
            name: stack.enter_context(uvicorn("benchmarks.sse:app", {"BENCH_SSE": name}, name))[0]
            for name in CONTENDERS
        }
        for path in ("/plain", "/named"):
            seen = {name: _events(_download(f"{url}{path}")) for name, url in servers.items()}
            if any(events != seen["egress"] for events in seen.values()):
                raise SystemExit(f"the contenders do not send the same events on {path}")
            if len(seen["egress"]) != EVENTS:
                raise SystemExit(f"{path}: {len(seen['egress'])} events, expected {EVENTS}")
        sections = []
        for title, path in [
            ("10,000 events, a dict as the data of each", "/plain"),
            ("10,000 events with an id and an event name", "/named"),
        ]:
            contenders = [Contender(name, _fetch(f"{url}{path}")) for name, url in servers.items()]
            medians = measure(contenders, rounds=25, min_time=0.2)
            sections.append(table(title, medians, "egress"))
    preamble = (
        f"uvicorn ({HTTP_PARSER}, one process per contender), a bare socket client on loopback "
        "reading the whole stream; time per stream of 10,000 events, lower is faster. "
        'The data of each event is a small dict (`{"id": 7, "value": 3.5, "label": '
        '"item 7"}`) from an async generator; egress encodes it with its registry, '
        "sse-starlette with json.dumps. Both ping after 15 s by default, so no ping is sent; "
        "`egress, ping off` (`ping=None`) runs without the task that makes pings "
        "possible.\n\n"
    )
    write("sse", sections, preamble)


if __name__ == "__main__":
    main()
