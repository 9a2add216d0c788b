"""egress.endpoint: parameters, the request, errors and the thread pool, over real ASGI."""

from __future__ import annotations

import enum
import logging
import threading
from collections.abc import AsyncIterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Optional
from uuid import UUID

import httpx
import pytest
from starlette.routing import Route, Router

from egress import EncoderRegistry
from egress.endpoints import Endpoint, Request, endpoint
from egress.pipeline import HTTPError, Pipeline
from egress.responses import HTMLResponse


class Size(enum.Enum):
    SMALL = "s"
    LARGE = "l"


class Slug:
    def __init__(self, text: str) -> None:
        self.text = text


def client(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


@pytest.fixture
async def typed() -> AsyncIterator[httpx.AsyncClient]:
    @endpoint
    async def convert(
        item_id: int,
        ratio: float = 1.0,
        flag: bool = False,
        name: str = "anon",
        uid: Optional[UUID] = None,  # noqa: UP045 - the typing.Optional spelling on purpose
        day: date | None = None,
        at: datetime | None = None,
        price: Decimal | None = None,
        size: Size = Size.SMALL,
    ) -> dict[str, Any]:
        return {
            "item_id": item_id,
            "ratio": ratio,
            "flag": flag,
            "name": name,
            "uid": uid,
            "day": day,
            "at": at,
            "price": price,
            "size": size,
        }

    async with client(Router([Route("/items/{item_id}", convert)])) as c:
        yield c


@pytest.mark.anyio
async def test_parameters_converted_by_annotation(typed: httpx.AsyncClient) -> None:
    query = (
        "ratio=0.5&flag=yes&name=pen&uid=12345678-1234-5678-1234-567812345678"
        "&day=2024-02-29&at=2024-01-02T03:04:05Z&price=10.10&size=l"
    )
    response = await typed.get(f"/items/7?{query}")
    assert response.status_code == 200
    assert response.json() == {
        "item_id": 7,
        "ratio": 0.5,
        "flag": True,
        "name": "pen",
        "uid": "12345678-1234-5678-1234-567812345678",
        "day": "2024-02-29",
        "at": "2024-01-02T03:04:05+00:00",
        "price": "10.10",
        "size": "l",
    }


@pytest.mark.anyio
async def test_defaults_and_optional_when_missing(typed: httpx.AsyncClient) -> None:
    body = (await typed.get("/items/1")).json()
    assert body["ratio"] == 1.0
    assert body["flag"] is False
    assert body["uid"] is None
    assert body["size"] == "s"
    assert (await typed.get("/items/1?day=")).json()["day"] is None


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("url", "parameter", "expected"),
    [
        ("/items/x", "item_id", "int"),
        ("/items/1?ratio=half", "ratio", "float"),
        ("/items/1?flag=maybe", "flag", "bool"),
        ("/items/1?uid=nope", "uid", "UUID"),
        ("/items/1?day=2024-13-01", "day", "date"),
        ("/items/1?at=yesterday", "at", "datetime"),
        ("/items/1?price=cheap", "price", "Decimal"),
        ("/items/1?size=xl", "size", "Size"),
    ],
)
async def test_bad_value_is_400_naming_parameter_and_type(
    typed: httpx.AsyncClient, url: str, parameter: str, expected: str
) -> None:
    response = await typed.get(url)
    assert response.status_code == 400
    body = response.json()
    assert body["parameter"] == parameter
    assert body["expected"] == expected
    assert parameter in body["detail"]


@pytest.mark.anyio
async def test_missing_required_parameter_is_400() -> None:
    @endpoint
    async def search(q: str) -> str:
        return q

    async with client(search) as c:
        response = await c.get("/")
        assert response.status_code == 400
        assert response.json() == {
            "detail": "missing parameter 'q' (str)",
            "parameter": "q",
            "expected": "str",
        }
        assert (await c.get("/?q=pens")).text == "pens"


@pytest.mark.anyio
async def test_path_params_win_over_query_and_router_converters_are_kept() -> None:
    @endpoint
    async def show(item_id: int, label: str) -> list[Any]:
        return [item_id, label]

    app = Router([Route("/items/{item_id:int}/{label}", show)])
    async with client(app) as c:
        assert (await c.get("/items/5/x?item_id=9&label=y")).json() == [5, "x"]


@pytest.mark.anyio
async def test_repeated_query_parameter_last_wins() -> None:
    @endpoint
    async def pick(n: int) -> int:
        return n

    async with client(pick) as c:
        assert (await c.get("/?n=1&n=2")).json() == 2


@pytest.mark.anyio
async def test_decoder_registered_on_the_endpoint_registry() -> None:
    registry = EncoderRegistry()
    registry.register_decoder(Slug, lambda raw: Slug(raw.lower()))

    @endpoint(encoders=registry)
    async def slug(s: Slug) -> str:
        return s.text

    async with client(slug) as c:
        assert (await c.get("/?s=Hello")).text == "hello"


def test_signature_problems_fail_at_decoration() -> None:
    with pytest.raises(TypeError, match="passable by name"):
        endpoint(lambda *args: None)
    with pytest.raises(TypeError, match="no decoder"):

        @endpoint
        async def takes_dict(d: dict) -> None:  # type: ignore[type-arg]
            pass

    with pytest.raises(TypeError, match="union"):

        @endpoint
        async def takes_union(v: int | str) -> None:
            pass

    with pytest.raises(TypeError, match="encoders= or pipeline="):
        Endpoint(lambda: None, encoders=[], pipeline=Pipeline())
    with pytest.raises(TypeError, match="wraps a function"):
        endpoint(42)  # type: ignore[call-overload]


