"""What docs/migration.md tells Lilya, view.py, Vibora, Starlette and FastAPI users,
checked through egress's public API: one test per row that states a behaviour, the
code the page shows (each ```python block runs on its own), and the before/after
apps of examples/migrate_*.py, the Vibora one also under uvicorn."""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import logging
import math
import re
import subprocess
import sys
import time
from email.utils import parsedate_to_datetime
from pathlib import Path as FilePath
from typing import Any

import attrs
import fastapi
import httpx
import lilya.exceptions
import msgspec
import pydantic
import pytest
import starlette.exceptions
from fastapi import FastAPI
from lilya.apps import Lilya
from lilya.encoders import Encoder as LilyaEncoder
from lilya.routing import Path
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse as StarlettePlainText
from starlette.routing import Route, Router

import egress
from egress import (
    HTML,
    JSON,
    EncoderRegistry,
    Error,
    FileResponse,
    HTMLResponse,
    HTTPError,
    JSONResponse,
    Pipeline,
    PlainText,
    RedirectResponse,
    Request,
    Response,
    StreamingResponse,
    endpoint,
    make_response,
    to_response,
)
from egress.integrations.fastapi import EgressRoute
from egress.responses import ByteRange
from egress.types import CallNext, Scope
from tests._servers import serve

ROOT = FilePath(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "migration.md"
_PYTHON_BLOCK = re.compile(r"^```python\n(.*?)^```$", re.DOTALL | re.MULTILINE)


async def call(app: Any, method: str = "GET", url: str = "/", **kwargs: Any) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.request(method, url, **kwargs)


@pytest.fixture
def file_of_1024_bytes(tmp_path: FilePath) -> FilePath:
    path = tmp_path / "data.bin"
    path.write_bytes(bytes(range(256)) * 4)
    return path


# From Lilya


class MsgSpecEncoder(LilyaEncoder):  # Lilya's docs, unchanged
    __type__ = msgspec.Struct

    def serialize(self, obj: Any) -> Any:
        return msgspec.json.decode(msgspec.json.encode(obj))


class Money:
    def __init__(self, cents: int) -> None:
        self.cents = cents


class MoneyEncoder(LilyaEncoder):  # for a type egress does not know
    __type__ = Money

    def serialize(self, obj: Money) -> str:
        return f"{obj.cents / 100:.2f}"


class AttrsEncoder(LilyaEncoder):  # is_type instead of __type__
    def is_type(self, value: Any) -> bool:
        return attrs.has(type(value))

    def serialize(self, obj: Any) -> Any:
        return {"attrs": attrs.asdict(obj)}


class User(msgspec.Struct):
    name: str
    age: int


@attrs.define
class Point:
    x: int


@pytest.mark.parametrize("form", [MoneyEncoder, MoneyEncoder()], ids=["class", "instance"])
@pytest.mark.parametrize(
    "build",
    [
        lambda value, encoders: JSONResponse(value, encoders=encoders),
        lambda value, encoders: make_response(value, encoders=encoders),
        lambda value, encoders: to_response(value, encoders=encoders),
        lambda value, encoders: Pipeline(encoders=encoders).to_response(value),
    ],
    ids=["JSONResponse", "make_response", "to_response", "Pipeline"],
)
def test_lilya_encoders_are_accepted_by_encoders_argument(form: Any, build: Any) -> None:
    assert build([Money(1250)], [form]).body == b'["12.50"]'


def test_lilyas_msgspec_encoder_is_the_one_used() -> None:
    registry = EncoderRegistry()
    registry.register(MsgSpecEncoder())
    assert registry.dumps(User("lilya", 24)) == b'{"name":"lilya","age":24}'
    assert registry.explain(User("lilya", 24))[0].encoder == "MsgSpecEncoder"


@pytest.mark.parametrize("form", [AttrsEncoder, AttrsEncoder()], ids=["class", "instance"])
def test_lilya_encoders_register_and_win_over_the_builtins(form: Any) -> None:
    registry = EncoderRegistry()
    registry.register(form)
    assert registry.dumps(Point(1)) == b'{"attrs":{"x":1}}'
    assert registry.explain(Point(1))[0].encoder == "AttrsEncoder"


@pytest.mark.anyio
async def test_lilya_encoders_on_an_endpoint_in_a_lilya_path() -> None:
    @endpoint(encoders=[MoneyEncoder])
    async def price(item: str) -> dict[str, Any]:
        return {"item": item, "price": Money(1250)}

    got = await call(Lilya(routes=[Path("/prices/{item}", price)]), url="/prices/pen")
    assert got.json() == {"item": "pen", "price": "12.50"}


def test_a_str_is_text_and_make_response_keeps_lilyas_json_string() -> None:
    assert (to_response("hi").media_type, to_response("hi").body) == ("text/plain", b"hi")
    assert JSONResponse("hi").body == make_response("hi").body == b'"hi"'


def test_a_tuple_follows_the_tuple_rule_and_a_list_is_always_an_array() -> None:
    created = to_response(("Created", 201))
    assert (created.status_code, created.body) == (201, b"Created")
    assert to_response(({"id": 1}, 201)).body == b'{"id":1}'
    assert to_response(["Created", 201]).body == b'["Created",201]'


def test_none_is_204_and_json_null_or_an_empty_200_on_request() -> None:
    assert (to_response(None).status_code, to_response(None).body) == (204, b"")
    assert JSONResponse(None).body == b"null"
    empty = Pipeline(none_status=200).to_response(None)
    assert (empty.status_code, empty.body) == (200, b"")


def test_make_response_takes_status_code_second_and_keeps_the_class_media_type() -> None:
    response = make_response({"id": 1}, 201)
    assert (response.status_code, response.headers["content-type"]) == (201, "application/json")
    page = make_response("<p>hi</p>", response_class=HTMLResponse)
    assert (page.headers["content-type"], page.body) == ("text/html; charset=utf-8", b"<p>hi</p>")


def test_response_takes_media_type_fourth_and_encoders_by_keyword() -> None:
    response = Response("x", 201, {"x-a": "b"}, "text/csv")
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    with pytest.raises(TypeError, match="positional argument"):
        Response("x", 200, None, None, None, [MoneyEncoder])  # type: ignore[call-arg]


def test_a_subclass_overrides_render_where_lilya_overrode_make_response() -> None:
    class Upper(Response[str]):
        media_type = "text/plain"

        def render(self, content: str) -> str:
            return content.upper()

    assert Upper("shout").body == b"SHOUT"


def test_error_is_500_and_redirect_is_307() -> None:
    assert Error("<h1>Down</h1>").status_code == 500
    assert Error("<h1>Busy</h1>", status_code=503).status_code == 503
    assert RedirectResponse("/login").status_code == 307
    assert RedirectResponse("/login", status_code=303).status_code == 303


def test_encoded_forms_that_differ_from_lilya() -> None:
    value = {"wait": datetime.timedelta(seconds=90), "price": decimal.Decimal("12.50")}
    assert egress.dumps(value) == b'{"wait":"PT90S","price":"12.50"}'


def test_cookie_expires_string_is_sent_as_given_once_it_is_an_http_date() -> None:
    response = Response("x")
    response.set_cookie("session", "abc", expires="Thu, 22 Jan 2037 12:00:10 GMT")
    assert "Expires=Thu, 22 Jan 2037 12:00:10 GMT" in response.headers["set-cookie"]
    with pytest.raises(ValueError, match="not an HTTP date"):
        response.set_cookie("session", "abc", expires="tomorrow")


@pytest.mark.anyio
async def test_an_endpoint_in_a_lilya_path_answers_get_and_head() -> None:
    @endpoint
    async def show(item_id: int) -> dict[str, int]:
        return {"id": item_id}

    app = Lilya(routes=[Path("/items/{item_id}", show)])
    assert (await call(app, url="/items/7")).json() == {"id": 7}
    refused = await call(app, "DELETE", "/items/7")
    assert (refused.status_code, refused.headers["allow"]) == (405, "GET, HEAD")
    assert refused.json()["detail"].startswith("method DELETE is not allowed here")


class CustomFileResponse(FileResponse):  # Lilya's example, written for egress
    def get_content_ranges_and_multipart(
        self, scope: Scope, /, **kwargs: Any
    ) -> tuple[list[ByteRange] | None, bool]:
        kwargs.setdefault("enforce_asc", False)
        kwargs.setdefault("max_ranges", None if self.range_multipart_boundary else 1)
        ranges, _multipart = super().get_content_ranges_and_multipart(scope, **kwargs)
        if ranges is None:
            return None, False
        if any(byte_range.length <= 50 for byte_range in ranges):
            return None, False
        return ranges, len(ranges) > 1


@pytest.mark.anyio
async def test_lilyas_custom_file_response_lifts_the_limit_with_max_ranges_none(
    tmp_path: FilePath,
) -> None:
    path = tmp_path / "something.csv"
    path.write_bytes(b"x" * 4_000)
    many = ",".join(f"{start}-{start + 99}" for start in range(0, 4_000, 200))  # 20 ranges
    response = CustomFileResponse(path, range_multipart_boundary=True)
    got = await call(response, headers={"range": f"bytes={many}"})
    assert (got.status_code, got.text.count("Content-Range: bytes ")) == (206, 20)
    small = await call(response, headers={"range": "bytes=0-9,100-199"})
    assert (small.status_code, len(small.content)) == (200, 4_000)
    single = await call(CustomFileResponse(path), headers={"range": "bytes=0-99"})
    assert (single.status_code, single.headers["content-range"]) == (206, "bytes 0-99/4000")


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("ranges", "status", "content_range"),
    [
        ("bytes=0-0,2-2,4-4,6-6,8-8,10-10", 200, None),  # six range-specs: more than 5
        ("bytes=0-10,5-20", 206, "bytes 0-20/1024"),  # overlapping: coalesced
        ("bytes=5-20,0-10", 206, "bytes 0-20/1024"),  # descending: sorted
        ("bytes=1000-2000", 206, "bytes 1000-1023/1024"),  # past the end: clipped
        ("bytes=2000-3000", 416, "bytes */1024"),  # nothing overlaps
    ],
)
async def test_the_default_range_policy(
    file_of_1024_bytes: FilePath, ranges: str, status: int, content_range: str | None
) -> None:
    got = await call(
        FileResponse(file_of_1024_bytes, range_multipart_boundary=True), headers={"range": ranges}
    )
    assert (got.status_code, got.headers.get("content-range")) == (status, content_range)


