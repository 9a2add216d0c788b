"""Response: bytes or str as they are, Content-Length always, Content-Type when known."""

from __future__ import annotations

import asyncio

import httpx

from egress import Response


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


asyncio.run(main())
