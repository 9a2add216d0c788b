"""Response: bytes or str as they are, Content-Length always, Content-Type when known;
one Response object may answer many requests, whatever middleware does to its messages."""

from __future__ import annotations

import asyncio

import httpx

from egress import PlainText, Response
from egress.types import Message

NOT_FOUND = PlainText("no such page", status_code=404)  # shared by every handler


async def gzip_like(message: Message) -> None:
    """A `send` that edits the messages it gets in place, as GZip middleware does."""
    if message["type"] == "http.response.start":
        message["headers"].append((b"content-encoding", b"gzip"))
        print("sent:", message["status"], message["headers"])


async def main() -> None:
    csv = Response("name,price\nfountain,12.50\n", media_type="text/csv", headers={"X-Rows": "1"})
    raw = Response(b"\x00\x01\x02")
    empty = Response(status_code=204)
    for label, response in [("csv", csv), ("raw", raw), ("empty", empty)]:
        transport = httpx.ASGITransport(app=response)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            got = await client.get("/")
        print(label, got.status_code, dict(got.headers), got.content)
        if label == "csv":
            assert got.headers["content-type"] == "text/csv; charset=utf-8"
            assert got.headers["x-rows"] == "1"
        if label == "raw":
            assert "content-type" not in got.headers
            assert got.headers["content-length"] == "3"
        if label == "empty":
            assert "content-length" not in got.headers

    for _ in range(2):  # each send gets its own messages: the edit never sticks
        await NOT_FOUND({"type": "http"}, None, gzip_like)  # type: ignore[arg-type]
    assert b"content-encoding" not in dict(NOT_FOUND.raw_headers)


asyncio.run(main())
