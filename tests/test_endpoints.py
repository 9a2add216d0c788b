"""egress.endpoint: parameters, the request, errors and the thread pool, over real ASGI."""

from __future__ import annotations

import contextvars
import dataclasses
import enum
import logging
import threading
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, Literal, Optional
from uuid import UUID

import httpx
import orjson
import pydantic
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.routing import Route, Router

from egress import EncoderRegistry, dumps
from egress.endpoints import Endpoint, Request, endpoint
from egress.pipeline import HTTPError, Pipeline
from egress.responses import HTMLResponse
from tests._asgi_client import client


class Size(enum.Enum):
    SMALL = "s"
    LARGE = "l"


class Slug:
    def __init__(self, text: str) -> None:
        self.text = text


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
        "at": "2024-01-02T03:04:05Z",  # UTC as the encoders write it
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


@endpoint
async def numbers(n: int = 0, x: float = 0.0, d: Decimal = Decimal(0)) -> dict[str, Any]:
    return {"n": n, "x": x, "d": d}


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("parameter", "raw"),
    [
        ("n", "\u0661"),  # ARABIC-INDIC DIGIT ONE
        ("n", "\uff11"),  # FULLWIDTH DIGIT ONE
        ("n", "1_000"),
        ("n", " 1"),
        ("n", "1 "),
        ("n", "1.0"),
        ("n", "0x10"),
        ("n", "+"),
        ("n", "1" * 4300),
        ("n", "18446744073709551616"),  # one past the largest integer JSON output carries
        ("n", "-9223372036854775809"),
        ("x", "nan"),
        ("x", "inf"),
        ("x", "-Infinity"),
        ("x", "1e999"),
        ("x", "1_0.5"),
        ("x", "\u0661.5"),
        ("x", " 1.5"),
        ("d", "sNaN"),
        ("d", "NaN"),
        ("d", "Infinity"),
        ("d", "1_000"),
        ("d", "\uff11"),
        ("d", "1e9999999999999999999999"),
        ("d", "1e100000000"),  # read fine, but any arithmetic on it overflows
        ("d", "-1e1000000"),
        ("d", "1e-100000000"),
    ],
)
async def test_numbers_are_strict_a_400_naming_the_parameter(parameter: str, raw: str) -> None:
    async with client(numbers) as c:
        response = await c.get("/", params={parameter: raw})
    assert response.status_code == 400
    body = response.json()
    assert body["parameter"] == parameter
    assert body["detail"].startswith(f"parameter {parameter!r} must be")
    assert len(body["detail"]) < 400  # a long value is not echoed whole


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"n": "18446744073709551615"}, {"n": 2**64 - 1}),
        ({"n": "-9223372036854775808"}, {"n": -(2**63)}),
        ({"n": "+7"}, {"n": 7}),
        ({"n": "007"}, {"n": 7}),
        ({"x": "1e3"}, {"x": 1000.0}),
        ({"x": "-.5"}, {"x": -0.5}),
        ({"x": "5."}, {"x": 5.0}),
        ({"d": "-0.5E+3"}, {"d": "-5E+2"}),
        ({"d": "1.10"}, {"d": "1.10"}),
        ({"d": "1e999999"}, {"d": "1E+999999"}),
        ({"d": "-1e-999999"}, {"d": "-1E-999999"}),
    ],
)
async def test_numbers_within_the_rules_are_read(
    query: dict[str, str], expected: dict[str, Any]
) -> None:
    async with client(numbers) as c:
        response = await c.get("/", params=query)
    assert response.status_code == 200
    assert response.json().items() >= expected.items()


@pytest.mark.anyio
async def test_a_router_int_beyond_64_bits_is_a_400_too() -> None:
    @endpoint
    async def show(item_id: int) -> int:
        return item_id

    app = Router([Route("/items/{item_id:int}", show)])
    async with client(app) as c:
        assert (await c.get("/items/42")).json() == 42
        response = await c.get(f"/items/{'9' * 30}")
    assert (response.status_code, response.json()["parameter"]) == (400, "item_id")


def echo_endpoint(target: type) -> Endpoint:
    async def echo(v: Any) -> dict[str, Any]:
        return {"v": v}

    echo.__annotations__ = {"v": target, "return": dict}
    return endpoint(echo)


TARGETS = [int, float, Decimal, bool, UUID, date, datetime, time, Size, str]
ECHOES = {target: echo_endpoint(target) for target in TARGETS}


