"""egress behind Starlette's GZip and CORS middleware and a request-id middleware that
edits messages in place, on uvicorn, hypercorn (asyncio and trio workers) and granian.

Each route is requested ten times in a row, gzip and identity alternating, with and
without an Origin header, and every response is checked whole: the body byte for byte
(gunzipped here when it says gzip), and the full list of headers against what egress,
each middleware and the server should each have put there. Because middleware edits
the messages egress hands it, any dict or list egress keeps or shares (a module
constant, a module-level response, the cache) shows up as stray bytes, a replayed
Content-Encoding or request id, or a header repeated once per request.

The app is `tests.apps_stacks`; `/with-gzip` and `/without-gzip` mount the same routes
behind CORS + GZip + request-id and CORS + request-id.
"""

from __future__ import annotations

import re
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from tests._servers import SERVERS
from tests._stack_client import TIMEOUT, Stack, Variant, Wire, fetch, serve_stack, variants
from tests._stack_data import (
    DOCUMENT_BODY,
    FILE_DATA,
    GONE_BODY,
    GZIP_MINIMUM_SIZE,
    NOT_FOUND_BODY,
    STREAM_BODY,
    VIEW_BODY,
    cached_body,
)

pytestmark = pytest.mark.timeout(60)

MOUNTS = ("with-gzip", "without-gzip")
REQUESTS = 10
CACHE_RATE = 3  # @endpoint(cache_rate=3) on /cached
# granian offers the `http.response.pathsend` extension, so a whole file goes out as
# one pathsend message, which GZipMiddleware passes through untouched.
PATHSEND_SERVERS = frozenset({"granian"})
SERVER_HEADERS = ("date", "server")
TEXT = "text/plain; charset=utf-8"
JSON = "application/json"


@dataclass(frozen=True)
class Route:
    """What egress sends for a route, before any middleware."""

    path: str
    status: int
    body: bytes
    media_type: str
    streamed: bool = False  # several body messages (streams; files without pathsend)
    content_length: bool = True  # everything but a stream declares its length
    file: bool = False  # FileResponse: Accept-Ranges, ETag, Last-Modified

    def __str__(self) -> str:
        return self.path


ROUTES = [
    Route("/document", 200, DOCUMENT_BODY, JSON),
    Route("/document-sync", 200, DOCUMENT_BODY, JSON),
    Route("/view", 200, VIEW_BODY, JSON),
    Route("/missing", 404, NOT_FOUND_BODY, TEXT),
    Route("/gone", 410, GONE_BODY, "text/html; charset=utf-8"),
    Route("/stream-async", 200, STREAM_BODY, TEXT, streamed=True, content_length=False),
    Route("/stream-sync", 200, STREAM_BODY, TEXT, streamed=True, content_length=False),
    Route("/file", 200, FILE_DATA, TEXT, streamed=True, file=True),
]
FILE = ROUTES[-1]


@pytest.fixture(scope="module", params=SERVERS)
def stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    directory = tmp_path_factory.mktemp(f"stack-{request.param}")
    with serve_stack(request.param, directory) as served:
        yield served


@pytest.fixture
def client(stack: Stack) -> Iterator[httpx.Client]:
    """A client on a stack whose record of reused messages starts empty."""
    with httpx.Client(base_url=stack.url, timeout=TIMEOUT) as c:
        c.get("/reused-messages").raise_for_status()
        yield c


def reused_messages(client: httpx.Client) -> list[dict[str, str]]:
    """Message dicts or header lists the request-id middleware was handed twice."""
    found: list[dict[str, str]] = client.get("/reused-messages").json()
    return found


class FileValidators:
    """ETag and Last-Modified: taken from the first response (their form is checked),
    then expected unchanged on every later one."""

    def __init__(self) -> None:
        self.values: dict[str, str] = {}

    def expect(self, wire: Wire) -> dict[str, str]:
        if not self.values:
            (etag,) = wire.values("etag") or [""]
            (last_modified,) = wire.values("last-modified") or [""]
            assert re.fullmatch(r'"[^"]+"', etag), f"ETag {etag!r}"
            assert re.fullmatch(r"\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT", last_modified)
            self.values = {"accept-ranges": "bytes", "etag": etag, "last-modified": last_modified}
        return self.values


def gzip_touches(route: Route, status: int, server: str, mount: str) -> bool:
    """Whether GZipMiddleware takes part in this response (Starlette 1.x): it leaves
    206s, pathsend and single-message bodies under minimum_size alone; otherwise it adds
    `Vary: Accept-Encoding`, and compresses when the request accepts gzip."""
    if mount != "with-gzip" or status == 206:
        return False
    if route.file and server in PATHSEND_SERVERS:
        return False
    return route.streamed or len(route.body) >= GZIP_MINIMUM_SIZE


