"""Response and its subclasses over real ASGI: bodies, Content-Length/Content-Type,
status rules, new messages on every send (middleware that edits them), the classes and
their `encoders=`, body_translate, async content and passthrough bodies."""

from __future__ import annotations

import copy
from http import HTTPStatus
from typing import Any

import httpx
import pytest

import egress
from egress import (
    HTML,
    JSON,
    EncodeError,
    Encoder,
    Error,
    HTMLResponse,
    JSONResponse,
    JsonResponse,
    Ok,
    PlainText,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from tests._asgi_client import collect, fetch
from tests.apps_responses import ALLOWED_ORIGIN, NOT_FOUND, NOT_FOUND_TEXT, middleware_app

pytestmark = pytest.mark.anyio


# -- the base Response -----------------------------------------------------------------


async def test_bytes_body_has_length_and_no_content_type() -> None:
    got = await fetch(Response(b"raw bytes"))
    assert got.status_code == 200
    assert got.content == b"raw bytes"
    assert got.headers["content-length"] == "9"
    assert "content-type" not in got.headers


async def test_text_media_type_gets_utf8_charset() -> None:
    got = await fetch(Response("héllo", media_type="text/csv"))
    assert got.headers["content-type"] == "text/csv; charset=utf-8"
    assert got.content == "héllo".encode()
    assert got.headers["content-length"] == str(len("héllo".encode()))


async def test_explicit_charset_is_kept_and_used() -> None:
    class Latin(Response[str]):
        media_type = "text/plain"
        charset = "latin-1"

    got = await fetch(Latin("é"))
    assert got.headers["content-type"] == "text/plain; charset=latin-1"
    assert got.content == b"\xe9"
    own = await fetch(Response("x", media_type="text/plain; charset=ascii"))
    assert own.headers["content-type"] == "text/plain; charset=ascii"


async def test_non_text_media_type_has_no_charset() -> None:
    got = await fetch(Response(b"\x89PNG", media_type="image/png"))
    assert got.headers["content-type"] == "image/png"


async def test_empty_response() -> None:
    got = await fetch(Response())
    assert got.content == b""
    assert got.headers["content-length"] == "0"


def test_raw_headers_are_asgi_pairs() -> None:
    response = JSONResponse({"a": 1}, headers={"X-Trace": "t1"})
    assert response.raw_headers == [
        (b"x-trace", b"t1"),
        (b"content-length", b"7"),
        (b"content-type", b"application/json"),
    ]


async def test_messages_sent() -> None:
    messages = await collect(PlainText("hi", status_code=201))
    assert messages == [
        {
            "type": "http.response.start",
            "status": 201,
            "headers": [(b"content-length", b"2"), (b"content-type", b"text/plain; charset=utf-8")],
        },
        {"type": "http.response.body", "body": b"hi"},
    ]


@pytest.mark.parametrize("status", [100, 101, 103, 204, 304])
async def test_bodiless_statuses_send_no_body_and_no_length(status: int) -> None:
    messages = await collect(JSONResponse(status_code=status))
    names = [name for name, _ in messages[0]["headers"]]
    assert messages[0]["status"] == status
    assert b"content-length" not in names
    assert b"content-type" not in names
    assert messages[1]["body"] == b""


@pytest.mark.parametrize("status", [204, 304])
async def test_bodiless_statuses_over_http(status: int) -> None:
    got = await fetch(Response(status_code=status))
    assert got.status_code == status
    assert got.content == b""
    assert "content-length" not in got.headers


@pytest.mark.parametrize("status", [100, 204, 304])
def test_bodiless_status_with_content_is_refused(status: int) -> None:
    with pytest.raises(ValueError, match=f"a {status} response cannot carry a body"):
        PlainText("oops", status_code=status)


@pytest.mark.parametrize("status", [0, 99, 600, 1000, -200])
def test_status_outside_range(status: int) -> None:
    with pytest.raises(ValueError, match=f"status_code {status} is outside 100-599"):
        Response(b"", status_code=status)


@pytest.mark.parametrize("status", [True, "200", 200.0])
def test_status_must_be_an_int(status: Any) -> None:
    with pytest.raises(TypeError, match="status_code must be an int"):
        Response(b"", status_code=status)


async def test_httpstatus_is_accepted_and_sent_as_int() -> None:
    response = Response(b"", status_code=HTTPStatus.CREATED)
    assert type(response.status_code) is int
    assert (await fetch(response)).status_code == 201


def test_base_response_refuses_data_it_cannot_render() -> None:
    with pytest.raises(TypeError, match=r"Response cannot render dict.*JSONResponse"):
        Response({"a": 1})


def test_response_is_generic() -> None:
    alias = Response[bytes]
    assert alias(b"x").body == b"x"


async def test_response_is_reusable() -> None:
    response = PlainText("again")
    first, second = await fetch(response), await fetch(response)
    assert first.content == second.content == b"again"


# -- every message is new: what middleware edits in place stays out of the response ------


def vandalizing(record: list[dict[str, Any]]) -> Any:
    """A `send` that keeps a copy of each message, then edits the message and its header
    list in place, as GZip and CORS middleware do (and worse)."""

    async def send(message: dict[str, Any]) -> None:
        record.append(copy.deepcopy(message))
        headers = message.get("headers")
        if headers is not None:
            headers.append((b"content-encoding", b"gzip"))
            headers[0] = (b"x-replaced", b"1")
            headers.reverse()
        message["status"] = 599
        message["body"] = b"vandalized"
        message["more_body"] = True
        message["type"] = "vandalized"

    return send


async def _later_text() -> str:
    return "resolved"


def _with_cookie() -> Response[Any]:
    response = JSONResponse({"a": 1}, headers={"x-a": "1"})
    response.set_cookie("session", "abc")
    return response


SHARED = {
    "PlainText 404": lambda: PlainText("no", status_code=404),
    "Response bytes": lambda: Response(b"raw"),
    "JSONResponse, headers and a cookie": _with_cookie,
    "HTMLResponse": lambda: HTMLResponse("<p>x</p>"),
    "Error": lambda: Error("down"),
    "RedirectResponse": lambda: RedirectResponse("/elsewhere"),
    "204": lambda: Response(status_code=204),
    "coroutine content": lambda: PlainText(_later_text()),  # type: ignore[arg-type]
    "HTTPError response": lambda: egress.to_response(egress.HTTPError(404, headers={"x-b": "2"})),
    "a subclass sending through _start_message": lambda: Chunks([b"a", b"b"]),
}


@pytest.mark.parametrize("make", list(SHARED.values()), ids=list(SHARED))
async def test_a_response_sent_again_is_unchanged_by_what_send_did(make: Any) -> None:
    response = make()
    sends: list[list[dict[str, Any]]] = []
    for _ in range(3):
        record: list[dict[str, Any]] = []
        await response({"type": "http", "method": "GET", "path": "/"}, None, vandalizing(record))
        sends.append(record)
    fresh = await collect(make())
    assert sends == [fresh, fresh, fresh]
    assert all(name != b"x-replaced" for name, _ in response.raw_headers)


async def test_every_message_is_a_new_dict_with_a_new_headers_list() -> None:
    response = PlainText("twice")
    first, second = await collect(response), await collect(response)
    assert first == second
    for one, other in zip(first, second, strict=True):
        assert one is not other
    assert first[0]["headers"] is not second[0]["headers"]
    assert first[0]["headers"] is not response.raw_headers
    assert response._start_message()["headers"] is not response.raw_headers


async def test_a_shared_response_behind_gzip_and_cors_middleware() -> None:
    """The module-level NOT_FOUND of tests/apps_responses.py behind Starlette's
    GZipMiddleware and CORSMiddleware, which edit the messages they are given in place,
    asked for gzip and identity in turn: each answer is what that request alone gets."""
    encodings = ["gzip", "identity", "gzip", "identity", "identity", "gzip"]
    transport = httpx.ASGITransport(app=middleware_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        answers = [
            await client.get("/shared", headers={"accept-encoding": e, "origin": ALLOWED_ORIGIN})
            for e in encodings
        ]
    by_encoding: dict[str, list[list[tuple[str, str]]]] = {"gzip": [], "identity": []}
    for encoding, got in zip(encodings, answers, strict=True):
        assert got.status_code == 404
        assert got.text == NOT_FOUND_TEXT
        assert got.headers.get("content-encoding") == ("gzip" if encoding == "gzip" else None)
        assert sorted(got.headers["vary"].split(", ")) == ["Accept-Encoding", "Origin"]
        assert got.headers.get_list("access-control-allow-origin") == [ALLOWED_ORIGIN]
        by_encoding[encoding].append(got.headers.multi_items())
    for seen in by_encoding.values():
        assert seen == [seen[0]] * len(seen)
    assert answers[1].headers["content-length"] == str(len(NOT_FOUND_TEXT))
    assert NOT_FOUND.raw_headers == PlainText(NOT_FOUND_TEXT, status_code=404).raw_headers


# -- encoders= on every class (Lilya passes it to each) ---------------------------------


ENCODER_TAKERS = {
    "Response": lambda encoders: Response(b"x", encoders=encoders),
    "JSONResponse": lambda encoders: JSONResponse({"a": 1}, encoders=encoders),
    "Ok": lambda encoders: Ok([1], encoders=encoders),
    "HTMLResponse": lambda encoders: HTMLResponse("<p>", encoders=encoders),
    "PlainText": lambda encoders: PlainText("x", encoders=encoders),
    "Error": lambda encoders: Error("x", encoders=encoders),
    "RedirectResponse": lambda encoders: RedirectResponse("/x", encoders=encoders),
    "RedirectResponse, Lilya's positional order": lambda encoders: RedirectResponse(
        "/x", 303, None, None, encoders=encoders
    ),
}


@pytest.mark.parametrize("make", list(ENCODER_TAKERS.values()), ids=list(ENCODER_TAKERS))
def test_every_response_class_takes_encoders(make: Any) -> None:
    layered = make([PointEncoder()])
    assert layered.encoders.dumps(Point(1, 2)) == b"[1,2]"
    assert layered.encoders is not egress.registry
    own = egress.EncoderRegistry(builtins=False)
    assert make(own).encoders is own
    assert make(None).encoders is egress.registry
    with pytest.raises(TypeError, match="encoders="):
        make([object()])


# -- the classes -------------------------------------------------------------------------


async def test_json_response() -> None:
    got = await fetch(JSONResponse({"message": "Welcome home", "id": 7}))
    assert got.headers["content-type"] == "application/json"
    assert got.json() == {"message": "Welcome home", "id": 7}
    assert got.headers["content-length"] == str(len(got.content))


@pytest.mark.parametrize(
    ("content", "body"),
    [("hi", b'"hi"'), (None, b"null"), ([1, 2], b"[1,2]"), (3.5, b"3.5"), (True, b"true")],
)
def test_json_renders_every_json_value(content: Any, body: bytes) -> None:
    assert JSONResponse(content).body == body


def test_json_takes_bytes_as_encoded_json() -> None:
    assert JSONResponse(b'{"already": "json"}').body == b'{"already": "json"}'


def test_json_encode_error_before_sending() -> None:
    with pytest.raises(EncodeError, match=r"\$\.bad"):
        JSONResponse({"bad": object()})


class Point:
    def __init__(self, x: int, y: int) -> None:
        self.x, self.y = x, y


class PointEncoder(Encoder[Point]):
    __type__ = Point

    def serialize(self, value: Point) -> Any:
        return [value.x, value.y]


def test_json_with_encoders_layered_over_the_default() -> None:
    response = JSONResponse({"at": Point(1, 2)}, encoders=[PointEncoder()])
    assert response.body == b'{"at":[1,2]}'
    with pytest.raises(EncodeError):
        JSONResponse({"at": Point(1, 2)})


def test_json_with_its_own_registry() -> None:
    own = egress.EncoderRegistry()
    own.register(Point, lambda value: f"{value.x},{value.y}")
    assert JSONResponse(Point(3, 4), encoders=own).body == b'"3,4"'


def test_aliases() -> None:
    assert JsonResponse is JSONResponse
    assert JSON is JSONResponse
    assert HTML is HTMLResponse
    assert PlainTextResponse is PlainText


async def test_ok_is_a_200_json_response() -> None:
    got = await fetch(Ok({"ok": True}))
    assert got.status_code == 200
    assert got.json() == {"ok": True}
    assert got.headers["content-type"] == "application/json"


@pytest.mark.parametrize(
    ("cls", "media_type"), [(HTMLResponse, "text/html"), (PlainText, "text/plain")]
)
async def test_text_classes(cls: type[Response[str]], media_type: str) -> None:
    got = await fetch(cls("<p>é</p>"))
    assert got.headers["content-type"] == f"{media_type}; charset=utf-8"
    assert got.text == "<p>é</p>"


async def test_error_is_a_500_html_page() -> None:
    got = await fetch(Error("<h1>Broken</h1>"))
    assert got.status_code == 500
    assert got.headers["content-type"] == "text/html; charset=utf-8"
    assert got.text == "<h1>Broken</h1>"
    assert (await fetch(Error("<h1>Down</h1>", status_code=503))).status_code == 503


async def test_a_media_type_assigned_to_a_class_later_is_the_one_sent() -> None:
    class Notes(PlainText):
        pass

    assert Notes("x").headers["content-type"] == "text/plain; charset=utf-8"
    Notes.media_type = "text/markdown"
    got = await fetch(Notes("# x"))
    assert got.headers["content-type"] == "text/markdown; charset=utf-8"
    Notes.charset = "latin-1"
    assert Notes("é").raw_headers[-1] == (b"content-type", b"text/markdown; charset=latin-1")
    assert Notes("é").body == b"\xe9"
    assert PlainText("x").headers["content-type"] == "text/plain; charset=utf-8"


def test_a_media_type_assigned_to_a_base_class_later_reaches_its_subclasses() -> None:
    class Notes(PlainText):
        pass

    class ShortNotes(Notes):
        pass

    class Csv(Notes):
        media_type = "text/csv"

    Notes.media_type = "text/markdown"
    assert ShortNotes("x").headers["content-type"] == "text/markdown; charset=utf-8"
    assert Csv("x").headers["content-type"] == "text/csv; charset=utf-8"  # its own wins
    Notes.charset = "latin-1"
    assert Csv("x").headers["content-type"] == "text/csv; charset=latin-1"


def test_a_bad_media_type_fails_where_the_class_is_written() -> None:
    with pytest.raises(ValueError, match="content-type"):

        class Broken(PlainText):
            media_type = "text/plain\r\nx-injected: 1"


def test_the_pipeline_sends_the_json_class_media_type_of_the_moment() -> None:
    class Compact(JSONResponse[Any]):
        pass

    pipeline = egress.Pipeline(json_class=Compact)
    assert pipeline.to_response([1]).headers["content-type"] == "application/json"
    Compact.media_type = "application/vnd.compact+json"
    for value in ([1], {"a": 1}, 1.5):  # dicts and lists take the pipeline's direct path
        response = pipeline.to_response(value)
        assert response.headers["content-type"] == "application/vnd.compact+json"


def test_text_class_refuses_data() -> None:
    with pytest.raises(TypeError, match=r"PlainText cannot render int.*body_translate='str'"):
        PlainText(5)  # type: ignore[arg-type]


# -- redirects ---------------------------------------------------------------------------


async def test_redirect_defaults_to_307_with_empty_body() -> None:
    got = await fetch(RedirectResponse("/elsewhere"))
    assert got.status_code == 307
    assert got.headers["location"] == "/elsewhere"
    assert got.headers["content-length"] == "0"
    assert got.content == b""


@pytest.mark.parametrize(
    ("url", "location"),
    [
        ("/caf\u00e9 menu", "/caf%C3%A9%20menu"),
        ("https://example.com/a?q=1&r=a b#frag", "https://example.com/a?q=1&r=a%20b#frag"),
        ("/already%20encoded", "/already%20encoded"),
        ("https://user@[::1]:8080/x;p=1", "https://user@[::1]:8080/x;p=1"),
    ],
)
def test_redirect_location_is_quoted(url: str, location: str) -> None:
    assert RedirectResponse(url).headers["location"] == location


@pytest.mark.parametrize("url", ["/a\r\nSet-Cookie: x=1", "/a\nb", "/a\x00"])
def test_redirect_refuses_crlf(url: str) -> None:
    with pytest.raises(ValueError, match="CR, LF or NUL"):
        RedirectResponse(url)


async def test_redirect_status_headers_and_url_objects() -> None:
    response = RedirectResponse(
        httpx.URL("https://example.com/next"), status_code=301, headers={"x-why": "moved"}
    )
    got = await fetch(response)
    assert got.status_code == 301
    assert got.headers["location"] == "https://example.com/next"
    assert got.headers["x-why"] == "moved"


def test_redirect_needs_a_3xx_status() -> None:
    with pytest.raises(ValueError, match="needs a 3xx status_code, got 200"):
        RedirectResponse("/", status_code=200)


def test_redirect_location_header_from_user_is_replaced() -> None:
    response = RedirectResponse("/real", headers={"Location": "/fake"})
    assert response.headers.getlist("location") == ["/real"]


async def test_subclass_with_a_bodiless_default_status() -> None:
    class NoContent(JSONResponse[None]):
        status_code = 204

    messages = await collect(NoContent())
    assert messages[0]["status"] == 204
    assert messages[0]["headers"] == []


def test_repr() -> None:
    assert repr(Error("x")) == "Error(status_code=500)"


# -- the hooks for subclasses that send their body themselves ---------------------------


class Chunks(Response[list[bytes]]):
    """Sends each chunk as its own body message, through the documented hooks."""

    media_type = "text/plain"

    def __init__(self, chunks: list[bytes], background: Any = None) -> None:
        self.chunks = chunks
        self._init_head(None, {"x-chunks": str(len(chunks))}, None, background)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await send(self._start_message())
        for chunk in self.chunks:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b""})
        await self._run_background()


