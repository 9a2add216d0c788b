"""The pipeline's rules, one test each: what a raw value becomes."""

from __future__ import annotations

import dataclasses
import enum
from typing import Any

import httpx
import pytest

from egress import EncodeError, Encoder, EncoderRegistry
from egress.pipeline import (
    MAX_PROTOCOL_DEPTH,
    HTTPError,
    Pipeline,
    make_response,
    split_tuple,
    to_response,
    to_response_async,
)
from egress.responses import (
    HTMLResponse,
    JSONResponse,
    Ok,
    PlainText,
    Response,
)


@dataclasses.dataclass
class Point:
    x: int
    y: int


class Color(enum.Enum):
    RED = "red"


class Money:
    def __init__(self, cents: int) -> None:
        self.cents = cents


class MoneyEncoder(Encoder[Money]):
    __type__ = Money

    def serialize(self, value: Money) -> Any:
        return f"{value.cents / 100:.2f}"


async def fetch(app: Any) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.get("/")


def content_type(response: Response[Any]) -> str:
    return response.headers["content-type"]


# -- single values -------------------------------------------------------------------


def test_response_passes_through_unchanged() -> None:
    original = HTMLResponse("<p>hi</p>", status_code=202)
    assert to_response(original) is original


def test_str_is_plain_text() -> None:
    response = to_response("Hello")
    assert isinstance(response, PlainText)
    assert response.status_code == 200
    assert response.body == b"Hello"
    assert content_type(response) == "text/plain; charset=utf-8"


def test_str_subclass_is_plain_text() -> None:
    class Name(str):
        pass

    assert to_response(Name("Ada")).body == b"Ada"
    assert content_type(to_response(Name("Ada"))).startswith("text/plain")


@pytest.mark.parametrize("raw", [b"\x00\x01", bytearray(b"\x00\x01"), memoryview(b"\x00\x01")])
def test_bytes_are_the_raw_body(raw: Any) -> None:
    response = to_response(raw)
    assert response.body == b"\x00\x01"
    assert content_type(response) == "application/octet-stream"


def test_none_is_204_without_body() -> None:
    response = to_response(None)
    assert response.status_code == 204
    assert response.body == b""
    assert "content-length" not in response.headers


@pytest.mark.parametrize(
    ("value", "body"),
    [
        ({"a": 1}, b'{"a":1}'),
        ([1, "x"], b'[1,"x"]'),
        (3, b"3"),
        (1.5, b"1.5"),
        (True, b"true"),
        (Point(1, 2), b'{"x":1,"y":2}'),
        (Color.RED, b'"red"'),
        ((i for i in range(3)), b"[0,1,2]"),
    ],
)
def test_everything_else_is_json(value: Any, body: bytes) -> None:
    response = to_response(value)
    assert isinstance(response, JSONResponse)
    assert response.body == body
    assert content_type(response) == "application/json"


def test_unencodable_value_raises_encode_error_before_sending() -> None:
    with pytest.raises(EncodeError):
        to_response({"money": Money(150)})


def test_encoders_argument_layers_over_the_default() -> None:
    assert to_response({"money": Money(150)}, encoders=[MoneyEncoder]).body == b'{"money":"1.50"}'


# -- the tuple rule --------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        ("Hello", 201, {"x-my-header": "v"}),
        (201, "Hello", {"x-my-header": "v"}),
        ({"x-my-header": "v"}, 201, "Hello"),
        ({"x-my-header": "v"}, "Hello", 201),
    ],
)
def test_tuple_spec_in_any_order(value: tuple[Any, ...]) -> None:
    response = to_response(value)
    assert isinstance(response, PlainText)
    assert response.status_code == 201
    assert response.body == b"Hello"
    assert response.headers["x-my-header"] == "v"


def test_tuple_body_is_converted_by_the_rules() -> None:
    response = to_response(([1, 2], 202))
    assert isinstance(response, JSONResponse)
    assert (response.status_code, response.body) == (202, b"[1,2]")
    assert to_response((Point(1, 2), 201)).body == b'{"x":1,"y":2}'
    assert to_response((b"raw", 200)).headers["content-type"] == "application/octet-stream"


def test_tuple_with_a_response_body_takes_status_and_headers() -> None:
    response = to_response((HTMLResponse("<b>x</b>"), 404, {"x-a": "1"}))
    assert isinstance(response, HTMLResponse)
    assert response.status_code == 404
    assert response.headers["x-a"] == "1"


