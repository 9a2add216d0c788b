"""CompressionMiddleware over in-process ASGI: which responses it compresses and how, each
body message flushed so a stream decodes message by message, and Starlette, Lilya and
FastAPI apps wrapped. Real servers and real clients: test_middleware_servers.py."""

from __future__ import annotations

import sys
import zlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import anyio
import brotli
import httpx
import pytest
import zstandard
from hypothesis import given
from hypothesis import strategies as st

from egress import EventSourceResponse, FileResponse, PlainText, Response, endpoint
from egress.middleware import CompressionMiddleware
from egress.types import ASGIApp, Message, Receive, Scope, Send
from tests._asgi_client import fetch

pytestmark = pytest.mark.anyio

TEXT = "The quick brown fox jumps over the lazy dog. " * 40  # 1,800 bytes


def _decoder(coding: str) -> Callable[[bytes], bytes]:
    """An incremental decoder: each call returns what the bytes so far decode to."""
    if coding == "gzip":
        return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress
    if coding == "br":
        return brotli.Decompressor().process  # type: ignore[no-any-return]
    return zstandard.ZstdDecompressor().decompressobj().decompress  # type: ignore[no-any-return]


def _app(response: Callable[[], Response[Any]]) -> ASGIApp:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await response()(scope, receive, send)

    return app


async def _messages(
    app: ASGIApp, headers: dict[str, str], method: str = "GET", scope: dict[str, Any] | None = None
) -> list[Message]:
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    requested = False

    async def receive() -> Message:
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b""}
        await anyio.sleep_forever()  # the client stays until the response ends
        raise AssertionError("unreachable")

    raw = [(k.encode(), v.encode()) for k, v in headers.items()]
    request = {"type": "http", "method": method, "path": "/", "headers": raw, **(scope or {})}
    await app(request, receive, send)
    return sent


def _head(messages: list[Message]) -> dict[bytes, bytes]:
    return dict(messages[0]["headers"])


@pytest.mark.parametrize(("accept", "coding"), [("gzip", "gzip"), ("br", "br"), ("zstd", "zstd")])
async def test_each_coding_over_httpx(accept: str, coding: str) -> None:
    app = CompressionMiddleware(_app(lambda: PlainText(TEXT)))
    response = await fetch(app, headers={"accept-encoding": accept})
    assert response.headers["content-encoding"] == coding
    assert response.headers["vary"] == "Accept-Encoding"
    assert int(response.headers["content-length"]) < len(TEXT) / 5
    assert response.text == TEXT  # httpx decoded it


@pytest.mark.parametrize(
    ("accept", "coding"),
    [
        ("gzip, deflate, br, zstd", b"zstd"),  # a browser's field: the server's order
        ("gzip, br", b"br"),
        ("gzip;q=1, br;q=0.5", b"gzip"),
        ("x-gzip", b"gzip"),
        ("gzip;q=0", None),  # Starlette's GZip compresses this one
        ("identity", None),
        ("br;q=0.5, identity", None),
        ("*;q=0", None),
        (";;;,,,q=abc", None),
    ],
)
async def test_accept_encoding_with_q_values(accept: str, coding: bytes | None) -> None:
    messages = await _messages(
        CompressionMiddleware(_app(lambda: PlainText(TEXT))), {"accept-encoding": accept}
    )
    assert _head(messages).get(b"content-encoding") == coding
    assert _head(messages)[b"vary"] == b"Accept-Encoding"


async def test_without_accept_encoding_the_body_goes_as_it_is() -> None:
    messages = await _messages(CompressionMiddleware(_app(lambda: PlainText(TEXT))), {})
    assert b"content-encoding" not in _head(messages)
    assert messages[1]["body"] == TEXT.encode()


async def test_the_encodings_offered_and_their_order() -> None:
    app = CompressionMiddleware(_app(lambda: PlainText(TEXT)), encodings=("gzip", "br"))
    assert app.encodings == ("gzip", "br")
    messages = await _messages(app, {"accept-encoding": "zstd, br, gzip"})
    assert _head(messages)[b"content-encoding"] == b"gzip"


