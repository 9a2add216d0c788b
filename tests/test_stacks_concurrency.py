"""egress under concurrent load on real servers, inside the middleware stack of
`tests.apps_stacks`: the cache's single flight with 200 clients at once, and sync
generators blocked in `next()` that must not starve file downloads or sync handlers.

Both run on an asyncio server (uvicorn, granian) and on a trio one (hypercorn's trio
worker). The bounds here are liveness bounds (did it complete at all while the
generators were blocked), not performance measurements.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterator

import anyio
import httpx
import pytest

from tests._stack_client import Stack, Variant, Wire, fetch_async, serve_stack
from tests._stack_data import (
    BLOCKED_FIRST_CHUNK,
    BLOCKED_RELEASED_CHUNK,
    BLOCKED_TIMEOUT,
    DOCUMENT_BODY,
    FILE_DATA,
    cached_body,
    release_file_name,
)

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(180)]

SERVERS = ["uvicorn", "hypercorn-trio", "granian"]
CLIENTS = 200
CACHE_RATE = 10  # @endpoint(cache_rate=10) on /slow-cached, whose handler takes 50 ms
# More than any default thread pool holds (anyio's: 40 threads; asyncio's: at most 32).
BLOCKED_STREAMS = 50
# Seconds a download or a sync handler may take while the generators are blocked: a
# liveness bound, generous for a busy machine; what proves the point is that they were
# served while every generator was still blocked (closed == 0 afterwards), which a
# starved server could do only once BLOCKED_TIMEOUT released them.
LIVENESS_BOUND = 30.0


@pytest.fixture(scope="module", params=SERVERS)
def stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    directory = tmp_path_factory.mktemp(f"stack-{request.param}")
    with serve_stack(request.param, directory) as served:
        yield served


def client(stack: Stack, connections: int, timeout: float = 60.0) -> httpx.AsyncClient:
    """A client whose timeouts (60 s by default) leave the bounds to the tests. It drops an
    idle connection after 1 s, well before the servers' keep-alive timeout (uvicorn's is
    5 s): on a busy machine a connection that waited out a long batch could otherwise be
    reused just as the server closes it, and the request fail for a reason not under test."""
    limits = httpx.Limits(
        max_connections=connections, max_keepalive_connections=connections, keepalive_expiry=1.0
    )
    return httpx.AsyncClient(base_url=stack.url, timeout=timeout, limits=limits)


async def test_cache_runs_the_handler_once_per_n_requests_under_concurrency(stack: Stack) -> None:
    # Single flight: when the count runs out, one request runs the handler and the others
    # wait for its response, so 200 requests with N=10 run it exactly 20 times, and each
    # run's response goes to exactly 10 requests (itself and the next 9 replays).
    case = uuid.uuid4().hex
    path = f"/with-gzip/slow-cached?case={case}"
    answers: list[Wire] = []
    identity_encoded: list[list[str]] = []  # Content-Encoding sent to identity requests
    failures: list[str] = []

    async def one(c: httpx.AsyncClient, number: int) -> None:
        variant = Variant(gzip=number % 2 == 1, origin=False)
        try:
            wire = await fetch_async(c, path, variant)
        except AssertionError as error:
            failures.append(str(error))
            return
        answers.append(wire)
        if not variant.gzip and wire.values("content-encoding"):
            identity_encoded.append(wire.values("content-encoding"))

    async with client(stack, CLIENTS) as c:
        with anyio.fail_after(60):
            async with anyio.create_task_group() as group:
                for number in range(CLIENTS):
                    group.start_soon(one, c, number)
        runs = (await c.get("/with-gzip/runs", params={"case": case})).json()["runs"]

    assert failures == []
    assert [(wire.status, wire.raw[:100]) for wire in answers if wire.status != 200] == []
    assert [wire.values("x-request-id") for wire in answers if not _own_request_id(wire)] == []
    assert identity_encoded == []
    run_bodies = {cached_body(case, run): run for run in range(1, CLIENTS + 1)}
    assert [wire.decoded() for wire in answers if wire.decoded() not in run_bodies] == []
    assert runs == CLIENTS // CACHE_RATE, f"{runs} runs for {CLIENTS} requests with N={CACHE_RATE}"
    runs_seen = Counter(run_bodies[wire.decoded()] for wire in answers)
    assert runs_seen == dict.fromkeys(range(1, CLIENTS // CACHE_RATE + 1), CACHE_RATE)


def _own_request_id(wire: Wire) -> bool:
    return wire.values("x-request-id") == [wire.request_id]


async def blocked_counts(c: httpx.AsyncClient, case: str) -> dict[str, int]:
    response = await c.get("/without-gzip/blocked-counts", params={"case": case})
    counts: dict[str, int] = response.json()
    return counts


async def wait_until_blocked(c: httpx.AsyncClient, case: str) -> int:
    """How many generators are blocked, once that number has stopped growing (0 if
    none got there within a few seconds)."""
    blocked, steady_since = 0, anyio.current_time()
    with anyio.move_on_after(LIVENESS_BOUND):
        while anyio.current_time() - steady_since < 1.0:
            now = (await blocked_counts(c, case))["blocked"]
            if now != blocked or now == 0:
                blocked, steady_since = now, anyio.current_time()
            await anyio.sleep(0.05)
    return blocked


async def closed_counts(c: httpx.AsyncClient, case: str) -> dict[str, int]:
    """The counts once every generator has closed, or as they are after a few seconds."""
    for _ in range(int(LIVENESS_BOUND / 0.05)):
        counts = await blocked_counts(c, case)
        if counts["closed"] >= BLOCKED_STREAMS:
            break
        await anyio.sleep(0.05)
    return counts


async def served_within_bound(c: httpx.AsyncClient, path: str, body: bytes) -> str:
    """Whether GET `path` answered 200 with `body` in time: "served", or what happened."""
    with anyio.move_on_after(LIVENESS_BOUND):
        try:
            response = await c.get(path)
        except httpx.HTTPError as error:
            return repr(error)
        if (response.status_code, response.content) == (200, body):
            return "served"
        return f"answered {response.status_code} {response.content[:200]!r}"
    return f"not served within {LIVENESS_BOUND}s"


async def test_blocked_sync_generators_do_not_starve_files_or_sync_handlers(stack: Stack) -> None:
    case = uuid.uuid4().hex
    release = stack.directory / release_file_name(case)
    bodies: list[bytes] = []  # status and body of each stream, or how it failed

    async def read_blocked_stream(c: httpx.AsyncClient) -> None:
        try:
            async with c.stream("GET", "/without-gzip/blocked", params={"case": case}) as stream:
                bodies.append(b"%d " % stream.status_code + await stream.aread())
        except httpx.HTTPError as error:
            bodies.append(repr(error).encode())

    # The streams stay open, waiting for their second chunk, until the release.
    async with (
        client(stack, BLOCKED_STREAMS, BLOCKED_TIMEOUT + LIVENESS_BOUND) as streams,
        client(stack, 2) as others,
    ):
        try:
            with anyio.fail_after(BLOCKED_TIMEOUT + LIVENESS_BOUND):
                async with anyio.create_task_group() as group:
                    for _ in range(BLOCKED_STREAMS):
                        group.start_soon(read_blocked_stream, streams)
                    blocked = await wait_until_blocked(others, case)
                    download = await served_within_bound(others, "/without-gzip/file", FILE_DATA)
                    handler = await served_within_bound(
                        others, "/without-gzip/document-sync", DOCUMENT_BODY
                    )
                    meanwhile = await blocked_counts(others, case)
                    release.touch()
        finally:
            release.touch()  # never leave generators blocked in the server, whatever failed
        counts = await closed_counts(others, case)

    assert blocked > 0, f"no generator reached its blocking step; streams: {bodies[:3]}"
    assert download == "served", f"a download, with {blocked} generators blocked: {download}"
    assert handler == "served", f"a sync handler, with {blocked} generators blocked: {handler}"
    assert meanwhile["closed"] == 0, "the generators were not all still blocked meanwhile"
    assert bodies == [b"200 " + BLOCKED_FIRST_CHUNK + BLOCKED_RELEASED_CHUNK] * BLOCKED_STREAMS
    assert counts == {"blocked": BLOCKED_STREAMS, "closed": BLOCKED_STREAMS}