@pytest.mark.parametrize(
    ("value", "body"),
    [
        ((1, 2), b"[1,2]"),  # two ints: no body
        (("a", "b"), b'["a","b"]'),  # no status
        (("a", 200, "b"), b'["a",200,"b"]'),  # two bodies
        (("a", 200, 201), b'["a",200,201]'),  # two statuses
        ((True, 200), b"[true,200]"),  # a bool is an int: not a body
        (("a", True), b'["a",true]'),  # a bool is not a status
        (("a", 99), b'["a",99]'),  # out of 100-599
        (("a", 600), b'["a",600]'),
        (({"id": 1}, 201), b'[{"id":1},201]'),  # a dict is never the body
        (({"x": "1"}, 201), b'[{"x":"1"},201]'),  # headers but no body
        (("a", 201, {"x": 1}), b'["a",201,{"x":1}]'),  # dict not of str to str
        (("a", 201, {"x": "1"}, {"y": "2"}), b'["a",201,{"x":"1"},{"y":"2"}]'),  # 4 items
        (("a",), b'["a"]'),
        ((), b"[]"),
    ],
)
def test_other_tuples_are_data(value: tuple[Any, ...], body: bytes) -> None:
    assert split_tuple(value) is None
    response = to_response(value)
    assert isinstance(response, JSONResponse)
    assert response.body == body


def test_namedtuple_is_data() -> None:
    from collections import namedtuple

    Pair = namedtuple("Pair", "label code")
    assert to_response(Pair("a", 201)).status_code == 200


def test_tuple_header_values_are_validated() -> None:
    with pytest.raises(ValueError, match="CR, LF or NUL"):
        to_response(("x", 200, {"x-a": "v\r\nSet-Cookie: a=b"}))


def test_pipeline_without_tuple_rule_sends_arrays() -> None:
    assert Pipeline(tuples=False).to_response(("Hello", 201)).body == b'["Hello",201]'


# -- the result protocol ------------------------------------------------------------------


class Created:
    def __init__(self, name: str) -> None:
        self.name = name

    def __response__(self) -> Any:
        return {"created": self.name}, 201, {"location": f"/items/{self.name}"}


class ViewResult:
    def __view_result__(self) -> Any:
        return "from view.py"


class Loop:
    def __response__(self) -> Any:
        return self


def test_result_protocol_is_converted_again() -> None:
    response = to_response(Created("pen"))
    assert response.status_code == 200  # a dict cannot be a tuple's body: this is data
    assert response.body == b'[{"created":"pen"},201,{"location":"/items/pen"}]'


def test_result_protocol_returning_a_spec() -> None:
    class Made:
        def __response__(self) -> Any:
            return "made", 201, {"location": "/m"}

    response = to_response(Made())
    assert (response.status_code, response.body) == (201, b"made")
    assert response.headers["location"] == "/m"


def test_view_result_protocol_is_honoured() -> None:
    response = to_response(ViewResult())
    assert isinstance(response, PlainText)
    assert response.body == b"from view.py"


def test_result_protocol_returning_a_response() -> None:
    class Wrapped:
        def __response__(self) -> Response[Any]:
            return Ok({"ok": True})

    assert to_response(Wrapped()).body == b'{"ok":true}'


def test_result_protocol_loop_is_a_clear_error() -> None:
    with pytest.raises(TypeError, match=r"Loop.__response__\(\) did not lead to a response"):
        to_response(Loop())


def test_result_protocol_chain_within_the_bound_is_fine() -> None:
    class Hop:
        def __init__(self, left: int) -> None:
            self.left = left

        def __response__(self) -> Any:
            return Hop(self.left - 1) if self.left else "landed"

    assert to_response(Hop(MAX_PROTOCOL_DEPTH - 1)).body == b"landed"
    with pytest.raises(TypeError):
        to_response(Hop(MAX_PROTOCOL_DEPTH))


def test_http_error_follows_the_result_protocol() -> None:
    response = to_response(HTTPError(404))
    assert response.status_code == 404
    assert response.body == b'{"detail":"Not Found"}'


# -- coroutines -------------------------------------------------------------------------


async def make_value(value: Any) -> Any:
    return value


@pytest.mark.anyio
async def test_coroutine_is_resolved_when_sent() -> None:
    response = to_response(make_value(("made", 201, {"x-a": "1"})))
    with pytest.raises(RuntimeError, match="not available yet"):
        _ = response.body
    sent = await fetch(response)
    assert sent.status_code == 201
    assert sent.text == "made"
    assert sent.headers["x-a"] == "1"
    assert sent.headers["content-type"] == "text/plain; charset=utf-8"
    assert sent.headers["content-length"] == "4"