async def test_minimum_size() -> None:
    small = _app(lambda: PlainText("x" * 499))
    messages = await _messages(CompressionMiddleware(small), {"accept-encoding": "gzip"})
    assert b"content-encoding" not in _head(messages)
    assert _head(messages)[b"vary"] == b"Accept-Encoding"
    messages = await _messages(
        CompressionMiddleware(small, minimum_size=0), {"accept-encoding": "gzip"}
    )
    assert _head(messages)[b"content-encoding"] == b"gzip"


@pytest.mark.parametrize("level", [1, 9])
async def test_level(level: int) -> None:
    app = CompressionMiddleware(_app(lambda: PlainText(TEXT)), level=level, encodings=("gzip",))
    messages = await _messages(app, {"accept-encoding": "gzip"})
    assert zlib.decompress(messages[1]["body"], 16 + zlib.MAX_WBITS) == TEXT.encode()


def _with_head(status: int, headers: dict[str, str]) -> ASGIApp:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        raw = [(k.encode(), v.encode()) for k, v in headers.items()]
        await send({"type": "http.response.start", "status": status, "headers": raw})
        await send({"type": "http.response.body", "body": TEXT.encode() if status != 304 else b""})

    return app


@pytest.mark.parametrize(
    ("status", "headers"),
    [
        (206, {"content-range": "bytes 0-1799/5000"}),
        (200, {"content-encoding": "br"}),
        (200, {"content-type": "multipart/byteranges; boundary=x"}),
        (200, {"content-type": "image/png"}),
    ],
)
async def test_never_compressed(status: int, headers: dict[str, str]) -> None:
    messages = await _messages(
        CompressionMiddleware(_with_head(status, headers)), {"accept-encoding": "gzip"}
    )
    assert _head(messages) == {k.encode(): v.encode() for k, v in headers.items()}
    assert messages[1]["body"] == TEXT.encode()


async def test_svg_is_compressed() -> None:
    app = CompressionMiddleware(_with_head(200, {"content-type": "image/svg+xml"}))
    messages = await _messages(app, {"accept-encoding": "gzip"})
    assert _head(messages)[b"content-encoding"] == b"gzip"


async def test_head_carries_no_content_encoding() -> None:
    @endpoint
    async def page() -> str:
        return TEXT

    messages = await _messages(
        CompressionMiddleware(page), {"accept-encoding": "gzip"}, method="HEAD"
    )
    head = _head(messages)
    assert b"content-encoding" not in head
    assert head[b"content-length"] == str(len(TEXT)).encode()
    assert head[b"vary"] == b"Accept-Encoding"


async def test_a_strong_etag_becomes_weak() -> None:
    @endpoint(etag=True)
    async def page() -> str:
        return TEXT

    messages = await _messages(CompressionMiddleware(page), {"accept-encoding": "gzip"})
    etag = _head(messages)[b"etag"]
    assert etag.startswith(b'W/"')
    identity = await _messages(CompressionMiddleware(page), {})
    assert b"W/" + _head(identity)[b"etag"] == etag


@pytest.mark.parametrize(
    ("accept_encoding", "etag"), [("gzip", b'W/"a"'), ("identity", b'"a"'), (None, b'"a"')]
)
async def test_a_304_carries_what_the_200_it_stands_for_carried(
    accept_encoding: str | None, etag: bytes
) -> None:
    app = CompressionMiddleware(_with_head(304, {"etag": '"a"'}))
    messages = await _messages(app, {"accept-encoding": accept_encoding} if accept_encoding else {})
    assert _head(messages) == {b"etag": etag, b"vary": b"Accept-Encoding"}
    assert messages[1]["body"] == b""