@pytest.mark.anyio
async def test_enforce_asc_keeps_lilyas_policy(file_of_1024_bytes: FilePath) -> None:
    class AscendingOnly(FileResponse):
        def get_content_ranges_and_multipart(
            self, scope: Scope, /, **kwargs: Any
        ) -> tuple[list[ByteRange] | None, bool]:
            kwargs["enforce_asc"] = True
            return super().get_content_ranges_and_multipart(scope, **kwargs)

    got = await call(AscendingOnly(file_of_1024_bytes), headers={"range": "bytes=0-10,5-20"})
    assert (got.status_code, len(got.content)) == (200, 1024)


# From view.py


class MyObject:  # view.py's docs
    @staticmethod
    def __view_result__() -> tuple[str, dict[str, str]]:
        return "Hello from MyObject!", {"x-www-myobject": "foo"}


class Wrapped:  # view.py's docs call it Test
    def __view_result__(self) -> tuple[str, int]:
        return "test", 201


def test_view_result_static_or_instance() -> None:
    hello = to_response(MyObject())
    assert (hello.status_code, hello.body, hello.headers["x-www-myobject"]) == (
        200,
        b"Hello from MyObject!",
        "foo",
    )
    assert (to_response(Wrapped()).status_code, to_response(Wrapped()).body) == (201, b"test")


