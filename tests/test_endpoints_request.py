"""The Request an endpoint hands its handler: by name or annotation, its fields, the body
read in chunks and at most `max_body_size` bytes of it (413 beyond), headers joined."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from starlette.routing import Route, Router

from egress.endpoints import Endpoint, Request, endpoint
from egress.pipeline import HTTPError
from egress.types import ASGIApp, Message, Receive, Scope
from tests._asgi_client import client


@pytest.mark.anyio
async def test_request_by_name_and_by_annotation() -> None:
    @endpoint(methods=("POST",))
    async def by_name(request) -> str:  # type: ignore[no-untyped-def]
        return f"{request.method} {request.path}"

    @endpoint
    async def by_type(req: Request) -> str:
        return f"{req.method} {req.path}"

    app = Router([Route("/a", by_name, methods=["POST"]), Route("/b", by_type)])
    async with client(app) as c:
        assert (await c.post("/a")).text == "POST /a"
        assert (await c.get("/b")).text == "GET /b"


@pytest.mark.anyio
async def test_request_fields() -> None:
    @endpoint(methods=("POST",))
    async def echo(request: Request) -> dict[str, Any]:
        return {
            "agent": request.headers["X-Agent"],
            "has_agent": "x-agent" in request.headers,
            "query": request.query_params,
            "cookies": request.cookies,
            "path_params": request.path_params,
            "json": await request.json(),
            "body": (await request.body()).decode(),
        }

    app = Router([Route("/echo/{name}", echo, methods=["POST"])])
    async with client(app) as c:
        response = await c.post(
            "/echo/ada?a=1&b=two",
            json={"k": [1]},
            headers={"x-agent": "t", "cookie": 'session=abc; theme="dark"'},
        )
    assert response.json() == {
        "agent": "t",
        "has_agent": True,
        "query": {"a": "1", "b": "two"},
        "cookies": {"session": "abc", "theme": "dark"},
        "path_params": {"name": "ada"},
        "json": {"k": [1]},
        "body": '{"k":[1]}',
    }


@pytest.mark.anyio
async def test_request_json_that_is_not_json_is_400() -> None:
    @endpoint(methods=("POST",))
    async def parse(request: Request) -> Any:
        return await request.json()

    async with client(parse) as c:
        response = await c.post("/", content=b"{nope")
    assert response.status_code == 400
    assert "not valid JSON" in response.json()["detail"]


@pytest.mark.anyio
async def test_request_body_in_chunks() -> None:
    request = Request({"type": "http", "method": "POST", "path": "/", "headers": []}, None)
    chunks = iter([b"ab", b"cd", b""])

    async def receive() -> dict[str, Any]:
        chunk = next(chunks)
        return {"type": "http.request", "body": chunk, "more_body": bool(chunk)}

    request.receive = receive
    assert await request.body() == b"abcd"
    assert await request.body() == b"abcd"  # kept, not read twice
    assert repr(request) == "Request(POST /)"


@pytest.mark.anyio
async def test_request_body_after_disconnect_is_400() -> None:
    async def receive() -> dict[str, Any]:
        return {"type": "http.disconnect"}

    request = Request({"type": "http", "method": "POST", "path": "/"}, receive)
    with pytest.raises(HTTPError) as caught:
        await request.body()
    assert caught.value.status_code == 400


def raw_request(
    body_chunks: list[bytes], headers: list[tuple[bytes, bytes]] | None = None
) -> tuple[Scope, Receive, list[int]]:
    """A POST scope and a receive() that hands out `body_chunks` (more_body until the last)
    and counts its calls."""
    scope = {
        "type": "http",
        "method": "POST",
        "path": "/",
        "query_string": b"",
        "headers": headers or [],
    }
    calls: list[int] = []

    async def receive() -> Message:
        calls.append(1)
        index = len(calls) - 1
        if index >= len(body_chunks):
            raise AssertionError("read past the end of the body")
        more = index < len(body_chunks) - 1
        return {"type": "http.request", "body": body_chunks[index], "more_body": more}

    return scope, receive, calls


async def answer(
    app: ASGIApp, scope: Scope, receive: Receive
) -> tuple[int, dict[bytes, bytes], Any]:
    """Drive `app` once; (status, headers, JSON body)."""
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    await app(scope, receive, send)
    start, body = sent
    return start["status"], dict(start["headers"]), orjson.loads(body["body"])


def body_length_endpoint(**options: Any) -> Endpoint:
    async def length(request: Request) -> int:
        return len(await request.body())

    return endpoint(methods=("POST",), **options)(length)


def test_max_body_size_defaults_to_litestars_limit_and_is_checked() -> None:
    assert body_length_endpoint().max_body_size == 10_000_000
    assert body_length_endpoint(max_body_size=None).max_body_size is None
    for bad in (-1, 1.5, True, "10"):
        with pytest.raises(ValueError, match="max_body_size must be a number of bytes"):
            body_length_endpoint(max_body_size=bad)


@pytest.mark.anyio
async def test_a_declared_length_over_the_limit_is_413_before_reading() -> None:
    app = body_length_endpoint(max_body_size=100)
    scope, receive, calls = raw_request([b"x" * 101], [(b"content-length", b"101")])
    status, headers, body = await answer(app, scope, receive)
    assert status == 413
    assert calls == []
    assert body == {
        "detail": "the request body is larger than 100 bytes, this endpoint's limit; raise it "
        "with @endpoint(max_body_size=...) (None for no limit)"
    }
    assert headers[b"content-type"] == b"application/json"


@pytest.mark.anyio
async def test_a_body_growing_past_the_limit_is_413_as_soon_as_it_does() -> None:
    app = body_length_endpoint(max_body_size=100)
    scope, receive, calls = raw_request([b"x" * 40] * 10)  # no Content-Length: chunked
    status, _, body = await answer(app, scope, receive)
    assert status == 413
    assert "100 bytes" in body["detail"]
    assert len(calls) == 3  # 120 bytes seen: the other 7 chunks are never read


@pytest.mark.anyio
async def test_a_body_up_to_the_limit_is_read_and_none_means_no_limit() -> None:
    scope, receive, _ = raw_request([b"x" * 60, b"x" * 40], [(b"content-length", b"100")])
    assert (await answer(body_length_endpoint(max_body_size=100), scope, receive))[2] == 100
    scope, receive, _ = raw_request([b"x" * 50_000] * 3)
    assert (await answer(body_length_endpoint(max_body_size=None), scope, receive))[2] == 150_000


@pytest.mark.anyio
async def test_body_limit_over_http() -> None:
    async with client(body_length_endpoint(max_body_size=10)) as c:
        assert (await c.post("/", content=b"x" * 10)).json() == 10
        too_large = await c.post("/", content=b"x" * 11)
        assert too_large.status_code == 413
        assert "10 bytes" in too_large.json()["detail"]
        json_too_large = await c.post("/", json={"key": "a long value"})
        assert json_too_large.status_code == 413


@pytest.mark.anyio
async def test_a_content_length_that_is_not_a_number_is_400() -> None:
    for declared in (b"ten", b"-1", b"1" * 21):
        scope, receive, calls = raw_request([b""], [(b"content-length", declared)])
        status, _, body = await answer(body_length_endpoint(), scope, receive)
        assert (status, calls) == (400, [])
        assert "Content-Length" in body["detail"]


def test_request_headers_join_repeats_and_ignore_case() -> None:
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/",
        "headers": [
            (b"accept", b"text/html"),
            (b"Accept", b"application/json"),
            (b"cookie", b"a=1"),
            (b"cookie", b"b=2"),
        ],
    }
    request = Request(scope, None)
    assert request.headers["ACCEPT"] == "text/html, application/json"
    assert request.cookies == {"a": "1", "b": "2"}
    assert sorted(request.headers) == ["accept", "cookie"]
    assert len(request.headers) == 2
    assert 1 not in request.headers
    assert "RequestHeaders" in repr(request.headers)