async def test_a_conditional_request_behind_compression_gets_the_tag_it_was_sent() -> None:
    @endpoint(etag=True, negotiate=True, cache_rate=3)
    async def page() -> dict[str, str]:
        return {"text": TEXT}

    app = CompressionMiddleware(page)
    request = {"accept-encoding": "gzip", "accept": "application/vnd.msgpack"}
    first = _head(await _messages(app, request))
    assert first[b"etag"].startswith(b'W/"')
    again = await _messages(app, {**request, "if-none-match": first[b"etag"].decode()})
    assert again[0]["status"] == 304
    assert _head(again)[b"etag"] == first[b"etag"]
    assert (b"vary", b"Accept-Encoding") in again[0]["headers"]


async def test_a_weak_etag_stays_as_it_is() -> None:
    app = CompressionMiddleware(_with_head(200, {"etag": 'W/"a"'}))
    messages = await _messages(app, {"accept-encoding": "gzip"})
    assert _head(messages)[b"etag"] == b'W/"a"'


async def _events() -> AsyncIterator[dict[str, int]]:
    for n in range(5):
        yield {"n": n}


@pytest.mark.parametrize("coding", ["gzip", "br", "zstd"])
async def test_a_stream_is_flushed_after_every_message(coding: str) -> None:
    """Each compressed message decodes to exactly the event it carries: nothing is held
    back for the next, and no Content-Length is sent."""
    app = CompressionMiddleware(_app(lambda: EventSourceResponse(_events(), ping=None)))
    messages = await _messages(app, {"accept-encoding": coding})
    head = _head(messages)
    assert head[b"content-encoding"] == coding.encode()
    assert b"content-length" not in head
    decode = _decoder(coding)
    events = [decode(m["body"]) for m in messages[1:] if m["body"]]
    assert events[:5] == [f'data: {{"n":{n}}}\n\n'.encode() for n in range(5)]
    assert messages[-1].get("more_body", False) is False


async def test_a_file_sent_by_path_is_streamed_compressed(tmp_path: Path) -> None:
    path = tmp_path / "page.txt"
    path.write_text(TEXT)
    app = CompressionMiddleware(_app(lambda: FileResponse(path)))
    extensions = {"extensions": {"http.response.pathsend": {}}}
    messages = await _messages(app, {"accept-encoding": "gzip"}, scope=extensions)
    assert all(m["type"] != "http.response.pathsend" for m in messages)
    body = b"".join(m.get("body", b"") for m in messages[1:])
    assert zlib.decompress(body, 16 + zlib.MAX_WBITS) == TEXT.encode()
    # a request that gets no compression keeps the extension
    plain = await _messages(app, {}, scope=extensions)
    assert [m["type"] for m in plain] == ["http.response.start", "http.response.pathsend"]
    assert _head(plain)[b"vary"] == b"Accept-Encoding"


async def test_other_scopes_pass_through() -> None:
    seen: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope["type"])

    await CompressionMiddleware(app)({"type": "lifespan"}, _never, _never)
    assert seen == ["lifespan"]


async def _never(*args: Any) -> Any:
    raise AssertionError("not called")


def test_a_coding_whose_package_is_missing_is_not_offered(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "brotli", None)  # import brotli now raises ImportError
    assert CompressionMiddleware(_app(lambda: PlainText(TEXT))).encodings == ("zstd", "gzip")


