"""RedirectResponse: 307 by default, with a Location the client can follow as is."""

from __future__ import annotations

import asyncio

import httpx

from egress import PlainText, RedirectResponse, Response
from egress.types import Receive, Scope, Send


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    response: Response[str] | RedirectResponse
    if scope["path"] == "/old":
        response = RedirectResponse("/new menu/café", status_code=308)
    else:
        response = PlainText(f"you reached {scope['path']}")
    await response(scope, receive, send)


async def main() -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        moved = await client.get("/old")
        print(moved.status_code, moved.headers["location"])
        assert moved.headers["location"] == "/new%20menu/caf%C3%A9"
        followed = await client.get("/old", follow_redirects=True)
        print(followed.text)
        assert followed.text == "you reached /new menu/café"
    try:
        RedirectResponse("/next\r\nSet-Cookie: admin=1")
    except ValueError as error:
        print("refused:", error)


asyncio.run(main())