def test_status_is_spelled_status_code() -> None:
    response = Response(Wrapped(), status_code=200)
    assert (response.status_code, response.body) == (200, b"test")
    with pytest.raises(TypeError, match="status"):
        Response(Wrapped(), status=200)  # type: ignore[call-arg]


def test_cookie_is_spelled_set_cookie_with_httponly_and_samesite() -> None:
    response = Response("Hello")
    response.set_cookie("hello", "world", httponly=True, samesite="strict")
    assert response.headers["set-cookie"] == "hello=world; Path=/; HttpOnly; SameSite=Strict"
    bare = Response("Hello")
    bare.set_cookie("hello", "world", path=None, samesite=None)
    assert bare.headers["set-cookie"] == "hello=world"


def test_an_int_expires_is_seconds_from_now_and_a_datetime_a_moment() -> None:
    response = Response("x")
    response.set_cookie("a", "b", expires=3600)
    expires = re.search(r"Expires=([^;]+)", response.headers["set-cookie"])
    assert expires is not None
    from_now = parsedate_to_datetime(expires.group(1)).timestamp() - time.time()
    assert 3590 < from_now <= 3601
    moment = datetime.datetime.fromtimestamp(2_000_000_000, datetime.timezone.utc)
    response.set_cookie("c", "d", expires=moment)
    assert "Expires=Wed, 18 May 2033 03:33:20 GMT" in response.headers.getlist("set-cookie")[1]


