"""A Vibora app moved to egress (docs/migration.md, "From Vibora").

Before, with Vibora (the three examples of its responses page):

    import asyncio
    from vibora import JsonResponse, Response, StreamingResponse, Vibora

    app = Vibora()

    @app.route('/')
    async def home():
        return JsonResponse({'hello': 'world'})

    @app.route('/stream')
    async def stream():
        async def stream_builder():
            for x in range(0, 5):
                yield str(x).encode()
                await asyncio.sleep(1)

        return StreamingResponse(
               stream_builder, chunk_timeout=10, complete_timeout=30
        )

    @app.route('/raw')
    async def raw():
        return Response(b'Hello World', headers={'content-type': 'html'})

After, with egress: the handler bodies are Vibora's, with the import changed; the
handlers become `@endpoint`s in an ASGI router (Starlette's here), served by any ASGI
server. The stream sleeps `TICK` seconds instead of 1 so that this script runs in a
moment, with `anyio.sleep` so that it also runs on trio (`asyncio.sleep` works as
before on asyncio servers). `/slow` shows `complete_timeout` cutting a stream short.

Run: .venv/bin/python examples/migrate_vibora.py
(served: .venv/bin/uvicorn examples.migrate_vibora:app)
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import anyio
import httpx
from starlette.routing import Route, Router

from egress import JsonResponse, Response, StreamingResponse, endpoint
from egress.types import Message

TICK = 0.01


@endpoint
async def home() -> JsonResponse:
    return JsonResponse({"hello": "world"})


@endpoint
async def stream() -> StreamingResponse:
    async def stream_builder() -> AsyncIterator[bytes]:
        for x in range(0, 5):
            yield str(x).encode()
            await anyio.sleep(TICK)

    return StreamingResponse(stream_builder, chunk_timeout=10, complete_timeout=30)


@endpoint
async def raw() -> Response[bytes]:
    return Response(b"Hello World", headers={"content-type": "html"})


async def slow_builder() -> AsyncIterator[bytes]:
    for x in range(0, 100):
        yield f"{x}\n".encode()
        await anyio.sleep(0.1)


@endpoint
async def slow() -> StreamingResponse:
    """A stream that needs 10 s, with 0.5 s to send it all: cut short, like Vibora."""
    return StreamingResponse(slow_builder, complete_timeout=0.5)


app = Router([Route("/", home), Route("/stream", stream), Route("/raw", raw), Route("/slow", slow)])


async def messages_of(path: str) -> list[Message]:
    """What the app sends for GET `path`, taken straight from its ASGI `send`."""
    scope: dict[str, Any] = {
        "type": "http",
        "method": "GET",
        "path": path,
        "query_string": b"",
        "headers": [],
    }
    sent: list[Message] = []

    async def receive() -> Message:
        await anyio.sleep_forever()  # the client never goes away
        raise AssertionError("unreachable")

    async def send(message: Message) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent


async def main() -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://example") as client:
        got = await client.get("/")
        print(got.status_code, got.headers["content-type"], got.text)
        assert got.json() == {"hello": "world"}
        assert got.headers["content-type"] == "application/json"

        got = await client.get("/stream")
        print(got.status_code, got.text)
        assert (got.status_code, got.text) == (200, "01234")

        got = await client.get("/raw")
        print(got.status_code, got.headers["content-type"], got.text)
        assert (got.headers["content-type"], got.content) == ("html", b"Hello World")

    sent = await messages_of("/slow")
    body = b"".join(message.get("body", b"") for message in sent[1:])
    print("complete_timeout=0.5 cut /slow after", body.count(b"\n"), "of 100 lines")
    assert 0 < body.count(b"\n") < 100
    assert sent[-1].get("more_body") is True  # no final message: the response is incomplete


if __name__ == "__main__":
    anyio.run(main)
