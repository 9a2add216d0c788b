"""PlainText (alias PlainTextResponse): text/plain; charset=utf-8."""

from __future__ import annotations

import asyncio

import httpx

from egress import PlainText


async def main() -> None:
    transport = httpx.ASGITransport(app=PlainText("Grüße", status_code=202))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        got = await client.get("/")
    print(got.status_code, got.headers["content-type"], got.headers["content-length"], got.text)
    assert got.text == "Grüße"
    assert got.headers["content-length"] == str(len("Grüße".encode()))


asyncio.run(main())
