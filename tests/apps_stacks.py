"""egress inside a real middleware stack, for the real-server tests
(`serve("tests.apps_stacks:app", ...)`, with EGRESS_STACK_DIR naming a directory the
app may write to).

egress is used the ways users use it: `egress.endpoint` handlers (async and sync,
cached and not) returning dicts, streams and files, and egress responses returned from
plain Starlette endpoints, one of them a module-level object returned on every request.
The same routes are mounted twice, behind these middlewares, outermost first:

    /with-gzip/...     CORSMiddleware(allow_origins=["*"]),
                       GZipMiddleware(minimum_size=10),
                       RequestId
    /without-gzip/...  CORSMiddleware(allow_origins=["*"]),
                       RequestId

CORS is outermost, where Starlette advises it: it answers preflights before anything
else runs and labels every response. The request-id middleware is innermost, next to
egress, so it is the first to receive each message egress sends and edits it in place
before GZip edits the same dict again: any dict or list egress keeps or shares between
requests (a module constant, the cache) then carries the edits of all three. Without
GZip, an identity body on the wire is exactly what egress sent.

Routes under each mount (bodies in `tests._stack_data`):

    /document, /document-sync   @endpoint handlers (async, sync) returning a dict
    /cached?case=               @endpoint(cache_rate=3): which run of the handler made it
    /slow-cached?case=          @endpoint(cache_rate=10), 50 ms per run; /runs?case= counts
    /stream-async, /stream-sync StreamingResponse of an async / sync generator, 600 bytes
    /file                       FileResponse of a 300 KB file written here at import
    /missing                    a module-level PlainText("no", status_code=404), every time
    /view, /gone                plain Starlette endpoints returning an egress JSONResponse,
                                and a module-level HTMLResponse (410)
    /blocked?case=              a sync generator that blocks in `next()` until the release
                                file exists; /blocked-counts?case= says how many blocked
                                and how many closed

`/reused-messages` (outside both stacks) lists, and forgets, every message dict or
header list the request-id middleware was handed a second time.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import anyio
import anyio.lowlevel
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request as StarletteRequest
from starlette.routing import Mount, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from egress import (
    FileResponse,
    HTMLResponse,
    HTTPError,
    JSONResponse,
    PlainText,
    Response,
    StreamingResponse,
    endpoint,
)
from tests._stack_data import (
    BLOCKED_FIRST_CHUNK,
    BLOCKED_RELEASED_CHUNK,
    BLOCKED_TIMEOUT,
    DOCUMENT,
    FILE_DATA,
    FILE_NAME,
    GONE_BODY,
    GZIP_MINIMUM_SIZE,
    NOT_FOUND_BODY,
    STREAM_CHUNKS,
    VIEW,
    release_file_name,
)

DIRECTORY = Path(os.environ["EGRESS_STACK_DIR"])
STAMP = "tests.request_id"  # the key RequestId writes into every message it is given

RUNS: Counter[str] = Counter()  # runs of the cached handlers, per `case`
BLOCKED: Counter[str] = Counter()  # generators that reached their blocking step
CLOSED: Counter[str] = Counter()  # generators whose `finally` ran
COUNTERS_LOCK = threading.Lock()  # the blocked generators count from worker threads
REUSED: list[dict[str, str]] = []

NOT_FOUND = PlainText(NOT_FOUND_BODY.decode(), status_code=404)
GONE = HTMLResponse(GONE_BODY.decode(), status_code=410)


def _write_file() -> Path:
    """The served file, written once (atomically: a server may import the app twice)."""
    path = DIRECTORY / FILE_NAME
    if not path.exists():
        partial = path.with_name(f"{FILE_NAME}.{os.getpid()}")
        partial.write_bytes(FILE_DATA)
        os.replace(partial, path)
    return path


FILE_PATH = _write_file()


class RequestId:
    """Tags every response with `x-request-id` (the client's, else a new one) by editing
    the messages it is given in place, as many such middlewares do: it appends to the
    start message's header list and stamps every message dict with the id. A message
    that arrives already stamped, or a header list that already holds an id, was
    handed out before, for another response: it is recorded in REUSED."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = dict(scope["headers"]).get(b"x-request-id") or uuid.uuid4().hex.encode()

        async def tag(message: Message) -> None:
            _check_fresh(scope["path"], message, request_id)
            message[STAMP] = request_id
            if message["type"] == "http.response.start":
                message.setdefault("headers", []).append((b"x-request-id", request_id))
            await send(message)

        await self.app(scope, receive, tag)


def _check_fresh(path: str, message: Message, request_id: bytes) -> None:
    earlier = message.get(STAMP)
    if earlier is None and message["type"] == "http.response.start":
        earlier = dict(message.get("headers", ())).get(b"x-request-id")
    if earlier is not None:
        REUSED.append(
            {
                "path": path,
                "message": message["type"],
                "first request": earlier.decode(),
                "again for": request_id.decode(),
            }
        )


def _checked_case(case: str) -> str:
    if not case.isalnum():
        raise HTTPError(400, "case: letters and digits only (it names a file)")
    return case


@endpoint
async def document() -> dict[str, Any]:
    return DOCUMENT


@endpoint
def document_sync() -> dict[str, Any]:
    return DOCUMENT


@endpoint(cache_rate=3)
async def cached(case: str) -> dict[str, Any]:
    RUNS[case] += 1
    return {"case": case, "run": RUNS[case]}


@endpoint(cache_rate=10)
async def slow_cached(case: str) -> dict[str, Any]:
    RUNS[case] += 1
    run = RUNS[case]
    await anyio.sleep(0.05)
    return {"case": case, "run": run}


@endpoint
async def runs(case: str) -> dict[str, int]:
    return {"runs": RUNS[case]}


async def async_chunks() -> AsyncIterator[bytes]:
    for chunk in STREAM_CHUNKS:
        await anyio.lowlevel.checkpoint()
        yield chunk


def sync_chunks() -> Iterator[bytes]:
    yield from STREAM_CHUNKS


@endpoint
async def stream_async() -> StreamingResponse:
    return StreamingResponse(async_chunks(), media_type="text/plain")


@endpoint
async def stream_sync() -> StreamingResponse:
    return StreamingResponse(sync_chunks, media_type="text/plain")


@endpoint
def download() -> FileResponse:
    return FileResponse(FILE_PATH)


@endpoint
async def missing() -> Response[Any]:
    return NOT_FOUND


def blocked_chunks(case: str) -> Iterator[bytes]:
    """Blocks in `next()` after its first chunk until the release file exists (or
    BLOCKED_TIMEOUT passes), holding whatever thread runs it."""
    release = DIRECTORY / release_file_name(case)
    try:
        yield BLOCKED_FIRST_CHUNK
        with COUNTERS_LOCK:
            BLOCKED[case] += 1
        deadline = time.monotonic() + BLOCKED_TIMEOUT
        while not release.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        yield BLOCKED_RELEASED_CHUNK if release.exists() else b"never released"
    finally:
        with COUNTERS_LOCK:
            CLOSED[case] += 1


@endpoint
async def blocked(case: str) -> StreamingResponse:
    return StreamingResponse(blocked_chunks(_checked_case(case)), media_type="text/plain")


@endpoint
async def blocked_counts(case: str) -> dict[str, int]:
    with COUNTERS_LOCK:
        return {"blocked": BLOCKED[case], "closed": CLOSED[case]}


async def view(request: StarletteRequest) -> Response[Any]:
    return JSONResponse(VIEW)


async def gone(request: StarletteRequest) -> Response[Any]:
    return GONE


async def reused_messages(request: StarletteRequest) -> Response[Any]:
    found = list(REUSED)
    REUSED.clear()
    return JSONResponse(found)


ROUTES = [
    Route("/document", document),
    Route("/document-sync", document_sync),
    Route("/cached", cached),
    Route("/slow-cached", slow_cached),
    Route("/runs", runs),
    Route("/stream-async", stream_async),
    Route("/stream-sync", stream_sync),
    Route("/file", download),
    Route("/missing", missing),
    Route("/blocked", blocked),
    Route("/blocked-counts", blocked_counts),
    Route("/view", view),
    Route("/gone", gone),
]
CORS = Middleware(CORSMiddleware, allow_origins=["*"])

app = Starlette(
    routes=[
        Mount(
            "/with-gzip",
            app=Starlette(
                routes=ROUTES,
                middleware=[
                    CORS,
                    Middleware(GZipMiddleware, minimum_size=GZIP_MINIMUM_SIZE),
                    Middleware(RequestId),
                ],
            ),
        ),
        Mount(
            "/without-gzip", app=Starlette(routes=ROUTES, middleware=[CORS, Middleware(RequestId)])
        ),
        Route("/reused-messages", reused_messages),
    ]
)
