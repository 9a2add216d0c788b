"""Apps for the response tests; `app` and `middleware_app` are also served by uvicorn in
tests/test_responses_server.py."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.routing import Route

from egress import JSONResponse, PlainText, RedirectResponse, Response
from egress.types import Receive, Scope, Send
from tests._asgi_client import fetch

__all__ = ["ALLOWED_ORIGIN", "NOT_FOUND", "NOT_FOUND_TEXT", "app", "fetch", "middleware_app"]
# `fetch` is here for the test modules that still import it from this module; its home is
# tests/_asgi_client.py.


def _cookies() -> Response[Any]:
    response = PlainText("cookies")
    response.set_cookie("session", "abc123", max_age=60, httponly=True)
    response.set_cookie("theme", "dark", samesite="strict")
    return response


async def _later() -> dict[str, str]:
    return {"resolved": "later"}


def _dated_cookie() -> Response[Any]:
    response = PlainText("dated")
    response.set_cookie("until", "2037", expires="Thu, 22 Jan 2037 12:00:10 GMT")
    return response


ROUTES: dict[str, Callable[[], Response[Any]]] = {
    "/json": lambda: JSONResponse({"message": "Welcome home", "id": 7}),
    "/text": lambda: PlainText("héllo"),
    "/empty": lambda: Response(status_code=204),
    "/redirect": lambda: RedirectResponse("/json?next=ä b"),
    "/cookies": _cookies,
    "/async": lambda: JSONResponse(_later()),
    "/cookie-date": _dated_cookie,
}


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    route = ROUTES.get(scope["path"])
    response = route() if route is not None else PlainText("not found", status_code=404)
    await response(scope, receive, send)


NOT_FOUND_TEXT = "nothing here, " * 8
NOT_FOUND = PlainText(NOT_FOUND_TEXT, status_code=404)
"""One Response object answering every request to /shared, as a module-level constant
shared by many handlers is: what middleware does to its messages must not stick to it."""
ALLOWED_ORIGIN = "https://client.example"


async def _shared(request: Request) -> Response[str]:
    return NOT_FOUND


middleware_app = Starlette(
    routes=[Route("/shared", _shared)],
    middleware=[
        Middleware(CORSMiddleware, allow_origins=[ALLOWED_ORIGIN]),
        Middleware(GZipMiddleware, minimum_size=10),
    ],
)
"""Starlette's GZipMiddleware sets Content-Encoding and Content-Length and appends Vary
on the header list it is given; CORSMiddleware sets Access-Control-Allow-Origin and
appends Vary on it too."""