@pytest.mark.anyio
async def test_coroutine_in_a_tuple_keeps_the_tuple_status() -> None:
    sent = await fetch(to_response((make_value({"a": 1}), 202)))
    assert (sent.status_code, sent.json()) == (202, {"a": 1})


@pytest.mark.anyio
async def test_to_response_async_awaits_first() -> None:
    response = await to_response_async(make_value(make_value([1])))
    assert response.body == b"[1]"
    assert (await to_response_async("plain")).body == b"plain"


@pytest.mark.anyio
async def test_to_response_async_surfaces_encode_errors() -> None:
    with pytest.raises(EncodeError):
        await to_response_async(make_value(Money(1)))


# -- Pipeline configuration ---------------------------------------------------------------


def test_pipeline_chooses_classes_and_none_status() -> None:
    class Compact(JSONResponse[Any]):
        media_type = "application/vnd.compact+json"

    pipeline = Pipeline(json_class=Compact, str_class=HTMLResponse, none_status=200)
    assert content_type(pipeline.to_response({"a": 1})) == "application/vnd.compact+json"
    assert content_type(pipeline.to_response("<p>")) == "text/html; charset=utf-8"
    assert pipeline.to_response(None).status_code == 200


def test_pipeline_registry_is_used() -> None:
    registry = EncoderRegistry()
    registry.register(Money, lambda m: m.cents)
    assert Pipeline(registry).to_response(Money(5)).body == b"5"


# -- make_response ----------------------------------------------------------------------


def test_make_response_defaults_to_json() -> None:
    response = make_response({"a": 1}, status_code=201, headers={"x-a": "1"})
    assert isinstance(response, JSONResponse)
    assert (response.status_code, response.body) == (201, b'{"a":1}')
    assert response.headers["x-a"] == "1"


def test_make_response_renders_as_the_class_does() -> None:
    assert make_response("hi").body == b'"hi"'  # JSON string, not text
    assert make_response(("a", 201)).body == b'["a",201]'  # no tuple rule
    text = make_response("hi", response_class=PlainText)
    assert (text.body, content_type(text)) == (b"hi", "text/plain; charset=utf-8")
    custom = make_response({"a": 1}, media_type="application/problem+json")
    assert content_type(custom) == "application/problem+json"


def test_make_response_encoders_and_background() -> None:
    from egress import BackgroundTask

    task = BackgroundTask(print)
    response = make_response(Money(250), encoders=[MoneyEncoder], background=task)
    assert response.body == b'"2.50"'
    assert response.background is task


# -- HTTPError ------------------------------------------------------------------------


def test_http_error_fields() -> None:
    error = HTTPError(418, headers={"x-tea": "1"})
    assert (error.status_code, error.detail, error.headers) == (418, "I'm a Teapot", {"x-tea": "1"})
    assert HTTPError().status_code == 400
    assert HTTPError(404, "no such pen").detail == "no such pen"
    assert (
        to_response(HTTPError(401, headers={"www-authenticate": "Bearer"})).headers[
            "www-authenticate"
        ]
        == "Bearer"
    )


@pytest.mark.parametrize("status", [200, 302, 399, 600, 99])
def test_http_error_refuses_non_error_statuses(status: int) -> None:
    with pytest.raises(ValueError, match="400-599"):
        HTTPError(status)


def test_http_error_refuses_non_int_status() -> None:
    with pytest.raises(TypeError):
        HTTPError("404")  # type: ignore[arg-type]


def test_http_error_unregistered_status_has_a_generic_phrase() -> None:
    assert HTTPError(499).detail == "Error"


def test_tuple_with_a_bodiless_status_drops_content_length() -> None:
    response = to_response((Response(None), 304))
    assert response.status_code == 304
    assert "content-length" not in response.headers


def test_tuple_with_a_bodiless_status_refuses_a_rendered_body() -> None:
    with pytest.raises(ValueError, match="204 response carries no body"):
        to_response((PlainText("x"), 204))


@pytest.mark.anyio
async def test_async_result_protocol_method() -> None:
    class Later:
        async def __view_result__(self) -> Any:
            return {"x-worthiness": "0"}, "you are not worthy", 400

    response = await to_response_async(Later())
    assert (response.status_code, response.body) == (400, b"you are not worthy")
    assert response.headers["x-worthiness"] == "0"
    sent = await fetch(to_response(Later()))
    assert (sent.status_code, sent.text) == (400, "you are not worthy")
