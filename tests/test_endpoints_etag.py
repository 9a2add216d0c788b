"""@endpoint(etag=True): a strong ETag for complete 200 responses to GET and HEAD, 304 on a
matching If-None-Match (weak comparison, RFC 9110 §13.1.2), with cache_rate, behind
middleware that edits messages in place, and on uvicorn."""

from __future__ import annotations

import copy
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.middleware.gzip import GZipMiddleware

from egress import EventSourceResponse
from egress.endpoints import endpoint
from egress.pipeline import HTTPError
from egress.responses import JSONResponse, PlainText, Response, StreamingResponse
from egress.types import Message
from tests._servers import serve
from tests.apps_sse import Peer
from tests.apps_streaming import edits_in_place

STRONG_TAG = re.compile(r'"[0-9a-f]{32}"')
BODY_HEADERS = ("content-length", "content-type")


def client(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


@endpoint(etag=True)
async def greeting(name: str = "world") -> Response[Any]:
    return JSONResponse({"hello": name}, headers={"cache-control": "max-age=60", "x-kept": "1"})


async def conditional_get(app: Any, condition: str, method: str = "GET") -> httpx.Response:
    async with client(app) as c:
        return await c.request(method, "/", headers={"if-none-match": condition})


def assert_not_modified(response: httpx.Response, etag: str) -> None:
    assert response.status_code == 304
    assert response.content == b""
    assert response.headers["etag"] == etag
    for name in BODY_HEADERS:
        assert name not in response.headers


# -- the tag ------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_a_complete_200_gets_a_strong_etag_that_follows_the_body() -> None:
    async with client(greeting) as c:
        first, again, other = await c.get("/"), await c.get("/"), await c.get("/?name=ada")
    assert STRONG_TAG.fullmatch(first.headers["etag"])
    assert again.headers["etag"] == first.headers["etag"]
    assert other.headers["etag"] != first.headers["etag"]
    assert first.json() == {"hello": "world"}
    assert first.headers["content-length"] == str(len(first.content))


@pytest.mark.anyio
async def test_head_gets_the_etag_of_get_and_no_body() -> None:
    async with client(greeting) as c:
        get, head = await c.get("/"), await c.head("/")
    assert (head.status_code, head.content) == (200, b"")
    assert head.headers == get.headers


@pytest.mark.anyio
async def test_without_the_option_there_is_no_etag() -> None:
    @endpoint
    async def plain() -> str:
        return "hi"

    async with client(plain) as c:
        assert "etag" not in (await c.get("/")).headers
        response = await c.get("/", headers={"if-none-match": "*"})
    assert (response.status_code, response.text) == (200, "hi")


async def two_lines() -> AsyncIterator[str]:
    yield "one\n"
    yield "two\n"


@pytest.mark.anyio
@pytest.mark.parametrize(
    "result",
    [
        pytest.param(lambda: StreamingResponse(two_lines(), media_type="text/plain"), id="stream"),
        pytest.param(lambda: ("created", 201), id="201"),
        pytest.param(lambda: PlainText("", status_code=204), id="204"),
    ],
)
async def test_streams_and_other_statuses_get_no_etag(result: Any) -> None:
    @endpoint(etag=True)
    async def other() -> Any:
        return result()

    async with client(other) as c:
        response = await c.get("/")
        conditional = await c.get("/", headers={"if-none-match": "*"})
    assert "etag" not in response.headers
    assert conditional.status_code == response.status_code
    assert conditional.content == response.content


@pytest.mark.anyio
async def test_the_head_of_a_stream_is_not_held() -> None:
    # An event stream's head must reach the browser before its first event is made.
    peer = Peer()
    sent_before: list[list[str]] = []

    async def first() -> AsyncIterator[str]:
        sent_before.append([m["type"] for m in peer.messages])
        yield "first"

    @endpoint(etag=True)
    async def events() -> EventSourceResponse:
        return EventSourceResponse(first())

    await peer.run(events)
    assert sent_before == [["http.response.start"]]
    assert "etag" not in dict(peer.messages[0]["headers"])


@pytest.mark.anyio
async def test_errors_and_other_methods_get_no_etag() -> None:
    @endpoint(etag=True, methods=("GET", "POST"))
    async def item(missing: bool = False) -> str:
        if missing:
            raise HTTPError(404)
        return "item"

    async with client(item) as c:
        posted = await c.post("/", headers={"if-none-match": "*"})
        missing = await c.get("/?missing=true", headers={"if-none-match": "*"})
    assert (posted.status_code, posted.text, "etag" in posted.headers) == (200, "item", False)
    assert (missing.status_code, "etag" in missing.headers) == (404, False)


@pytest.mark.anyio
async def test_a_response_with_its_own_etag_keeps_it_and_is_answered_304_on_it() -> None:
    @endpoint(etag=True)
    async def versioned() -> Response[Any]:
        return PlainText("v3", headers={"etag": 'W/"v3"'})

    async with client(versioned) as c:
        response = await c.get("/")
        assert response.headers.get_list("etag") == ['W/"v3"']
        assert_not_modified(await c.get("/", headers={"if-none-match": '"v3"'}), 'W/"v3"')
        assert (await c.get("/", headers={"if-none-match": '"v2"'})).text == "v3"


# -- If-None-Match --------------------------------------------------------------------------


@pytest.mark.anyio
async def test_a_matching_if_none_match_gets_304_with_the_etag_and_no_body_headers() -> None:
    async with client(greeting) as c:
        etag = (await c.get("/")).headers["etag"]
        response = await c.get("/", headers={"if-none-match": etag})
    assert_not_modified(response, etag)
    assert response.headers["cache-control"] == "max-age=60"  # what a cache updates
    assert response.headers["x-kept"] == "1"


@pytest.mark.anyio
async def test_head_with_a_matching_if_none_match_gets_304() -> None:
    async with client(greeting) as c:
        etag = (await c.get("/")).headers["etag"]
        response = await c.head("/", headers={"if-none-match": etag})
    assert_not_modified(response, etag)


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("condition", "modified"),
    [
        ("{tag}", False),
        ("W/{tag}", False),  # weak comparison: W/ is ignored
        ('"other", {tag}', False),
        (' "other" ,, W/{tag} , ', False),  # spaces and empty list members
        ("*", False),
        ('"other"', True),
        ('"other", W/"another"', True),
        ("{bare}", True),  # not a quoted entity-tag
        ("w/{tag}", True),  # the weak prefix is case-sensitive
        ('{tag} "other"', True),  # not a list: no match, the full response
        ("*, {tag}", True),
        ("", True),
    ],
)
async def test_if_none_match_uses_the_weak_comparison(condition: str, modified: bool) -> None:
    async with client(greeting) as c:
        etag = (await c.get("/")).headers["etag"]
    text = condition.format(tag=etag, bare=etag.strip('"'))
    response = await conditional_get(greeting, text)
    if modified:
        assert (response.status_code, response.json()) == (200, {"hello": "world"})
        assert response.headers["etag"] == etag
    else:
        assert_not_modified(response, etag)