# A request cannot carry a lone surrogate (servers decode paths and queries as UTF-8); the
# second strategy aims at the number parsers' edges.
NUMBER_LIKE = r"[+-]?[0-9\u0661\uff11]{0,25}([._][0-9]*)?([eE][+-]?[0-9]{0,30})?"
PARAMETER_TEXT = st.text(st.characters(exclude_categories=["Cs"])) | st.from_regex(
    rf"{NUMBER_LIKE}|[+-]?(nan|inf|Infinity|sNaN)", fullmatch=True
)


@pytest.mark.anyio
@pytest.mark.parametrize("target", TARGETS, ids=lambda target: target.__name__)
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=PARAMETER_TEXT)
async def test_any_parameter_text_is_a_value_that_round_trips_or_a_400(
    text: str, target: type
) -> None:
    async with client(ECHOES[target]) as c:
        response = await c.get("/", params={"v": text})
    assert response.status_code in (200, 400), response.text
    if response.status_code == 400:
        assert response.json()["parameter"] == "v"
        return
    value = EncoderRegistry().decode(text, target)
    assert response.json() == {"v": orjson.loads(dumps(value))}
    if target in (int, float):
        assert response.json()["v"] == value
    if target is Decimal:
        assert Decimal(response.json()["v"]) == value


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


class Item(pydantic.BaseModel):
    name: str


@dataclasses.dataclass
class Point:
    x: int


def test_a_parameter_egress_cannot_read_is_explained_at_decoration() -> None:
    with pytest.raises(TypeError) as caught:

        @endpoint
        async def show(item: Item) -> None:
            pass

    assert str(caught.value) == (
        f"endpoint {show_name('show')}(): parameter 'item' is annotated Item, which egress "
        "cannot read from a path or query string (no decoder for Item); to read a JSON "
        "request body take the `request` and `await request.json()`, or use FastAPI with "
        "egress.integrations.fastapi.EgressRoute; for a custom text format register a "
        "decoder: registry.register_decoder(Item, parse)"
    )
    with pytest.raises(TypeError, match=r"parameter 'at' is annotated Point, .*decoder\(Point"):

        @endpoint
        async def move(at: Point | None = None) -> None:
            pass

    with pytest.raises(TypeError, match=r"'ids' is annotated list\[int\], .*await request\.json"):

        @endpoint
        async def pick(ids: list[int]) -> None:
            pass

    with pytest.raises(TypeError, match=r"'mode' is annotated Literal\['a'\], .*annotate one type"):

        @endpoint
        async def choose(mode: Literal["a"]) -> None:
            pass


def show_name(name: str) -> str:
    """The qualified name a handler defined inside the test above gets."""
    return f"test_a_parameter_egress_cannot_read_is_explained_at_decoration.<locals>.{name}"


def test_every_signature_error_names_the_handler_and_the_parameter() -> None:
    def spread(*args: Any) -> None:
        pass

    with pytest.raises(TypeError, match=r"endpoint .*spread\(\): parameter 'args' must be"):
        endpoint(spread)

    async def either(v: int | str) -> None:
        pass

    with pytest.raises(
        TypeError, match=r"endpoint .*either\(\): parameter 'v' .*the union int \| str"
    ):
        endpoint(either)

    async def unknown(v: Undefined) -> None:  # type: ignore[name-defined]  # noqa: F821
        pass

    with pytest.raises(TypeError, match=r"endpoint .*unknown\(\): cannot resolve .*'Undefined'"):
        endpoint(unknown)


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
async def test_a_sync_handler_sees_the_context_of_its_request() -> None:
    user: contextvars.ContextVar[str] = contextvars.ContextVar("user")

    @endpoint
    def whoami() -> str:
        return user.get()

    @whoami.middleware
    async def login(request: Request, call_next: Callable[[], Awaitable[Any]]) -> Any:
        user.set(request.query_params["as"])
        return await call_next()

    async with client(whoami) as c:
        assert (await c.get("/?as=ada")).text == "ada"
        assert (await c.get("/?as=grace")).text == "grace"


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
async def test_an_encode_error_is_logged_at_its_path_only(
    caplog: pytest.LogCaptureFixture,
) -> None:
    @endpoint
    async def nested() -> dict[str, Any]:
        return {"a": [1, {"b": Slug("x")}]}

    with caplog.at_level(logging.ERROR, logger="egress.endpoints"):
        async with client(nested) as c:
            response = await c.get("/")
    assert response.status_code == 500
    [record] = caplog.records
    assert record.exc_info is not None
    logged = "".join(traceback.format_exception(*record.exc_info))
    assert "cannot encode the value at $.a[1].b (Slug)" in logged
    assert "cannot encode the value at $ " not in logged  # no error at the wrong place first


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
