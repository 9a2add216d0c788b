"""One value, several representations: `to_response(value, accept=...)`,
`Pipeline(negotiate=True)` and `@endpoint(negotiate=True)` choose JSON, MessagePack,
NDJSON or Server-Sent Events by Accept, answer 406 with what is offered, and mark every
negotiated response `Vary: Accept`."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timezone
from typing import Any

import msgspec
import pytest

from egress import (
    EventSourceResponse,
    JSONResponse,
    MessagePackResponse,
    NDJSONResponse,
    Pipeline,
    PlainText,
    endpoint,
    to_response,
    to_response_async,
)
from tests._asgi_client import fetch
from tests._sse_parser import EventStreamParser

WHEN = datetime(2024, 5, 1, 12, tzinfo=timezone.utc)
DATA = {"id": 1, "when": WHEN}


def _vary(response: Any) -> list[bytes]:
    return [value for name, value in response.raw_headers if name == b"vary"]


@pytest.mark.parametrize(
    ("accept", "cls"),
    [
        (None, JSONResponse),
        ("*/*", JSONResponse),
        ("application/json", JSONResponse),
        ("application/vnd.msgpack", MessagePackResponse),
        ("application/msgpack", MessagePackResponse),
        ("application/x-msgpack", MessagePackResponse),
        ("application/json;q=0.5, application/x-msgpack", MessagePackResponse),
    ],
)
def test_data_by_accept(accept: str | None, cls: type) -> None:
    response = to_response(DATA, accept=accept)
    assert isinstance(response, cls)
    assert _vary(response) == [b"accept"]


def test_both_representations_carry_the_same_data() -> None:
    as_json = json.loads(to_response(DATA, accept="application/json").body)
    as_msgpack = msgspec.msgpack.decode(to_response(DATA, accept="application/msgpack").body)
    assert as_json == as_msgpack == {"id": 1, "when": "2024-05-01T12:00:00Z"}


def test_without_accept_keyword_nothing_is_negotiated() -> None:
    response = to_response(DATA)
    assert isinstance(response, JSONResponse)
    assert _vary(response) == []


def test_nothing_acceptable_is_a_406_listing_the_offers() -> None:
    response = to_response(DATA, accept="text/html")
    assert response.status_code == 406
    assert json.loads(response.body) == {
        "detail": "Not Acceptable",
        "available": ["application/json", "application/vnd.msgpack"],
    }
    assert _vary(response) == [b"accept"]


def _numbers() -> Iterator[int]:
    yield from (1, 2, 3)


async def _async_numbers() -> AsyncIterator[int]:
    for n in (1, 2, 3):
        yield n


@pytest.mark.parametrize(
    ("accept", "cls"),
    [
        (None, JSONResponse),
        ("application/x-ndjson", NDJSONResponse),
        ("text/event-stream", EventSourceResponse),
        ("application/vnd.msgpack", MessagePackResponse),
        ("text/event-stream;q=0.9, application/x-ndjson", NDJSONResponse),
    ],
)
def test_an_iterator_is_also_a_stream(accept: str | None, cls: type) -> None:
    response = to_response(_numbers(), accept=accept)
    assert isinstance(response, cls)
    assert _vary(response) == [b"accept"]


def test_an_async_iterator_is_only_a_stream() -> None:
    assert isinstance(to_response(_async_numbers(), accept=None), NDJSONResponse)
    response = to_response(_async_numbers(), accept="application/json")
    assert response.status_code == 406
    assert json.loads(response.body)["available"] == ["application/x-ndjson", "text/event-stream"]


def test_a_response_a_handler_builds_is_not_negotiated() -> None:
    built = JSONResponse(DATA)
    assert to_response(built, accept="application/msgpack") is built
    assert _vary(built) == []


def test_text_bytes_and_none_are_not_negotiated() -> None:
    assert isinstance(to_response("hello", accept="application/msgpack"), PlainText)
    assert to_response(b"raw", accept="text/html").status_code == 200
    assert to_response(None, accept="text/html").status_code == 204


def test_a_tuple_keeps_its_status_and_headers() -> None:
    response = to_response((DATA, 201, {"x-a": "b"}), accept="application/msgpack")
    assert isinstance(response, MessagePackResponse)
    assert response.status_code == 201
    assert response.headers["x-a"] == "b"
    assert _vary(response) == [b"accept"]


@pytest.mark.anyio
async def test_a_coroutine_is_negotiated_once_awaited() -> None:
    async def load() -> dict[str, Any]:
        return DATA

    response = await to_response_async(load(), accept="application/msgpack")
    assert msgspec.msgpack.decode(response.body)["id"] == 1
    assert response.headers["content-type"] == "application/vnd.msgpack"
    assert _vary(response) == [b"accept"]


def test_a_negotiating_pipeline_negotiates_without_an_accept() -> None:
    pipeline = Pipeline(negotiate=True)
    response = pipeline.to_response({"a": 1})
    assert isinstance(response, JSONResponse)
    assert _vary(response) == [b"accept"]
    assert isinstance(
        pipeline.to_response({"a": 1}, accept="application/msgpack"), MessagePackResponse
    )


# -- over ASGI ------------------------------------------------------------------------------


@endpoint(negotiate=True)
async def rows() -> Iterator[dict[str, Any]]:
    return iter([{"n": 1, "when": WHEN}, {"n": 2, "when": WHEN}])


ROWS = [{"n": 1, "when": "2024-05-01T12:00:00Z"}, {"n": 2, "when": "2024-05-01T12:00:00Z"}]


def _sse_data(body: bytes) -> list[Any]:
    parser = EventStreamParser()
    return [json.loads(event.data) for event in parser.feed(body)]


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("accept", "media_type", "decode"),
    [
        ("application/json", "application/json", json.loads),
        ("application/vnd.msgpack", "application/vnd.msgpack", msgspec.msgpack.decode),
        (
            "application/x-ndjson",
            "application/x-ndjson",
            lambda body: [json.loads(line) for line in body.splitlines()],
        ),
        ("text/event-stream", "text/event-stream; charset=utf-8", _sse_data),
    ],
)
async def test_one_handler_four_representations(accept: str, media_type: str, decode: Any) -> None:
    response = await fetch(rows, headers={"accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"] == media_type
    assert response.headers["vary"] == "accept"
    assert decode(response.content) == ROWS


@pytest.mark.anyio
async def test_an_endpoint_answers_406() -> None:
    response = await fetch(rows, headers={"accept": "text/html, application/json;q=0"})
    assert response.status_code == 406
    assert response.json()["available"] == [
        "application/json",
        "application/vnd.msgpack",
        "application/x-ndjson",
        "text/event-stream",
    ]


@pytest.mark.anyio
async def test_an_endpoint_without_negotiate_ignores_accept() -> None:
    @endpoint
    async def plain() -> dict[str, int]:
        return {"a": 1}

    response = await fetch(plain, headers={"accept": "application/msgpack"})
    assert response.headers["content-type"] == "application/json"
    assert "vary" not in response.headers


@pytest.mark.anyio
async def test_an_endpoint_with_a_negotiating_pipeline_negotiates() -> None:
    @endpoint(pipeline=Pipeline(negotiate=True))
    async def data() -> dict[str, int]:
        return {"a": 1}

    response = await fetch(data, headers={"accept": "application/msgpack"})
    assert msgspec.msgpack.decode(response.content) == {"a": 1}


@pytest.mark.anyio
async def test_two_accept_lines_count_as_one_list() -> None:
    response = await fetch(
        rows, headers=[("accept", "application/json;q=0.1"), ("accept", "application/x-msgpack")]
    )
    assert response.headers["content-type"] == "application/vnd.msgpack"


@pytest.mark.anyio
async def test_the_cache_keeps_one_response_per_accept() -> None:
    runs = 0

    @endpoint(negotiate=True, cache_rate=10)
    async def counted() -> dict[str, int]:
        nonlocal runs
        runs += 1
        return {"runs": runs}

    first = await fetch(counted, headers={"accept": "application/json"})
    packed = await fetch(counted, headers={"accept": "application/msgpack"})
    again = await fetch(counted, headers={"accept": "application/json"})
    assert first.json() == again.json() == {"runs": 1}
    assert msgspec.msgpack.decode(packed.content) == {"runs": 2}


def test_negotiate_takes_a_bool() -> None:
    with pytest.raises(TypeError, match="negotiate= takes True or False"):
        endpoint(negotiate="yes")(rows.handler)  # type: ignore[arg-type]


# -- under FastAPI's EgressRoute ------------------------------------------------------------


def _fastapi_app() -> Any:
    from fastapi import APIRouter, FastAPI

    from egress.integrations.fastapi import egress_route

    router = APIRouter(route_class=egress_route(pipeline=Pipeline(negotiate=True)))

    @router.get("/async")
    async def from_async():  # no return annotation: no response_model
        return iter([{"n": 1}, {"n": 2}])

    @router.get("/sync")
    def from_sync():  # run in FastAPI's thread pool
        return {"n": 1}

    app = FastAPI()
    app.include_router(router)
    return app


@pytest.mark.anyio
@pytest.mark.parametrize("path", ["/async", "/sync"])
async def test_a_route_with_a_negotiating_pipeline_reads_the_requests_accept(path: str) -> None:
    app = _fastapi_app()
    packed = await fetch(app, path=path, headers={"accept": "application/msgpack"})
    assert packed.headers["content-type"] == "application/vnd.msgpack"
    assert packed.headers["vary"] == "accept"
    assert msgspec.msgpack.decode(packed.content) in ([{"n": 1}, {"n": 2}], {"n": 1})
    plain = await fetch(app, path=path)
    assert plain.headers["content-type"] == "application/json"
    refused = await fetch(app, path=path, headers={"accept": "text/html"})
    assert refused.status_code == 406


@pytest.mark.anyio
async def test_a_route_streams_a_generator_as_ndjson() -> None:
    response = await fetch(
        _fastapi_app(), path="/async", headers={"accept": "application/x-ndjson"}
    )
    assert response.text == '{"n":1}\n{"n":2}\n'


@pytest.mark.anyio
@pytest.mark.parametrize(
    "accept",
    [
        ", ".join(f"text/x-{i};q=0.{i % 1000:03d}" for i in range(10_000)),
        "a" * 1_000_000,
        ";q=" * 100_000,
        '"' * 100_000,
        "application/json;q=NaN, */*;q=-1, ,,, /",
        "\x80\xff application/json",
    ],
    ids=["10k-entries", "1MB", "empty-qs", "quotes", "bad-q", "latin-1"],
)
async def test_a_malformed_accept_is_never_a_500(accept: str) -> None:
    response = await fetch(rows, headers=[(b"accept", accept.encode("latin-1"))])
    assert response.status_code in (200, 406)
    assert response.headers["vary"] == "accept"
