"""Endpoint benchmark: per-request cost of a one-route app called in-process as ASGI.

egress endpoints returning a small dict and a dataclass (called directly, and mounted
in a Starlette Route), against the hand-written Starlette endpoint that builds a
JSONResponse itself, a Lilya app whose handler returns the dict (Lilya's delegate path),
a FastAPI route and a Litestar app returning the same dict.

Each measured call drives BATCH requests through the app inside one event-loop run, so
the loop's own start-up cost is spread thin; the table shows the time per request.

Run: make bench (or .venv/bin/python benchmarks/pipeline.py)
"""

from __future__ import annotations

import asyncio
import dataclasses
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fastapi import FastAPI
from lilya.apps import Lilya
from lilya.routing import Path as LilyaPath
from litestar import Litestar, get
from starlette.applications import Starlette
from starlette.requests import Request as StarletteRequest
from starlette.responses import JSONResponse as StarletteJSONResponse
from starlette.routing import Route

from benchmarks import _asgi, _harness
from egress import endpoint
from egress.types import ASGIApp

BATCH = 200
PAYLOAD = {"message": "Welcome home", "id": 7}


@dataclasses.dataclass
class Welcome:
    message: str
    id: int


@endpoint
async def egress_dict() -> dict[str, Any]:
    return {"message": "Welcome home", "id": 7}


@endpoint
async def egress_dataclass() -> Welcome:
    return Welcome("Welcome home", 7)


async def starlette_by_hand(request: StarletteRequest) -> StarletteJSONResponse:
    return StarletteJSONResponse({"message": "Welcome home", "id": 7})


async def lilya_dict() -> dict[str, Any]:
    return {"message": "Welcome home", "id": 7}


fastapi_app = FastAPI()


@fastapi_app.get("/")
async def fastapi_dict() -> dict[str, Any]:
    return {"message": "Welcome home", "id": 7}


@get("/")
async def litestar_dict() -> dict[str, Any]:
    return {"message": "Welcome home", "id": 7}


def contender(name: str, app: ASGIApp, loop: asyncio.AbstractEventLoop) -> _harness.Contender:
    def one(send: _asgi.Collect) -> Any:
        return app(_asgi.scope(), _asgi.receive, send)

    def check(send: _asgi.Collect) -> bool:
        return send.status == 200 and b"Welcome home" in send.body

    return _asgi.contender(name, one, loop, check, BATCH)


def main() -> None:
    loop = asyncio.new_event_loop()
    apps: dict[str, ASGIApp] = {
        "egress endpoint, dict": egress_dict,
        "egress endpoint, dataclass": egress_dataclass,
        "Starlette app, egress endpoint in a Route": Starlette(routes=[Route("/", egress_dict)]),
        "Starlette app, JSONResponse by hand": Starlette(routes=[Route("/", starlette_by_hand)]),
        "Lilya app, handler returns dict": Lilya(routes=[LilyaPath("/", lilya_dict)]),
        "FastAPI app, route returns dict": fastapi_app,
        "Litestar app, handler returns dict": Litestar(route_handlers=[litestar_dict]),
    }
    contenders = [contender(name, app, loop) for name, app in apps.items()]
    medians = _harness.measure(contenders, rounds=11, min_time=0.1)
    per_request = {name: value / BATCH for name, value in medians.items()}
    sections = [
        _harness.table(
            "Per request, small dict, ratio to the hand-written Starlette endpoint",
            per_request,
            "Starlette app, JSONResponse by hand",
        ),
        _harness.table(
            "Per request, ratio to the egress endpoint called directly",
            per_request,
            "egress endpoint, dict",
        ),
    ]
    loop.close()
    _harness.write(
        "pipeline",
        sections,
        preamble=(
            f"One-route apps called in-process as ASGI, {BATCH} requests per timed call; "
            f"payload {PAYLOAD}.\n\n"
        ),
    )


if __name__ == "__main__":
    main()