@pytest.mark.anyio
async def test_repeated_if_none_match_fields_form_one_list() -> None:
    async with client(greeting) as c:
        etag = (await c.get("/")).headers["etag"]
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/",
        "query_string": b"",
        "headers": [(b"if-none-match", b'"other"'), (b"if-none-match", etag.encode())],
    }
    sent = await call(greeting, scope)
    assert sent[0]["status"] == 304


async def call(app: Any, scope: Message) -> list[Message]:
    """One request straight to the ASGI app (any header bytes, no client in between)."""
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent


# An opaque tag's characters (RFC 9110 §8.8.3): anything visible but `"`, and obs-text.
OPAQUE = st.binary(max_size=12).map(
    lambda raw: bytes(b for b in raw if b == 0x21 or 0x23 <= b <= 0x7E or b >= 0x80)
)
SPACES = st.sampled_from([b"", b" ", b"\t", b"  "])


@st.composite
def tag_lists(draw: st.DrawFn) -> tuple[bytes, list[bytes]]:
    """An If-None-Match list: the header bytes, and the opaque tags it names."""
    opaques = draw(st.lists(OPAQUE, max_size=4))
    members = [
        draw(SPACES) + draw(st.sampled_from([b"", b"W/"])) + b'"' + opaque + b'"' + draw(SPACES)
        for opaque in opaques
    ]
    return b",".join(members), opaques


@pytest.mark.anyio
@settings(max_examples=60, deadline=None)
@given(body=OPAQUE, listed=tag_lists(), weak=st.booleans())
async def test_a_304_exactly_when_the_tag_is_listed(
    body: bytes, listed: tuple[bytes, list[bytes]], weak: bool
) -> None:
    # The response's own tag is `"<body>"` (weak or strong); the client sends a list.
    header, opaques = listed
    tag = (b'W/"' if weak else b'"') + body + b'"'

    @endpoint(etag=True)
    async def tagged() -> Response[Any]:
        return Response(b"x", headers=[(b"etag", tag)])

    scope = {"type": "http", "method": "GET", "path": "/", "query_string": b""}
    sent = await call(tagged, {**scope, "headers": [(b"if-none-match", header)]})
    assert sent[0]["status"] == (304 if body in opaques else 200)


# -- with cache_rate -----------------------------------------------------------------------