@pytest.mark.anyio
async def test_signature_is_read_once(monkeypatch: pytest.MonkeyPatch) -> None:
    @endpoint
    async def once(n: int = 0) -> int:
        return n

    def fail(*args: Any) -> Any:
        raise AssertionError("signature inspected per request")

    monkeypatch.setattr("inspect.signature", fail)
    monkeypatch.setattr("typing.get_type_hints", fail)
    async with client(once) as c:
        assert (await c.get("/?n=3")).json() == 3


# -- the request ------------------------------------------------------------------------


@pytest.mark.anyio
async def test_request_by_name_and_by_annotation() -> None:
    @endpoint
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
    @endpoint
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
    @endpoint
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


# -- handlers: sync, async, errors ---------------------------------------------------------


@pytest.mark.anyio
async def test_sync_handler_runs_in_a_worker_thread() -> None:
    loop_thread = threading.get_ident()

    @endpoint
    def where() -> bool:
        return threading.get_ident() != loop_thread

    async with client(where) as c:
        assert (await c.get("/")).json() is True


@pytest.mark.anyio
async def test_handler_return_values_go_through_the_pipeline() -> None:
    @endpoint
    async def made() -> tuple[str, int, dict[str, str]]:
        return "made", 201, {"x-a": "1"}

    @endpoint
    def html() -> HTMLResponse:
        return HTMLResponse("<p>hi</p>")

    @endpoint
    async def nothing() -> None:
        return None

    app = Router([Route("/made", made), Route("/html", html), Route("/none", nothing)])
    async with client(app) as c:
        response = await c.get("/made")
        assert (response.status_code, response.text, response.headers["x-a"]) == (201, "made", "1")
        assert (await c.get("/html")).headers["content-type"] == "text/html; charset=utf-8"
        assert (await c.get("/none")).status_code == 204


@pytest.mark.anyio
async def test_http_error_in_handler_becomes_its_response() -> None:
    @endpoint
    def missing() -> None:
        raise HTTPError(404, "no such pen", headers={"x-hint": "try /pens"})

    async with client(missing) as c:
        response = await c.get("/")
    assert response.status_code == 404
    assert response.json() == {"detail": "no such pen"}
    assert response.headers["x-hint"] == "try /pens"


@pytest.mark.anyio
async def test_unexpected_exception_is_a_logged_500_without_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    @endpoint
    async def broken() -> None:
        raise RuntimeError("secret internals")

    with caplog.at_level(logging.ERROR, logger="egress.endpoints"):
        async with client(broken) as c:
            response = await c.get("/")
    assert response.status_code == 500
    assert response.json() == {"detail": "Internal Server Error"}
    assert "secret" not in response.text
    assert "secret internals" in caplog.text
    assert "broken" in caplog.text


@pytest.mark.anyio
async def test_encode_error_is_a_500(caplog: pytest.LogCaptureFixture) -> None:
    @endpoint
    async def unencodable() -> dict[str, Any]:
        return {"slug": Slug("x")}

    with caplog.at_level(logging.ERROR, logger="egress.endpoints"):
        async with client(unencodable) as c:
            response = await c.get("/")
    assert response.status_code == 500
    assert "EncodeError" in caplog.text


@pytest.mark.anyio
async def test_custom_pipeline() -> None:
    @endpoint(pipeline=Pipeline(str_class=HTMLResponse))
    async def page() -> str:
        return "<h1>hi</h1>"

    async with client(page) as c:
        assert (await c.get("/")).headers["content-type"] == "text/html; charset=utf-8"


def test_endpoint_keeps_the_handler_identity() -> None:
    async def listing() -> str:
        """List things."""
        return "x"

    wrapped = endpoint(listing)
    assert wrapped.handler is listing
    assert wrapped.__doc__ == "List things."
    assert wrapped.name.endswith("listing")
    assert repr(wrapped).startswith("<endpoint ")


# -- other ASGI scopes ------------------------------------------------------------------


@pytest.mark.anyio
async def test_lifespan_is_answered() -> None:
    @endpoint
    async def app() -> str:
        return "x"

    inbox = iter([{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}])
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return next(inbox)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app({"type": "lifespan"}, receive, send)
    assert [m["type"] for m in sent] == ["lifespan.startup.complete", "lifespan.shutdown.complete"]

    sent.clear()
    await app({"type": "websocket"}, receive, send)
    assert sent == [{"type": "websocket.close", "code": 1000}]
    with pytest.raises(ValueError, match="serves HTTP"):
        await app({"type": "other"}, receive, send)


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


@pytest.mark.anyio
async def test_failing_coroutine_content_is_a_500_before_sending(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def fails() -> str:
        raise RuntimeError("late failure")

    @endpoint
    async def deferred() -> HTMLResponse:
        return HTMLResponse(fails())

    with caplog.at_level(logging.ERROR, logger="egress.endpoints"):
        async with client(deferred) as c:
            response = await c.get("/")
    assert response.status_code == 500
    assert "late failure" in caplog.text
