"""The pipeline's rules, one test each: what a raw value becomes."""

from __future__ import annotations

import dataclasses
import enum
from collections import namedtuple
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from egress import BackgroundTask, EncodeError, Encoder, EncoderRegistry
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
from tests._asgi_client import fetch


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


TEXT = "text/plain; charset=utf-8"
JSON_TYPE = "application/json"


# Every example of the tuple rule in design.md and docs/pipeline.md: (tuple, the status,
# body, content type and headers it is sent with).
SPECS = [
    pytest.param(("Hello", 201), 201, b"Hello", TEXT, {}, id="view.py: body, status"),
    pytest.param(
        ("Hello", {"x-a": "b"}), 200, b"Hello", TEXT, {"x-a": "b"}, id="view.py: body, headers"
    ),
    pytest.param(
        ("Hello from MyObject!", {"x-www-myobject": "foo"}),
        200,
        b"Hello from MyObject!",
        TEXT,
        {"x-www-myobject": "foo"},
        id="view.py's __view_result__ example",
    ),
    pytest.param(
        ("Hello", 201, {"x-my-header": "v"}),
        201,
        b"Hello",
        TEXT,
        {"x-my-header": "v"},
        id="body, status, headers",
    ),
    pytest.param(
        ({"x-a": "b"}, 202, [1, 2]),
        202,
        b"[1,2]",
        JSON_TYPE,
        {"x-a": "b"},
        id="one non-dict item is the body, the dict the headers",
    ),
    pytest.param(({"id": 1}, 201), 201, b'{"id":1}', JSON_TYPE, {}, id="Flask: dict body, status"),
    pytest.param(
        ({"x": "1"}, 201), 201, b'{"x":"1"}', JSON_TYPE, {}, id="a lone dict with a status: body"
    ),
    pytest.param(
        ({"id": 1}, 201, {"x-a": "b"}),
        201,
        b'{"id":1}',
        JSON_TYPE,
        {"x-a": "b"},
        id="dict body, status, headers",
    ),
    pytest.param(
        ({"x-a": "b"}, 201, {"id": 1}),
        201,
        b'{"id":1}',
        JSON_TYPE,
        {"x-a": "b"},
        id="two dicts: the str-to-str one is the headers, wherever it stands",
    ),
    pytest.param(
        ({"a": "b"}, 201, {"x-c": "d"}),
        201,
        b'{"a":"b"}',
        JSON_TYPE,
        {"x-c": "d"},
        id="two str-to-str dicts: the last is the headers",
    ),
    pytest.param(([1, 2], 201), 201, b"[1,2]", JSON_TYPE, {}, id="list body"),
    pytest.param((None, {"x-a": "b"}), 204, b"", None, {"x-a": "b"}, id="None body, headers"),
    pytest.param((b"\x00", 200), 200, b"\x00", "application/octet-stream", {}, id="bytes body"),
]


@pytest.mark.parametrize(("value", "status", "body", "media_type", "headers"), SPECS)
def test_tuple_specs(
    value: tuple[Any, ...],
    status: int,
    body: bytes,
    media_type: str | None,
    headers: dict[str, str],
) -> None:
    assert split_tuple(value) is not None
    response = to_response(value)
    assert (response.status_code, response.body) == (status, body)
    assert response.headers.get("content-type") == media_type
    for name, header in headers.items():
        assert response.headers.getlist(name) == [header]


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
        ((1, 200), b"[1,200]"),  # an int is never the body
        (("a", "b"), b'["a","b"]'),  # two bodies, nothing beside them
        (("a", 200, "b"), b'["a",200,"b"]'),  # two bodies
        (("a", 200, 201), b'["a",200,201]'),  # two statuses
        ((True, 200), b"[true,200]"),  # a bool is an int: not a body
        (("a", True), b'["a",true]'),  # a bool is not a status
        (("a", 99), b'["a",99]'),  # out of 100-599
        (("a", 600), b'["a",600]'),
        (({"a": "b"}, {"c": "d"}), b'[{"a":"b"},{"c":"d"}]'),  # no status: which is the body?
        (({"a": "b"}, {"c": "d"}, {"e": "f"}), b'[{"a":"b"},{"c":"d"},{"e":"f"}]'),
        (("a", {"x": 1}), b'["a",{"x":1}]'),  # dict not of str to str: not headers
        (("a", 201, {"x": 1}), b'["a",201,{"x":1}]'),
        (({"a": 1}, 201, {"b": 2}), b'[{"a":1},201,{"b":2}]'),  # neither dict is headers
        (("a", {"x": "1"}, {"y": "2"}), b'["a",{"x":"1"},{"y":"2"}]'),  # two headers dicts
        (("a", 201, {"x": "1"}, {"y": "2"}), b'["a",201,{"x":"1"},{"y":"2"}]'),  # 4 items
        (("a",), b'["a"]'),
        ((), b"[]"),
    ],
)
def test_other_tuples_are_data(value: tuple[Any, ...], body: bytes) -> None:
    assert split_tuple(value) is None
    response = to_response(value)
    assert isinstance(response, JSONResponse)
    assert response.status_code == 200
    assert response.body == body