@pytest.mark.anyio
async def test_the_cache_replays_the_etag_and_each_request_decides_on_304() -> None:
    runs: list[int] = []

    @endpoint(etag=True, cache_rate=3)
    async def counter() -> dict[str, int]:
        runs.append(1)
        return {"run": len(runs)}

    async with client(counter) as c:
        first = await c.get("/")  # GET request 1: run 1
        etag = first.headers["etag"]
        matched = await c.get("/", headers={"if-none-match": etag})  # a replay, answered 304
        plain = await c.get("/")  # a replay: the 304 was not what the cache kept
        fourth = await c.get("/", headers={"if-none-match": etag})  # run 2: a new body
        fifth = await c.get("/", headers={"if-none-match": fourth.headers["etag"]})
        head = await c.head("/")  # HEAD counts apart: run 3
        head_matched = await c.head("/", headers={"if-none-match": head.headers["etag"]})
    assert len(runs) == 3
    assert_not_modified(matched, etag)
    assert (plain.status_code, plain.json(), plain.headers["etag"]) == (200, {"run": 1}, etag)
    assert (fourth.status_code, fourth.json()) == (200, {"run": 2})
    assert fourth.headers["etag"] != etag
    assert_not_modified(fifth, fourth.headers["etag"])
    assert_not_modified(head_matched, head.headers["etag"])


@pytest.mark.anyio
async def test_a_run_answered_304_still_caches_the_full_response() -> None:
    runs: list[int] = []

    @endpoint(etag=True, cache_rate=3)
    async def fixed() -> str:
        runs.append(1)
        return "same body"

    async with client(fixed) as c:
        etag = (await c.get("/")).headers["etag"]  # run 1
        await c.get("/")
        await c.get("/")
        answered = await c.get("/", headers={"if-none-match": etag})  # run 2, answered 304
        replayed = await c.get("/")  # replays run 2
    assert len(runs) == 2
    assert_not_modified(answered, etag)
    assert (replayed.status_code, replayed.text, replayed.headers["etag"]) == (
        200,
        "same body",
        etag,
    )


# -- messages: never changed in place, never changed by what middleware does -----------------


@pytest.mark.anyio
async def test_the_handlers_response_and_the_cache_are_not_touched_by_middleware() -> None:
    shared = PlainText("a shared response, sent again and again")
    headers_before = copy.deepcopy(shared.raw_headers)

    @endpoint(etag=True, cache_rate=3)
    async def reused() -> Response[Any]:
        return shared

    app = edits_in_place(reused)
    etags = set()
    async with client(app) as c:
        for _ in range(7):
            response = await c.get("/")
            assert response.headers.get_list("x-edited") == ["1"]
            etags.add(response.headers["etag"])
        matched = await c.get("/", headers={"if-none-match": etags.pop()})
    assert not etags  # one tag, every time
    assert matched.status_code == 304
    assert shared.raw_headers == headers_before


@pytest.mark.anyio
async def test_behind_gzip_the_tag_is_the_identity_bodys_and_304_still_answers() -> None:
    body = "a body long enough for gzip to bother with, " * 4

    @endpoint(etag=True, cache_rate=10)
    async def page() -> str:
        return body

    async with client(GZipMiddleware(page, minimum_size=10)) as c:
        zipped = await c.get("/", headers={"accept-encoding": "gzip"})
        plain = await c.get("/", headers={"accept-encoding": "identity"})
        matched = await c.get(
            "/", headers={"accept-encoding": "gzip", "if-none-match": plain.headers["etag"]}
        )
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.text == plain.text == body
    assert zipped.headers["etag"] == plain.headers["etag"]
    assert_not_modified(matched, plain.headers["etag"])


def test_etag_takes_a_bool() -> None:
    with pytest.raises(TypeError, match="etag= takes True or False, got 'yes'"):
        endpoint(etag="yes")(lambda: None)  # type: ignore[call-overload]


# -- on a real server -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def served() -> Iterator[httpx.Client]:
    with serve("tests.apps_etag:app") as url, httpx.Client(base_url=url, timeout=10) as c:
        yield c


def test_uvicorn_sends_etag_and_304(served: httpx.Client) -> None:
    page = served.get("/page")
    etag = page.headers["etag"]
    assert STRONG_TAG.fullmatch(etag)
    matched = served.get("/page", headers={"if-none-match": f'"x", W/{etag}'})
    assert_not_modified(matched, etag)
    head = served.head("/page", headers={"if-none-match": etag})
    assert_not_modified(head, etag)
    assert served.get("/page?name=ada").headers["etag"] != etag


def test_uvicorn_replays_the_cached_etag(served: httpx.Client) -> None:
    first = served.get("/cached")
    etag = first.headers["etag"]
    assert_not_modified(served.get("/cached", headers={"if-none-match": etag}), etag)
    third = served.get("/cached")
    assert (third.json(), third.headers["etag"]) == (first.json(), etag)
    assert served.get("/cached", headers={"if-none-match": etag}).status_code == 200  # new run


def test_uvicorn_streams_get_no_etag(served: httpx.Client) -> None:
    response = served.get("/stream", headers={"if-none-match": "*"})
    assert (response.status_code, response.text) == (200, "one\ntwo\n")
    assert "etag" not in response.headers