async def test_subclass_hooks() -> None:
    seen: list[str] = []
    response = Chunks([b"a", b"b"], background=egress.BackgroundTask(seen.append, "after"))
    response.set_cookie("c", "1")
    got = await fetch(response)
    assert got.text == "ab"
    assert "content-length" not in got.headers
    assert got.headers["content-type"] == "text/plain; charset=utf-8"
    assert got.headers["x-chunks"] == "2"
    assert got.cookies["c"] == "1"
    assert seen == ["after"]
    with pytest.raises(AttributeError, match="Chunks has no body: it sends its content as it goes"):
        _ = response.body


def test_init_head_keeps_a_user_length_without_one_of_its_own() -> None:
    response = Chunks.__new__(Chunks)
    response._init_head(201, {"content-length": "10"}, "application/x-ndjson", None)
    assert response.status_code == 201
    assert response.raw_headers == [
        (b"content-length", b"10"),
        (b"content-type", b"application/x-ndjson"),
    ]


# -- JSONResponse with every default: its own short path, the same response -------------


async def test_json_subclass_that_renders_its_own_way_is_rendered_by_it() -> None:
    class Upper(JSONResponse[Any]):
        def render(self, content: Any) -> bytes:
            return repr(sorted(content)).upper().encode()

    got = await fetch(Upper({"a": 1, "b": 2}))
    assert got.content == b"['A', 'B']"
    assert got.headers["content-length"] == "10"


class Money:
    def __init__(self, cents: int) -> None:
        self.cents = cents


async def test_json_subclass_with_its_own_encoders_uses_them() -> None:
    own = egress.EncoderRegistry()
    own.register(Money, lambda m: f"{m.cents} cents")

    class Priced(JSONResponse[Any]):
        encoders = own

    got = await fetch(Priced({"price": Money(5)}))
    assert got.json() == {"price": "5 cents"}


async def test_status_code_assigned_to_a_class_later_sets_its_head() -> None:
    class Quiet(JSONResponse[Any]):
        pass

    Quiet.status_code = 204
    with pytest.raises(ValueError, match="204 response cannot carry a body"):
        Quiet({"a": 1})
    Quiet.status_code = 201
    got = await fetch(Quiet({"a": 1}))
    assert (got.status_code, got.headers["content-type"]) == (201, "application/json")
