"""Talking to an ASGI app in-process, for the tests: over httpx's ASGI transport (what a
client sees), or by collecting the raw messages (what httpx cannot show: 1xx statuses,
header pairs as sent)."""

from __future__ import annotations

from typing import Any

import httpx

from egress.types import ASGIApp, Message

__all__ = ["client", "collect", "fetch"]


def client(app: Any) -> httpx.AsyncClient:
    """An httpx client for `app`; use it as `async with client(app) as c:`."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


async def fetch(app: Any, method: str = "GET", path: str = "/", **request: Any) -> httpx.Response:
    """One request to `app` (`request`: what `httpx.AsyncClient.request` takes)."""
    async with client(app) as c:
        return await c.request(method, path, **request)


async def collect(app: ASGIApp) -> list[Message]:
    """The ASGI messages `app` sends for one GET of `/`."""
    messages: list[Message] = []

    async def send(message: Message) -> None:
        messages.append(message)

    async def receive() -> Message:
        return {"type": "http.disconnect"}

    await app({"type": "http", "method": "GET", "path": "/"}, receive, send)
    return messages