def expected_headers(
    route: Route,
    wire: Wire,
    *,
    stack: Stack,
    mount: str,
    variant: Variant,
    length: int,
    extra: dict[str, str],
) -> Counter[tuple[str, str]]:
    """Every header but the server's own Date and Server, as a multiset."""
    headers = {"content-type": route.media_type, "x-request-id": wire.request_id, **extra}
    if route.content_length:
        headers["content-length"] = str(length)
    vary = []
    if gzip_touches(route, wire.status, stack.server, mount):
        vary.append("Accept-Encoding")
        if variant.gzip:
            headers["content-encoding"] = "gzip"
            if route.streamed:
                headers.pop("content-length", None)
            else:
                headers["content-length"] = str(len(wire.raw))
    vary.append("Origin")  # CORSMiddleware with allow_origins=["*"] adds it to every response
    headers["vary"] = ", ".join(vary)
    if variant.origin:
        headers["access-control-allow-origin"] = "*"
    if "content-length" not in headers:
        headers["transfer-encoding"] = "chunked"
    return Counter(headers.items())


def check(
    wire: Wire,
    route: Route,
    *,
    stack: Stack,
    mount: str,
    variant: Variant,
    body: bytes,
    status: int = 200,
    validators: FileValidators | None = None,
    extra: dict[str, str] | None = None,
) -> None:
    """The rules that hold for every response, then the exact headers expected."""
    where = f"{mount}{route} ({variant})"
    assert wire.status == status, f"{where}: status {wire.status}, body {wire.raw[:200]!r}"
    if not variant.gzip:
        assert wire.values("content-encoding") == [], f"{where}: identity got an encoding"
    received = wire.decoded()
    assert received == body, f"{where}: {len(received)} bytes, not the {len(body)} expected"
    for declared in wire.values("content-length"):
        assert int(declared) == len(wire.raw), f"{where}: Content-Length {declared}"
    request_ids = wire.values("x-request-id")
    assert request_ids == [wire.request_id], f"{where}: sent {wire.request_id}, got {request_ids}"
    assert len(wire.values("vary")) == 1, f"{where}: Vary {wire.values('vary')}"
    vary = wire.values("vary")[0].split(", ")
    assert len(vary) == len(set(vary)), f"{where}: Vary {vary}"
    names = Counter(name for name, _ in wire.headers)
    repeated = [name for name, count in names.items() if count > 1]
    assert repeated == [], f"{where}: repeated headers {repeated}"
    assert sorted(name for name in names if name in SERVER_HEADERS) == sorted(SERVER_HEADERS)
    if validators is not None:
        extra = {**validators.expect(wire), **(extra or {})}
    observed = Counter(pair for pair in wire.headers if pair[0] not in SERVER_HEADERS)
    expected = expected_headers(
        route, wire, stack=stack, mount=mount, variant=variant, length=len(body), extra=extra or {}
    )
    missing, unexpected = sorted(expected - observed), sorted(observed - expected)
    assert (missing, unexpected) == ([], []), f"{where}: missing {missing}, unexpected {unexpected}"


@pytest.mark.parametrize("mount", MOUNTS)
@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_route_through_the_stack(
    client: httpx.Client, stack: Stack, mount: str, route: Route
) -> None:
    validators = FileValidators() if route.file else None
    for variant in variants(REQUESTS):
        wire = fetch(client, f"/{mount}{route.path}", variant)
        check(
            wire,
            route,
            stack=stack,
            mount=mount,
            variant=variant,
            body=route.body,
            status=route.status,
            validators=validators,
        )
    assert reused_messages(client) == []


@pytest.mark.parametrize("mount", MOUNTS)
def test_cached_route_replays_what_egress_sent(
    client: httpx.Client, stack: Stack, mount: str
) -> None:
    # The handler runs on requests 1, 4, 7, 10 and says which run made the body; every
    # replay goes through the middleware again, as if the handler had run.
    case = uuid.uuid4().hex
    for number, variant in enumerate(variants(REQUESTS)):
        route = Route(
            f"/cached?case={case}", 200, cached_body(case, number // CACHE_RATE + 1), JSON
        )
        wire = fetch(client, f"/{mount}{route.path}", variant)
        check(wire, route, stack=stack, mount=mount, variant=variant, body=route.body)
    assert client.get(f"/{mount}/runs", params={"case": case}).json() == {"runs": 4}
    assert reused_messages(client) == []


@pytest.mark.parametrize("mount", MOUNTS)
def test_file_ranges_through_the_stack(client: httpx.Client, stack: Stack, mount: str) -> None:
    # A 206 is exactly the slice: GZipMiddleware leaves partial content alone, so a
    # request that accepts gzip gets it unencoded too.
    size = len(FILE_DATA)
    ranges = [("bytes=1000-1999", 1000, 1999), ("bytes=-500", size - 500, size - 1)]
    ranges += [(f"bytes={size - 70_000}-", size - 70_000, size - 1)]  # more than one chunk
    validators = FileValidators()
    for number, variant in enumerate(variants(2 * len(ranges))):
        header, first, last = ranges[number % len(ranges)]
        wire = fetch(client, f"/{mount}{FILE.path}", variant, {"range": header})
        check(
            wire,
            FILE,
            stack=stack,
            mount=mount,
            variant=variant,
            body=FILE_DATA[first : last + 1],
            status=206,
            validators=validators,
            extra={"content-range": f"bytes {first}-{last}/{size}"},
        )
    assert reused_messages(client) == []