def test_render_is_the_custom_strategy() -> None:
    class ListResponse(Response[list[str]]):
        def __init__(self, body: list[str]) -> None:
            super().__init__(body, body_translate="custom")

        def render(self, body: list[str]) -> str:
            return " ".join(body)

    assert ListResponse(["a", "b"]).body == b"a b"


def test_response_renders_text_and_bytes_and_str_or_repr_on_request() -> None:
    with pytest.raises(TypeError, match="JSONResponse"):
        Response(123)
    assert Response(123, body_translate="str").body == b"123"
    assert Response("hi", body_translate="repr").body == b"'hi'"


def test_error_is_http_error_with_message_as_an_alias_of_detail() -> None:
    error = HTTPError(404, message="no such pen")
    assert isinstance(error, Exception)
    assert (error.status_code, error.detail) == (404, "no such pen")
    assert to_response(HTTPError(400)).body == b'{"detail":"Bad Request"}'


def test_json_and_html_keep_view_pys_names() -> None:
    assert JSON is JSONResponse
    assert HTML is HTMLResponse


@pytest.mark.anyio
async def test_a_middleware_annotated_with_call_next_edits_the_response() -> None:
    @endpoint
    def index() -> str:
        return "my response!"

    @index.middleware
    async def stamp(call_next: CallNext) -> Response[Any]:
        res = to_response(await call_next())
        res.headers["x-stamped"] = "yes"
        return res

    got = await call(index)
    assert (got.text, got.headers["x-stamped"]) == ("my response!", "yes")


@pytest.mark.anyio
async def test_cache_rate_runs_as_view_pys_docs_say() -> None:
    runs = 0

    @endpoint(cache_rate=10)
    async def count() -> dict[str, int]:
        nonlocal runs
        runs += 1
        return {"runs": runs}

    for _ in range(20):
        await call(count)
    assert runs == 2


@pytest.mark.anyio
async def test_parameters_are_read_by_name_not_by_order() -> None:
    @endpoint
    async def index(world: str, hello: str) -> str:
        return f"{hello} {world}"

    assert (await call(index, url="/?hello=hi&world=there")).text == "hi there"


# From Vibora


@pytest.mark.anyio
async def test_vibora_response_examples_run_with_the_import_changed() -> None:
    async def stream_builder() -> Any:
        for x in range(0, 5):
            yield str(x).encode()

    home = await call(JSONResponse({"hello": "world"}))
    assert (home.headers["content-type"], home.json()) == ("application/json", {"hello": "world"})
    streamed = StreamingResponse(stream_builder, chunk_timeout=10, complete_timeout=30)
    assert (await call(streamed)).text == "01234"
    raw = await call(Response(b"Hello World", headers={"content-type": "html"}))
    assert (raw.headers["content-type"], raw.text) == ("html", "Hello World")


def test_stream_timeouts_have_no_default_and_take_seconds() -> None:
    stream = StreamingResponse([b"a"])
    assert (stream.chunk_timeout, stream.complete_timeout) == (None, None)
    assert StreamingResponse([b"a"], chunk_timeout=0.5, complete_timeout=0).chunk_timeout == 0.5
    with pytest.raises(ValueError, match="complete_timeout"):
        StreamingResponse([b"a"], complete_timeout=-1)


@pytest.mark.anyio
async def test_stream_content_may_be_an_iterable_as_well_as_a_callable() -> None:
    assert (await call(StreamingResponse(iter([b"a", b"b"])))).text == "ab"
    assert (await call(StreamingResponse(lambda: iter([b"c"])))).text == "c"


def read_until_cut(response: httpx.Response) -> tuple[bytes, bool]:
    """The body received, and whether it ended without its last chunk."""
    received = b""
    try:
        for chunk in response.iter_bytes():
            received += chunk
    except httpx.RemoteProtocolError:
        return received, True
    return received, False


def test_vibora_complete_timeout_cuts_a_stream_short_on_uvicorn() -> None:
    with serve("examples.migrate_vibora:app") as url, httpx.Client(timeout=10) as client:
        assert client.get(f"{url}/stream").text == "01234"
        started = time.monotonic()
        with client.stream("GET", f"{url}/slow") as response:
            received, cut = read_until_cut(response)
        assert cut  # the body ended without its last chunk
        assert time.monotonic() - started < 3  # 0.5 s, not the 10 s the stream needs
        assert 0 < received.count(b"\n") < 100