def test_namedtuple_is_data() -> None:
    Pair = namedtuple("Pair", "label code")
    assert split_tuple(Pair("a", 201)) is None
    response = to_response(Pair("a", 201))
    assert response.status_code == 200
    assert response.body == to_response(["a", 201]).body


def test_tuple_header_values_are_validated() -> None:
    with pytest.raises(ValueError, match="CR, LF or NUL"):
        to_response(("x", 200, {"x-a": "v\r\nSet-Cookie: a=b"}))
    with pytest.raises(ValueError, match=r"header 'x-a'.*ESC \(0x1B\)"):
        to_response(("x", {"x-a": "v\x1b[31m"}))


def test_pipeline_without_tuple_rule_sends_arrays() -> None:
    assert Pipeline(tuples=False).to_response(("Hello", 201)).body == b'["Hello",201]'
    assert Pipeline(tuples=False).to_response(({"id": 1}, 201)).body == b'[{"id":1},201]'


# Items a tuple may hold: statuses (no bodiless ones: a body beside them would be refused),
# ints and bools that are never statuses, bodies, header dicts and data dicts.
tuple_items = st.one_of(
    st.sampled_from([200, 201, 404, 599]),
    st.sampled_from([0, 99, 600, True, False]),
    st.none(),
    st.text(max_size=4),
    st.lists(st.integers(0, 9), max_size=2),
    st.dictionaries(
        st.sampled_from(["x-a", "x-b"]), st.text(alphabet="abc xyz", max_size=3), max_size=2
    ),
    st.dictionaries(st.text(max_size=2), st.integers(0, 9), min_size=1, max_size=2),
)


@given(st.lists(tuple_items, max_size=4).map(tuple))
def test_a_tuple_is_data_or_a_spec_whose_parts_are_used(value: tuple[Any, ...]) -> None:
    response = to_response(value)
    spec = split_tuple(value)
    if spec is None:
        assert isinstance(response, JSONResponse)
        assert response.status_code == 200
        assert response.body == to_response(list(value)).body
        return
    body, status, headers = spec
    parts = [body, *(part for part in (status, headers) if part is not None)]
    assert sorted(map(id, parts)) == sorted(map(id, value))  # each item used exactly once
    alone = to_response(body)
    assert response.body == alone.body
    assert response.headers.get("content-type") == alone.headers.get("content-type")
    assert response.status_code == (alone.status_code if status is None else status)
    for name, header in (headers or {}).items():
        assert response.headers.getlist(name) == [header]


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


class StaticResponse:
    @staticmethod
    def __response__() -> Any:
        return "static", 201


class ClassResponse:
    kind = "class"

    @classmethod
    def __response__(cls) -> Any:
        return cls.kind, 201


class StaticViewResult:
    @staticmethod
    def __view_result__() -> Any:
        return "static", 201


class ClassViewResult:
    kind = "class"

    @classmethod
    def __view_result__(cls) -> Any:
        return cls.kind, 201


class InstanceViewResult:
    def __view_result__(self) -> Any:
        return "instance", 201


class InstanceResponse:
    def __response__(self) -> Any:
        return "instance", 201


