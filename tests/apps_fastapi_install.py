"""FastAPI apps that `install()` makes egress's, with every way a route can be declared:
before and after the call, in routers included before and after it (with and without a
route class of their own), with FastAPI's JSON response classes named on the route or
through a `default_response_class`, and with other response classes, which are kept.

The annotations are not strings (no `from __future__ import annotations`), so the
string return annotations below are real ones, resolved as FastAPI resolves them.
With EGRESS_TEST_LOG set (tests/_servers.serve_logged), install()'s report goes to that
file.

Each route answers VALUE (or its typed twin), whose JSON FastAPI and egress write
differently: FastAPI writes the Decimal as a number and the timedelta as seconds (or as
`PT1M30S` through pydantic), egress as a string and as `PT90S`.
"""

import datetime
import decimal
import functools
import logging
import os
import warnings
from collections.abc import AsyncIterator, Callable
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.responses import HTMLResponse, JSONResponse, ORJSONResponse, UJSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response as StarletteResponse

import egress
from egress.integrations.fastapi import Skipped, install

VALUE = {
    "price": decimal.Decimal("1.10"),
    "wait": datetime.timedelta(seconds=90),
    "at": datetime.datetime(2024, 5, 1, 12, 30, 1, 123456, tzinfo=datetime.timezone.utc),
}


class Priced(BaseModel):
    price: decimal.Decimal
    wait: datetime.timedelta
    at: datetime.datetime


async def get_value():
    return VALUE


def get_value_sync():
    return VALUE


async def get_typed() -> Priced:
    return {**VALUE, "secret": "filtered out by the return annotation"}  # type: ignore[return-value]


async def get_declared():
    return {**VALUE, "secret": "filtered out by the response_model"}


class Pricing:
    """A callable object as an endpoint, its return annotation a string."""

    async def __call__(self) -> "Priced":
        return {**VALUE, "secret": "filtered out"}  # type: ignore[return-value]


async def get_priced(secret: str) -> "Priced":
    return {**VALUE, "secret": secret}  # type: ignore[return-value]


async def get_invalid() -> Priced:
    return {"price": "not a number"}  # type: ignore[return-value]


async def get_html():
    return "<p>kept</p>"


async def get_egress_json():
    return egress.JSONResponse({"made": "by egress"}, status_code=201, headers={"x-egress": "1"})


async def get_egress_events():
    async def events() -> AsyncIterator[dict[str, int]]:
        yield {"n": 1}

    return egress.EventSourceResponse(events(), ping=0)


async def get_lines() -> AsyncIterator[dict[str, int]]:
    yield {"n": 1}


class TimedRoute(APIRoute):
    """A route class of the app's own: it adds a header to every response."""

    def get_route_handler(self) -> Callable[[Request], Any]:
        handle = super().get_route_handler()

        async def timed(request: Request) -> StarletteResponse:
            response: StarletteResponse = await handle(request)
            response.headers["x-timed"] = "yes"
            return response

        return timed


class OpaqueRoute(APIRoute):
    """A route class whose extra argument the route does not keep."""

    def __init__(self, path: str, endpoint: Callable[..., Any], *, flavour: str = "", **kw: Any):
        super().__init__(path, endpoint, **kw)


def build(installed: bool = True) -> tuple[FastAPI, list[Skipped]]:
    """The app, install() called half way through its declarations (unless not
    `installed`: its plain FastAPI twin); and what install() returned."""
    app = FastAPI()
    app.get("/before")(get_value)
    app.get("/before/sync")(get_value_sync)
    app.get("/typed")(get_typed)
    app.get("/declared", response_model=Priced)(get_declared)
    app.get("/invalid")(get_invalid)
    app.get("/explicit/json", response_class=JSONResponse)(get_value)
    app.get("/explicit/orjson", response_class=ORJSONResponse)(get_value)
    app.get("/html", response_class=HTMLResponse)(get_html)
    app.get("/html/egress-response", response_class=HTMLResponse)(get_egress_json)
    app.get("/egress-response")(get_egress_json)
    app.get("/egress-events")(get_egress_events)
    app.get("/lines")(get_lines)
    early = APIRouter(prefix="/early")
    early.get("/value")(get_value)
    app.include_router(early)
    timed = APIRouter(prefix="/timed", route_class=TimedRoute)
    timed.get("/value")(get_value)
    app.include_router(timed)

    skipped = install(app) if installed else []

    app.get("/after")(get_value)
    app.get("/html/after", response_class=HTMLResponse)(get_html)
    app.get("/explicit/ujson", response_class=UJSONResponse)(get_value)
    late = APIRouter(prefix="/late")
    late.get("/value")(get_value)
    late.get("/typed")(get_typed)
    app.include_router(late)
    orjson_router = APIRouter(prefix="/orjson")
    orjson_router.get("/value")(get_value)
    app.include_router(orjson_router, default_response_class=ORJSONResponse)
    opaque = APIRouter(prefix="/opaque", route_class=OpaqueRoute)
    opaque.get("/value")(get_value)
    app.include_router(opaque)
    return app, skipped


def build_with_default_class() -> FastAPI:
    """An app whose default response class is ORJSONResponse, installed before any route."""
    with warnings.catch_warnings():  # FastAPI deprecates ORJSONResponse when it is used
        warnings.simplefilter("ignore", DeprecationWarning)
        app = FastAPI(default_response_class=ORJSONResponse)
    install(app)
    app.get("/value")(get_value)
    return app


def string_annotated(route_class: type[APIRoute]) -> FastAPI:
    """Endpoints FastAPI resolves a string return annotation for through `__call__` or
    through the partial's function."""
    app = FastAPI()
    app.router.route_class = route_class
    app.add_api_route("/object", Pricing())
    app.add_api_route("/partial", functools.partial(get_priced, "filtered out"))
    return app


if os.environ.get("EGRESS_TEST_LOG"):
    logging.getLogger("egress.integrations.fastapi").addHandler(
        logging.FileHandler(os.environ["EGRESS_TEST_LOG"])
    )
app, skipped = build()