@pytest.mark.anyio
async def test_the_request_body_limit_is_10_mb() -> None:
    @endpoint(methods=("POST",))
    async def upload(request: Request) -> int:
        return len(await request.body())

    assert (await call(upload, "POST", content=b"x" * (1024 * 1024 + 1))).text == "1048577"
    refused = await call(upload, "POST", content=b"x" * 10_000_001)
    assert refused.status_code == 413
    assert "max_body_size" in refused.json()["detail"]


# From Starlette


@pytest.mark.anyio
async def test_an_endpoint_in_a_route_answers_what_a_function_route_does() -> None:
    @endpoint
    async def egress_greet() -> str:
        return "hi"

    async def starlette_greet(request: Any) -> StarlettePlainText:
        return StarlettePlainText("hi")

    app = Router([Route("/egress", egress_greet), Route("/starlette", starlette_greet)])
    for path in ("/egress", "/starlette"):
        assert (await call(app, "HEAD", path)).status_code == 200
        refused = await call(app, "DELETE", path)
        assert (refused.status_code, set(refused.headers["allow"].split(", "))) == (
            405,
            {"GET", "HEAD"},
        )
    assert (await call(app, "DELETE", "/egress")).json()["detail"].startswith("method DELETE")


@pytest.mark.anyio
@pytest.mark.parametrize(
    "error",
    [
        starlette.exceptions.HTTPException(404, "x"),
        fastapi.HTTPException(404, "x"),
        # Lilya reads its status and detail from keywords (positional arguments are extra)
        lilya.exceptions.HTTPException(status_code=404, detail="x"),
    ],
    ids=["starlette", "fastapi", "lilya"],
)
async def test_other_frameworks_http_exceptions_answer_like_http_error_inside_an_endpoint(
    error: Exception, caplog: pytest.LogCaptureFixture
) -> None:
    @endpoint
    async def fails() -> None:
        raise error

    @endpoint
    async def refuses() -> None:
        raise HTTPError(404, detail="x")

    with caplog.at_level(logging.ERROR, logger="egress.endpoints"):
        got = await call(fails)
    assert (got.status_code, got.json()) == (404, {"detail": "x"})
    assert not caplog.records  # an answer, not an unexpected error
    got = await call(refuses)
    assert (got.status_code, got.json()) == (404, {"detail": "x"})


@pytest.mark.anyio
async def test_a_starlette_endpoint_returns_egress_responses() -> None:
    async def legacy(request: Any) -> PlainText:
        return PlainText("still Starlette")

    assert (await call(Starlette(routes=[Route("/", legacy)]))).text == "still Starlette"


def test_a_starlette_response_is_not_an_egress_response() -> None:
    with pytest.raises(egress.EncodeError):
        to_response(StarlettePlainText("x"))


def test_json_encodes_what_json_dumps_cannot() -> None:
    @dataclasses.dataclass
    class Reading:
        at: datetime.date
        celsius: float

    assert JSONResponse(Reading(datetime.date(2024, 5, 1), math.nan)).body == (
        b'{"at":"2024-05-01","celsius":null}'
    )


def test_cookie_values_and_header_values_are_checked() -> None:
    with pytest.raises(ValueError, match="cookie"):
        Response("x").set_cookie("a", "two words")
    with pytest.raises(ValueError, match="control character"):
        Response("x", headers={"x-a": "a\x1bb"})


@pytest.mark.anyio
async def test_file_answers_that_differ_from_starlette(
    file_of_1024_bytes: FilePath, tmp_path: FilePath
) -> None:
    assert (await call(FileResponse(tmp_path / "missing.txt"))).status_code == 404
    malformed = await call(FileResponse(file_of_1024_bytes), headers={"range": "bytes=x-y"})
    assert (malformed.status_code, len(malformed.content)) == (200, 1024)
    two = {"range": "bytes=0-1,4-5"}
    assert (await call(FileResponse(file_of_1024_bytes), headers=two)).status_code == 200
    multipart = await call(
        FileResponse(file_of_1024_bytes, range_multipart_boundary=True), headers=two
    )
    assert multipart.status_code == 206
    assert multipart.headers["content-type"].startswith("multipart/byteranges; boundary=")


# From FastAPI


@dataclasses.dataclass
class Pen:
    name: str
    price: decimal.Decimal


