"""HTMLResponse (alias HTML) and Error, an HTML page that is a 500 by default."""

from __future__ import annotations

import asyncio

import httpx

from egress import Error, HTMLResponse


async def main() -> None:
    pages = [HTMLResponse("<h1>Pens</h1>"), Error("<h1>Something broke</h1>")]
    for page in pages:
        transport = httpx.ASGITransport(app=page)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            got = await client.get("/")
        print(type(page).__name__, got.status_code, got.headers["content-type"], got.text)
        assert got.headers["content-type"] == "text/html; charset=utf-8"
        assert got.status_code == (500 if isinstance(page, Error) else 200)


asyncio.run(main())
