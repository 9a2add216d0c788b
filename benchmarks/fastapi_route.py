"""FastAPI benchmark: per-request cost of a one-route FastAPI app, on FastAPI's APIRoute
and on egress's EgressRoute, called in-process as ASGI.

Three payloads, each returned by an `async def` route without a response_model (so
FastAPI encodes with jsonable_encoder + json.dumps, and EgressRoute with egress):
a small dict; a list of 100 dataclasses (each holding a nested dataclass); and 1,000
rows with timestamps (id, name, flag, score, two timezone-aware datetimes with
microseconds, a naive datetime and a date). The same three again on typed routes
(`response_model=`: FastAPI validates, then writes JSON in one pass of pydantic's Rust
serializer; EgressRoute lets pydantic validate and filter to Python data, which egress
encodes). All twelve apps run in one interleaved measurement.

Run: make bench (or .venv/bin/python benchmarks/fastapi_route.py)
"""

from __future__ import annotations

import asyncio
import datetime
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pydantic
from fastapi import FastAPI
from fastapi.routing import APIRoute

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import _asgi, _harness, _payloads
from egress.integrations.fastapi import EgressRoute

UTC = datetime.timezone.utc
PLUS_TWO = datetime.timezone(datetime.timedelta(hours=2))

SMALL = _payloads.SMALL
CUSTOMERS = [
    _payloads.Customer(f"user {i}", _payloads.Address(f"{i} Main St", "Springfield"))
    for i in range(100)
]
ROWS = [
    {
        "id": i,
        "name": f"row {i}",
        "flag": i % 3 == 0,
        "score": i / 7,
        "created": datetime.datetime(2024, 1, 1, 12, i % 60, i % 60, 123456 + i, tzinfo=UTC),
        "updated": datetime.datetime(2024, 6, 1, 8, i % 60, 30, 654321 - i, tzinfo=PLUS_TWO),
        "seen": datetime.datetime(2024, 3, 1, 9, 15, i % 60, 500 + i),
        "day": datetime.date(2024, 1 + i % 12, 1 + i % 28),
    }
    for i in range(1000)
]


class SmallModel(pydantic.BaseModel):
    message: str
    id: int


class Row(pydantic.BaseModel):
    id: int
    name: str
    flag: bool
    score: float
    created: datetime.datetime
    updated: datetime.datetime
    seen: datetime.datetime
    day: datetime.date


# payload name: (value, response_model or None, requests per timed call, items in its JSON)
PAYLOADS: dict[str, tuple[Any, Any, int, int]] = {
    "small dict": (SMALL, None, 200, 2),
    "100 dataclasses": (CUSTOMERS, None, 40, 100),
    "1,000 rows with timestamps": (ROWS, None, 4, 1000),
    "typed small dict": (SMALL, SmallModel, 200, 2),
    "typed 100 dataclasses": (CUSTOMERS, list[_payloads.Customer], 40, 100),
    "typed 1,000 rows with timestamps": (ROWS, list[Row], 4, 1000),
}
ROUTES: dict[str, type[APIRoute]] = {"APIRoute": APIRoute, "EgressRoute": EgressRoute}

App = Callable[..., Any]


def one_route_app(route_class: type[APIRoute], payload: Any, model: Any) -> FastAPI:
    app = FastAPI()
    app.router.route_class = route_class

    @app.get("/", response_model=model)
    async def answer():  # no return annotation: the response_model is the one given
        return payload

    return app


def contender(
    name: str, app: App, items: int, batch: int, loop: asyncio.AbstractEventLoop
) -> _harness.Contender:
    def one(send: _asgi.Collect) -> Any:
        return app(_asgi.scope(), _asgi.receive, send)

    def check(send: _asgi.Collect) -> bool:
        return send.status == 200 and len(json.loads(send.body)) == items

    return _asgi.contender(name, one, loop, check, batch)


def main() -> None:
    loop = asyncio.new_event_loop()
    contenders = []
    batches: dict[str, int] = {}
    for payload_name, (payload, model, batch, items) in PAYLOADS.items():
        for route_name, route_class in ROUTES.items():
            name = f"{payload_name}, {route_name}"
            batches[name] = batch
            app = one_route_app(route_class, payload, model)
            contenders.append(contender(name, app, items, batch, loop))
    medians = _harness.measure(contenders, rounds=11, min_time=0.1)
    loop.close()
    per_request = {name: value / batches[name] for name, value in medians.items()}
    sections = [
        _harness.table(
            f"{payload_name}: per request, ratio to FastAPI's APIRoute",
            {route_name: per_request[f"{payload_name}, {route_name}"] for route_name in ROUTES},
            "APIRoute",
        )
        for payload_name in PAYLOADS
    ]
    _harness.write(
        "fastapi_route",
        sections,
        preamble=(
            "One-route FastAPI apps called in-process as ASGI, the route switched with "
            "`app.router.route_class`. Untyped routes: FastAPI encodes with jsonable_encoder + "
            "json.dumps, EgressRoute with egress. Typed routes (`response_model=`): FastAPI "
            "validates and writes JSON with pydantic's Rust serializer; EgressRoute keeps "
            "pydantic's validation and filtering (to Python data) and encodes with egress. "
            "Payloads: "
            f"{SMALL}; 100 dataclasses with a nested dataclass; 1,000 rows of id, name, "
            "flag, score, two timezone-aware datetimes with microseconds, a naive datetime "
            "and a date.\n\n"
        ),
    )


if __name__ == "__main__":
    main()