class Item(pydantic.BaseModel):
    name: str


def pens_app(route_class: type[fastapi.routing.APIRoute]) -> FastAPI:
    app = FastAPI()
    app.router.route_class = route_class

    @app.get("/pens/{pen_id}")
    async def pen(pen_id: int):  # no return annotation, so no response_model
        if pen_id != 1:
            raise HTTPError(404, detail={"pen": pen_id}, headers={"x-retry": "never"})
        return Pen("fountain", decimal.Decimal("12.50"))

    return app


@pytest.mark.anyio
async def test_one_line_switches_fastapi_to_egress_encoding() -> None:
    plain = FastAPI()

    @plain.get("/pens/{pen_id}")
    async def pen(pen_id: int):  # no return annotation, so no response_model
        return Pen("fountain", decimal.Decimal("12.50"))

    assert (await call(plain, url="/pens/1")).json() == {"name": "fountain", "price": 12.5}
    app = pens_app(EgressRoute)
    assert (await call(app, url="/pens/1")).json() == {"name": "fountain", "price": "12.50"}
    assert (await call(app, url="/pens/one")).status_code == 422
    missing = await call(app, url="/pens/9")
    assert (missing.status_code, missing.json()) == (404, {"detail": {"pen": 9}})
    assert missing.headers["x-retry"] == "never"


@pytest.mark.anyio
async def test_add_route_serves_the_path_where_mount_redirects() -> None:
    @endpoint
    async def hello(name: str = "world") -> str:
        return f"Hello, {name}!"

    app = FastAPI()
    app.add_route("/hello", hello)
    app.mount("/mounted", hello)
    assert (await call(app, url="/hello?name=x")).text == "Hello, x!"
    assert (await call(app, url="/hello/below")).status_code == 404
    redirected = await call(app, url="/mounted?name=x")
    assert (redirected.status_code, redirected.headers["location"]) == (
        307,
        "http://test/mounted/?name=x",
    )
    assert (await call(app, url="/mounted/below")).status_code == 200
    assert "/hello" not in (await call(app, url="/openapi.json")).json()["paths"]


@pytest.mark.anyio
async def test_an_endpoint_in_fastapi_follows_egress_rules() -> None:
    @endpoint
    async def text() -> str:
        return "hi"

    @endpoint
    async def nothing() -> None:
        return None

    @endpoint
    async def created() -> tuple[str, int]:
        return "Created", 201

    @endpoint
    async def number(x: int, q: int | None) -> dict[str, int | None]:
        return {"x": x, "q": q}

    app = FastAPI()
    for name, handler in [("text", text), ("nothing", nothing), ("created", created)]:
        app.add_route(f"/{name}", handler)
    app.add_route("/number", number)
    got = await call(app, url="/text")
    assert (got.headers["content-type"], got.text) == ("text/plain; charset=utf-8", "hi")
    assert (await call(app, url="/nothing")).status_code == 204
    got = await call(app, url="/created")
    assert (got.status_code, got.text) == (201, "Created")
    assert (await call(app, url="/number?x=12")).json() == {"x": 12, "q": None}
    for value in ("1_000", "1.0"):
        got = await call(app, url=f"/number?x={value}")
        assert (got.status_code, got.json()["parameter"], got.json()["expected"]) == (
            400,
            "x",
            "int",
        )


def test_a_body_model_parameter_is_refused_when_decorated() -> None:
    async def create(item: Item) -> Item:
        return item

    with pytest.raises(TypeError) as refused:
        endpoint(create)
    message = str(refused.value)
    assert "create()" in message
    assert "'item'" in message
    assert "await request.json()" in message
    assert "EgressRoute" in message


# The page itself


def _blocks() -> list[str]:
    return _PYTHON_BLOCK.findall(PAGE.read_text())


@pytest.mark.parametrize("block", _blocks(), ids=lambda block: f"{len(block.splitlines())}-lines")
def test_every_python_block_is_a_complete_program(block: str) -> None:
    result = subprocess.run(
        [sys.executable, "-W", "error", "-c", block],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("source", ["lilya", "viewpy", "vibora", "starlette", "fastapi"])
def test_every_source_has_a_section_and_its_before_after_app(source: str) -> None:
    example = ROOT / "examples" / f"migrate_{source}.py"
    assert f"(../examples/migrate_{source}.py)" in PAGE.read_text()
    assert "Before" in example.read_text().split('"""')[1]