def test_nothing_installed_to_offer_names_the_extras(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "brotli", None)
    monkeypatch.setitem(sys.modules, "zstandard", None)
    with pytest.raises(ImportError, match=r"pip install 'egress\[zstd,brotli\]'"):
        CompressionMiddleware(_app(lambda: PlainText(TEXT)), encodings=("zstd", "br"))


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"encodings": ("deflate",)}, ValueError, "unknown content coding 'deflate'"),
        ({"encodings": "gzip"}, TypeError, "a sequence of names"),
        ({"level": 10}, ValueError, "outside br's levels 0 to 11|outside gzip's levels 0 to 9"),
        ({"level": 12, "encodings": ("zstd", "gzip")}, ValueError, "gzip's levels 0 to 9"),
        ({"minimum_size": -1}, ValueError, "minimum_size must be"),
    ],
)
def test_bad_arguments(kwargs: dict[str, Any], error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        CompressionMiddleware(_app(lambda: PlainText(TEXT)), **kwargs)


# -- around frameworks' apps --------------------------------------------------------------


def _starlette() -> ASGIApp:
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    async def page(request: Any) -> PlainTextResponse:
        return PlainTextResponse(TEXT)

    return Starlette(routes=[Route("/", page)], middleware=[Middleware(CompressionMiddleware)])


def _lilya() -> ASGIApp:
    from lilya.apps import Lilya
    from lilya.middleware import DefineMiddleware
    from lilya.routing import Path as Route

    @endpoint
    async def page() -> str:
        return TEXT

    return Lilya(routes=[Route("/", page)], middleware=[DefineMiddleware(CompressionMiddleware)])


def _fastapi() -> ASGIApp:
    from fastapi import FastAPI
    from fastapi.responses import PlainTextResponse

    app = FastAPI()

    @app.get("/", response_class=PlainTextResponse)
    async def page() -> str:
        return TEXT

    app.add_middleware(CompressionMiddleware)
    return app


@pytest.mark.parametrize("make", [_starlette, _lilya, _fastapi])
async def test_around_framework_apps(make: Callable[[], ASGIApp]) -> None:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=make()), base_url="http://t"
    ) as client:
        response = await client.get("/", headers={"accept-encoding": "br"})
    assert response.headers["content-encoding"] == "br"
    assert response.text == TEXT


@pytest.mark.parametrize("coding", ["gzip", "br", "zstd"])
async def test_a_large_body_is_compressed_off_the_event_loop(coding: str) -> None:
    """Bodies from 128 KiB go through a worker thread; streamed or not, they decode."""
    threads: list[bool] = []
    large = TEXT.encode() * 100  # 180,000 bytes

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": large, "more_body": True})
        await send({"type": "http.response.body", "body": large})

    original = anyio.to_thread.run_sync

    async def spy(*args: Any, **kwargs: Any) -> Any:
        threads.append(True)
        return await original(*args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(anyio.to_thread, "run_sync", spy)
        messages = await _messages(CompressionMiddleware(app), {"accept-encoding": coding})
    decode = _decoder(coding)
    assert b"".join(decode(m["body"]) for m in messages[1:]) == large * 2
    assert threads == [True, True]


@pytest.mark.parametrize("coding", ["gzip", "br", "zstd"])
async def test_empty_body_messages_in_a_stream(coding: str) -> None:
    """An empty message compresses to nothing for zstd (nothing to send); the stream
    still decodes to what was sent and ends with one final message."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        for body in (b"", TEXT.encode(), b""):
            await send({"type": "http.response.body", "body": body, "more_body": True})
        await send({"type": "http.response.body", "body": b""})

    messages = await _messages(CompressionMiddleware(app), {"accept-encoding": coding})
    decode = _decoder(coding)
    assert b"".join(decode(m["body"]) for m in messages[1:]) == TEXT.encode()
    assert [m.get("more_body", False) for m in messages[1:]][-1] is False
    if coding == "zstd":
        assert all(m["body"] for m in messages[1:-1])  # no empty message sent mid-stream


@given(
    chunks=st.lists(st.binary(max_size=300) | st.sampled_from([b"data: x\n\n", TEXT.encode()])),
    coding=st.sampled_from(["gzip", "br", "zstd"]),
)
def test_any_stream_is_decodable_after_every_message(chunks: list[bytes], coding: str) -> None:
    """Whatever the app streams, once each of its body messages is through the
    middleware the client can decode exactly everything sent so far."""
    decode = _decoder(coding)
    decoded = [b""]

    async def client(message: Message) -> None:
        if message["type"] == "http.response.body":
            decoded[0] += decode(message["body"])

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        sent = b""
        for chunk in chunks:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
            sent += chunk
            assert decoded[0] == sent
        await send({"type": "http.response.body", "body": b""})

    scope = {
        "type": "http",
        "method": "GET",
        "path": "/",
        "headers": [(b"accept-encoding", coding.encode())],
    }
    anyio.run(CompressionMiddleware(app), scope, _never, client)
    assert decoded[0] == b"".join(chunks)