PROTOCOL_FORMS = [
    pytest.param(InstanceResponse, b"instance", id="__response__ instance method"),
    pytest.param(StaticResponse, b"static", id="__response__ staticmethod"),
    pytest.param(ClassResponse, b"class", id="__response__ classmethod"),
    pytest.param(InstanceViewResult, b"instance", id="__view_result__ instance method"),
    pytest.param(StaticViewResult, b"static", id="__view_result__ staticmethod"),
    pytest.param(ClassViewResult, b"class", id="__view_result__ classmethod"),
]


@pytest.mark.parametrize(("cls", "body"), PROTOCOL_FORMS)
def test_result_method_may_be_instance_static_or_class(cls: type[Any], body: bytes) -> None:
    for response in (to_response(cls()), Response(cls())):
        assert (response.status_code, response.body) == (201, body)
        assert response.headers["content-type"] == "text/plain; charset=utf-8"


@pytest.mark.parametrize(("cls", "body"), PROTOCOL_FORMS)
def test_a_class_passed_as_a_value_is_not_a_result(cls: type[Any], body: bytes) -> None:
    with pytest.raises(EncodeError):
        to_response(cls)
    with pytest.raises(TypeError, match="Response cannot render type"):
        Response(cls)


def test_a_proxy_answering_every_attribute_is_not_a_result() -> None:
    class Proxy:
        def __getattr__(self, name: str) -> Any:
            return lambda *args: "hijacked"

    assert Proxy().__response__() == "hijacked"
    with pytest.raises(EncodeError):
        to_response(Proxy())
    with pytest.raises(TypeError, match="Response cannot render Proxy"):
        Response(Proxy())


class ChildOfStatic(StaticResponse):
    pass


class Made:
    def __response__(self) -> Any:
        return "made", 201, {"location": "/m"}


class Wrapped:
    def __response__(self) -> Response[Any]:
        return Ok({"ok": True})


# A result converted again by the rules: (value, class, status, body, Location).
RESULTS = [
    pytest.param(
        Created("pen"), JSONResponse, 201, b'{"created":"pen"}', "/items/pen", id="a dict spec"
    ),
    pytest.param(Made(), PlainText, 201, b"made", "/m", id="a str spec"),
    pytest.param(ViewResult(), PlainText, 200, b"from view.py", None, id="view.py's method"),
    pytest.param(Wrapped(), Ok, 200, b'{"ok":true}', None, id="a Response"),
    pytest.param(ChildOfStatic(), PlainText, 201, b"static", None, id="inherited staticmethod"),
]


@pytest.mark.parametrize(("value", "cls", "status", "body", "location"), RESULTS)
def test_a_result_is_converted_again(
    value: Any, cls: type[Response[Any]], status: int, body: bytes, location: str | None
) -> None:
    response = to_response(value)
    assert isinstance(response, cls)
    assert (response.status_code, response.body) == (status, body)
    assert response.headers.get("location") == location


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


class Created201(JSONResponse[Any]):
    status_code = 201


class Indented(JSONResponse[Any]):
    def render(self, content: Any) -> bytes:
        return self.encoders.dumps(content) + b"\n"


class Tagged(JSONResponse[Any]):
    def __init__(self, content: Any, **options: Any) -> None:
        super().__init__(content, **options)
        self.headers["x-tagged"] = "1"


@pytest.mark.parametrize("json_class", [JSONResponse, Ok, Created201, Indented, Tagged])
@pytest.mark.parametrize("value", [{"a": 1}, [1, "x"], Point(1, 2), Color.RED, (1, 2)])
def test_json_from_the_pipeline_is_what_the_class_builds(
    json_class: type[Response[Any]], value: Any
) -> None:
    """The pipeline builds JSON without a status or headers of its own straight around the
    encoded bytes when the class neither renders nor constructs in its own way: the
    response is the one the class builds, whatever the path."""
    registry = EncoderRegistry()
    response = Pipeline(registry, json_class=json_class).to_response(value)
    built = json_class(value, encoders=registry)
    assert type(response) is json_class
    assert (response.status_code, response.body) == (built.status_code, built.body)
    assert response.raw_headers == built.raw_headers
    assert response.encoders is registry
    assert response.background is None


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
    task = BackgroundTask(print)
    response = make_response(Money(250), encoders=[MoneyEncoder], background=task)
    assert response.body == b'"2.50"'
    assert response.background is task


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
